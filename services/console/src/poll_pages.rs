//! The polls: the list, the create and edit form, a poll's page (live results, chart, share
//! panel, export, actions), present mode, and open/close/reset/delete with a confirmation.

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use pollcast_api::polls::{create_poll, list_polls};
use pollcast_api::routes::lifecycle::edit_poll;
use pollcast_auth::sessions::SignedIn;
use pollcast_bus::redis::AsyncCommands;
use pollcast_http::ApiError;
use pollcast_http::pagination;
use pollcast_runtime::{lifecycle, terms};
use pollcast_types::open_text::TermDecision;
use pollcast_types::{
    ErrorCode, FieldError, KindResults, Poll, PollKind, PollStatus, Scope, Timestamp,
};
use pollcast_web::page::{round_lines, status_text};
use serde::Deserialize;

use crate::chrome::{self, Chrome, PageError};
use crate::member::{Posted, Visit, attempt};
use crate::poll_form::PollForm;
use crate::{ConsoleState, qr};

type Page = Result<HttpResponse, PageError>;

const PAGE_SIZE: usize = 20;

/// The visit of a member whose role grants `scope`, and a poll of their workspace; else the
/// answer to give (sign-in, `403`, or "not found").
async fn member_poll(
    state: &ConsoleState,
    req: &HttpRequest,
    raw_id: &str,
    scope: Scope,
) -> Result<Result<(Visit, Poll), HttpResponse>, PageError> {
    let (visit, me) = match Visit::member_of(state, req, scope).await? {
        Ok(found) => found,
        Err(answer) => return Ok(Err(answer)),
    };
    Ok(owned(state, &visit, &me, raw_id)
        .await
        .map(|poll| (visit, poll)))
}

