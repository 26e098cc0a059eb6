use pollcast_api::polls::create_poll;
use pollcast_auth::workspaces::create_workspace;
use pollcast_runtime::Context;
use pollcast_store::{StoreError, StoreResult};
use pollcast_types::{NewPoll, PollId};

const DEMO_POLL_KEY: &str = "demo_poll_id";

/// What the first start made, to print once.
pub struct Demo {
    pub poll_id: PollId,
    /// The demo workspace's admin key, only on the start that created it.
    pub new_key: Option<String>,
}

/// Creates a demo workspace and poll on the first start; later starts find the same poll.
pub async fn ensure_demo(context: &Context) -> StoreResult<Demo> {
    let store = context.store.as_ref();
    if let Some(id) = store
        .meta(DEMO_POLL_KEY)
        .await?
        .and_then(|s| PollId::parse(&s))
        && store.poll(&id).await?.is_some()
    {
        return Ok(Demo {
            poll_id: id,
            new_key: None,
        });
    }
    let (workspace, key) = create_workspace(store, "demo").await?;
    let request: NewPoll = serde_json::from_value(serde_json::json!({
        "question": "Which launch day?",
        "options": [{"label": "Monday"}, {"label": "Tuesday"}, {"label": "Friday"}],
        "dedupe": "browser"
    }))
    .map_err(|e| StoreError::Other(e.to_string()))?;
    let poll = create_poll(context, workspace.id, request)
        .await
        .map_err(|e| StoreError::Other(e.to_string()))?;
    store.set_meta(DEMO_POLL_KEY, poll.id.as_str()).await?;
    Ok(Demo {
        poll_id: poll.id,
        new_key: Some(key.secret),
    })
}
