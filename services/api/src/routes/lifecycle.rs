//! Poll lifecycle: `POST /v1/polls/{id}/open|close|reset`, `DELETE` and `PATCH`. The store is
//! updated first, then the live state in Redis, then viewers are told.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use pollcast_bus::redis::AsyncCommands;
use pollcast_http::ApiError;
use pollcast_http::error::Problem;
use pollcast_runtime::lifecycle;
use pollcast_types::{
    ErrorCode, FieldError, OptionId, Poll, PollKind, PollOption, PollStatus, ResultsVisibility,
    Scope, Timestamp,
};
use pollcast_wire::snapshot_from_counts;
use serde::{Deserialize, Deserializer};

use crate::ApiState;
use crate::poll_view::PollView;
use pollcast_auth::Caller;

fn redis_down(e: pollcast_bus::redis::RedisError) -> ApiError {
    ApiError::unavailable(format!("redis: {e}"))
}

fn store_down(e: pollcast_store::StoreError) -> ApiError {
    ApiError::unavailable(e.to_string())
}

async fn save(state: &ApiState, poll: &Poll) -> Result<(), ApiError> {
    if !state
        .context
        .store
        .update_poll(poll)
        .await
        .map_err(store_down)?
    {
        return Err(ErrorCode::PollNotFound.into());
    }
    state.polls.invalidate(&poll.id);
    Ok(())
}

fn respond(state: &ApiState, poll: &Poll) -> HttpResponse {
    HttpResponse::Ok().json(PollView::new(
        poll,
        true,
        &state.context.settings.public_url,
        Timestamp::now(),
    ))
}

/// `POST /v1/polls/{id}/open`: opens a draft, scheduled or closed poll now.
#[utoipa::path(
    post, path = "/v1/polls/{poll_id}/open", operation_id = "open_poll", tag = "polls", security(("bearer" = [])),
    params(("poll_id" = String, Path, description = "The poll's id")),
    responses((status = 200, description = "The poll, open now", body = PollView)),
)]
pub async fn open(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mut poll = (*caller
        .poll_with(Scope::PollsWrite, &state.polls, &path)
        .await?)
        .clone();
    let now = Timestamp::now();
    if poll.status_at(now) == PollStatus::Open
        && !lifecycle::is_closed(&state.context, &poll)
            .await
            .map_err(redis_down)?
    {
        return Ok(respond(&state, &poll));
    }
    poll.status = PollStatus::Open;
    if poll.opens_at.is_some_and(|t| t > now) {
        poll.opens_at = Some(now);
    }
    if poll.closes_at.is_some_and(|t| t <= now) {
        poll.closes_at = None;
    }
    // Reopening a poll closed by its vote limit lifts the limit.
    poll.close_after_votes = None;
    poll.updated_at = now;
    save(&state, &poll).await?;
    lifecycle::register(&state.context, &poll)
        .await
        .map_err(redis_down)?;
    lifecycle::set_closed(&state.context, &poll, false)
        .await
        .map_err(redis_down)?;
    lifecycle::announce(&state.context, &poll, Some("open"))
        .await
        .map_err(redis_down)?;
    Ok(respond(&state, &poll))
}

/// `POST /v1/polls/{id}/close`: no vote is accepted once this answers.
#[utoipa::path(
    post, path = "/v1/polls/{poll_id}/close", operation_id = "close_poll", tag = "polls", security(("bearer" = [])),
    params(("poll_id" = String, Path, description = "The poll's id")),
    responses((status = 200, description = "The poll, closed; no vote is accepted after this answer", body = PollView)),
)]
pub async fn close(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mut poll = (*caller
        .poll_with(Scope::PollsWrite, &state.polls, &path)
        .await?)
        .clone();
    let closed = lifecycle::close(&state.context, &mut poll).await;
    state.polls.invalidate(&poll.id);
    match closed {
        Ok(_) => Ok(respond(&state, &poll)),
        Err(lifecycle::TransitionError::Gone) => Err(ErrorCode::PollNotFound.into()),
        Err(e) => Err(ApiError::unavailable(e.to_string())),
    }
}

/// `POST /v1/polls/{id}/reset`: clears the results and the votes.
#[utoipa::path(
    post, path = "/v1/polls/{poll_id}/reset", operation_id = "reset_poll", tag = "polls", security(("bearer" = [])),
    params(("poll_id" = String, Path, description = "The poll's id")),
    responses((status = 200, description = "The poll, with its results, voters and vote log cleared", body = PollView)),
)]
pub async fn reset(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mut poll = (*caller
        .poll_with(Scope::PollsWrite, &state.polls, &path)
        .await?)
        .clone();
    let epoch = lifecycle::reset(&state.context, &poll)
        .await
        .map_err(redis_down)?;
    poll.epoch = epoch;
    poll.updated_at = Timestamp::now();
    save(&state, &poll).await?;
    lifecycle::announce(&state.context, &poll, None)
        .await
        .map_err(redis_down)?;
    // The log rows of earlier epochs are already hidden; dropping them is housekeeping.
    if let Err(e) = state
        .context
        .store
        .delete_votes_before_epoch(&poll.id, epoch)
        .await
    {
        tracing::warn!(poll = %poll.id, error = %e, "could not drop the votes of earlier epochs");
    }
    Ok(respond(&state, &poll))
}

