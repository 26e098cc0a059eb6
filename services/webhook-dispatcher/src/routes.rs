//! The delivery side of the webhooks API: the log of attempts, replays, and a test delivery
//! that answers with what the receiver really answered. (Endpoints themselves are the api
//! service's: `/v1/webhooks`.)

use std::collections::BTreeSet;

use actix_web::{HttpResponse, web};
use pollcast_auth::Caller;
use pollcast_http::ApiError;
use pollcast_http::pagination::{self, Page, after_cursor};
use pollcast_store::AttemptFilter;
use pollcast_types::{ErrorCode, EventType, FieldError, Timestamp, Webhook, WebhookAttempt};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::queue::{Delivery, Queued};
use crate::{DispatchState, events, sender};

async fn owned(state: &DispatchState, caller: &Caller, raw_id: &str) -> Result<Webhook, ApiError> {
    caller.webhook(state.context.store.as_ref(), raw_id).await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// `succeeded` or `failed`.
    status: Option<String>,
    /// An event type, e.g. `vote.created`.
    event: Option<String>,
    /// 1 to 200; 50 when absent.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

fn check_status(status: Option<&str>) -> Result<(), ApiError> {
    match status {
        None | Some("succeeded") | Some("failed") => Ok(()),
        Some(_) => Err(ApiError::validation(vec![FieldError::new(
            "status",
            "must be `succeeded` or `failed`",
        )])),
    }
}

/// `GET /v1/webhooks/{id}/deliveries`: every attempt, newest first.
#[utoipa::path(
    get, path = "/v1/webhooks/{webhook_id}/deliveries", operation_id = "list_webhook_deliveries", tag = "webhooks", security(("bearer" = [])),
    params(("webhook_id" = String, Path, description = "The endpoint's id"), DeliveriesQuery),
    responses((status = 200, description = "A page of attempts, newest first", body = Page<WebhookAttempt>)),
)]
pub async fn deliveries(
    state: web::Data<DispatchState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<DeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let webhook = owned(&state, &caller, &path).await?;
    check_status(query.status.as_deref())?;
    if let Some(event) = &query.event
        && EventType::parse(event).is_none()
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "event",
            "is not an event type",
        )]));
    }
    let limit = pagination::limit(query.limit)?;
    let after = pagination::after(query.cursor.as_deref())?;
    let filter = AttemptFilter {
        status: query.status.clone(),
        event: query.event.clone(),
        since: None,
    };
    let attempts = state
        .context
        .store
        .webhook_attempts(&webhook.id, &filter, after.as_ref(), limit + 1)
        .await?;
    let page = pagination::page(
        attempts,
        limit,
        |a| after_cursor(a.attempted_at.as_millis(), &a.id),
        |a| serde_json::to_value(a).unwrap_or_default(),
    );
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(page))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Replayed {
    /// The deliveries queued again (each keeps its `webhook-id`).
    replayed: Vec<String>,
}

/// `POST /v1/webhooks/{id}/deliveries/{delivery_id}/replay`: that delivery again, with its
/// `webhook-id`, now.
#[utoipa::path(
    post, path = "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", operation_id = "replay_webhook_delivery", tag = "webhooks", security(("bearer" = [])),
    params(("webhook_id" = String, Path, description = "The endpoint's id"), ("delivery_id" = String, Path, description = "The delivery's id (its `webhook-id`)")),
    responses((status = 202, description = "Queued again", body = Replayed)),
)]
pub async fn replay_one(
    state: web::Data<DispatchState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (webhook_id, delivery_id) = path.into_inner();
    let webhook = owned(&state, &caller, &webhook_id).await?;
    replay(&state, &webhook, &delivery_id).await?;
    Ok(HttpResponse::Accepted().json(Replayed {
        replayed: vec![delivery_id],
    }))
}

/// Queues a kept delivery of the endpoint again, now: the API's replay and the console's.
pub async fn replay(
    state: &DispatchState,
    webhook: &Webhook,
    delivery_id: &str,
) -> Result<(), ApiError> {
    if !requeue(state, webhook, delivery_id).await? {
        return Err(ApiError::new(ErrorCode::NotFound).with_detail(format!(
            "no such delivery of this endpoint is kept (deliveries are kept {} days)",
            state.context.settings.webhook_log_days
        )));
    }
    state.wake.notify_one();
    Ok(())
}

/// Queues a delivery the store keeps for `webhook` again (its `webhook-id` and body as
/// first sent); false when none is kept. Replays wait in shard 0 (no event's ack to join).
async fn requeue(
    state: &DispatchState,
    webhook: &Webhook,
    delivery_id: &str,
) -> Result<bool, ApiError> {
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayMany {
    /// `failed` (the only kind replayed in bulk).
    status: String,
    /// Deliveries whose attempts failed at or after this.
    since: Timestamp,
}

/// `POST /v1/webhooks/{id}/replay {"status": "failed", "since"}`: every delivery that failed
/// since then, again.
#[utoipa::path(
    post, path = "/v1/webhooks/{webhook_id}/replay", operation_id = "replay_webhook_deliveries", tag = "webhooks", security(("bearer" = [])),
    params(("webhook_id" = String, Path, description = "The endpoint's id")), request_body = ReplayMany,
    responses((status = 202, description = "Queued again", body = Replayed)),
)]
pub async fn replay_many(
    state: web::Data<DispatchState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<ReplayMany>,
) -> Result<HttpResponse, ApiError> {
    let webhook = owned(&state, &caller, &path).await?;
    if body.status != "failed" {
        return Err(ApiError::validation(vec![FieldError::new(
            "status",
            "must be `failed`",
        )]));
    }
    let filter = AttemptFilter {
        status: Some("failed".into()),
        event: None,
        since: Some(body.since),
    };
    let failed: BTreeSet<String> = state
        .context
        .store
        .webhook_attempts(&webhook.id, &filter, None, 1000)
        .await?
        .into_iter()
        .map(|a| a.delivery_id)
        .collect();
    let mut replayed = Vec::new();
    for id in failed {
        if requeue(&state, &webhook, &id).await? {
            replayed.push(id);
        }
    }
    state.wake.notify_one();
    Ok(HttpResponse::Accepted().json(Replayed { replayed }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestEvent {
    event: EventType,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TestResult {
    pub delivered: bool,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    pub latency_ms: u64,
    pub error: Option<&'static str>,
    pub response_excerpt: String,
}

/// `POST /v1/webhooks/{id}/test {"event"}`: a realistic sample of the event, signed like any
/// delivery, sent now; the answer is what the receiver answered.
#[utoipa::path(
    post, path = "/v1/webhooks/{webhook_id}/test", operation_id = "test_webhook", tag = "webhooks", security(("bearer" = [])),
    params(("webhook_id" = String, Path, description = "The endpoint's id")), request_body = TestEvent,
    responses((status = 200, description = "What the receiver answered", body = TestResult)),
)]
pub async fn test(
    state: web::Data<DispatchState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<TestEvent>,
) -> Result<HttpResponse, ApiError> {
    let webhook = owned(&state, &caller, &path).await?;
    let result = send_test(&state, &webhook, body.event).await;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(result))
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
        error: outcome.error,
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
        EventType::ResultsUpdated => json!({
            "poll_id": "pollSample01", "status": "open", "seq": 42, "total_votes": 3,
            "options": [{"id": "optMon01", "label": "Monday", "votes": 2, "share": 0.6667},
                        {"id": "optTue01", "label": "Tuesday", "votes": 1, "share": 0.3333}],
            "updated_at": now
        }),
        _ => poll,
    }
}
