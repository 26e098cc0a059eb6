//! A poll page as an HTTP answer: the current results read once (a page still renders when
//! they cannot be read), headers, and the caching an edge can use.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use pollcast_http::ApiError;
use pollcast_runtime::{Context, lifecycle};
use pollcast_types::{Poll, PollStatus, ResultsVisibility, Timestamp};

use crate::headers;
use crate::i18n::{Lang, Text};
use crate::page::{PollPage, View, Visitor};

/// How long an edge may serve a public poll page before asking again, and how long after that
/// it may still serve the old one while it asks: the counts on the page are only a first
/// paint (the script follows the live results).
pub const EDGE_CACHE: &str = "public, max-age=0, s-maxage=10, stale-while-revalidate=60";

pub async fn poll_page(
    ctx: &Context,
    poll: &Poll,
    req: &HttpRequest,
    view: View,
    visitor: Visitor,
    message: Option<String>,
    status_code: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let (snapshot, status) = match lifecycle::live_snapshot(ctx, poll).await {
        Ok((snapshot, status)) => (Some(snapshot), status),
        Err(e) => {
            tracing::warn!(poll = %poll.id, error = %e, "poll page without results");
            (None, poll.status_at(Timestamp::now()))
        }
    };
    let personal = visitor.voted.is_some() || message.is_some();
    let base = ctx.settings.public_url.as_str();
    let mut page = PollPage::new(
        base,
        poll,
        status,
        snapshot.as_ref(),
        view,
        &visitor,
        message,
    );
    let query = crate::view::ViewQuery::from_request(req).to_query();
    if !query.is_empty() {
        page.form_action = format!("{}?{query}", page.form_action);
    }
    let html = page.render().map_err(ApiError::internal)?;
    let mut res = HttpResponse::build(status_code);
    headers::page_headers(&mut res, &headers::csp(base, poll.embed_origins.as_deref()));
    res.insert_header(("Vary", "Accept-Language"));
    // A page with this visitor's vote or error in it is theirs alone; so is the page of a poll
    // whose results only some may see. The rest is the same for everyone: cacheable.
    let shared = !personal
        && status_code == StatusCode::OK
        && status != PollStatus::Draft
        && poll.results_visibility != ResultsVisibility::AfterVote;
    if shared {
        let etag = format!(
            "\"{:016x}\"",
            pollcast_types::hash::fnv1a64(html.as_bytes())
        );
        if let Some(not_modified) = pollcast_http::etag::not_modified(req, &etag, EDGE_CACHE) {
            return Ok(not_modified);
        }
        res.insert_header(("Cache-Control", EDGE_CACHE))
            .insert_header(("ETag", etag));
    } else {
        res.insert_header(("Cache-Control", "private, no-store"));
    }
    Ok(res.body(html))
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFound {
    t: Text,
}

/// The page for a poll that does not exist (or is a draft): HTML, in the visitor's language.
pub fn not_found(lang: Lang, base: &str) -> HttpResponse {
    let html = NotFound { t: lang.text() }.render().unwrap_or_default();
    let mut res = HttpResponse::NotFound();
    headers::page_headers(&mut res, &headers::csp(base, Some(&[])));
    res.insert_header((header::CACHE_CONTROL, "public, max-age=10"));
    res.body(html)
}
