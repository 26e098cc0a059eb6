//! Read-your-vote for the poll page's form: a browser without JavaScript is redirected to a
//! page rendered from tally's counts, so the form waits (briefly, bounded) until tally has
//! counted the vote it just stored; otherwise the voter would see results without their vote.

use std::time::Duration;

use pollcast_bus::Bus;
use pollcast_bus::redis::Script;
use pollcast_wire::TALLY_GROUP;

/// How long a form vote waits for its count before redirecting anyway (the page then shows
/// the counts as they are; the vote is stored and will be counted).
pub const WAIT_AT_MOST: Duration = Duration::from_millis(1500);
const EVERY: Duration = Duration::from_millis(20);

pub struct CountedCheck {
    bus: Bus,
    script: Script,
}

impl CountedCheck {
    pub fn new(bus: Bus) -> Self {
        Self {
            bus,
            script: Script::new(include_str!("counted.lua")),
        }
    }

    /// Waits until tally has counted the vote stored under `entry` in shard `shard`, or
    /// `WAIT_AT_MOST` has passed, or Redis fails; says whether it was counted.
    pub async fn wait(&self, shard: u32, entry: &str) -> bool {
        let stream = self.bus.keys().votes_stream(shard);
        let until = tokio::time::Instant::now() + WAIT_AT_MOST;
        loop {
            let mut conn = self.bus.conn();
            let counted: Result<i64, _> = self
                .script
                .key(&stream)
                .arg(TALLY_GROUP)
                .arg(entry)
                .invoke_async(&mut conn)
                .await;
            match counted {
                Ok(1) => return true,
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "could not tell whether a form vote was counted");
                    return false;
                }
            }
            if tokio::time::Instant::now() + EVERY > until {
                return false;
            }
            tokio::time::sleep(EVERY).await;
        }
    }
}
