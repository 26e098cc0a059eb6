//! An open-text poll's terms for its owner: `GET /v1/polls/{id}/terms` (the moderation
//! queue) and `POST /v1/polls/{id}/terms/moderate` (approve or hide one).

use actix_web::{HttpResponse, http::header, web};
use pollcast_auth::Caller;
use pollcast_http::ApiError;
use pollcast_runtime::terms;
use pollcast_types::open_text::{TermDecision, TermView};
use pollcast_types::{ErrorCode, FieldError, Poll, PollKind, Scope};
use serde::{Deserialize, Serialize};

use crate::ApiState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TermsQuery {
    /// Terms to skip, most frequent first; default 0.
    #[param(minimum = 0)]
    offset: Option<usize>,
    /// 1 to 500; 100 when absent.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TermList {
    /// Every term, shown or not, most entries first.
    terms: Vec<TermView>,
}

/// The body of `POST /v1/polls/{id}/terms/moderate`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Moderate {
    /// The term as `GET /v1/polls/{id}/terms` names it.
    #[schema(max_length = 200)]
    term: String,
    decision: TermDecision,
}

fn open_text(poll: &Poll) -> Result<(), ApiError> {
    if poll.kind == PollKind::OpenText {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::NotFound).with_detail("only open_text polls have terms"))
    }
}

/// `GET /v1/polls/{id}/terms` (polls:read): every term with its count and state, for the
/// owner's moderation queue.
#[utoipa::path(
    get, path = "/v1/polls/{poll_id}/terms", operation_id = "list_terms", tag = "results", security(("bearer" = [])),
    params(("poll_id" = String, Path, description = "The poll's id"), TermsQuery),
    responses((status = 200, description = "The poll's terms, most entries first", body = TermList)),
)]
pub async fn list(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<TermsQuery>,
) -> Result<HttpResponse, ApiError> {
    let poll = caller
        .poll_with(Scope::PollsRead, &state.polls, &path)
        .await?;
    open_text(&poll)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::validation(vec![FieldError::new(
            "limit",
            "must be between 1 and 500",
        )]));
    }
    // No poll has a billion terms; a larger offset is past the end, not an overflow.
    let offset = query.offset.unwrap_or(0).min(1_000_000_000);
    let terms = terms::all_terms(&state.context, &poll, offset, limit).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TermList { terms }))
}

/// `POST /v1/polls/{id}/terms/moderate` (polls:write): approve a term (it shows) or hide
/// it (it leaves the cloud and the public results at once; `entry.hidden` is sent).
#[utoipa::path(
    post, path = "/v1/polls/{poll_id}/terms/moderate", operation_id = "moderate_term", tag = "results", security(("bearer" = [])),
    params(("poll_id" = String, Path, description = "The poll's id")), request_body = Moderate,
    responses(
        (status = 200, description = "The term as it is now", body = TermView),
        (status = 404, description = "`not_found`: the poll has no such term", body = pollcast_http::error::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn moderate(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<Moderate>,
) -> Result<HttpResponse, ApiError> {
    let poll = caller
        .poll_with(Scope::PollsWrite, &state.polls, &path)
        .await?;
    open_text(&poll)?;
    let mut poll = (*poll).clone();
    let decided = terms::decide(&state.context, &mut poll, &body.term, body.decision).await;
    state.polls.invalidate(&poll.id);
    match decided? {
        Some(view) => Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(view)),
        None => Err(ApiError::new(ErrorCode::NotFound).with_detail("the poll has no such term")),
    }
}