#[allow(clippy::result_large_err)] // the `Err` is the answer (see `Visit`)
/// A poll of the member's workspace, or the page that says there is none: another
/// workspace's poll is "not found", exactly as in the API.
async fn owned(
    state: &ConsoleState,
    visit: &Visit,
    me: &SignedIn,
    raw_id: &str,
) -> Result<Poll, HttpResponse> {
    // The API's own check: another workspace's poll is "not found".
    match me.caller().poll(&state.polls, raw_id).await {
        Ok(poll) => Ok((*poll).clone()),
        Err(e) if e.code == ErrorCode::PollNotFound => {
            Err(visit.refusal(StatusCode::NOT_FOUND, "poll-not-found"))
        }
        Err(e) => Err(PageError(e).into_response()),
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
}

pub struct PollRow {
    pub id: String,
    pub votes: u64,
    pub question: String,
    pub status: String,
    pub status_class: &'static str,
    pub kind: String,
    pub created_at: String,
}

#[derive(Template)]
#[template(path = "console/polls.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<PollRow>,
    status: String,
    q: String,
    next: Option<String>,
    statuses: Vec<(&'static str, String)>,
}

pub async fn list(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Page {
    let (visit, me) = attempt!(Visit::member_of(&state, &req, Scope::PollsRead).await?);
    let t = visit.t();
    let wanted: Option<PollStatus> = query
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| serde_json::from_value(serde_json::Value::String(s.to_owned())).ok());
    let needle = query.q.as_deref().unwrap_or("").trim().to_lowercase();
    // A cursor that does not parse starts from the top.
    let after = pagination::after(query.cursor.as_deref()).unwrap_or_default();
    let now = Timestamp::now();
    let (polls, next_cursor) = list_polls(
        state.context.store.as_ref(),
        &me.membership.workspace_id,
        after,
        PAGE_SIZE,
        |p| {
            wanted.is_none_or(|s| p.status_at(now) == s)
                && (needle.is_empty() || p.question.to_lowercase().contains(&needle))
        },
    )
    .await?;
    // 0 where a count could not be read: the list still shows.
    let votes: Vec<u64> = lifecycle::totals(&state.context, &polls)
        .await
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    let rows = polls
        .iter()
        .zip(votes)
        .map(|(p, votes)| {
            let status = p.status_at(now);
            PollRow {
                id: p.id.to_string(),
                votes,
                question: p.question.clone(),
                status: status_text(t, status),
                status_class: status.as_str(),
                kind: t.get(&format!("kind-{}", p.kind.as_str())),
                created_at: p.created_at.to_string(),
            }
        })
        .collect();
    let status = query.status.clone().unwrap_or_default();
    let q = query.q.clone().unwrap_or_default();
    let next = next_cursor.map(|c| {
        serde_urlencoded::to_string([
            ("status", status.as_str()),
            ("q", q.as_str()),
            ("cursor", &c),
        ])
        .unwrap_or_default()
    });
    let statuses = [
        PollStatus::Draft,
        PollStatus::Scheduled,
        PollStatus::Open,
        PollStatus::Closed,
    ]
    .into_iter()
    .map(|s| (s.as_str(), status_text(t, s)))
    .collect();
    let page = ListPage {
        c: Chrome::of(&visit, "polls"),
        rows,
        status,
        q,
        next,
        statuses,
    };
    Ok(chrome::page(&visit, StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "console/poll_form.html")]
struct FormPage {
    c: Chrome,
    f: PollForm,
    /// `None` for a new poll.
    poll_id: Option<String>,
    action: String,
}

fn form_page(
    visit: &Visit,
    status: StatusCode,
    f: PollForm,
    poll_id: Option<String>,
) -> HttpResponse {
    let action = match &poll_id {
        Some(id) => format!("/console/polls/{id}/edit"),
        None => "/console/polls".to_owned(),
    };
    chrome::page(
        visit,
        status,
        &FormPage {
            c: Chrome::of(visit, "polls"),
            f,
            poll_id,
            action,
        },
    )
}

pub async fn new_form(state: web::Data<ConsoleState>, req: HttpRequest) -> Page {
    let (visit, _) = attempt!(Visit::member_of(&state, &req, Scope::PollsWrite).await?);
    Ok(form_page(&visit, StatusCode::OK, PollForm::blank(), None))
}

/// An API error as form errors: the fields it names, or one line for the whole form.
fn as_field_errors(visit: &Visit, e: ApiError) -> Result<Vec<FieldError>, PageError> {
    if !e.errors.is_empty() {
        return Ok(e.errors);
    }
    match e.code.status() {
        400..=499 => Ok(vec![FieldError::new(
            "",
            e.detail
                .unwrap_or_else(|| visit.t().get("error-invalid-form")),
        )]),
        _ => Err(PageError(e)),
    }
}

pub async fn create(state: web::Data<ConsoleState>, req: HttpRequest, body: web::Bytes) -> Page {
    let Posted { visit, form, me } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::PollsWrite).await?);
    let mut f = PollForm::from_form(&form);
    if form.checked("more") {
        return Ok(form_page(&visit, StatusCode::OK, f, None));
    }
    let errors = match f.to_new_poll() {
        Err(errors) => errors,
        Ok(new) => match create_poll(&state.context, me.membership.workspace_id.clone(), new).await
        {
            Ok(poll) => return Ok(chrome::redirect(&format!("/console/polls/{}", poll.id))),
            Err(e) => as_field_errors(&visit, e)?,
        },
    };
    f.show_errors(errors);
    Ok(form_page(&visit, StatusCode::UNPROCESSABLE_ENTITY, f, None))
}

