//! Poll lifecycle routes: `POST /v1/polls/{id}/open|close|reset`, `DELETE` and `PATCH`. Each
//! checks the caller and the request, then hands the transition to `runtime::lifecycle`.

use actix_web::{HttpResponse, web};
use pollcast_http::ApiError;
use pollcast_http::error::Problem;
use pollcast_runtime::lifecycle;
use pollcast_types::{
    BotProtection, FieldError, Moderation, OptionId, Poll, PollKind, PollOption, ResultsVisibility,
    Scope, Timestamp,
};
use serde::{Deserialize, Deserializer};

use crate::ApiState;
use crate::poll_view::PollView;
use pollcast_auth::Caller;

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
    lifecycle::open(&state.context, &mut poll).await?;
    state.polls.invalidate(&poll.id);
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
    closed?;
    Ok(respond(&state, &poll))
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
    let reset = lifecycle::reset(&state.context, &mut poll).await;
    state.polls.invalidate(&poll.id);
    reset?;
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
    let deleted = lifecycle::delete(&state.context, &poll).await;
    state.polls.invalidate(&poll.id);
    deleted?;
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
    pub question: Option<String>,
    /// The options as they should be: existing ones by id (label editable), new ones without.
    pub options: Option<Vec<PatchOption>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = Option<Timestamp>)]
    pub closes_at: Option<Option<Timestamp>>,
    pub results_visibility: Option<ResultsVisibility>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// `kind`, `min_choices`, `max_choices` and `scale` are fixed once votes are in.
    pub kind: Option<PollKind>,
    pub min_choices: Option<u32>,
    pub max_choices: Option<u32>,
    pub scale: Option<u8>,
    /// The origins allowed to embed the poll; `null`: any.
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = Option<Vec<String>>)]
    pub embed_origins: Option<Option<Vec<String>>>,
    /// May change at any time; challenges already handed out stay valid until they expire.
    pub bot_protection: Option<BotProtection>,
    /// `open_text` only; may change at any time. Terms already shown stay shown.
    pub moderation: Option<Moderation>,
}

/// An option as it should be: an existing one by `id`, a new one without.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchOption {
    pub id: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
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
    let before = caller
        .poll_with(Scope::PollsWrite, &state.polls, &path)
        .await?;
    let poll = edit_poll(&state.context, &state.polls, &before, body.into_inner()).await?;
    Ok(respond(&state, &poll))
}

/// Applies an edit to a poll (validated as a whole, then checked against its votes): what
/// `PATCH /v1/polls/{id}` and the console's edit form both do.
pub async fn edit_poll(
    context: &pollcast_runtime::Context,
    polls: &pollcast_runtime::PollCache,
    before: &Poll,
    body: PatchPoll,
) -> Result<Poll, ApiError> {
    let mut poll = before.clone();
    let now = Timestamp::now();
    let mut errors = Vec::new();

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
    if let Some(origins) = body.embed_origins {
        poll.embed_origins = origins;
    }
    if let Some(b) = body.bot_protection {
        poll.bot_protection = b;
    }
    if body.kind.is_some()
        || body.min_choices.is_some()
        || body.max_choices.is_some()
        || body.scale.is_some()
    {
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
        // A poll that becomes open text gets the default settings; one that stops being
        // open text drops them.
        poll.open_text = match kind {
            PollKind::OpenText => Some(poll.open_text.unwrap_or_default()),
            _ => None,
        };
    }
    if let Some(m) = body.moderation {
        match &mut poll.open_text {
            Some(settings) => settings.moderation = m,
            None => errors.push(FieldError::new(
                "moderation",
                "only open_text polls take it",
            )),
        }
    }
    errors.extend(poll.validate());
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    // Conflicts with votes are checked only for an otherwise valid edit, atomically with
    // vote-ingest (see `lifecycle::edit`).
    let edited = lifecycle::edit(context, before, &mut poll).await;
    polls.invalidate(&poll.id);
    edited?;
    Ok(poll)
}
