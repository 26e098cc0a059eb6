use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pollcast_bus::entry_fields;
use pollcast_bus::redis::streams::{
    StreamInfoConsumersReply, StreamInfoGroupsReply, StreamPendingReply, StreamRangeReply,
    StreamTrimOptions, StreamTrimmingMode,
};
use pollcast_bus::redis::{AsyncCommands, RedisError};
use pollcast_store::StoreError;
use pollcast_types::VoteRecord;
use pollcast_wire::{TALLY_GROUP, VoteEntry};
use tokio_util::sync::CancellationToken;

use crate::TallyInner;

/// Entries read back per round when writing the log again.
const REWRITE_BATCH: usize = 1_000;

#[derive(Debug, thiserror::Error)]
enum TrimError {
    #[error(transparent)]
    Redis(#[from] RedisError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// For a store that may lose the last seconds of acknowledged writes
/// ([`pollcast_store::Store::unsettled_window`]), per shard: when each id was seen to be
/// acknowledged by every group, and up to where the log has been written again.
#[derive(Default)]
struct Settling {
    seen: VecDeque<(Instant, String)>,
    /// Acknowledged at least the window ago: to be written again, then trimmed.
    ripe: Option<String>,
    rewritten: Option<String>,
}

const EVERY: Duration = Duration::from_secs(5);
/// A consumer with nothing pending and silent this long is gone (restarts mint new names).
const FORGET_CONSUMER_AFTER_MS: usize = 3_600_000;

/// Trims the votes streams below what every consumer group has acknowledged, reports lag,
/// and forgets consumers that are long gone.
pub async fn run(tally: Arc<TallyInner>, shutdown: CancellationToken) {
    let mut settling: HashMap<u32, Settling> = HashMap::new();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(EVERY) => {}
        }
        for shard in 0..tally.context.settings.shards {
            let settling = settling.entry(shard).or_default();
            if let Err(e) = trim_shard(&tally, shard, settling).await {
                tracing::debug!(shard, error = %e, "trimming skipped");
            }
        }
    }
}

/// With a store that may still lose what it acknowledged in the last `window`: the votes
/// every group acknowledged at least `window` ago are written to the log again (the store may
/// have lost the first write in a crash; appends are idempotent), and only those may leave
/// the stream. Returns up to where the stream may be trimmed.
async fn settle(
    tally: &TallyInner,
    stream: &str,
    settling: &mut Settling,
    safe: String,
    window: Duration,
) -> Result<Option<String>, TrimError> {
    settling.seen.push_back((Instant::now(), safe));
    while settling
        .seen
        .front()
        .is_some_and(|(at, _)| at.elapsed() >= window)
    {
        settling.ripe = settling.seen.pop_front().map(|(_, id)| id);
    }
    let Some(ripe) = settling.ripe.clone() else {
        return Ok(None);
    };
    if settling.rewritten.as_ref() == Some(&ripe) {
        return Ok(Some(ripe));
    }
    let mut conn = tally.context.bus.conn();
    let mut from = match &settling.rewritten {
        Some(id) => format!("({id}"),
        None => "-".to_owned(),
    };
    // Inclusive: `ripe` itself stays in the stream (trimming keeps it) but is written again
    // too, so the last vote before a quiet spell is not left out.
    let until = ripe.clone();
    let mut rewritten = 0u64;
    loop {
        let reply: StreamRangeReply = conn
            .xrange_count(stream, &from, &until, REWRITE_BATCH)
            .await?;
        let Some(last) = reply.ids.last().map(|e| e.id.clone()) else {
            break;
        };
        let votes: Vec<VoteRecord> = reply
            .ids
            .iter()
            .filter_map(|e| VoteEntry::from_fields(&entry_fields(&e.map)).ok())
            .map(|e| e.vote)
            .collect();
        tally.context.store.rewrite_votes(&votes).await?;
        rewritten += votes.len() as u64;
        from = format!("({last}");
        if reply.ids.len() < REWRITE_BATCH {
            break;
        }
    }
    metrics::counter!("tally_votes_rewritten_total").increment(rewritten);
    settling.rewritten = Some(ripe.clone());
    Ok(Some(ripe))
}

/// Parses a stream id `ms-seq` for ordering.
fn parse_id(id: &str) -> Option<(u64, u64)> {
    let (ms, seq) = id.split_once('-')?;
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

async fn trim_shard(
    tally: &TallyInner,
    shard: u32,
    settling: &mut Settling,
) -> Result<(), TrimError> {
    let stream = tally.context.bus.keys().votes_stream(shard);
    let mut conn = tally.context.bus.conn();
    let groups: StreamInfoGroupsReply = conn.xinfo_groups(&stream).await?;
    if groups.groups.is_empty() {
        return Ok(());
    }
    // The lowest id some group may still need: its oldest pending entry, or, with nothing
    // pending, its last delivered entry (everything before it is acknowledged).
    let mut safe: Option<(u64, u64, String)> = None;
    for group in &groups.groups {
        let needed = if group.pending > 0 {
            let pending: StreamPendingReply = conn.xpending(&stream, &group.name).await?;
            match pending {
                StreamPendingReply::Data(d) => d.start_id,
                _ => group.last_delivered_id.clone(),
            }
        } else {
            group.last_delivered_id.clone()
        };
        if let Some((ms, seq)) = parse_id(&needed)
            && safe.as_ref().is_none_or(|(m, s, _)| (ms, seq) < (*m, *s))
        {
            safe = Some((ms, seq, needed));
        }
        if group.name == TALLY_GROUP
            && let Some(lag) = group.lag
        {
            metrics::gauge!("tally_lag_entries", "shard" => shard.to_string()).set(lag as f64);
        }
    }
    let trim_to = match (safe, tally.context.store.unsettled_window()) {
        (Some((_, _, safe)), None) => Some(safe),
        (Some((_, _, safe)), Some(window)) => {
            settle(tally, &stream, settling, safe, window).await?
        }
        (None, _) => None,
    };
    if let Some(min_id) = trim_to {
        let trimmed: usize = conn
            .xtrim_options(
                &stream,
                &StreamTrimOptions::minid(StreamTrimmingMode::Exact, min_id),
            )
            .await?;
        metrics::counter!("tally_entries_trimmed_total").increment(trimmed as u64);
    }

    let consumers: StreamInfoConsumersReply = conn.xinfo_consumers(&stream, TALLY_GROUP).await?;
    for c in consumers.consumers {
        if c.pending == 0 && c.idle > FORGET_CONSUMER_AFTER_MS && c.name != tally.consumer {
            let _: usize = conn
                .xgroup_delconsumer(&stream, TALLY_GROUP, &c.name)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_id;

    #[test]
    fn stream_ids_order_numerically() {
        assert!(parse_id("9-5") < parse_id("10-0"));
        assert!(parse_id("10-2") < parse_id("10-10"));
        assert_eq!(parse_id("x"), None);
    }
}
