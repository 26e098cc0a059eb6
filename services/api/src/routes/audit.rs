//! `GET /v1/polls/{id}/audit`: the poll recounted from its vote log, next to its live counts.

use actix_web::{HttpResponse, http::header, web};
use pollcast_auth::Caller;
use pollcast_http::ApiError;
use pollcast_types::{Audit, Scope};

use crate::ApiState;

/// `GET /v1/polls/{id}/audit` (polls:read). Reads the whole vote log of the poll's current
/// epoch: seconds for a poll of millions of votes.
#[utoipa::path(
    get, path = "/v1/polls/{poll_id}/audit", operation_id = "audit_poll", tag = "polls", security(("bearer" = [])),
    params(("poll_id" = String, Path, description = "The poll's id")),
    responses((status = 200, description = "The recount: `consistent` when every count of the vote log equals the live one", body = Audit)),
)]
pub async fn audit(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let poll = caller
        .poll_with(Scope::PollsRead, &state.polls, &path)
        .await?;
    let audit = pollcast_runtime::audit::audit(&state.context, &poll).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(audit))
}
