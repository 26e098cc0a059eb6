//! Webhook endpoints (`webhooks:write`): where a workspace's events go. Secrets are
//! `whsec_` + 32 random bytes (base64), shown once (on creation and on rotation) and stored
//! sealed with the server's key; after a rotation the previous secret signs too for 24 h.
//! Targets are checked against SSRF here and again at every delivery.

use actix_web::{HttpRequest, HttpResponse, web};
use pollcast_bus::endpoint_changes;
use pollcast_http::ApiError;
use pollcast_http::outbound::{TargetError, TargetPolicy};
use pollcast_http::pagination::{self, Page, PageQuery, after_cursor};
use pollcast_runtime::webhook_secret::{self, ROTATION_OVERLAP_MS};
use pollcast_types::{
    ErrorCode, EventType, FieldError, MAX_WEBHOOKS_PER_WORKSPACE, PollId, Scope, Timestamp,
    Webhook, WebhookId,
};
use serde::{Deserialize, Deserializer, Serialize};

use crate::ApiState;
use crate::idempotency::{self, Created};
use pollcast_auth::Caller;

/// The body of `POST /v1/webhooks`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// `https` (or `http` where the operator allows it), on a public address.
    #[schema(max_length = 2048)]
    pub url: String,
    #[schema(min_items = 1)]
    pub events: Vec<EventType>,
    /// Only these polls' events; absent or `null`: every poll of the workspace.
    #[schema(max_items = 100)]
    pub poll_ids: Option<Vec<String>>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: String,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn explicit<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The body of `PATCH /v1/webhooks/{id}`: only the fields given change.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchWebhook {
    pub url: Option<String>,
    pub events: Option<Vec<EventType>>,
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = Option<Vec<String>>)]
    pub poll_ids: Option<Option<Vec<String>>>,
    pub description: Option<String>,
    /// `true` also clears a `disabled_reason` pollcast set (the owner fixed the receiver).
    pub enabled: Option<bool>,
}

/// An endpoint as the API shows it; `secret` only in the answers that create or rotate it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Webhook)]
pub struct WebhookView<'a> {
    #[schema(value_type = String)]
    id: &'a WebhookId,
    url: &'a str,
    events: &'a [EventType],
    #[schema(value_type = Option<Vec<String>>)]
    poll_ids: Option<&'a [PollId]>,
    description: &'a str,
    enabled: bool,
    /// `active`, or `disabled` (by the owner, or by pollcast: see `disabled_reason`).
    state: &'static str,
    disabled_reason: Option<&'a str>,
    created_at: Timestamp,
    updated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a str>,
}

fn view<'a>(w: &'a Webhook, secret: Option<&'a str>) -> WebhookView<'a> {
    WebhookView {
        id: &w.id,
        url: &w.url,
        events: &w.events,
        poll_ids: w.poll_ids.as_deref(),
        description: &w.description,
        enabled: w.enabled,
        state: w.state(),
        disabled_reason: w.disabled_reason.as_deref(),
        created_at: w.created_at,
        updated_at: w.updated_at,
        secret,
    }
}

fn policy(context: &pollcast_runtime::Context) -> TargetPolicy {
    let s = &context.settings;
    TargetPolicy::new(s.webhook_allow_http, &s.webhook_allow_private)
}

/// Checks a target URL (form, then where its name leads now).
async fn check_url(policy: &TargetPolicy, url: &str) -> Result<String, ApiError> {
    match policy.check(url).await {
        Ok((parsed, _)) => Ok(parsed.to_string()),
        Err(e @ (TargetError::NotUrl | TargetError::NoHost | TargetError::Unresolved)) => Err(
            ApiError::validation(vec![FieldError::new("url", e.to_string())]),
        ),
        Err(e) => Err(ApiError::new(ErrorCode::WebhookUrlForbidden)
            .with_detail(format!("the webhook URL {e}"))),
    }
}

fn poll_ids(raw: Option<Vec<String>>) -> Result<Option<Vec<PollId>>, ApiError> {
    raw.map(|ids| {
        ids.iter()
            .enumerate()
            .map(|(i, id)| {
                PollId::parse(id).ok_or_else(|| {
                    ApiError::validation(vec![FieldError::new(
                        format!("poll_ids[{i}]"),
                        "is not a poll id",
                    )])
                })
            })
            .collect()
    })
    .transpose()
}

fn dedup(mut events: Vec<EventType>) -> Vec<EventType> {
    events.sort_by_key(|e| e.as_str());
    events.dedup();
    events
}

