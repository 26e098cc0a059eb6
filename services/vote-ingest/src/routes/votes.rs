use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use pollcast_http::error::Problem;
use pollcast_http::{ApiError, idempotency_key, rate_limit};
use pollcast_runtime::hex;
use pollcast_types::{
    Dedupe, ErrorCode, OptionId, Poll, PollId, PollStatus, Timestamp, VoteId, VoteRecord,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use pollcast_auth::voter_jwt;
use pollcast_auth::voter_token;

use crate::difficulty::Signal;
use crate::{Idempotency, IngestOutcome, IngestState, Shedding, ballot};

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
    pub(crate) option_ids: Vec<String>,
    /// For rating polls; any integer is read so an out-of-range score gets a clear error.
    pub(crate) rating: Option<i64>,
    /// For open_text polls: 1 to the poll's `max_entries_per_voter` short answers, each at
    /// most `max_length` characters.
    #[schema(max_items = 10)]
    pub(crate) entries: Option<Vec<String>>,
    /// From `POST /v1/voters` (`browser` polls), or the integrator-signed JWT (`verified`).
    pub(crate) voter_token: Option<String>,
    /// Polls with `bot_protection: proof_of_work`: a solved challenge from `GET
    /// /v1/polls/{id}/challenge`, as ALTCHA's base64 payload. Each solves for one vote.
    #[schema(max_length = 1024)]
    pub(crate) proof: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Accepted<'a> {
    vote_id: &'a VoteId,
    poll_id: &'a PollId,
    accepted_at: Timestamp,
    /// The voter's earlier ballot this one replaced (`vote_change: while_open`; answered
    /// `200` instead of `202`).
    #[serde(skip_serializing_if = "Option::is_none")]
    replaced: Option<&'a VoteId>,
}

