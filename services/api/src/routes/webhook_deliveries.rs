//! The delivery side of the webhooks API: the log of attempts (from the store), replays, and
//! a test delivery that answers with what the receiver really answered. Replays and tests
//! are the webhook dispatcher's to do, wherever it runs: they are asked of it through Redis
//! (`pollcast_bus::calls`), so they work in a split deployment, and the console's buttons
//! ask the same way ([`send_test`], [`replay`]).

use std::collections::BTreeSet;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use pollcast_auth::Caller;
use pollcast_http::ApiError;
use pollcast_http::pagination::{self, Page, after_cursor};
use pollcast_runtime::Context;
use pollcast_store::AttemptFilter;
use pollcast_types::{
    DispatcherAnswer, DispatcherCall, ErrorCode, EventType, FieldError, TestResult, Timestamp,
    Webhook, WebhookAttempt,
};
use pollcast_wire::WEBHOOK_DISPATCHER_CALLS;
use serde::{Deserialize, Serialize};

use crate::ApiState;

/// How long a call waits for the dispatcher: a test delivery's own timeout and some.
const CALL_WITHIN: Duration = Duration::from_secs(15);

async fn owned(state: &ApiState, caller: &Caller, raw_id: &str) -> Result<Webhook, ApiError> {
    caller.webhook(state.context.store.as_ref(), raw_id).await
}

/// Asks the webhook dispatcher; 503 when none answers (none runs, or Redis is down) or its
/// answer cannot be read (it failed).
async fn ask(context: &Context, call: &DispatcherCall) -> Result<DispatcherAnswer, ApiError> {
    let request = serde_json::to_string(call).map_err(ApiError::internal)?;
    let answer = pollcast_bus::calls::ask(
        &context.bus,
        WEBHOOK_DISPATCHER_CALLS,
        &request,
        CALL_WITHIN,
    )
    .await?;
    match answer
        .as_deref()
        .map(serde_json::from_str::<DispatcherAnswer>)
    {
        Some(Ok(answer)) => Ok(answer),
        Some(Err(_)) | None => Err(ApiError::unavailable(
            "no webhook dispatcher answered; retry (is one running?)",
        )),
    }
}

/// Sends a sample of `event` to the endpoint now (through the dispatcher) and says what the
/// receiver answered: the API's test and the console's test button.
pub async fn send_test(
    context: &Context,
    webhook: &Webhook,
    event: EventType,
) -> Result<TestResult, ApiError> {
    let call = DispatcherCall::Test {
        workspace_id: webhook.workspace_id.clone(),
        webhook_id: webhook.id.clone(),
        event,
    };
    match ask(context, &call).await? {
        DispatcherAnswer::Tested(result) => Ok(result),
        _ => Err(ErrorCode::WebhookNotFound.into()),
    }
}

/// Queues kept deliveries of the endpoint again, now (through the dispatcher): those it
/// queued (the store no longer keeps the others). The API's replays and the console's.
pub async fn replay(
    context: &Context,
    webhook: &Webhook,
    delivery_ids: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    if delivery_ids.is_empty() {
        return Ok(Vec::new());
    }
    let call = DispatcherCall::Replay {
        workspace_id: webhook.workspace_id.clone(),
        webhook_id: webhook.id.clone(),
        delivery_ids,
    };
    match ask(context, &call).await? {
        DispatcherAnswer::Replayed { replayed } => Ok(replayed),
        _ => Err(ErrorCode::WebhookNotFound.into()),
    }
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
    state: web::Data<ApiState>,
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
    pub replayed: Vec<String>,
}

/// `POST /v1/webhooks/{id}/deliveries/{delivery_id}/replay`: that delivery again, with its
/// `webhook-id`, now.
#[utoipa::path(
    post, path = "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", operation_id = "replay_webhook_delivery", tag = "webhooks", security(("bearer" = [])),
    params(("webhook_id" = String, Path, description = "The endpoint's id"), ("delivery_id" = String, Path, description = "The delivery's id (its `webhook-id`)")),
    responses((status = 202, description = "Queued again", body = Replayed)),
)]
pub async fn replay_one(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (webhook_id, delivery_id) = path.into_inner();
    let webhook = owned(&state, &caller, &webhook_id).await?;
    let replayed = replay(&state.context, &webhook, vec![delivery_id]).await?;
    if replayed.is_empty() {
        return Err(ApiError::new(ErrorCode::NotFound).with_detail(format!(
            "no such delivery of this endpoint is kept (deliveries are kept {} days)",
            state.context.settings.webhook_log_days
        )));
    }
    Ok(HttpResponse::Accepted().json(Replayed { replayed }))
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
    state: web::Data<ApiState>,
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
    let failed: Vec<String> = state
        .context
        .store
        .webhook_attempts(&webhook.id, &filter, None, 1000)
        .await?
        .into_iter()
        .map(|a| a.delivery_id)
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    let replayed = replay(&state.context, &webhook, failed).await?;
    Ok(HttpResponse::Accepted().json(Replayed { replayed }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestEvent {
    event: EventType,
}

/// `POST /v1/webhooks/{id}/test {"event"}`: a realistic sample of the event, signed like any
/// delivery, sent now; the answer is what the receiver answered.
#[utoipa::path(
    post, path = "/v1/webhooks/{webhook_id}/test", operation_id = "test_webhook", tag = "webhooks", security(("bearer" = [])),
    params(("webhook_id" = String, Path, description = "The endpoint's id")), request_body = TestEvent,
    responses((status = 200, description = "What the receiver answered", body = TestResult)),
)]
pub async fn test(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<TestEvent>,
) -> Result<HttpResponse, ApiError> {
    let webhook = owned(&state, &caller, &path).await?;
    let result = send_test(&state.context, &webhook, body.event).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(result))
}