/// `POST /v1/webhooks`; honours `Idempotency-Key`.
#[utoipa::path(
    post, path = "/v1/webhooks", operation_id = "create_webhook", tag = "webhooks", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body get the first response")),
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Created; `secret` is shown in this response only", body = WebhookView),
        (status = 409, description = "`webhook_limit_reached`", body = pollcast_http::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`webhook_url_forbidden` or `validation_failed`", body = pollcast_http::error::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn create(
    state: web::Data<ApiState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::WebhooksWrite)?;
    let body = body.into_inner();
    idempotency::once(&state, &caller, &req, &body, || async {
        let new: NewWebhook = idempotency::parse(body.clone())?;
        let (webhook, secret) = create_webhook(&state.context, &caller.workspace_id, new).await?;
        tracing::info!(webhook = %webhook.id, workspace = %caller.workspace_id, "webhook created");
        Ok(Created {
            body: serde_json::to_value(view(&webhook, Some(&secret)))
                .map_err(ApiError::internal)?,
            location: Some(format!("/v1/webhooks/{}", webhook.id)),
            secret_fields: &["secret"],
        })
    })
    .await
}

/// Checks and stores a new endpoint of a workspace: the endpoint and its secret (to show
/// once). What `POST /v1/webhooks` and the console's form both do.
pub async fn create_webhook(
    context: &pollcast_runtime::Context,
    workspace: &pollcast_types::WorkspaceId,
    new: NewWebhook,
) -> Result<(Webhook, String), ApiError> {
    let url = check_url(&policy(context), &new.url).await?;
    let (secret, sealed) =
        webhook_secret::new_sealed(&context.secret).map_err(ApiError::internal)?;
    let now = Timestamp::now();
    let webhook = Webhook {
        id: WebhookId::generate(),
        workspace_id: workspace.clone(),
        url,
        events: dedup(new.events),
        poll_ids: poll_ids(new.poll_ids)?,
        description: new.description.trim().to_owned(),
        enabled: new.enabled,
        disabled_reason: None,
        secret_sealed: sealed,
        previous_secret_sealed: None,
        previous_until: None,
        failing_since: None,
        created_at: now,
        updated_at: now,
    };
    let errors = webhook.validate();
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let inserted = told(context, webhook.wants_votes(), async {
        Ok(context
            .store
            .insert_webhook(&webhook, MAX_WEBHOOKS_PER_WORKSPACE)
            .await?)
    })
    .await?;
    if !inserted {
        return Err(ErrorCode::WebhookLimitReached.into());
    }
    Ok((webhook, secret))
}

/// Stores an endpoint change (`write`) with the webhook dispatcher told around it (see
/// `pollcast_bus::endpoint_changes`): before, that votes may be wanted, when the endpoint as
/// stored will want them; after, that the endpoint lists changed. Without the first, a
/// dispatcher that found no such endpoint could skip the votes of one just created.
async fn told<T>(
    context: &pollcast_runtime::Context,
    wants_votes: bool,
    write: impl Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    let keys = context.bus.keys();
    let mut conn = context.bus.conn();
    if wants_votes {
        endpoint_changes::announce(&mut conn, keys, context.settings.shards).await?;
    }
    let out = write.await?;
    // Stored: a failure here only delays what the dispatcher's cache shows (it rereads
    // every few seconds anyway), so it is not the caller's error.
    if let Err(e) = endpoint_changes::changed(&mut conn, keys).await {
        tracing::warn!(error = %e, "the endpoint change could not be announced");
    }
    Ok(out)
}

/// Deletes an endpoint: what `DELETE /v1/webhooks/{id}` and the console's button both do.
pub async fn delete_webhook(
    context: &pollcast_runtime::Context,
    webhook: &Webhook,
) -> Result<(), ApiError> {
    told(context, false, async {
        Ok(context.store.delete_webhook(&webhook.id).await?)
    })
    .await?;
    Ok(())
}

/// Applies an edit to an endpoint (re-enabling clears why it was disabled): what
/// `PATCH /v1/webhooks/{id}` and the console's form both do.
pub async fn edit_webhook(
    context: &pollcast_runtime::Context,
    mut webhook: Webhook,
    body: PatchWebhook,
) -> Result<Webhook, ApiError> {
    if let Some(url) = body.url {
        webhook.url = check_url(&policy(context), &url).await?;
    }
    if let Some(events) = body.events {
        webhook.events = dedup(events);
    }
    if let Some(ids) = body.poll_ids {
        webhook.poll_ids = poll_ids(ids)?;
    }
    if let Some(description) = body.description {
        webhook.description = description.trim().to_owned();
    }
    if let Some(enabled) = body.enabled {
        webhook.enabled = enabled;
        if enabled {
            webhook.disabled_reason = None;
            webhook.failing_since = None;
        }
    }
    let errors = webhook.validate();
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    webhook.updated_at = Timestamp::now();
    if !told(context, webhook.wants_votes(), async {
        Ok(context.store.update_webhook(&webhook).await?)
    })
    .await?
    {
        return Err(ErrorCode::WebhookNotFound.into());
    }
    Ok(webhook)
}

