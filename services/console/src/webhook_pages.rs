//! Webhooks: the endpoints (created with their events and shown their secret once, deleted),
//! an endpoint's delivery log with filters, replay, and the test button that shows what the
//! receiver answered. Owners only. Test and replay are asked of the webhook dispatcher
//! wherever it runs (`pollcast_api::routes::webhook_deliveries`); when none answers, the page
//! says so (503).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use pollcast_api::routes::webhook_deliveries::{replay as replay_deliveries, send_test};
use pollcast_api::routes::webhooks::{
    NewWebhook, PatchWebhook, create_webhook, delete_webhook, edit_webhook,
};
use pollcast_store::AttemptFilter;
use pollcast_types::TestResult;
use pollcast_types::{ErrorCode, EventType, Scope, Webhook, WebhookAttempt};
use serde::Deserialize;

use crate::ConsoleState;
use crate::chrome::{self, Chrome, PageError};
use crate::member::Visit;
use crate::member::{Posted, attempt};

type Page = Result<HttpResponse, PageError>;

const SHOWN: usize = 100;

#[derive(Template)]
#[template(path = "console/webhooks.html")]
struct ListPage {
    c: Chrome,
    webhooks: Vec<Webhook>,
    events: Vec<&'static str>,
    url: String,
    description: String,
    checked: Vec<String>,
    errors: Vec<String>,
    /// The endpoint just created and its secret, shown this once.
    created: Option<(String, String)>,
}

async fn list_page(
    state: &ConsoleState,
    visit: &Visit,
    status: StatusCode,
    mut page: ListPage,
) -> Page {
    let Some(me) = visit.signed_in.as_ref() else {
        return Ok(chrome::redirect("/console/signin"));
    };
    page.webhooks = state
        .context
        .store
        .webhooks(&me.membership.workspace_id, None, SHOWN)
        .await?;
    Ok(chrome::page(visit, status, &page))
}

fn blank(visit: &Visit) -> ListPage {
    ListPage {
        c: Chrome::of(visit, "webhooks"),
        webhooks: Vec::new(),
        events: EventType::ALL.iter().map(|e| e.as_str()).collect(),
        url: String::new(),
        description: String::new(),
        checked: Vec::new(),
        errors: Vec::new(),
        created: None,
    }
}

pub async fn list(state: web::Data<ConsoleState>, req: HttpRequest) -> Page {
    let (visit, _) = attempt!(Visit::member_of(&state, &req, Scope::Admin).await?);
    let page = blank(&visit);
    list_page(&state, &visit, StatusCode::OK, page).await
}

pub async fn create(state: web::Data<ConsoleState>, req: HttpRequest, body: web::Bytes) -> Page {
    let Posted { visit, form, me } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::Admin).await?);
    let mut page = blank(&visit);
    page.url = form.get("url").to_owned();
    page.description = form.get("description").to_owned();
    page.checked = form.all("events");
    let events: Vec<EventType> = page
        .checked
        .iter()
        .filter_map(|e| EventType::parse(e))
        .collect();
    let new = NewWebhook {
        url: page.url.clone(),
        events,
        poll_ids: None,
        description: page.description.clone(),
        enabled: true,
    };
    match create_webhook(&state.context, &me.membership.workspace_id, new).await {
        Ok((webhook, secret)) => {
            tracing::info!(webhook = %webhook.id, "webhook created in the console");
            page.created = Some((webhook.id.to_string(), secret));
            page.url.clear();
            page.description.clear();
            page.checked.clear();
            list_page(&state, &visit, StatusCode::CREATED, page).await
        }
        Err(e) => {
            page.errors = chrome::problem_lines(visit.t(), e)?;
            list_page(&state, &visit, StatusCode::UNPROCESSABLE_ENTITY, page).await
        }
    }
}

async fn owned(
    state: &ConsoleState,
    visit: &Visit,
    raw_id: &str,
) -> Result<Result<Webhook, HttpResponse>, PageError> {
    let Some(me) = visit.signed_in.as_ref() else {
        return Ok(Err(chrome::redirect("/console/signin")));
    };
    // The API's own check: another workspace's endpoint is "not found".
    match me
        .caller()
        .webhook(state.context.store.as_ref(), raw_id)
        .await
    {
        Ok(webhook) => Ok(Ok(webhook)),
        Err(e) if e.code == ErrorCode::WebhookNotFound => Ok(Err(
            visit.refusal(StatusCode::NOT_FOUND, "webhook-not-found")
        )),
        Err(e) => Err(PageError(e)),
    }
}

#[derive(Deserialize)]
pub struct LogQuery {
    status: Option<String>,
    event: Option<String>,
}

#[derive(Template)]
#[template(path = "console/webhook.html")]
struct ShowPage {
    c: Chrome,
    webhook: Webhook,
    attempts: Vec<WebhookAttempt>,
    status: String,
    event: String,
    events: Vec<&'static str>,
    test: Option<TestResult>,
    notice: Option<String>,
    /// What the settings form said was wrong.
    errors: Vec<String>,
}

