//! Sends what is due: claims deliveries, signs and posts each, and decides what follows from
//! the answer. Any 2xx is success; `410 Gone` disables the endpoint at once; anything else
//! (redirects included) is retried on the schedule with jitter, the receiver's `Retry-After`
//! honoured up to the next step; after the last step the delivery has failed. At most
//! [`PER_ENDPOINT`] deliveries are in flight per endpoint, so a slow or dead receiver holds
//! its own deliveries back and nobody else's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pollcast_http::outbound::TargetPolicy;
use pollcast_store::{KeptDelivery, WebhookHealth};
use pollcast_types::{DISABLE_FAILING_AFTER_MS, Timestamp, Webhook, WebhookAttempt, WebhookId};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::http_send::{self, Outcome};
use crate::queue::Delivery;
use crate::{DispatchState, signature};

/// Deliveries in flight per endpoint: enough for thousands a second to a receiver that
/// answers in milliseconds on a busy machine (16 fell behind at 5,000 votes/s on two cores:
/// docs/benchmarks.md), few enough that a dead one holds little.
const PER_ENDPOINT: usize = 64;
/// Deliveries in flight in all.
const IN_FLIGHT: usize = 256;
/// How often the queue is looked at when nothing wakes the sender.
const POLL: Duration = Duration::from_millis(100);
/// How long a wake waits for more to wake it (deliveries ending, events queued), so one
/// claim takes many: claiming after each delivery ended cost Redis more than the rest of
/// the delivery (docs/benchmarks.md).
const GATHER: Duration = Duration::from_millis(5);
/// Endpoints with due deliveries looked at per shard and round.
const READY_SCAN: usize = 256;

pub async fn run(state: Arc<DispatchState>, shutdown: CancellationToken) {
    let (ended, ended_rx) = tokio::sync::mpsc::channel(IN_FLIGHT * 4);
    tokio::spawn(finish_ended(state.clone(), ended_rx));
    let all = Arc::new(Semaphore::new(IN_FLIGHT));
    let per_endpoint: Arc<Mutex<HashMap<WebhookId, Arc<Semaphore>>>> = Arc::default();
    let shards = state.context.settings.shards;
    let mut last_depth = std::time::Instant::now() - Duration::from_secs(60);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = state.wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(GATHER) => {}
        }
        if last_depth.elapsed() >= Duration::from_secs(1) {
            last_depth = std::time::Instant::now();
            report_depth(&state).await;
        }
        // Round after round while a round took all the room it asked for (more may wait):
        // each endpoint takes only the room it has, so a busy one leaves its deliveries
        // waiting and the others go on.
        let mut filled = true;
        while filled {
            filled = false;
            for shard in 0..shards {
                let free = all.available_permits();
                if free == 0 {
                    break;
                }
                let now = Timestamp::now().as_millis();
                let ready = match state.queue.ready(shard, now, READY_SCAN).await {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::warn!(error = %e, "webhooks: cannot read the queue");
                        break;
                    }
                };
                let mut budget = free;
                let mut wants = Vec::new();
                for webhook in ready {
                    if budget == 0 {
                        break;
                    }
                    let room = endpoint_slots(&per_endpoint, &webhook)
                        .available_permits()
                        .min(budget);
                    if room > 0 {
                        budget -= room;
                        wants.push((webhook, room));
                    }
                }
                let asked: usize = wants.iter().map(|(_, room)| room).sum();
                let claimed = match state.queue.claim(shard, now, &wants).await {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(error = %e, "webhooks: cannot claim deliveries");
                        break;
                    }
                };
                filled |= asked > 0 && claimed.len() == asked;
                for delivery in claimed {
                    let endpoint = endpoint_slots(&per_endpoint, &delivery.webhook_id);
                    let (Ok(slot), Ok(permit)) = (
                        endpoint.try_acquire_owned(),
                        all.clone().try_acquire_owned(),
                    ) else {
                        // Never more than the room asked for; should it happen, the lease
                        // brings it back.
                        continue;
                    };
                    let (state, ended) = (state.clone(), ended.clone());
                    tokio::spawn(async move {
                        attempt(&state, delivery, (slot, permit), &ended).await;
                        // Its room is free again: claim the next at once, not at the tick.
                        state.wake.notify_one();
                    });
                }
            }
        }
    }
}

