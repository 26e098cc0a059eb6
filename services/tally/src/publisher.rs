use std::sync::Arc;
use std::time::Duration;

use pollcast_bus::redis::{RedisError, Script};
use pollcast_runtime::lifecycle;
use pollcast_types::PollId;
use pollcast_wire::{RESULTS_STREAM_LEN, ResultsEntry, ResultsMessage};
use tokio_util::sync::CancellationToken;

use crate::TallyInner;

static PUBLISH: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"-- KEYS[1] the poll's gate, KEYS[2] the shard's results stream
-- ARGV[1] interval ms, ARGV[2] owner, ARGV[3] approximate stream length, ARGV[4..] fields
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
end
return false",
    )
});

/// Publishes a snapshot of every poll whose counts changed, at most one per poll per
/// `coalesce_ms` across all tally instances, never one per vote.
pub async fn run(tally: Arc<TallyInner>, shutdown: CancellationToken) {
    let interval = Duration::from_millis(tally.context.settings.coalesce_ms.max(1));
    let tick = (interval / 4).max(Duration::from_millis(5));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tally.dirty.marked() => {}
            _ = tokio::time::sleep(tick) => {}
        }
        for (shard, poll) in tally.dirty.take() {
            match publish(&tally, shard, &poll, interval).await {
                Ok(true) => {}
                // Another instance published within the interval: try again next tick, so
                // the counts this instance added are not left unpublished.
                Ok(false) => tally.dirty.retry_later(shard, poll),
                Err(e) => {
                    tracing::warn!(poll = %poll, error = %e, "publishing results failed; will retry");
                    tally.dirty.retry_later(shard, poll);
                }
            }
        }
    }
}

#[derive(Debug)]
enum PublishError {
    Redis(RedisError),
    Store(pollcast_store::StoreError),
}

impl std::fmt::Display for PublishError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Redis(e) => e.fmt(f),
            Self::Store(e) => e.fmt(f),
        }
    }
}

/// Publishes one poll's snapshot unless the poll's gate is held. Returns whether it did.
async fn publish(
    tally: &TallyInner,
    shard: u32,
    poll_id: &PollId,
    interval: Duration,
) -> Result<bool, PublishError> {
    let Some(poll) = tally
        .polls
        .get(poll_id)
        .await
        .map_err(PublishError::Store)?
    else {
        return Ok(true);
    };
    // Counts and live status in one atomic read: a snapshot counted after a close is
    // published as closed, whatever this process's poll cache still says.
    let (snapshot, status) = lifecycle::live_snapshot(&tally.context, &poll)
        .await
        .map_err(PublishError::Redis)?;
    let keys = tally.context.bus.keys();
    let mut conn = tally.context.bus.conn();
    let msg = ResultsMessage::new(&snapshot, status).to_json();
    let entry = ResultsEntry {
        poll_id: poll.id.clone(),
        seq: snapshot.seq,
        msg,
        status: None,
    };
    // The gate and the append are one step, so consecutive snapshots of a poll in the stream
    // are at least the interval apart, however the instances' work interleaves.
    let mut invocation = PUBLISH.prepare_invoke();
    invocation
        .key(keys.publish_gate(shard, poll_id))
        .key(keys.results_stream(shard))
        .arg(interval.as_millis() as u64)
        .arg(&tally.consumer)
        .arg(RESULTS_STREAM_LEN);
    for (field, value) in entry.to_fields() {
        invocation.arg(field).arg(value);
    }
    let published: Option<String> = invocation
        .invoke_async(&mut conn)
        .await
        .map_err(PublishError::Redis)?;
    if published.is_none() {
        return Ok(false);
    }
    metrics::counter!("tally_results_published_total").increment(1);
    // The durable copy, for when Redis loses its data; best effort, the next publish retries.
    if let Err(e) = tally.context.store.save_results(&snapshot).await {
        tracing::warn!(poll = %poll.id, error = %e, "saving the results snapshot failed");
    }
    Ok(true)
}
