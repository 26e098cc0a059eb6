use pollcast_http::ApiError;
use pollcast_runtime::Context;
use pollcast_types::{NewPoll, Poll, Timestamp, WorkspaceId};
use pollcast_wire::shard_for;

/// Validates and stores a new poll in a workspace: the one way polls are made (the REST
/// route and the demo poll both come here).
pub async fn create_poll(
    context: &Context,
    workspace_id: WorkspaceId,
    request: NewPoll,
) -> Result<Poll, ApiError> {
    let mut poll = request
        .into_poll(workspace_id, 0, Timestamp::now())
        .map_err(ApiError::validation)?;
    poll.shard = shard_for(&poll.id, context.settings.shards);
    // Redis first: a schedule entry for a poll the store never got is skipped by the
    // scheduler, while a stored poll without its schedule would never be announced.
    pollcast_runtime::lifecycle::register(context, &poll)
        .await
        .map_err(|e| ApiError::unavailable(format!("redis: {e}")))?;
    context
        .store
        .insert_poll(&poll)
        .await
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    metrics::counter!("polls_created_total").increment(1);
    tracing::info!(poll = %poll.id, workspace = %poll.workspace_id, "poll created");
    Ok(poll)
}
