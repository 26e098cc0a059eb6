//! Read-your-vote for the poll page's form: a browser without JavaScript is redirected to a
//! page rendered from tally's counts, so the form waits (briefly, bounded) until tally has
//! counted the vote it just stored; otherwise the voter would see results without their vote.
//!
//! It waits on tally's own notification, never on a timer: tally publishes a poll's results
//! to its shard's results stream after counting (coalesced, the last change always goes).
//! While anyone waits, one reader per shard follows that stream on a connection of its own
//! and wakes the waiters of the polls it names; each then asks Redis once whether its entry
//! is counted. A tally that is behind therefore costs nothing extra: no request checks again
//! until tally has published something for its poll.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use pollcast_bus::Conn;
use pollcast_bus::redis::streams::{StreamRangeReply, StreamReadOptions, StreamReadReply};
use pollcast_bus::redis::{AsyncCommands, RedisError, Script};
use pollcast_bus::{Bus, entry_fields};
use pollcast_types::PollId;
use pollcast_wire::{ResultsEntry, TALLY_GROUP};
use tokio::sync::{Mutex, broadcast};

/// How long a form vote waits for its count before redirecting anyway (the page then shows
/// the counts as they are; the vote is stored and will be counted).
pub const WAIT_AT_MOST: Duration = Duration::from_millis(1500);

/// How long one blocking read of a results stream lasts before the reader looks whether
/// anyone still waits.
const BLOCK: Duration = Duration::from_millis(1000);

type Watches = Arc<Mutex<HashMap<u32, broadcast::Sender<PollId>>>>;

pub struct CountedCheck {
    bus: Bus,
    script: Script,
    /// Per shard, while anyone waits: the polls its results stream names, as they come.
    watches: Watches,
}

impl CountedCheck {
    pub fn new(bus: Bus) -> Self {
        Self {
            bus,
            script: Script::new(include_str!("counted.lua")),
            watches: Arc::default(),
        }
    }

    /// Waits until tally has counted the vote stored under `entry` for `poll`, or
    /// [`WAIT_AT_MOST`] has passed, or Redis fails; says whether it was counted.
    pub async fn wait(&self, shard: u32, poll: &PollId, entry: &str) -> bool {
        let until = tokio::time::Instant::now() + WAIT_AT_MOST;
        // Following before the first check: a publish between the two is not missed.
        let mut published = match self.follow(shard).await {
            Ok(rx) => rx,
            Err(e) => {
                tracing::debug!(error = %e, "cannot follow the results stream for a form vote");
                return false;
            }
        };
        loop {
            match self.counted(shard, entry).await {
                Ok(true) => return true,
                Ok(false) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "could not tell whether a form vote was counted");
                    return false;
                }
            }
            // Until tally publishes this poll's results again.
            loop {
                match tokio::time::timeout_at(until, published.recv()).await {
                    Err(_) | Ok(Err(broadcast::error::RecvError::Closed)) => return false,
                    Ok(Ok(p)) if p == *poll => break,
                    Ok(Ok(_)) => {}
                    Ok(Err(broadcast::error::RecvError::Lagged(_))) => break,
                }
            }
        }
    }

    async fn counted(&self, shard: u32, entry: &str) -> Result<bool, RedisError> {
        let mut conn = self.bus.conn();
        let counted: i64 = self
            .script
            .key(self.bus.keys().votes_stream(shard))
            .arg(TALLY_GROUP)
            .arg(entry)
            .invoke_async(&mut conn)
            .await?;
        Ok(counted == 1)
    }

    /// The polls shard `shard`'s results stream names from now on; starts its reader if
    /// nobody was waiting on that shard.
    async fn follow(&self, shard: u32) -> Result<broadcast::Receiver<PollId>, RedisError> {
        let mut watches = self.watches.lock().await;
        if let Some(tx) = watches.get(&shard) {
            return Ok(tx.subscribe());
        }
        let stream = self.bus.keys().results_stream(shard);
        let mut conn = self.bus.dedicated(BLOCK).await?;
        // From the newest entry now, so nothing published after this call is missed.
        let newest: StreamRangeReply = conn.xrevrange_count(&stream, "+", "-", 1).await?;
        let from = newest
            .ids
            .first()
            .map_or_else(|| "0-0".to_owned(), |e| e.id.clone());
        let (tx, rx) = broadcast::channel(1024);
        watches.insert(shard, tx.clone());
        tokio::spawn(read(self.watches.clone(), shard, stream, conn, from, tx));
        Ok(rx)
    }
}

/// Follows one results stream while anyone waits on it, naming each poll it publishes.
/// Ends (and its waiters stop waiting) when nobody waits any more or Redis fails.
async fn read(
    watches: Watches,
    shard: u32,
    stream: String,
    mut conn: Conn,
    mut from: String,
    tx: broadcast::Sender<PollId>,
) {
    let opts = StreamReadOptions::default()
        .count(1000)
        .block(BLOCK.as_millis() as usize);
    loop {
        let reply: Result<Option<StreamReadReply>, RedisError> =
            conn.xread_options(&[&stream], &[&from], &opts).await;
        let Ok(reply) = reply else {
            break;
        };
        for key in reply.map(|r| r.keys).unwrap_or_default() {
            for entry in key.ids {
                if let Some(e) = ResultsEntry::from_fields(&entry_fields(&entry.map)) {
                    let _ = tx.send(e.poll_id);
                }
                from = entry.id;
            }
        }
        // Decided under the lock a new waiter takes: it either joins this reader or, once
        // this one is gone from the map, starts the next.
        let mut watching = watches.lock().await;
        if tx.receiver_count() == 0 {
            watching.remove(&shard);
            return;
        }
    }
    let mut watching = watches.lock().await;
    if watching.get(&shard).is_some_and(|t| t.same_channel(&tx)) {
        watching.remove(&shard);
    }
}
