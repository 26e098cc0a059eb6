//! Timed transitions: a scheduled poll opens at `opens_at`, a poll closes at `closes_at` or
//! when it reaches `close_after_votes`. Every api instance runs this loop; for each due
//! transition exactly one of them acts, holding a lock while it applies it, and a transition
//! whose instance died mid-way is retried once the lock expires.

use std::sync::Arc;
use std::time::Duration;

use pollcast_bus::redis::{self, AsyncCommands, RedisError};
use pollcast_runtime::lifecycle;
use pollcast_types::Timestamp;
use tokio_util::sync::CancellationToken;

use crate::ApiState;

const EVERY: Duration = Duration::from_millis(250);
const LOCK_MS: u64 = 10_000;

pub async fn run(state: Arc<ApiState>, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(EVERY) => {}
        }
        for shard in 0..state.context.settings.shards {
            if let Err(e) = run_shard(&state, shard).await {
                tracing::warn!(shard, error = %e, "scheduler pass failed");
            }
        }
    }
}

async fn run_shard(state: &ApiState, shard: u32) -> Result<(), RedisError> {
    let keys = state.context.bus.keys();
    let schedule = keys.schedule(shard);
    let mut conn = state.context.bus.conn();
    let now = Timestamp::now().as_millis();
    let due: Vec<String> = conn
        .zrangebyscore_limit(&schedule, "-inf", now, 0, 100)
        .await?;
    for member in due {
        let lock = keys.transition_lock(shard, &member);
        let got: Option<String> = redis::cmd("SET")
            .arg(&lock)
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(LOCK_MS)
            .query_async(&mut conn)
            .await?;
        if got.is_none() {
            continue;
        }
        match apply(state, &member).await {
            Ok(()) => {
                // Remove only if it was not rescheduled meanwhile (a PATCH of closes_at).
                let score: Option<i64> = conn.zscore(&schedule, &member).await?;
                if score.is_some_and(|s| s <= now) {
                    let _: usize = conn.zrem(&schedule, &member).await?;
                }
                let _: usize = conn.del(&lock).await?;
            }
            Err(e) => {
                tracing::warn!(member, error = %e, "transition failed; retried when its lock expires")
            }
        }
    }
    Ok(())
}

async fn apply(state: &ApiState, member: &str) -> Result<(), lifecycle::TransitionError> {
    if let Some(poll) = lifecycle::apply_due(&state.context, member).await? {
        state.polls.invalidate(&poll);
    }
    Ok(())
}
