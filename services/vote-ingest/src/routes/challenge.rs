use actix_web::{HttpRequest, HttpResponse, web};
use pollcast_http::{ApiError, rate_limit};
use pollcast_types::Timestamp;
use serde::Serialize;

use crate::IngestState;

/// An ALTCHA challenge (<https://altcha.org>): find the `number` in `0..=maxnumber` for which
/// `hex(SHA-256(salt + number))` is `challenge`, then send
/// `base64({"algorithm","challenge","number","salt","signature"})` as the vote's `proof`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Challenge {
    /// Always `SHA-256`.
    algorithm: &'static str,
    challenge: String,
    /// Carries when the challenge expires (5 minutes) and the poll it is for.
    salt: String,
    signature: String,
    /// The poll's current difficulty: it rises while the poll's votes look scripted.
    maxnumber: u64,
}

/// `GET /v1/polls/{id}/challenge`.
#[utoipa::path(
    get, path = "/v1/polls/{poll_id}/challenge", operation_id = "get_challenge", tag = "votes",
    params(("poll_id" = String, Path, description = "The poll's id")),
    responses(
        (status = 200, description = "A proof-of-work challenge for one vote on this poll. Not cacheable: each solves for one vote only", body = Challenge),
    ),
)]
pub async fn issue(
    state: web::Data<IngestState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ip = state.context.proxies.client_ip(&req);
    rate_limit::check_ip(&state.limits.voters_per_ip, ip)?;
    let poll = state.polls.find_public(&path).await?;
    let now = Timestamp::now();
    let c = state.challenges.issue(&poll, now);
    metrics::counter!("vote_challenges_issued_total").increment(1);
    Ok(HttpResponse::Ok()
        // One solution, one vote: a shared cache handing the same challenge to many
        // visitors would refuse all of them but the first.
        .insert_header(("Cache-Control", "no-store"))
        .json(Challenge {
            algorithm: c.algorithm,
            challenge: c.challenge,
            salt: c.salt,
            signature: c.signature,
            maxnumber: c.maxnumber,
        }))
}
