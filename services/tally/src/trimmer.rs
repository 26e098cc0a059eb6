use std::sync::Arc;
use std::time::Duration;

use pollcast_bus::redis::streams::{
    StreamInfoConsumersReply, StreamInfoGroupsReply, StreamPendingReply, StreamTrimOptions,
    StreamTrimmingMode,
};
use pollcast_bus::redis::{AsyncCommands, RedisError};
use pollcast_wire::TALLY_GROUP;
use tokio_util::sync::CancellationToken;

use crate::TallyInner;

const EVERY: Duration = Duration::from_secs(5);
/// A consumer with nothing pending and silent this long is gone (restarts mint new names).
const FORGET_CONSUMER_AFTER_MS: usize = 3_600_000;

/// Trims the votes streams below what every consumer group has acknowledged, reports lag,
/// and forgets consumers that are long gone.
pub async fn run(tally: Arc<TallyInner>, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(EVERY) => {}
        }
        for shard in 0..tally.context.settings.shards {
            if let Err(e) = trim_shard(&tally, shard).await {
                tracing::debug!(shard, error = %e, "trimming skipped");
            }
        }
    }
}

/// Parses a stream id `ms-seq` for ordering.
fn parse_id(id: &str) -> Option<(u64, u64)> {
    let (ms, seq) = id.split_once('-')?;
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

async fn trim_shard(tally: &TallyInner, shard: u32) -> Result<(), RedisError> {
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
    if let Some((_, _, min_id)) = safe {
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
