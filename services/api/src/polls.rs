use pollcast_http::ApiError;
use pollcast_http::pagination::after_cursor;
use pollcast_runtime::Context;
use pollcast_store::{After, Store};
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

/// How many store pages one filtered list request may read before it answers with what it
/// found (and a cursor to go on from there).
const MAX_SCANS: usize = 20;

/// A workspace's polls that pass `keep`, newest first, at most `limit`, after the cursor;
/// and the cursor of the next page. What `GET /v1/polls` and the console's list both do.
pub async fn list_polls(
    store: &dyn Store,
    workspace: &WorkspaceId,
    mut after: Option<After>,
    limit: usize,
    keep: impl Fn(&Poll) -> bool,
) -> Result<(Vec<Poll>, Option<String>), ApiError> {
    let mut found = Vec::new();
    let mut scanned_all = false;
    for _ in 0..MAX_SCANS {
        let batch = store.polls(workspace, after.as_ref(), limit + 1).await?;
        let exhausted = batch.len() <= limit;
        if let Some(last) = batch.last() {
            after = Some(After {
                created_at: last.created_at.as_millis(),
                id: last.id.to_string(),
            });
        }
        found.extend(batch.into_iter().filter(|p| keep(p)));
        if exhausted {
            scanned_all = true;
        }
        if found.len() > limit || scanned_all {
            break;
        }
    }
    // When the scan budget ran out, the page ends at the last poll scanned so the next
    // request goes on from there.
    let more = found.len() > limit || !scanned_all;
    found.truncate(limit);
    let next_cursor = match (more, found.last(), &after) {
        (true, Some(p), _) if found.len() == limit => {
            Some(after_cursor(p.created_at.as_millis(), p.id.as_str()))
        }
        (true, _, Some(a)) => Some(after_cursor(a.created_at, &a.id)),
        _ => None,
    };
    Ok((found, next_cursor))
}
