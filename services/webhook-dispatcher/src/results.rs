//! `results.updated`: from the results streams (the snapshots tally publishes, read in the
//! dispatcher's group like the votes), at most one per poll per
//! `--webhook-results-interval-secs`, through a gate in Redis that every dispatcher shares. A
//! snapshot that finds the gate closed waits as the poll's pending one, and goes when it
//! opens: a burst of votes ends with its final results delivered, never with a stale one.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use pollcast_bus::redis::{AsyncCommands, Script};
use pollcast_types::{EventType, Poll, PollId, Timestamp};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::DispatchError;
use crate::DispatchState;
use crate::events::{Endpoints, event_body, queue_for};

static GATE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("results_gate.lua")));
static RELEASE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("results_release.lua")));

fn interval_ms(state: &DispatchState) -> u64 {
    u64::from(state.context.settings.webhook_results_interval_secs) * 1000
}

/// A results message read from a results stream: queued now, or held for the gate.
pub async fn offer(
    state: &DispatchState,
    endpoints: &mut Endpoints,
    poll_id: &PollId,
    msg: &str,
) -> Result<u64, DispatchError> {
    let Some(poll) = state.polls.get(poll_id).await? else {
        return Ok(0);
    };
    if !endpoints
        .of(state, &poll.workspace_id)
        .await?
        .iter()
        .any(|w| w.wants(EventType::ResultsUpdated, Some(&poll.id)))
    {
        return Ok(0);
    }
    let keys = state.context.bus.keys();
    let verdict: String = GATE
        .key(keys.webhook_results_gate(poll_id))
        .key(keys.webhook_results_pending())
        .key(keys.webhook_results_due())
        .arg(poll_id.as_str())
        .arg(msg)
        .arg(Timestamp::now().as_millis())
        .arg(interval_ms(state))
        .invoke_async(&mut state.context.bus.conn())
        .await?;
    if verdict != "send" {
        return Ok(0);
    }
    queue(state, endpoints, &poll, msg).await
}

/// Sends the pending results of polls whose gate has opened, every half second.
pub async fn release(state: Arc<DispatchState>, shutdown: CancellationToken) {
    let mut endpoints = Endpoints::default();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        if let Err(e) = release_due(&state, &mut endpoints).await {
            tracing::debug!(error = %e, "webhooks: pending results not released");
        }
    }
}

async fn release_due(
    state: &DispatchState,
    endpoints: &mut Endpoints,
) -> Result<(), DispatchError> {
    let keys = state.context.bus.keys();
    let mut conn = state.context.bus.conn();
    let now = Timestamp::now().as_millis();
    let due: Vec<String> = conn
        .zrangebyscore_limit(keys.webhook_results_due(), "-inf", now, 0, 100)
        .await?;
    if !due.is_empty() {
        endpoints.follow(state).await?;
    }
    for raw in due {
        let Some(poll_id) = PollId::parse(&raw) else {
            continue;
        };
        // The poll before the release: a store error leaves the results pending.
        let poll = state.polls.get(&poll_id).await?;
        let msg: String = RELEASE
            .key(keys.webhook_results_gate(&poll_id))
            .key(keys.webhook_results_pending())
            .key(keys.webhook_results_due())
            .arg(poll_id.as_str())
            .arg(now)
            .arg(interval_ms(state))
            .invoke_async(&mut conn)
            .await?;
        if msg.is_empty() {
            continue;
        }
        if let Some(poll) = poll {
            queue(state, endpoints, &poll, &msg).await?;
        }
    }
    Ok(())
}

/// One `results.updated` per endpoint that wants it, for the snapshot in `msg`.
async fn queue(
    state: &DispatchState,
    endpoints: &mut Endpoints,
    poll: &Poll,
    msg: &str,
) -> Result<u64, DispatchError> {
    let Ok(frame) = serde_json::from_str::<Value>(msg) else {
        return Ok(0);
    };
    let seq = frame["seq"].as_u64().unwrap_or(0);
    let data = results_object(poll, frame);
    let event_id = format!("evt_results_{}_{seq}", poll.id);
    let body = event_body(EventType::ResultsUpdated, Timestamp::now(), data);
    let wanting: Vec<_> = endpoints
        .of(state, &poll.workspace_id)
        .await?
        .iter()
        .filter(|w| w.wants(EventType::ResultsUpdated, Some(&poll.id)))
        .cloned()
        .collect();
    let queued = queue_for(
        state,
        poll.shard,
        &wanting,
        &event_id,
        EventType::ResultsUpdated,
        &body,
    )
    .await?;
    if queued > 0 {
        state.wake.notify_one();
    }
    Ok(queued)
}

/// The results object of `GET /v1/polls/{id}/results` from a live message: each option with
/// its label and share; the kind's rounds, distribution or mean as they came.
fn results_object(poll: &Poll, mut frame: Value) -> Value {
    let total = frame["total_votes"].as_u64().unwrap_or(0);
    if let Some(map) = frame.as_object_mut() {
        map.remove("type");
        map.remove("viewers");
        let options = poll
            .options
            .iter()
            .map(|o| {
                let votes = map
                    .get("options")
                    .and_then(Value::as_array)
                    .and_then(|list| list.iter().find(|c| c["id"] == o.id.as_str()))
                    .and_then(|c| c["votes"].as_u64())
                    .unwrap_or(0);
                let share = pollcast_types::share(votes, total);
                serde_json::json!({"id": o.id.as_str(), "label": o.label, "votes": votes, "share": share})
            })
            .collect::<Vec<_>>();
        map.insert("options".into(), Value::Array(options));
        map.insert("updated_at".into(), serde_json::json!(Timestamp::now()));
    }
    frame
}
