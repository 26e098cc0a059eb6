//! `POST /p/{poll_id}/vote`: the poll page's form, for browsers without JavaScript. The same
//! checks and the same exactly-once path as the API (`votes::accept`); a double submit is the
//! same vote (its idempotency key is the browser's voter token and the poll); a vote that is
//! refused gets the page again with a readable message in the visitor's language, never JSON.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use pollcast_auth::voter_token;
use pollcast_http::{ApiError, rate_limit};
use pollcast_types::{BotProtection, Dedupe, ErrorCode, PollKind, VoteChange};
use pollcast_web::render;
use pollcast_web::view::{VOTER_COOKIE, ViewQuery, cookie, visitor, voted_cookie};

use super::votes::{CastVote, ProofCheck, accept, digest, request_digest};
use crate::{Idempotency, IngestState};

/// Cookies this route sets live a year.
const COOKIE_MAX_AGE: u32 = 31_536_000;

pub async fn form_vote(
    state: web::Data<IngestState>,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let query = ViewQuery::from_request(&req);
    let view = query.view(&req, false);
    let base = state.context.settings.public_url.clone();
    let Ok(poll) = state.polls.find_public(&path).await else {
        return Ok(render::not_found(view.lang, &base));
    };
    let refuse = |key: &str, status: StatusCode| {
        let message = view.lang.text().get(key);
        render::poll_page(
            &state.context,
            &poll,
            &req,
            view,
            visitor(&req, &poll.id),
            Some(message),
            status,
        )
    };
    if visitor(&req, &poll.id).voted.is_some() && poll.vote_change == VoteChange::Never {
        return refuse("error-already-voted", StatusCode::CONFLICT).await;
    }
    if poll.dedupe == Dedupe::Verified {
        return refuse("error-verified-only", StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    // A form that does not parse is one that chose nothing.
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let option_ids: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "option_ids")
        .map(|(_, v)| v.clone())
        .collect();
    let rating = fields
        .iter()
        .find(|(k, _)| k == "rating")
        .and_then(|(_, v)| v.trim().parse::<i64>().ok());
    // Open-text forms have an input per entry a voter may send; the ones left blank are
    // not entries.
    let entries: Vec<String> = fields
        .iter()
        .filter(|(k, v)| k == "entries" && !v.trim().is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    if option_ids.is_empty() && rating.is_none() && entries.is_empty() {
        let key = match poll.kind {
            PollKind::Rating => "choose-score",
            PollKind::OpenText => "write-entry",
            _ => "choose-option",
        };
        return refuse(key, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let kept = cookie(&req, VOTER_COOKIE)
        .filter(|t| voter_token::verify(&state.context.secret, t).is_some());
    let token = kept
        .clone()
        .unwrap_or_else(|| voter_token::mint(&state.context.secret));
    // A form cannot solve a challenge: on a protected poll its votes are few instead
    // (docs/bot-protection.md), and the page says why when there are too many.
    if poll.bot_protection != BotProtection::Off {
        let ip = state.context.proxies.client_ip(&req);
        let per_address = format!(
            "{}|{}",
            poll.id,
            ip.map(|ip| ip.to_string()).unwrap_or_default()
        );
        if rate_limit::check(&state.limits.form_votes_protected, poll.id.as_str()).is_err()
            || rate_limit::check(&state.limits.form_votes_protected_per_ip, &per_address).is_err()
        {
            metrics::counter!("vote_proofs_total", "outcome" => "form_limited").increment(1);
            return refuse("error-form-limited", StatusCode::TOO_MANY_REQUESTS).await;
        }
    }
    let ballot = CastVote {
        option_ids,
        rating,
        entries: (poll.kind == PollKind::OpenText).then_some(entries),
        voter_token: Some(token.clone()),
        proof: None,
    };
    // A double submit is the same vote; where voters may change their minds, another
    // ballot is another request.
    let request = request_digest(&path, &ballot);
    let key_hash = match poll.vote_change {
        VoteChange::Never => digest(&["form", &token, poll.id.as_str()]),
        VoteChange::WhileOpen => digest(&["form", &token, poll.id.as_str(), &request]),
    };
    let idempotency = Idempotency {
        key_hash,
        request_digest: request,
    };
    match accept(
        &state,
        &path,
        &req,
        ballot,
        Some(idempotency),
        ProofCheck::FormLimited,
    )
    .await
    {
        Ok(taken) => {
            if let Some(entry) = &taken.entry {
                state.counted.wait(poll.shard, &poll.id, entry).await;
            }
            let secure = if base.starts_with("https://") {
                "; Secure"
            } else {
                ""
            };
            let q = query.to_query();
            let mut res = HttpResponse::SeeOther();
            res.insert_header((
                header::LOCATION,
                format!("/p/{}{}{q}", poll.id, if q.is_empty() { "" } else { "?" }),
            ))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .append_header((
                header::SET_COOKIE,
                format!(
                    "{}={}; Path=/; Max-Age={COOKIE_MAX_AGE}; HttpOnly; SameSite=Lax{secure}",
                    voted_cookie(&poll.id),
                    match taken.rating {
                        Some(score) => score.to_string(),
                        // The page says the answers are in; it does not repeat them.
                        None if poll.kind == PollKind::OpenText => "entries".to_owned(),
                        None => taken
                            .option_ids
                            .iter()
                            .map(|o| o.as_str())
                            .collect::<Vec<_>>()
                            .join("."),
                    }
                ),
            ));
            if kept.is_none() {
                res.append_header((
                    header::SET_COOKIE,
                    format!(
                        "{VOTER_COOKIE}={token}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax{secure}"
                    ),
                ));
            }
            Ok(res.finish())
        }
        Err(e) => {
            let key = match e.code {
                ErrorCode::ValidationFailed if poll.kind == PollKind::OpenText => "error-entry",
                code => message_key(code),
            };
            let status =
                StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            refuse(key, status).await
        }
    }
}

/// The page's message for a refused vote.
pub fn message_key(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::AlreadyVoted | ErrorCode::IdempotencyKeyReused => "error-already-voted",
        ErrorCode::PollClosed => "error-poll-closed",
        ErrorCode::PollNotOpen | ErrorCode::PollNotFound => "error-poll-not-open",
        ErrorCode::InvalidVoterToken => "error-verified-only",
        ErrorCode::RateLimited => "error-rate-limited",
        ErrorCode::ChallengeRequired | ErrorCode::ChallengeInvalid => "error-verification",
        ErrorCode::EntryEmpty | ErrorCode::EntryTooLong | ErrorCode::TooManyEntries => {
            "error-entry"
        }
        ErrorCode::ServiceUnavailable | ErrorCode::Internal | ErrorCode::IdempotencyKeyInUse => {
            "error-busy"
        }
        _ => "error-invalid-choice",
    }
}
