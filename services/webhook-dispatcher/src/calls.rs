//! What the api and the console ask of the webhook dispatcher, wherever it runs
//! (`pollcast_bus::calls`): a test delivery that answers with what the receiver really
//! answered, and replays of kept deliveries. (The HTTP routes are the api's.)

use pollcast_types::{DispatcherAnswer, DispatcherCall, EventType, TestResult, Timestamp, Webhook};
use pollcast_wire::WEBHOOK_DISPATCHER_CALLS;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::queue::{Delivery, Queued};
use crate::{DispatchError, DispatchState, events, sender};

/// Answers calls until `shutdown`.
pub async fn run(state: std::sync::Arc<DispatchState>, shutdown: CancellationToken) {
    let bus = state.context.bus.clone();
    let consumer = state.consumer.clone();
    pollcast_bus::calls::serve(
        bus,
        WEBHOOK_DISPATCHER_CALLS,
        consumer,
        shutdown,
        move |request| {
            let state = state.clone();
            async move {
                let answer = match serde_json::from_str::<DispatcherCall>(&request) {
                    Ok(call) => answer(&state, call).await,
                    Err(e) => {
                        tracing::warn!(error = %e, "webhook dispatcher: a call it cannot read");
                        Ok(DispatcherAnswer::NoSuchWebhook)
                    }
                };
                match answer {
                    Ok(a) => serde_json::to_string(&a).unwrap_or_default(),
                    Err(e) => {
                        // An empty answer, which the asker cannot read: it answers 503 at once.
                        tracing::warn!(error = %e, "webhook dispatcher: a call failed");
                        String::new()
                    }
                }
            }
        },
    )
    .await;
}

async fn answer(
    state: &DispatchState,
    call: DispatcherCall,
) -> Result<DispatcherAnswer, DispatchError> {
    let (workspace_id, webhook_id) = match &call {
        DispatcherCall::Test {
            workspace_id,
            webhook_id,
            ..
        }
        | DispatcherCall::Replay {
            workspace_id,
            webhook_id,
            ..
        } => (workspace_id, webhook_id),
    };
    let Some(webhook) = state
        .context
        .store
        .webhook(webhook_id)
        .await?
        .filter(|w| w.workspace_id == *workspace_id)
    else {
        return Ok(DispatcherAnswer::NoSuchWebhook);
    };
    Ok(match call {
        DispatcherCall::Test { event, .. } => {
            DispatcherAnswer::Tested(send_test(state, &webhook, event).await)
        }
        DispatcherCall::Replay { delivery_ids, .. } => {
            let mut replayed = Vec::new();
            for id in delivery_ids {
                if requeue(state, &webhook, &id).await? {
                    replayed.push(id);
                }
            }
            state.wake.notify_one();
            DispatcherAnswer::Replayed { replayed }
        }
    })
}

/// Queues a delivery the store keeps for `webhook` again (its `webhook-id` and body as
/// first sent); false when none is kept. Replays wait in shard 0 (no event's ack to join).
async fn requeue(
    state: &DispatchState,
    webhook: &Webhook,
    delivery_id: &str,
) -> Result<bool, DispatchError> {
    let Some(kept) = state
        .context
        .store
        .kept_webhook_delivery(&webhook.id, delivery_id)
        .await?
    else {
        return Ok(false);
    };
    let delivery = Delivery {
        id: kept.delivery_id,
        shard: 0,
        webhook_id: kept.webhook_id,
        event_id: kept.event_id,
        event: kept.event,
        body: kept.body,
        attempts: 0,
    };
    let event = Queued {
        entry: None,
        deliveries: vec![delivery],
    };
    state
        .queue
        .enqueue(
            event.deliveries[0].shard,
            None,
            &[event],
            Timestamp::now().as_millis(),
        )
        .await?;
    Ok(true)
}

/// Sends a sample of `event` to the endpoint now and says what the receiver answered: the
/// API's test and the console's test button.
pub async fn send_test(state: &DispatchState, webhook: &Webhook, event: EventType) -> TestResult {
    let event_id = format!("evt_test_{}", pollcast_types::ids::random_token(16));
    let delivery = Delivery {
        id: Delivery::id_for(&event_id, &webhook.id),
        shard: 0, // sent here, never queued
        webhook_id: webhook.id.clone(),
        event_id,
        event,
        body: events::event_body(event, Timestamp::now(), sample(event)),
        attempts: 0,
    };
    let outcome = sender::send(state, webhook, &delivery).await;
    TestResult {
        delivered: outcome.succeeded(),
        status: outcome.status,
        latency_ms: outcome.latency_ms,
        error: outcome.error.map(str::to_owned),
        response_excerpt: outcome.excerpt,
    }
}

/// A realistic `data` for each event type (as `docs/webhooks.md` shows them).
fn sample(event: EventType) -> serde_json::Value {
    let now = Timestamp::now();
    let poll = json!({
        "id": "pollSample01", "question": "Which launch day?", "kind": "single",
        "options": [{"id": "optMon01", "label": "Monday", "position": 0},
                    {"id": "optTue01", "label": "Tuesday", "position": 1}],
        "min_choices": 1, "max_choices": 1, "status": "open", "results_visibility": "always",
        "dedupe": "browser", "created_at": now, "updated_at": now, "metadata": {}
    });
    match event {
        EventType::VoteCreated => json!({
            "vote_id": "0193f1c2a4b27c3e9d1f6a8b2c4d6e8f", "poll_id": "pollSample01",
            "option_ids": ["optMon01"], "voter": "b1946ac92492d2347c6235b4d2611184",
            "received_at": now
        }),
        EventType::VoteChanged => json!({
            "vote_id": "0193f1c3b5c38d4fae2071b9c3d5e7f9", "poll_id": "pollSample01",
            "option_ids": ["optTue01"], "voter": "b1946ac92492d2347c6235b4d2611184",
            "received_at": now,
            "previous": {"vote_id": "0193f1c2a4b27c3e9d1f6a8b2c4d6e8f", "option_ids": ["optMon01"]}
        }),
        EventType::ResultsUpdated => json!({
            "poll_id": "pollSample01", "status": "open", "seq": 42, "total_votes": 3,
            "options": [{"id": "optMon01", "label": "Monday", "votes": 2, "share": 0.6667},
                        {"id": "optTue01", "label": "Tuesday", "votes": 1, "share": 0.3333}],
            "updated_at": now
        }),
        _ => poll,
    }
}
