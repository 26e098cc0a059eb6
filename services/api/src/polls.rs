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
    pollcast_runtime::lifecycle::create(context, &poll).await?;
    metrics::counter!("polls_created_total").increment(1);
    tracing::info!(poll = %poll.id, workspace = %poll.workspace_id, "poll created");
    Ok(poll)
}
