use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use pollcast_http::error::Problem;
use pollcast_http::pagination;
use pollcast_http::pagination::Page;
use pollcast_http::{ApiError, etag};
use pollcast_types::{ErrorCode, NewPoll, PollStatus, Scope, Timestamp};
use serde::Deserialize;

use crate::ApiState;
use crate::idempotency::{self, Created};
use crate::poll_view::PollView;
use crate::polls::create_poll;
use pollcast_auth::{Caller, MaybeCaller};

/// `POST /v1/polls` (polls:write); honours `Idempotency-Key`.
#[utoipa::path(
    post, path = "/v1/polls", operation_id = "create_poll", tag = "polls", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body get the first response")),
    request_body = NewPoll,
    responses(
        (status = 201, description = "Created (owner view)", body = PollView,
         headers(("Location" = String, description = "The poll's URL"))),
        (status = 409, description = "`idempotency_key_in_use`: the first request with this key is still running", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn create(
    state: web::Data<ApiState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PollsWrite)?;
    let body = body.into_inner();
    idempotency::once(&state, &caller, &req, &body, || async {
        let request: NewPoll = idempotency::parse(body.clone())?;
        let poll = create_poll(&state.context, caller.workspace_id.clone(), request).await?;
        let base = &state.context.settings.public_url;
        let view = PollView::new(&poll, true, base, Timestamp::now());
        Ok(Created {
            body: serde_json::to_value(&view).map_err(ApiError::internal)?,
            location: Some(format!("/v1/polls/{}", poll.id)),
            secret_fields: &[],
        })
    })
    .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListPolls {
    /// Only polls with this status now.
    status: Option<PollStatus>,
    /// 1 to 200; 50 when absent.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// `GET /v1/polls?status=&limit=&cursor=` (polls:read): newest first. The status is the one
/// in force now (scheduled polls whose time has come are `open`), so filtering happens here.
#[utoipa::path(
    get, path = "/v1/polls", operation_id = "list_polls", tag = "polls", security(("bearer" = [])), params(ListPolls),
    responses((status = 200, description = "A page of polls, newest first (owner view)", body = Page<PollView>)),
)]
pub async fn list(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<ListPolls>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PollsRead)?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::after(query.cursor.as_deref())?;
    let now = Timestamp::now();
    let (found, next_cursor) = crate::polls::list_polls(
        state.context.store.as_ref(),
        &caller.workspace_id,
        after,
        limit,
        |p| query.status.is_none_or(|s| p.status_at(now) == s),
    )
    .await?;
    let base = &state.context.settings.public_url;
    let data: Vec<PollView<'_>> = found
        .iter()
        .map(|p| PollView::new(p, true, base, now))
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({"data": data, "next_cursor": next_cursor})))
}

/// `GET /v1/polls/{id}`: the owner view with the owner's credentials, the public view
/// without any. Other workspaces' polls, and drafts seen anonymously, are 404.
#[utoipa::path(
    get, path = "/v1/polls/{poll_id}", operation_id = "get_poll", tag = "polls", security((), ("bearer" = [])),
    params(("poll_id" = String, Path, description = "The poll's id")),
    responses(
        (status = 200, description = "The owner view with the owner's credentials, else the public view", body = PollView,
         headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
    ),
)]
pub async fn get(
    state: web::Data<ApiState>,
    caller: MaybeCaller,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let poll = state.polls.find(&path).await?;
    let owner = match &caller.0 {
        Some(c) if c.workspace_id == poll.workspace_id => {
            c.require(Scope::PollsRead)?;
            true
        }
        Some(_) => return Err(ErrorCode::PollNotFound.into()),
        None if poll.status == PollStatus::Draft => return Err(ErrorCode::PollNotFound.into()),
        None => false,
    };
    let base = &state.context.settings.public_url;
    let now = Timestamp::now();
    if owner {
        return Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .json(PollView::new(&poll, true, base, now)));
    }
    // The public view changes with an edit or a status change (also one the clock makes).
    let tag = format!(
        "\"{}-{}\"",
        poll.updated_at.as_millis(),
        poll.status_at(now).as_str()
    );
    const CACHE: &str = "public, max-age=5";
    if let Some(not_modified) = etag::not_modified(&req, &tag, CACHE) {
        return Ok(not_modified);
    }
    Ok(etag::ok(&tag, CACHE).json(PollView::new(&poll, false, base, now)))
}