/// Takes the deliveries that ended out of the queue, as many at once as ended meanwhile (a
/// script call each was a tenth of a delivery's cost). One that is lost here, in a crash, is
/// sent again when its lease ends, as if its answer had not been recorded.
async fn finish_ended(state: Arc<DispatchState>, mut ended: tokio::sync::mpsc::Receiver<Delivery>) {
    let mut batch = Vec::with_capacity(512);
    while ended.recv_many(&mut batch, 512).await > 0 {
        let mut shards: Vec<u32> = batch.iter().map(|d| d.shard).collect();
        shards.sort_unstable();
        shards.dedup();
        for shard in shards {
            let of_shard: Vec<&Delivery> = batch.iter().filter(|d| d.shard == shard).collect();
            if let Err(e) = state.queue.finish(shard, &of_shard).await {
                // Their leases run out and they are sent again: twice rather than lost.
                tracing::warn!(deliveries = of_shard.len(), error = %e, "webhooks: could not record that deliveries ended");
            }
        }
        batch.clear();
    }
}

/// An endpoint's in-flight slots in this process.
fn endpoint_slots(
    per_endpoint: &Mutex<HashMap<WebhookId, Arc<Semaphore>>>,
    webhook: &WebhookId,
) -> Arc<Semaphore> {
    let Ok(mut map) = per_endpoint.lock() else {
        return Arc::new(Semaphore::new(PER_ENDPOINT));
    };
    if map.len() > 10_000 {
        map.retain(|_, s| s.available_permits() < PER_ENDPOINT);
    }
    map.entry(webhook.clone())
        .or_insert_with(|| Arc::new(Semaphore::new(PER_ENDPOINT)))
        .clone()
}

async fn report_depth(state: &DispatchState) {
    if let Ok((depth, oldest)) = state.queue.depth(state.context.settings.shards).await {
        metrics::gauge!("webhook_queue_depth").set(depth as f64);
        let now = Timestamp::now().as_millis();
        let age = oldest.map_or(0, |due| (now - due).max(0));
        metrics::gauge!("webhook_oldest_pending_seconds").set(age as f64 / 1000.0);
    }
}

/// What the sender makes of one attempt.
#[derive(Debug, PartialEq)]
pub enum Next {
    Succeeded,
    /// `410`: the endpoint is disabled, the delivery failed.
    Gone,
    RetryAt(i64),
    Failed,
}

/// The step after an attempt (`attempts` made, including this one).
pub fn next(
    schedule: &[Duration],
    attempts: u32,
    outcome: &Outcome,
    now_ms: i64,
    jitter: f64,
) -> Next {
    if outcome.succeeded() {
        return Next::Succeeded;
    }
    if outcome.status == Some(410) {
        return Next::Gone;
    }
    let Some(step) = schedule.get(attempts.saturating_sub(1) as usize) else {
        return Next::Failed;
    };
    // ±10% jitter, so retries of many deliveries spread out.
    let base = step.as_millis() as f64 * (0.9 + 0.2 * jitter.clamp(0.0, 1.0));
    // The receiver's Retry-After is honoured, but never beyond the schedule's next step.
    let asked = outcome.retry_after_secs.map_or(0.0, |s| s as f64 * 1000.0);
    let wait = base.max(asked.min(step.as_millis() as f64 * 2.0));
    Next::RetryAt(now_ms + wait as i64)
}