async fn owned(state: &ApiState, caller: &Caller, raw_id: &str) -> Result<Webhook, ApiError> {
    caller.webhook(state.context.store.as_ref(), raw_id).await
}

/// `GET /v1/webhooks`, newest first.
#[utoipa::path(
    get, path = "/v1/webhooks", operation_id = "list_webhooks", tag = "webhooks", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, description = "A page of endpoints, newest first", body = Page<WebhookView>)),
)]
pub async fn list(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::WebhooksWrite)?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::after(query.cursor.as_deref())?;
    let hooks = state
        .context
        .store
        .webhooks(&caller.workspace_id, after.as_ref(), limit + 1)
        .await?;
    let page = pagination::page(
        hooks,
        limit,
        |w| after_cursor(w.created_at.as_millis(), w.id.as_str()),
        |w| serde_json::to_value(view(w, None)).unwrap_or_default(),
    );
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(page))
}

/// `GET /v1/webhooks/{id}`.
#[utoipa::path(
    get, path = "/v1/webhooks/{webhook_id}", operation_id = "get_webhook", tag = "webhooks", security(("bearer" = [])),
    params(("webhook_id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, description = "The endpoint (without its secret)", body = WebhookView)),
)]
pub async fn get(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let webhook = owned(&state, &caller, &path).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view(&webhook, None)))
}

/// `PATCH /v1/webhooks/{id}`: only the fields given change.
#[utoipa::path(
    patch, path = "/v1/webhooks/{webhook_id}", operation_id = "update_webhook", tag = "webhooks", security(("bearer" = [])),
    params(("webhook_id" = String, Path, description = "The endpoint's id")), request_body = PatchWebhook,
    responses((status = 200, description = "The edited endpoint", body = WebhookView)),
)]
pub async fn patch(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<PatchWebhook>,
) -> Result<HttpResponse, ApiError> {
    let webhook = owned(&state, &caller, &path).await?;
    let webhook = edit_webhook(&state.context, webhook, body.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view(&webhook, None)))
}

/// `DELETE /v1/webhooks/{id}`.
#[utoipa::path(
    delete, path = "/v1/webhooks/{webhook_id}", operation_id = "delete_webhook", tag = "webhooks", security(("bearer" = [])),
    params(("webhook_id" = String, Path, description = "The endpoint's id")),
    responses((status = 204, description = "Deleted: nothing more is sent to it")),
)]
pub async fn delete(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let webhook = owned(&state, &caller, &path).await?;
    delete_webhook(&state.context, &webhook).await?;
    tracing::info!(webhook = %webhook.id, workspace = %caller.workspace_id, "webhook deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v1/webhooks/{id}/rotate-secret`: a new secret, shown once; the previous one keeps
/// signing (beside it) for 24 h, so receivers can switch without losing a delivery.
#[utoipa::path(
    post, path = "/v1/webhooks/{webhook_id}/rotate-secret", operation_id = "rotate_webhook_secret", tag = "webhooks", security(("bearer" = [])),
    params(("webhook_id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, description = "The endpoint with its new `secret`, shown in this response only", body = WebhookView)),
)]
pub async fn rotate_secret(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mut webhook = owned(&state, &caller, &path).await?;
    let (secret, sealed) =
        webhook_secret::new_sealed(&state.context.secret).map_err(ApiError::internal)?;
    let now = Timestamp::now();
    webhook.previous_secret_sealed = Some(std::mem::replace(&mut webhook.secret_sealed, sealed));
    webhook.previous_until = Some(Timestamp::from_millis(
        now.as_millis() + ROTATION_OVERLAP_MS,
    ));
    webhook.updated_at = now;
    if !told(&state.context, webhook.wants_votes(), async {
        Ok(state.context.store.update_webhook(&webhook).await?)
    })
    .await?
    {
        return Err(ErrorCode::WebhookNotFound.into());
    }
    tracing::info!(webhook = %webhook.id, "webhook secret rotated");
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view(&webhook, Some(&secret))))
}
