use std::collections::HashMap;

use pollcast_bus::is_unavailable;
use pollcast_bus::redis::{AsyncCommands, RedisError};
use pollcast_http::ApiError;
use pollcast_types::{Poll, PollStatus, ResultsSnapshot};
use pollcast_wire::{ResultsMessage, snapshot_from_counts};

use crate::BroadcastState;
use crate::hub::Frame;

/// The poll's current counts from Redis, or, when Redis cannot answer, the last snapshot
/// tally saved in the store (stale but honest: it carries its own `seq` and `updated_at`).
pub async fn current(state: &BroadcastState, poll: &Poll) -> Result<ResultsSnapshot, ApiError> {
    let key = state.context.bus.keys().counts(poll.shard, &poll.id);
    let mut conn = state.context.bus.conn();
    let res: Result<HashMap<String, String>, RedisError> = conn.hgetall(&key).await;
    match res {
        Ok(hash) => Ok(snapshot_from_counts(poll, &hash)),
        Err(e) if is_unavailable(&e) => {
            tracing::warn!(poll = %poll.id, error = %e, "redis unavailable; serving the stored snapshot");
            match state.context.store.results(&poll.id).await {
                Ok(Some(snapshot)) => Ok(snapshot),
                Ok(None) => Err(ApiError::unavailable("results are unavailable; retry")),
                Err(e) => Err(ApiError::unavailable(e.to_string())),
            }
        }
        Err(e) => Err(ApiError::internal(e)),
    }
}

pub fn frame_of(snapshot: &ResultsSnapshot, status: PollStatus) -> Frame {
    Frame {
        seq: snapshot.seq,
        text: ResultsMessage::new(snapshot, status).to_json().into(),
        status: None,
    }
}