async fn attempt(
    state: &DispatchState,
    mut delivery: Delivery,
    _slots: (OwnedSemaphorePermit, OwnedSemaphorePermit),
    ended: &tokio::sync::mpsc::Sender<Delivery>,
) {
    let webhook = match state.endpoint(&delivery.webhook_id).await {
        Ok(Some(w)) => w,
        Ok(None) => {
            // The endpoint was deleted: nothing more goes to it.
            let _ = ended.send(delivery).await;
            return;
        }
        Err(_) => {
            let _ = state
                .queue
                .retry(&delivery, Timestamp::now().as_millis() + 5_000)
                .await;
            return;
        }
    };
    if webhook.state() != "active" {
        let _ = ended.send(delivery).await;
        return;
    }
    let outcome = send(state, &webhook, &delivery).await;
    delivery.attempts += 1;
    metrics::counter!("webhook_attempts_total", "outcome" => if outcome.succeeded() { "succeeded" } else { "failed" })
        .increment(1);
    if let Some(class) = outcome.error {
        metrics::counter!("webhook_failures_total", "class" => class).increment(1);
    }
    let now = Timestamp::now().as_millis();
    let step = next(&state.schedule, delivery.attempts, &outcome, now, jitter());
    let attempt_log = WebhookAttempt {
        id: format!("att_{}", pollcast_types::ids::random_token(16)),
        webhook_id: webhook.id.clone(),
        delivery_id: delivery.id.clone(),
        event_id: delivery.event_id.clone(),
        event: delivery.event,
        attempt: delivery.attempts,
        status: if outcome.succeeded() {
            "succeeded"
        } else {
            "failed"
        }
        .to_owned(),
        http_status: outcome.status,
        latency_ms: outcome.latency_ms,
        error: outcome.error.map(str::to_owned),
        response_excerpt: outcome.excerpt.clone(),
        attempted_at: Timestamp::from_millis(now),
        next_attempt_at: match step {
            Next::RetryAt(at) => Some(Timestamp::from_millis(at)),
            _ => None,
        },
    };
    // The first attempt keeps the delivery itself for replays, with the log's retention.
    let kept = (delivery.attempts == 1).then(|| KeptDelivery {
        webhook_id: delivery.webhook_id.clone(),
        delivery_id: delivery.id.clone(),
        event_id: delivery.event_id.clone(),
        event: delivery.event,
        body: delivery.body.clone(),
        created_at: Timestamp::from_millis(now),
    });
    if state.log.send((attempt_log, kept)).await.is_err() {
        tracing::warn!(delivery = %delivery.id, "webhooks: an attempt was not logged");
    }
    track_failing(state, &webhook, outcome.succeeded(), now).await;
    tracing::debug!(delivery = %delivery.id, webhook = %webhook.id, attempt = delivery.attempts, status = ?outcome.status, error = ?outcome.error, "webhook attempt");
    match step {
        Next::RetryAt(at) => {
            if let Err(e) = state.queue.retry(&delivery, at).await {
                // The lease runs out and the delivery is claimed again: sent twice rather
                // than lost.
                tracing::warn!(delivery = %delivery.id, error = %e, "webhooks: could not record an attempt");
            }
        }
        Next::Gone => {
            let gone = WebhookHealth::Disabled("the receiver answered 410 Gone".to_owned());
            set_health(state, &webhook, &gone).await;
            let _ = ended.send(delivery).await;
        }
        Next::Succeeded | Next::Failed => {
            let _ = ended.send(delivery).await;
        }
    }
}

/// Signs and posts one delivery (also what `POST /v1/webhooks/{id}/test` does).
pub async fn send(state: &DispatchState, webhook: &Webhook, delivery: &Delivery) -> Outcome {
    let now = Timestamp::now();
    let timestamp = now.as_millis() / 1000;
    let secrets = match state.signing_secrets(webhook, now) {
        Ok(secrets) => secrets,
        Err(e) => {
            // Never sent unsigned: the attempt fails (class `secret`, retried on schedule)
            // until the operator restores the `secret.key` the endpoint was made with.
            tracing::error!(webhook = %webhook.id, error = %e, "webhooks: not sent");
            return Outcome::failed("secret", std::time::Instant::now());
        }
    };
    let headers = [
        ("content-type", "application/json".to_owned()),
        ("user-agent", "pollcast-webhooks/1".to_owned()),
        ("webhook-id", delivery.id.clone()),
        ("webhook-timestamp", timestamp.to_string()),
        (
            "webhook-signature",
            signature::sign(&secrets, &delivery.id, timestamp, delivery.body.as_bytes()),
        ),
    ];
    http_send::post(
        &state.connections,
        &policy(state),
        &webhook.url,
        &headers,
        delivery.body.clone(),
    )
    .await
}

fn policy(state: &DispatchState) -> TargetPolicy {
    let s = &state.context.settings;
    TargetPolicy::new(s.webhook_allow_http, &s.webhook_allow_private)
}

/// Keeps an endpoint's `failing_since` (written only when it starts or stops failing), and
/// disables an endpoint whose every attempt has failed for 5 days. Only the health is
/// written: an edit made since `webhook` was read stays.
async fn track_failing(state: &DispatchState, webhook: &Webhook, succeeded: bool, now: i64) {
    let health = match (succeeded, webhook.failing_since) {
        (true, Some(_)) => WebhookHealth::Failing(None),
        (false, None) => WebhookHealth::Failing(Some(Timestamp::from_millis(now))),
        (false, Some(since)) if now - since.as_millis() >= DISABLE_FAILING_AFTER_MS => {
            WebhookHealth::Disabled("every delivery attempt failed for 5 days".to_owned())
        }
        _ => return,
    };
    set_health(state, webhook, &health).await;
}

