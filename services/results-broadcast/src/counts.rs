use pollcast_bus::is_unavailable;
use pollcast_http::ApiError;
use pollcast_runtime::lifecycle;
use pollcast_types::{Poll, PollStatus, ResultsSnapshot, Timestamp};
use pollcast_wire::ResultsMessage;

use crate::BroadcastState;
use crate::hub::Frame;

/// What a poll's results are now, and where they came from.
pub struct Current {
    pub snapshot: ResultsSnapshot,
    pub status: PollStatus,
    /// Read from the store's last saved snapshot because Redis could not answer.
    pub stale: bool,
}

/// The poll's current counts and live status from Redis (one atomic read, see
/// `lifecycle::live_snapshot`), or, when Redis cannot answer, the last snapshot tally saved in
/// the store, marked stale (it carries its own `seq` and `updated_at`).
pub async fn current(state: &BroadcastState, poll: &Poll) -> Result<Current, ApiError> {
    match lifecycle::live_snapshot(&state.context, poll).await {
        Ok((snapshot, status)) => Ok(Current {
            snapshot,
            status,
            stale: false,
        }),
        Err(e) if is_unavailable(&e) => {
            tracing::warn!(poll = %poll.id, error = %e, "redis unavailable; serving the stored snapshot");
            match state.context.store.results(&poll.id).await? {
                Some(snapshot) => Ok(Current {
                    snapshot,
                    status: poll.status_at(Timestamp::now()),
                    stale: true,
                }),
                None => Err(ApiError::unavailable("results are unavailable; retry")),
            }
        }
        Err(e) => Err(e.into()),
    }
}

pub fn frame_of(snapshot: &ResultsSnapshot, status: PollStatus) -> Frame {
    Frame {
        seq: snapshot.seq,
        text: ResultsMessage::new(snapshot, status).to_json().into(),
        status: None,
    }
}