pub async fn edit_form(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Page {
    let (visit, poll) = attempt!(member_poll(&state, &req, &path, Scope::PollsWrite).await?);
    let id = poll.id.to_string();
    Ok(form_page(
        &visit,
        StatusCode::OK,
        PollForm::from_poll(&poll),
        Some(id),
    ))
}

pub async fn edit(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Page {
    let Posted { visit, form, me } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::PollsWrite).await?);
    let poll = attempt!(owned(&state, &visit, &me, &path).await);
    let id = poll.id.to_string();
    let mut f = PollForm::from_form(&form);
    if form.checked("more") {
        return Ok(form_page(&visit, StatusCode::OK, f, Some(id)));
    }
    let errors = match f.to_patch() {
        Err(errors) => errors,
        Ok(patch) => match edit_poll(&state.context, &state.polls, &poll, patch).await {
            Ok(poll) => return Ok(chrome::redirect(&format!("/console/polls/{}", poll.id))),
            Err(e) => as_field_errors(&visit, e)?,
        },
    };
    f.show_errors(errors);
    Ok(form_page(
        &visit,
        StatusCode::UNPROCESSABLE_ENTITY,
        f,
        Some(id),
    ))
}

/// One line of the results: an option (or a score) with its votes and share.
pub struct ResultRow {
    pub id: String,
    pub label: String,
    pub votes: u64,
    pub percent: String,
}

pub struct Results {
    pub total: u64,
    pub rows: Vec<ResultRow>,
    pub mean: Option<String>,
    /// Ranked polls: one line per round.
    pub rounds: Vec<String>,
    pub status: PollStatus,
    /// Open-text polls: the cloud's terms and the entries counted.
    pub terms: Vec<pollcast_types::TermCount>,
    pub entries: u64,
    /// Open-text polls, on the poll's page: every term, for moderation.
    pub queue: Vec<pollcast_types::open_text::TermView>,
}

async fn results(state: &ConsoleState, visit: &Visit, poll: &Poll) -> Results {
    let t = visit.t();
    let (snapshot, status) = match lifecycle::live_snapshot(&state.context, poll).await {
        Ok((s, status)) => (Some(s), status),
        Err(e) => {
            tracing::warn!(poll = %poll.id, error = %e, "console page without results");
            (None, poll.status_at(Timestamp::now()))
        }
    };
    let total = snapshot.as_ref().map_or(0, |s| s.total_votes);
    let percent = |votes: u64| format!("{:.0}", pollcast_types::share(votes, total) * 100.0);
    let mut rows = Vec::new();
    let mut mean = None;
    let mut rounds = Vec::new();
    let (mut terms, mut entries) = (Vec::new(), 0);
    if let Some(s) = &snapshot {
        match &s.detail {
            KindResults::OpenText {
                terms: t,
                total_entries,
            } => {
                terms = t.clone();
                entries = *total_entries;
            }
            KindResults::Rating {
                distribution,
                mean: m,
            } => {
                mean = m.map(|m| format!("{m:.2}"));
                rows = distribution
                    .iter()
                    .map(|d| ResultRow {
                        id: d.score.to_string(),
                        label: d.score.to_string(),
                        votes: d.votes,
                        percent: percent(d.votes),
                    })
                    .collect();
            }
            detail => {
                let labels: HashMap<_, _> = poll
                    .options
                    .iter()
                    .map(|o| (o.id.as_str(), o.label.as_str()))
                    .collect();
                rows = s
                    .options
                    .iter()
                    .map(|o| ResultRow {
                        id: o.id.to_string(),
                        label: labels.get(o.id.as_str()).copied().unwrap_or("").to_owned(),
                        votes: o.votes,
                        percent: percent(o.votes),
                    })
                    .collect();
                if let KindResults::Ranked { rounds: r } = detail {
                    rounds = round_lines(t, r, |id| {
                        labels.get(id).map_or(id, |label| *label).to_owned()
                    });
                }
            }
        }
    }
    Results {
        total,
        rows,
        mean,
        rounds,
        status,
        terms,
        entries,
        queue: Vec::new(),
    }
}

pub struct Share {
    pub link: String,
    pub snippet: String,
    pub oembed: String,
    pub qr: String,
}