/// Writes the delivery log: attempts arrive one by one and are written in batches, one
/// transaction each (a row each was a SQLite write per delivery). On shutdown it writes what
/// has arrived and ends.
pub async fn write_log(
    state: Arc<DispatchState>,
    mut rx: tokio::sync::mpsc::Receiver<LogEntry>,
    shutdown: CancellationToken,
) {
    let mut batch = Vec::with_capacity(256);
    loop {
        let stopping = tokio::select! {
            n = rx.recv_many(&mut batch, 256) => n == 0,
            _ = shutdown.cancelled() => {
                while let Ok(entry) = rx.try_recv() {
                    batch.push(entry);
                }
                true
            }
        };
        if !batch.is_empty() {
            let (attempts, kept): (Vec<WebhookAttempt>, Vec<Option<KeptDelivery>>) =
                batch.drain(..).unzip();
            let kept: Vec<KeptDelivery> = kept.into_iter().flatten().collect();
            let store = &state.context.store;
            if let Err(e) = store.keep_webhook_deliveries(&kept).await {
                tracing::warn!(deliveries = kept.len(), error = %e, "webhooks: deliveries were not kept for replays");
            }
            if let Err(e) = store.insert_webhook_attempts(&attempts).await {
                tracing::warn!(attempts = attempts.len(), error = %e, "webhooks: attempts were not logged");
            }
        }
        if stopping {
            return;
        }
    }
}

/// An attempt on its way to the delivery log, with its delivery on the first attempt.
pub type LogEntry = (WebhookAttempt, Option<KeptDelivery>);

/// Forgets delivery-log entries older than `--webhook-log-days`, hourly.
pub async fn purge_log(state: Arc<DispatchState>, shutdown: CancellationToken) {
    let keep_ms = i64::from(state.context.settings.webhook_log_days) * 86_400_000;
    loop {
        let before = Timestamp::from_millis(Timestamp::now().as_millis() - keep_ms);
        match state.context.store.purge_webhook_attempts(before).await {
            Ok(n) if n > 0 => tracing::info!(removed = n, "webhook delivery log purged"),
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "webhook delivery log not purged"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
        }
    }
}

/// Writes what delivering to an endpoint taught (see [`WebhookHealth`]), and forgets the
/// cached copy so the next delivery reads it.
async fn set_health(state: &DispatchState, webhook: &Webhook, health: &WebhookHealth) {
    state.forget_endpoint(&webhook.id);
    match state
        .context
        .store
        .set_webhook_health(webhook, health)
        .await
    {
        Ok(_) => {
            if let WebhookHealth::Disabled(reason) = health {
                tracing::info!(webhook = %webhook.id, reason, "webhook endpoint disabled");
            }
        }
        Err(e) => {
            tracing::warn!(webhook = %webhook.id, error = %e, "webhooks: an endpoint's health was not saved")
        }
    }
}

fn jitter() -> f64 {
    let mut b = [0u8; 2];
    pollcast_types::ids::fill_random(&mut b);
    f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(status: u16, retry_after: Option<u64>) -> Outcome {
        Outcome {
            status: Some(status),
            latency_ms: 1,
            error: Some("http_status"),
            excerpt: String::new(),
            retry_after_secs: retry_after,
        }
    }

    #[test]
    fn the_schedule_decides_with_jitter_and_retry_after_and_410_ends_it() {
        let schedule = crate::DEFAULT_SCHEDULE
            .iter()
            .map(|s| crate::parse_duration(s).unwrap())
            .collect::<Vec<_>>();
        assert_eq!(schedule.len(), 7);
        let ok = Outcome {
            error: None,
            ..failed(204, None)
        };
        assert_eq!(next(&schedule, 1, &ok, 0, 0.5), Next::Succeeded);
        assert_eq!(next(&schedule, 1, &failed(410, None), 0, 0.5), Next::Gone);
        assert_eq!(
            next(&schedule, 1, &failed(500, None), 0, 0.5),
            Next::RetryAt(5_000)
        );
        assert_eq!(
            next(&schedule, 1, &failed(500, None), 0, 0.0),
            Next::RetryAt(4_500)
        );
        assert_eq!(
            next(&schedule, 2, &failed(302, None), 0, 1.0),
            Next::RetryAt(330_000)
        );
        // Retry-After is honoured, up to twice the step.
        assert_eq!(
            next(&schedule, 1, &failed(503, Some(8)), 0, 0.5),
            Next::RetryAt(8_000)
        );
        assert_eq!(
            next(&schedule, 1, &failed(503, Some(3600)), 0, 0.5),
            Next::RetryAt(10_000)
        );
        assert_eq!(
            next(&schedule, 7, &failed(500, None), 0, 0.5),
            Next::RetryAt(36_000_000)
        );
        assert_eq!(next(&schedule, 8, &failed(500, None), 0, 0.5), Next::Failed);
    }
}
