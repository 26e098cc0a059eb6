use std::collections::HashMap;

use pollcast_bus::is_unavailable;
use pollcast_bus::redis::{AsyncCommands, RedisError};
use pollcast_http::ApiError;
use pollcast_types::{ErrorCode, Poll, PollStatus, ResultsSnapshot, ResultsVisibility, Timestamp};
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

/// Whether an anonymous caller may see the poll's results now.
pub fn check_visibility(poll: &Poll, now: Timestamp) -> Result<(), ApiError> {
    let closed = poll.status_at(now) == PollStatus::Closed;
    let visible = match poll.results_visibility {
        ResultsVisibility::Always => true,
        // Owner access and per-voter access (after_vote) arrive with the full REST API; until
        // then these polls show results once closed, and owner_only never shows them.
        ResultsVisibility::AfterClose | ResultsVisibility::AfterVote => closed,
        ResultsVisibility::OwnerOnly => false,
    };
    if visible {
        Ok(())
    } else {
        Err(ErrorCode::ResultsHidden.into())
    }
}
