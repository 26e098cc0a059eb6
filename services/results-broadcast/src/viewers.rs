//! How many people watch each poll. Each live connection (WebSocket or SSE) holds a
//! [`Watching`] guard for its life, so this process knows its own count at once; every
//! [`REPORT_EVERY`] it reports the counts of its polls to Redis and learns the sum over every
//! instance (`viewers.lua`). Frames get the number written in once per frame and process
//! (`"viewers": N`), never per connection: 10,000 viewers cost nothing more than one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytestring::ByteString;
use pollcast_bus::redis::Script;
use pollcast_types::{PollId, Timestamp};
use tokio_util::sync::CancellationToken;

use crate::BroadcastState;
use crate::hub::Frame;

const REPORT_EVERY: Duration = Duration::from_secs(2);
/// An instance's report lives this long: a killed instance's viewers stop counting after it.
const REPORT_TTL: Duration = Duration::from_secs(7);

#[derive(Default)]
struct Count {
    shard: u32,
    here: u64,
    /// What the other instances reported, at the last report.
    elsewhere: u64,
}

pub struct Viewers {
    /// Names this process in the shared counts.
    instance: String,
    polls: Mutex<HashMap<PollId, Count>>,
}

/// One connection's place in its poll's count; counted out when dropped.
pub struct Watching {
    viewers: Arc<Viewers>,
    poll: PollId,
}

impl Default for Viewers {
    fn default() -> Self {
        Self {
            instance: pollcast_types::ids::random_token(12),
            polls: Mutex::default(),
        }
    }
}

impl Viewers {
    pub fn watch(self: &Arc<Self>, poll: &PollId, shard: u32) -> Watching {
        if let Ok(mut polls) = self.polls.lock() {
            let count = polls.entry(poll.clone()).or_default();
            count.shard = shard;
            count.here += 1;
        }
        Watching {
            viewers: self.clone(),
            poll: poll.clone(),
        }
    }

    /// How many watch `poll`: here now, plus elsewhere at the last report.
    pub fn total(&self, poll: &PollId) -> u64 {
        self.polls
            .lock()
            .ok()
            .and_then(|polls| polls.get(poll).map(|c| c.here + c.elsewhere))
            .unwrap_or(0)
    }

    /// `frame` with the number of viewers in its message.
    pub fn stamp(&self, poll: &PollId, frame: Frame) -> Frame {
        let Some(open) = frame.text.strip_suffix('}') else {
            return frame;
        };
        Frame {
            text: ByteString::from(format!("{open},\"viewers\":{}}}", self.total(poll))),
            ..frame
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        if let Ok(mut polls) = self.viewers.polls.lock()
            && let Some(count) = polls.get_mut(&self.poll)
        {
            count.here = count.here.saturating_sub(1);
        }
    }
}

/// Reports this process's counts every [`REPORT_EVERY`] and keeps the others' sums.
pub async fn run(state: Arc<BroadcastState>, shutdown: CancellationToken) {
    let script = Script::new(include_str!("viewers.lua"));
    let viewers = &state.viewers;
    let mut tick = tokio::time::interval(REPORT_EVERY);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let counts: Vec<(PollId, u32, u64)> = match viewers.polls.lock() {
            Ok(polls) => polls
                .iter()
                .map(|(poll, c)| (poll.clone(), c.shard, c.here))
                .collect(),
            Err(_) => continue,
        };
        let keys = state.context.bus.keys();
        let mut conn = state.context.bus.conn();
        for (poll, shard, here) in counts {
            let total: Result<u64, _> = script
                .key(keys.viewers(shard, &poll))
                .arg(&viewers.instance)
                .arg(here)
                .arg(Timestamp::now().as_millis())
                .arg(REPORT_TTL.as_millis() as u64)
                .invoke_async(&mut conn)
                .await;
            let Ok(mut polls) = viewers.polls.lock() else {
                continue;
            };
            match total {
                Ok(total) => {
                    if let Some(count) = polls.get_mut(&poll) {
                        count.elsewhere = total.saturating_sub(here);
                        // Reported as gone everywhere it was here: forget the poll.
                        if count.here == 0 && here == 0 {
                            polls.remove(&poll);
                        }
                    }
                }
                Err(e) => tracing::debug!(poll = %poll, error = %e, "viewer count not reported"),
            }
        }
    }
}