/// `DELETE /v1/polls/{id}`.
#[utoipa::path(
    delete, path = "/v1/polls/{poll_id}", operation_id = "delete_poll", tag = "polls", security(("bearer" = [])),
    params(("poll_id" = String, Path, description = "The poll's id")),
    responses((status = 204, description = "Deleted, with its votes; viewers are told")),
)]
pub async fn delete(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let poll = caller
        .poll_with(Scope::PollsWrite, &state.polls, &path)
        .await?;
    lifecycle::mark_deleted(&state.context, &poll)
        .await
        .map_err(redis_down)?;
    state
        .context
        .store
        .delete_poll(&poll.id)
        .await
        .map_err(store_down)?;
    state.polls.invalidate(&poll.id);
    lifecycle::announce(&state.context, &poll, Some("deleted"))
        .await
        .map_err(redis_down)?;
    let keys = state.context.bus.keys();
    let mut conn = state.context.bus.conn();
    let _: Result<(), _> = conn.del(keys.counts(poll.shard, &poll.id)).await;
    Ok(HttpResponse::NoContent().finish())
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn explicit<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The body of `PATCH /v1/polls/{id}`: only the fields given change.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchPoll {
    #[schema(min_length = 1, max_length = 500)]
    question: Option<String>,
    /// The options as they should be: existing ones by id (label editable), new ones without.
    options: Option<Vec<PatchOption>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = Option<Timestamp>)]
    closes_at: Option<Option<Timestamp>>,
    results_visibility: Option<ResultsVisibility>,
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// `kind`, `min_choices`, `max_choices` and `scale` are fixed once votes are in.
    kind: Option<PollKind>,
    min_choices: Option<u32>,
    max_choices: Option<u32>,
    scale: Option<u8>,
}

/// An option as it should be: an existing one by `id`, a new one without.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchOption {
    id: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    label: String,
}

/// `PATCH /v1/polls/{id}`.
#[utoipa::path(
    patch, path = "/v1/polls/{poll_id}", operation_id = "update_poll", tag = "polls", security(("bearer" = [])),
    params(("poll_id" = String, Path, description = "The poll's id")), request_body = PatchPoll,
    responses(
        (status = 200, description = "The edited poll", body = PollView),
        (status = 409, description = "`poll_has_votes`: the edit would remove an option with votes, or change the kind after the first vote", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn patch(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<PatchPoll>,
) -> Result<HttpResponse, ApiError> {
    let mut poll = (*caller
        .poll_with(Scope::PollsWrite, &state.polls, &path)
        .await?)
        .clone();
    let body = body.into_inner();
    let keys = state.context.bus.keys();
    let mut conn = state.context.bus.conn();
    let hash: HashMap<String, String> = conn
        .hgetall(keys.counts(poll.shard, &poll.id))
        .await
        .map_err(redis_down)?;
    let counts = snapshot_from_counts(&poll, &hash);
    let now = Timestamp::now();
    let mut errors = Vec::new();
    // Conflicts with the votes are reported only for an otherwise valid edit.
    let mut conflict = None;

    if let Some(q) = body.question {
        poll.question = q.trim().to_owned();
    }
    if let Some(options) = body.options {
        let mut next = Vec::with_capacity(options.len());
        for (i, o) in options.into_iter().enumerate() {
            let id = match o.id {
                Some(raw) => match OptionId::parse(&raw).filter(|id| poll.option(id).is_some()) {
                    Some(id) => id,
                    None => {
                        errors.push(FieldError::new(
                            format!("options[{i}].id"),
                            "is not an option of this poll",
                        ));
                        continue;
                    }
                },
                None => OptionId::generate(),
            };
            next.push(PollOption {
                id,
                label: o.label.trim().to_owned(),
                position: i as u32,
            });
        }
        if let Some(gone) = poll
            .options
            .iter()
            .find(|o| !next.iter().any(|n| n.id == o.id) && counts.votes_for(&o.id) > 0)
        {
            conflict = Some(ApiError::new(ErrorCode::PollHasVotes).with_detail(format!(
                "option {} has votes and cannot be removed",
                gone.id
            )));
        }
        poll.options = next;
    }
    if let Some(closes_at) = body.closes_at {
        if closes_at.is_some_and(|c| c <= now) {
            errors.push(FieldError::new("closes_at", "must be in the future"));
        }
        poll.closes_at = closes_at;
    }
    if let Some(v) = body.results_visibility {
        poll.results_visibility = v;
    }
    if let Some(m) = body.metadata {
        poll.metadata = m;
    }
    if body.kind.is_some()
        || body.min_choices.is_some()
        || body.max_choices.is_some()
        || body.scale.is_some()
    {
        if counts.total_votes > 0 {
            conflict = Some(
                ApiError::new(ErrorCode::PollHasVotes)
                    .with_detail("the kind, choice counts and scale are fixed once votes are in"),
            );
        }
        let kind = body.kind.unwrap_or(poll.kind);
        let n = poll.options.len() as u32;
        (poll.min_choices, poll.max_choices) =
            kind.choice_bounds(body.min_choices, body.max_choices, n);
        poll.scale = match (kind == poll.kind, body.scale) {
            (_, Some(s)) => Some(s),
            (true, None) => poll.scale,
            (false, None) => kind.scale(None),
        };
        poll.kind = kind;
    }
    errors.extend(poll.validate());
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if let Some(conflict) = conflict {
        return Err(conflict);
    }
    poll.updated_at = now;
    save(&state, &poll).await?;
    lifecycle::register(&state.context, &poll)
        .await
        .map_err(redis_down)?;
    Ok(respond(&state, &poll))
}
