//! `poll.*` events, from the store's outbox: the lifecycle writes each poll change and its
//! event in one transaction (`Store::change_poll`), so an event exists if and only if its
//! change was stored. This task turns the outbox's rows into deliveries (each row's
//! deliveries once, whoever reads it: several dispatchers may) and then deletes them.

use std::sync::Arc;
use std::time::Duration;

use pollcast_store::PollEvent;
use pollcast_types::{EventType, Webhook};
use tokio_util::sync::CancellationToken;

use crate::events::{Endpoints, event_body, owner_view, queue_for};
use crate::{DispatchError, DispatchState};

const EVERY: Duration = Duration::from_millis(200);
const BATCH: usize = 500;

pub async fn run(state: Arc<DispatchState>, shutdown: CancellationToken) {
    let mut endpoints = Endpoints::default();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
        // No cursor: what is still in the outbox is what is left to do (a store may add an
        // event below one already read), and exactly what was queued is forgotten.
        let events = match state.context.store.poll_events(BATCH).await {
            Ok(events) => events,
            Err(e) => {
                tracing::debug!(error = %e, "webhooks: the poll outbox cannot be read");
                continue;
            }
        };
        if events.is_empty() {
            continue;
        }
        if let Err(e) = endpoints.follow(&state).await {
            tracing::debug!(error = %e, "webhooks: endpoint changes cannot be read");
            continue;
        }
        let mut done = Vec::with_capacity(events.len());
        for event in events {
            if let Err(e) = queue(&state, &mut endpoints, &event).await {
                tracing::warn!(error = %e, "webhooks: poll events not queued; they come back");
                break;
            }
            done.push(event);
        }
        if !done.is_empty() {
            if let Err(e) = state.context.store.forget_poll_events(&done).await {
                tracing::debug!(error = %e, "webhooks: queued poll events not forgotten yet");
            }
            state.wake.notify_one();
        }
    }
}

async fn queue(
    state: &DispatchState,
    endpoints: &mut Endpoints,
    event: &PollEvent,
) -> Result<u64, DispatchError> {
    let poll = &event.poll;
    let wanting: Vec<Webhook> = endpoints
        .of(state, &poll.workspace_id)
        .await?
        .iter()
        .filter(|w| w.wants(event.event, Some(&poll.id)))
        .cloned()
        .collect();
    if wanting.is_empty() {
        return Ok(0);
    }
    // The outbox's sequence number never repeats; with the poll and the kind it names this
    // event wherever and however often it is read.
    let event_id = format!("evt_{}_{}_{}", event.event.as_str(), poll.id, event.seq);
    let body = match (&event.event, &poll.last_hidden) {
        (EventType::EntryHidden, Some(hidden)) => event_body(
            event.event,
            event.at,
            serde_json::json!({
                "poll_id": poll.id,
                "term": hidden.term,
                "text": hidden.text,
                "entries": hidden.entries,
                "hidden_at": hidden.hidden_at,
            }),
        ),
        _ => event_body(event.event, event.at, owner_view(poll)),
    };
    Ok(queue_for(state, poll.shard, &wanting, &event_id, event.event, &body).await?)
}