fn share(state: &ConsoleState, poll: &Poll) -> Share {
    let base = state.context.settings.public_url.trim_end_matches('/');
    let link = format!("{base}/p/{}", poll.id);
    Share {
        snippet: format!(
            "<script src=\"{base}/embed/v1.js\" data-poll=\"{}\" async></script>",
            poll.id
        ),
        oembed: format!(
            "{base}/oembed?{}",
            serde_urlencoded::to_string([("url", link.as_str())]).unwrap_or_default()
        ),
        qr: qr::svg(&link).unwrap_or_default(),
        link,
    }
}

#[derive(Template)]
#[template(path = "console/poll.html")]
struct PollPage {
    c: Chrome,
    poll: Poll,
    kind: String,
    status: String,
    status_class: &'static str,
    r: Results,
    s: Share,
    opens_at: String,
    closes_at: String,
}

impl PollPage {
    fn can(&self, action: &str) -> bool {
        self.c.can_edit && actions(self.r.status).contains(&action)
    }
}

/// What can be done to a poll in a status.
fn actions(status: PollStatus) -> &'static [&'static str] {
    match status {
        PollStatus::Draft | PollStatus::Scheduled => &["open", "delete"],
        PollStatus::Open => &["close", "reset", "delete"],
        PollStatus::Closed => &["open", "reset", "delete"],
    }
}

pub async fn show(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Page {
    let (visit, poll) = attempt!(member_poll(&state, &req, &path, Scope::PollsRead).await?);
    let t = visit.t();
    let mut r = results(&state, &visit, &poll).await;
    if poll.kind == PollKind::OpenText {
        r.queue = terms::all_terms(&state.context, &poll, 0, MODERATION_ROWS)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(poll = %poll.id, error = %e, "console page without its terms");
                Vec::new()
            });
    }
    let page = PollPage {
        c: Chrome::of(&visit, "polls"),
        kind: t.get(&format!("kind-{}", poll.kind.as_str())),
        status: status_text(t, r.status),
        status_class: r.status.as_str(),
        s: share(&state, &poll),
        opens_at: poll.opens_at.map(|t| t.to_string()).unwrap_or_default(),
        closes_at: poll.closes_at.map(|t| t.to_string()).unwrap_or_default(),
        r,
        poll,
    };
    Ok(chrome::page(&visit, StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "console/present.html")]
struct PresentPage {
    c: Chrome,
    poll: Poll,
    r: Results,
    s: Share,
}

pub async fn present(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Page {
    let (visit, poll) = attempt!(member_poll(&state, &req, &path, Scope::PollsRead).await?);
    let page = PresentPage {
        c: Chrome::of(&visit, "polls"),
        r: results(&state, &visit, &poll).await,
        s: share(&state, &poll),
        poll,
    };
    Ok(chrome::page(&visit, StatusCode::OK, &page))
}

/// The poll's link as a QR code, to download or print.
pub async fn qr_svg(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Page {
    let (_, poll) = attempt!(member_poll(&state, &req, &path, Scope::PollsRead).await?);
    let svg = qr::svg(&share(&state, &poll).link).ok_or_else(|| ApiError::internal("qr"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/svg+xml"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"poll-{}.svg\"", poll.id),
        ))
        .body(svg))
}

/// Votes counted per minute, from the poll's first counted minute (at most a day back) to
/// now: `{"start": <Unix ms>, "votes": [n, ...]}`, one entry a minute.
pub async fn timeline(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Page {
    let (_, poll) = attempt!(member_poll(&state, &req, &path, Scope::PollsRead).await?);
    let key = state.context.bus.keys().timeline(poll.shard, &poll.id);
    let mut conn = state.context.bus.conn();
    let counted: HashMap<i64, u64> = conn.hgetall(key).await.map_err(ApiError::from)?;
    let now = Timestamp::now().as_millis() / 60_000;
    let first = counted
        .keys()
        .copied()
        .min()
        .unwrap_or(now)
        .max(now - pollcast_wire::TIMELINE_MINUTES + 1)
        .min(now - 9);
    let votes: Vec<u64> = (first..=now)
        .map(|m| counted.get(&m).copied().unwrap_or(0))
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(serde_json::json!({"start": first * 60_000, "votes": votes})))
}

