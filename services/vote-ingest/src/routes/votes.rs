use actix_web::{HttpRequest, HttpResponse, web};
use pollcast_bus::is_unavailable;
use pollcast_http::error::Problem;
use pollcast_http::{ApiError, rate_limit};
use pollcast_types::{Dedupe, ErrorCode, Poll, PollId, PollStatus, Timestamp, VoteId, VoteRecord};
use serde::{Deserialize, Serialize};

use pollcast_auth::voter_jwt;
use pollcast_runtime::voter_token;

use crate::{IngestOutcome, IngestState, ballot};

/// Most option ids one vote may carry (a poll has at most 50 options).
const MAX_OPTION_IDS: usize = 50;

/// The body of `POST /v1/polls/{id}/votes`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CastVote {
    /// The chosen options; for ranked polls in rank order, most preferred first. Not for
    /// rating polls.
    #[serde(default)]
    #[schema(max_items = 50)]
    option_ids: Vec<String>,
    /// For rating polls; any integer is read so an out-of-range score gets a clear error.
    rating: Option<i64>,
    /// From `POST /v1/voters` (`browser` polls), or the integrator-signed JWT (`verified`).
    voter_token: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Accepted<'a> {
    vote_id: &'a VoteId,
    poll_id: &'a PollId,
    accepted_at: Timestamp,
}

/// `POST /v1/polls/{id}/votes`.
#[utoipa::path(
    post, path = "/v1/polls/{poll_id}/votes", operation_id = "cast_vote", tag = "votes",
    params(("poll_id" = String, Path, description = "The poll's id")), request_body = CastVote,
    responses(
        (status = 202, description = "Accepted: durable, and counted exactly once", body = Accepted),
        (status = 409, description = "`already_voted`", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn cast(
    state: web::Data<IngestState>,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Json<CastVote>,
) -> Result<HttpResponse, ApiError> {
    let result = accept(&state, &path, &req, body.into_inner()).await;
    let outcome = match &result {
        Ok(_) => "accepted",
        Err(e) => e.code.as_str(),
    };
    metrics::counter!("votes_total", "outcome" => outcome).increment(1);
    result
}

async fn accept(
    state: &IngestState,
    poll_id: &str,
    req: &HttpRequest,
    body: CastVote,
) -> Result<HttpResponse, ApiError> {
    // Limits first: a flood is refused before it costs a lookup.
    let ip = state.context.proxies.client_ip(req);
    rate_limit::check(
        &state.limits.votes_per_ip,
        &ip.map(|i| i.to_string()).unwrap_or_default(),
    )?;
    rate_limit::check(&state.limits.votes_per_poll, poll_id)?;
    let poll = state.polls.find(poll_id).await?;
    let now = Timestamp::now();
    match poll.status_at(now) {
        PollStatus::Open => {}
        // Drafts are private: as if they did not exist.
        PollStatus::Draft => return Err(ErrorCode::PollNotFound.into()),
        PollStatus::Scheduled => return Err(ErrorCode::PollNotOpen.into()),
        PollStatus::Closed => return Err(ErrorCode::PollClosed.into()),
    }
    if body.option_ids.len() > MAX_OPTION_IDS {
        return Err(ApiError::validation(vec![pollcast_types::FieldError::new(
            "option_ids",
            format!("at most {MAX_OPTION_IDS} ids"),
        )]));
    }
    let ballot = ballot::check(&poll, &body.option_ids, body.rating)?;
    let voter = voter_identity(state, &poll, req, body.voter_token.as_deref())?;

    let vote = VoteRecord {
        vote_id: VoteId::generate(),
        poll_id: poll.id.clone(),
        option_ids: ballot.option_ids,
        rating: ballot.rating,
        voter: voter
            .map(|identity| voter_token::voter_hash(&state.context.secret, &poll.id, &identity)),
        received_at: now,
        epoch: 0, // stamped by the ingest script
    };
    let deduplicate = poll.dedupe != Dedupe::None;
    match state
        .script
        .append(poll.shard, poll.kind, &vote, deduplicate)
        .await
    {
        Ok(IngestOutcome::Appended(_)) => Ok(HttpResponse::Accepted()
            .insert_header(("Cache-Control", "no-store"))
            .json(Accepted {
                vote_id: &vote.vote_id,
                poll_id: &vote.poll_id,
                accepted_at: vote.received_at,
            })),
        Ok(IngestOutcome::AlreadyVoted) => Err(ErrorCode::AlreadyVoted.into()),
        Ok(IngestOutcome::Closed) => Err(ErrorCode::PollClosed.into()),
        Ok(IngestOutcome::Deleted) => Err(ErrorCode::PollNotFound.into()),
        Err(e) if is_unavailable(&e) => {
            tracing::warn!(error = %e, "redis unavailable; vote refused with 503");
            Err(ApiError::unavailable("the vote could not be stored; retry"))
        }
        Err(e) => Err(ApiError::internal(e)),
    }
}

/// The identity one vote per poll is allowed for, per the poll's `dedupe` mode.
fn voter_identity(
    state: &IngestState,
    poll: &Poll,
    req: &HttpRequest,
    token: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let invalid =
        |why: &str| ApiError::new(ErrorCode::InvalidVoterToken).with_detail(why.to_owned());
    let secret = &state.context.secret;
    if poll.dedupe == Dedupe::Verified {
        let sub = token
            .and_then(|t| voter_jwt::verify(secret, &poll.workspace_id, &poll.id, t))
            .ok_or_else(|| {
                invalid("this poll needs a voter token signed with the workspace's voter secret")
            })?;
        return Ok(Some(voter_token::verified_identity(&sub)));
    }
    let token_id = match token {
        Some(t) => Some(
            voter_token::verify(secret, t)
                .ok_or_else(|| invalid("the voter token is not valid"))?,
        ),
        None => None,
    };
    Ok(match poll.dedupe {
        Dedupe::Browser => Some(voter_token::browser_identity(
            token_id
                .ok_or_else(|| invalid("this poll needs a voter_token from POST /v1/voters"))?,
        )),
        Dedupe::Ip => state
            .context
            .proxies
            .client_ip(req)
            .map(voter_token::address_identity),
        Dedupe::None => token_id.map(voter_token::browser_identity),
        Dedupe::Verified => None, // handled above
    })
}