/// What the page shows besides the endpoint and its log.
#[derive(Default)]
struct Shown {
    test: Option<TestResult>,
    notice: Option<String>,
    errors: Vec<String>,
}

impl ShowPage {
    fn subscribed(&self, event: &str) -> bool {
        self.webhook.events.iter().any(|e| e.as_str() == event)
    }
}

async fn show_page(
    state: &ConsoleState,
    visit: &Visit,
    webhook: Webhook,
    query: &LogQuery,
    shown: Shown,
) -> Page {
    let status = query
        .status
        .clone()
        .filter(|s| s == "succeeded" || s == "failed");
    let event = query
        .event
        .clone()
        .filter(|e| EventType::parse(e).is_some());
    let filter = AttemptFilter {
        status: status.clone(),
        event: event.clone(),
        since: None,
    };
    let attempts = state
        .context
        .store
        .webhook_attempts(&webhook.id, &filter, None, SHOWN)
        .await?;
    let page = ShowPage {
        c: Chrome::of(visit, "webhooks"),
        webhook,
        attempts,
        status: status.unwrap_or_default(),
        event: event.unwrap_or_default(),
        events: EventType::ALL.iter().map(|e| e.as_str()).collect(),
        test: shown.test,
        notice: shown.notice,
        errors: shown.errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(chrome::page(visit, status, &page))
}

pub async fn show(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<LogQuery>,
) -> Page {
    let (visit, _) = attempt!(Visit::member_of(&state, &req, Scope::Admin).await?);
    let webhook = attempt!(owned(&state, &visit, &path).await?);
    show_page(&state, &visit, webhook, &query, Shown::default()).await
}

pub async fn delete(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Page {
    let Posted { visit, .. } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::Admin).await?);
    let webhook = attempt!(owned(&state, &visit, &path).await?);
    delete_webhook(&state.context, &webhook).await?;
    Ok(chrome::redirect("/console/webhooks"))
}

const NO_FILTER: LogQuery = LogQuery {
    status: None,
    event: None,
};

pub async fn test(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Page {
    let Posted { visit, form, .. } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::Admin).await?);
    let webhook = attempt!(owned(&state, &visit, &path).await?);
    let event = EventType::parse(form.get("event")).unwrap_or(EventType::VoteCreated);
    let result = match send_test(&state.context, &webhook, event).await {
        Ok(result) => result,
        Err(e) if e.code.status() == 503 => {
            return Ok(visit.refusal(StatusCode::SERVICE_UNAVAILABLE, "webhook-no-dispatcher"));
        }
        Err(e) => return Err(PageError(e)),
    };
    let shown = Shown {
        test: Some(result),
        ..Shown::default()
    };
    show_page(&state, &visit, webhook, &NO_FILTER, shown).await
}

pub async fn replay(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Page {
    let Posted { visit, .. } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::Admin).await?);
    let (id, delivery) = path.into_inner();
    let webhook = attempt!(owned(&state, &visit, &id).await?);
    let notice = match replay_deliveries(&state.context, &webhook, vec![delivery]).await {
        Ok(replayed) if replayed.is_empty() => visit.t().get("webhook-replay-gone"),
        Ok(_) => visit.t().get("webhook-replayed"),
        Err(e) if e.code.status() == 503 => {
            return Ok(visit.refusal(StatusCode::SERVICE_UNAVAILABLE, "webhook-no-dispatcher"));
        }
        Err(e) => return Err(PageError(e)),
    };
    let shown = Shown {
        notice: Some(notice),
        ..Shown::default()
    };
    show_page(&state, &visit, webhook, &NO_FILTER, shown).await
}

/// `POST /console/webhooks/{id}`: the settings form (URL, events, description, enabled).
pub async fn update(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Page {
    let Posted { visit, form, .. } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::Admin).await?);
    let webhook = attempt!(owned(&state, &visit, &path).await?);
    let patch = PatchWebhook {
        url: Some(form.get("url").to_owned()),
        events: Some(
            form.all("events")
                .iter()
                .filter_map(|e| EventType::parse(e))
                .collect(),
        ),
        poll_ids: None,
        description: Some(form.get("description").to_owned()),
        enabled: Some(form.checked("enabled")),
    };
    match edit_webhook(&state.context, webhook.clone(), patch).await {
        Ok(edited) => {
            let shown = Shown {
                notice: Some(visit.t().get("webhook-saved")),
                ..Shown::default()
            };
            show_page(&state, &visit, edited, &NO_FILTER, shown).await
        }
        Err(e) => {
            let shown = Shown {
                errors: chrome::problem_lines(visit.t(), e)?,
                ..Shown::default()
            };
            show_page(&state, &visit, webhook, &NO_FILTER, shown).await
        }
    }
}