/// `POST /v1/polls/{id}/votes`.
#[utoipa::path(
    post, path = "/v1/polls/{poll_id}/votes", operation_id = "cast_vote", tag = "votes",
    params(("poll_id" = String, Path, description = "The poll's id")), request_body = CastVote,
    responses(
        (status = 202, description = "Accepted: durable, and counted exactly once", body = Accepted),
        (status = 200, description = "The voter's ballot replaced their earlier one (`vote_change: while_open`): durable, and the counts move exactly once", body = Accepted),
        (status = 403, description = "`challenge_required` / `challenge_invalid` (protected polls), `poll_closed`, `poll_not_open`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_voted`", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn cast(
    state: web::Data<IngestState>,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Json<CastVote>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let result = match idempotency_key::from_request(&req) {
        Ok(key) => {
            let idempotency = key.map(|key| Idempotency {
                key_hash: digest(&[key]),
                request_digest: request_digest(&path, &body),
            });
            accept(&state, &path, &req, body, idempotency, ProofCheck::Required)
                .await
                .map(|a| accepted(&a))
        }
        Err(e) => Err(e),
    };
    let outcome = match &result {
        Ok(_) => "accepted",
        Err(e) => e.code.as_str(),
    };
    metrics::counter!("votes_total", "outcome" => outcome).increment(1);
    result
}

/// How long after its arrival a vote may still be stored. The ingest script refuses a vote it
/// runs later than this, and the handler answers 503 only at [`ANSWER_BY`], well past it: so a
/// 503 always means the vote was not stored. The margin between the two must cover a reply
/// that Redis sent in time but this process read late (a starved CPU: seen at 0.5 s under a
/// parallel build), and the clock difference between this host and Redis's.
const STORE_BY: Duration = Duration::from_millis(1000);
/// When the handler gives up waiting for Redis and answers 503 (the connection votes go over
/// has no timeout of its own: `Bus::votes_conn`).
const ANSWER_BY: Duration = Duration::from_millis(3000);

/// A vote the pipeline took: durable in Redis, and counted exactly once.
pub struct Taken {
    pub vote_id: VoteId,
    pub poll_id: PollId,
    pub accepted_at: Timestamp,
    /// The answer to an earlier request with the same idempotency key.
    pub replayed: bool,
    /// What the vote chose: option ids in order, or the score.
    pub option_ids: Vec<OptionId>,
    pub rating: Option<u8>,
    /// The votes-stream entry this request appended (none for a replay).
    pub entry: Option<String>,
    /// The voter's earlier ballot this one replaced.
    pub replaced: Option<VoteId>,
}

/// Whether a vote on a protected poll must carry a solved challenge.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProofCheck {
    Required,
    /// The no-JavaScript form, which cannot solve one: its own limits apply instead.
    FormLimited,
}

/// Checks and stores one vote: what `POST /v1/polls/{id}/votes` and the poll page's form
/// both do.
pub(crate) async fn accept(
    state: &IngestState,
    poll_id: &str,
    req: &HttpRequest,
    body: CastVote,
    idempotency: Option<Idempotency>,
    proof_check: ProofCheck,
) -> Result<Taken, ApiError> {
    let arrived = Instant::now();
    let now = Timestamp::now();
    let deadline = Timestamp::from_millis(now.as_millis() + STORE_BY.as_millis() as i64);
    // Limits first: a flood is refused before it costs a lookup.
    let ip = state.context.proxies.client_ip(req);
    if let Err(e) = rate_limit::check_ip(&state.limits.votes_per_ip, ip) {
        state
            .challenges
            .difficulty
            .record_if_tracked(poll_id, arrived);
        return Err(e);
    }
    match state.gate.shedding() {
        Shedding::No => {}
        why => {
            metrics::counter!("votes_shed_total").increment(1);
            tracing::debug!(?why, "vote shed");
            return Err(ApiError {
                retry_after_secs: Some(2),
                ..ApiError::unavailable(
                    "the server is shedding load; the vote was not stored; retry",
                )
            });
        }
    }
    let mut poll = state.polls.find(poll_id).await?;
    // Keyed by polls that exist, so random ids cannot grow the limiter.
    rate_limit::check(&state.limits.votes_per_poll, poll.id.as_str())?;
    let mut proof = None;
    // At most twice: a vote checked against a poll an edit has just changed is checked again
    // against the edited poll.
    for attempt in 0..2 {
        let vote = check(state, &poll, req, &body, now)?;
        if attempt == 0 && proof_check == ProofCheck::Required {
            proof = state
                .challenges
                .check(&poll, req, body.proof.as_deref(), now)
                .await?;
        }
        let deduplicate = poll.dedupe != Dedupe::None;
        let appended = tokio::time::timeout_at(
            (arrived + ANSWER_BY).into(),
            state.script.append(
                &poll,
                &vote,
                deduplicate,
                deadline,
                idempotency.as_ref(),
                proof.as_ref(),
            ),
        )
        .await;
        let outcome = match appended {
            Ok(outcome) => outcome?,
            Err(_) => IngestOutcome::Late,
        };
        return match outcome {
            IngestOutcome::Appended { entry, replaced } => {
                state.challenges.record(&poll, Signal::Accepted(ip));
                Ok(Taken {
                    replaced,
                    vote_id: vote.vote_id,
                    poll_id: vote.poll_id,
                    accepted_at: now,
                    replayed: false,
                    option_ids: vote.option_ids,
                    rating: vote.rating,
                    entry: Some(entry),
                })
            }
            IngestOutcome::Replay {
                request_digest,
                vote_id,
                accepted_at,
                replaced,
            } if idempotency
                .as_ref()
                .is_some_and(|i| i.request_digest == request_digest) =>
            {
                Ok(Taken {
                    vote_id,
                    poll_id: vote.poll_id,
                    accepted_at,
                    replayed: true,
                    replaced,
                    option_ids: vote.option_ids,
                    rating: vote.rating,
                    entry: None,
                })
            }
            IngestOutcome::Replay { .. } => Err(ErrorCode::IdempotencyKeyReused.into()),
            IngestOutcome::AlreadyVoted => {
                state.challenges.record(&poll, Signal::Suspicious);
                Err(ErrorCode::AlreadyVoted.into())
            }
            IngestOutcome::ProofUsed => Err(state.challenges.reused(&poll)),
            IngestOutcome::Closed => Err(ErrorCode::PollClosed.into()),
            IngestOutcome::Deleted => Err(ErrorCode::PollNotFound.into()),
            IngestOutcome::Late => {
                metrics::counter!("votes_late_total").increment(1);
                Err(ApiError::unavailable(
                    "the vote could not be stored in time and was not stored; retry",
                ))
            }
            IngestOutcome::Stale if attempt == 0 => {
                state.polls.invalidate(&poll.id);
                poll = state.polls.find(poll_id).await?;
                continue;
            }
            IngestOutcome::Stale => break,
        };
    }
    // Still stale after a second check: the edit is not in the store yet.
    Err(ApiError::unavailable(
        "the poll is being edited; the vote was not stored; retry",
    ))
}

/// Checks a vote against the poll as this process knows it; the ingest script checks that
/// the poll has not changed since.
fn check(
    state: &IngestState,
    poll: &Poll,
    req: &HttpRequest,
    body: &CastVote,
    now: Timestamp,
) -> Result<VoteRecord, ApiError> {
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
    let ballot = ballot::check(poll, &body.option_ids, body.rating, body.entries.as_deref())?;
    let voter = voter_identity(state, poll, req, body.voter_token.as_deref())?;
    Ok(VoteRecord {
        vote_id: VoteId::generate(),
        poll_id: poll.id.clone(),
        option_ids: ballot.option_ids,
        rating: ballot.rating,
        voter: voter
            .map(|identity| voter_token::voter_hash(&state.context.secret, &poll.id, &identity)),
        received_at: now,
        epoch: 0,       // stamped by the ingest script
        replaces: None, // known to the ingest script only
        entries: ballot.entries,
    })
}

fn accepted(taken: &Taken) -> HttpResponse {
    let mut res = if taken.replaced.is_some() {
        HttpResponse::Ok()
    } else {
        HttpResponse::Accepted()
    };
    res.insert_header(("Cache-Control", "no-store"));
    if taken.replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.json(Accepted {
        vote_id: &taken.vote_id,
        poll_id: &taken.poll_id,
        accepted_at: taken.accepted_at,
        replaced: taken.replaced.as_ref(),
    })
}

/// What a vote asks for, so a retry under the same `Idempotency-Key` can be told from
/// another request.
pub(crate) fn request_digest(poll_id: &str, body: &CastVote) -> String {
    let options = body.option_ids.join(",");
    let rating = body.rating.map(|r| r.to_string()).unwrap_or_default();
    let entries = body.entries.as_deref().unwrap_or_default().join("\u{1e}");
    digest(&[
        poll_id,
        &options,
        &rating,
        &entries,
        body.voter_token.as_deref().unwrap_or(""),
    ])
}

pub(crate) fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    hex(&hasher.finalize()[..16])
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
