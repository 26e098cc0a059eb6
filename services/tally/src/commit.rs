use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::Duration;

use pollcast_bus::redis::Script;
use pollcast_runtime::Context;
use pollcast_types::{PollId, Timestamp, VoteRecord};
use pollcast_wire::{
    TALLY_GROUP, TIMELINE_MAX_FIELDS, TIMELINE_MINUTES, VoteEntry, entry_increments,
};
use tokio_util::sync::CancellationToken;

use crate::DirtyPolls;

/// One votes-stream entry as delivered to this consumer.
pub struct Delivered {
    pub shard: u32,
    pub entry_id: String,
    pub fields: HashMap<String, String>,
}

/// Commits batches: vote log first, then acknowledge-and-count.
pub struct Committer {
    context: Context,
    script: Script,
}

/// The batch was not committed because the service is stopping; its entries stay pending
/// and another consumer (or this one, restarted) reclaims them.
#[derive(Debug)]
pub struct Cancelled;

impl Committer {
    pub fn new(context: Context) -> Self {
        Self {
            context,
            script: Script::new(include_str!("ack_count.lua")),
        }
    }

    /// Commits a batch, retrying through store and Redis outages until it succeeds or
    /// `shutdown` fires.
    pub async fn commit(
        &self,
        batch: Vec<Delivered>,
        dirty: &DirtyPolls,
        shutdown: &CancellationToken,
    ) -> Result<(), Cancelled> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut decoded: Vec<(u32, String, Option<VoteEntry>)> = Vec::with_capacity(batch.len());
        for d in batch {
            match VoteEntry::from_fields(&d.fields) {
                Ok(entry) => decoded.push((d.shard, d.entry_id, Some(entry))),
                Err(e) => {
                    // Acknowledged without counting, so one bad entry cannot wedge the group.
                    tracing::error!(shard = d.shard, entry = %d.entry_id, error = %e, "undecodable votes-stream entry skipped");
                    metrics::counter!("tally_entries_skipped_total").increment(1);
                    decoded.push((d.shard, d.entry_id, None));
                }
            }
        }

        // 1. The vote log. Idempotent by vote id, so a redelivered batch rewrites nothing.
        let votes: Vec<VoteRecord> = decoded
            .iter()
            .filter_map(|(_, _, e)| e.as_ref().map(|e| e.vote.clone()))
            .collect();
        let store = self.context.store.clone();
        retry(shutdown, "append votes to the vote log", || {
            store.append_votes(&votes)
        })
        .await?;

        // 2. Acknowledge and count, one script call per shard (one Redis Cluster slot each).
        let mut by_shard: BTreeMap<u32, Vec<(String, Option<VoteEntry>)>> = BTreeMap::new();
        for (shard, id, vote) in decoded {
            by_shard.entry(shard).or_default().push((id, vote));
        }
        let mut counted = 0u64;
        for (shard, entries) in by_shard {
            let n = retry(shutdown, "acknowledge and count", || {
                self.ack_and_count(shard, &entries)
            })
            .await?;
            counted += n;
            for (_, vote) in &entries {
                if let Some(e) = vote {
                    dirty.mark(shard, e.vote.poll_id.clone());
                }
            }
        }
        metrics::counter!("tally_votes_counted_total").increment(counted);
        Ok(())
    }

    async fn ack_and_count(
        &self,
        shard: u32,
        entries: &[(String, Option<VoteEntry>)],
    ) -> Result<u64, pollcast_bus::redis::RedisError> {
        let keys = self.context.bus.keys();
        let mut invocation = self.script.prepare_invoke();
        invocation.key(keys.votes_stream(shard));
        let mut poll_index: HashMap<&PollId, usize> = HashMap::new();
        for (_, vote) in entries {
            if let Some(VoteEntry { vote: v, .. }) = vote
                && !poll_index.contains_key(&v.poll_id)
            {
                // Each poll takes six keys: its counts hash, its state hash, its timeline,
                // and its open-text terms, cloud and words.
                poll_index.insert(&v.poll_id, 2 + 6 * poll_index.len());
                invocation.key(keys.counts(shard, &v.poll_id));
                invocation.key(keys.poll_state(shard, &v.poll_id));
                invocation.key(keys.timeline(shard, &v.poll_id));
                invocation.key(keys.terms(shard, &v.poll_id));
                invocation.key(keys.cloud(shard, &v.poll_id));
                invocation.key(keys.words(shard, &v.poll_id));
            }
        }
        invocation
            .arg(TALLY_GROUP)
            .arg(Timestamp::now().as_millis())
            .arg(TIMELINE_MINUTES)
            .arg(TIMELINE_MAX_FIELDS);
        // Votes that count the same (same poll, epoch, increments, and new voter or changed
        // ballot: in a hot poll, one group per option) go as one group, acknowledged by one
        // XACK.
        type Counting = (usize, u32, u8, Vec<(String, i64)>);
        let mut groups: Vec<(Counting, Vec<&str>)> = Vec::new();
        let mut index: HashMap<Counting, usize> = HashMap::new();
        for (id, vote) in entries {
            let counting = match vote {
                Some(entry) => (
                    poll_index.get(&entry.vote.poll_id).copied().unwrap_or(0),
                    entry.vote.epoch,
                    // A changed ballot moves the counts; only a new voter adds to the total.
                    u8::from(entry.previous.is_none()),
                    entry_increments(entry),
                ),
                None => (0, 0, 0, Vec::new()),
            };
            match index.get(&counting) {
                Some(&at) => groups[at].1.push(id),
                None => {
                    // Cloned once per group, not once per vote.
                    index.insert(counting.clone(), groups.len());
                    groups.push((counting, vec![id]));
                }
            }
        }
        for ((k, epoch, voters, adds), ids) in &groups {
            invocation.arg(k).arg(epoch).arg(voters).arg(adds.len());
            for (field, amount) in adds {
                invocation.arg(field).arg(amount);
            }
            invocation.arg(ids.len());
            for id in ids {
                invocation.arg(*id);
            }
        }
        let mut conn = self.context.bus.conn();
        invocation.invoke_async(&mut conn).await
    }
}

/// Runs `op` until it succeeds, backing off from 50 ms to 2 s between tries; gives up only
/// when `shutdown` fires.
pub async fn retry<T, E, F, Fut>(
    shutdown: &CancellationToken,
    what: &str,
    mut op: F,
) -> Result<T, Cancelled>
where
    E: std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut delay = Duration::from_millis(50);
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "{what} failed");
                metrics::counter!("tally_retries_total").increment(1);
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return Err(Cancelled),
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}