#[derive(Template)]
#[template(path = "console/confirm.html")]
struct ConfirmPage {
    c: Chrome,
    poll: Poll,
    action: String,
    confirm_title: String,
    explanation: String,
}

pub async fn confirm(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Page {
    let (id, action) = path.into_inner();
    let (visit, me) = attempt!(Visit::member_of(&state, &req, Scope::PollsWrite).await?);
    if !["open", "close", "reset", "delete"].contains(&action.as_str()) {
        return Ok(visit.refusal(StatusCode::NOT_FOUND, "page-not-found"));
    }
    let poll = attempt!(owned(&state, &visit, &me, &id).await);
    let r = results(&state, &visit, &poll).await;
    let explanation = visit.t().format(
        &format!("confirm-{action}-explained"),
        &[("votes", pollcast_web::i18n::Arg::Num(r.total as f64))],
    );
    let page = ConfirmPage {
        c: Chrome::of(&visit, "polls"),
        poll,
        confirm_title: visit.t().get(&format!("confirm-{action}-title")),
        action,
        explanation,
    };
    Ok(chrome::page(&visit, StatusCode::OK, &page))
}

/// Terms the poll page lists for moderation, most entries first (the API pages past them).
const MODERATION_ROWS: usize = 200;

/// `POST /console/polls/{id}/terms`: approve or hide a term, then back to the poll.
pub async fn moderate(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Page {
    let Posted { visit, me, form } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::PollsWrite).await?);
    let mut poll = attempt!(owned(&state, &visit, &me, &path).await);
    let decision = match form.get("decision") {
        "approve" => TermDecision::Approve,
        "hide" => TermDecision::Hide,
        _ => return Ok(visit.refusal(StatusCode::NOT_FOUND, "page-not-found")),
    };
    let decided = terms::decide(&state.context, &mut poll, form.get("term"), decision).await;
    state.polls.invalidate(&poll.id);
    match decided.map_err(ApiError::from)? {
        Some(_) => Ok(chrome::redirect(&format!(
            "/console/polls/{}#moderation-heading",
            poll.id
        ))),
        None => Ok(visit.refusal(StatusCode::NOT_FOUND, "page-not-found")),
    }
}

pub async fn act(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Page {
    let Posted { visit, me, .. } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::PollsWrite).await?);
    let (id, action) = path.into_inner();
    let mut poll = attempt!(owned(&state, &visit, &me, &id).await);
    let ctx = &state.context;
    let done: Result<(), ApiError> = match action.as_str() {
        "open" => lifecycle::open(ctx, &mut poll)
            .await
            .map(|_| ())
            .map_err(ApiError::from),
        "close" => lifecycle::close(ctx, &mut poll)
            .await
            .map(|_| ())
            .map_err(ApiError::from),
        "reset" => lifecycle::reset(ctx, &mut poll)
            .await
            .map_err(ApiError::from),
        "delete" => lifecycle::delete(ctx, &poll).await.map_err(ApiError::from),
        _ => return Ok(visit.refusal(StatusCode::NOT_FOUND, "page-not-found")),
    };
    state.polls.invalidate(&poll.id);
    match done {
        Ok(()) if action == "delete" => Ok(chrome::redirect("/console/polls")),
        Ok(()) => Ok(chrome::redirect(&format!("/console/polls/{}", poll.id))),
        Err(e) if (400..500).contains(&e.code.status()) => Ok(chrome::message_page(
            &visit,
            StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::CONFLICT),
            &e.detail.unwrap_or_else(|| e.code.title().to_owned()),
        )),
        Err(e) => Err(PageError(e)),
    }
}
