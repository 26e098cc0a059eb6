//! The hosted poll page `/p/{id}` and its static assets (compiled into the binary).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use pollcast_http::ApiError;
use pollcast_types::{ErrorCode, Poll, PollKind, ResultsVisibility, Timestamp};

use crate::ApiState;

#[derive(Template)]
#[template(path = "poll.html")]
struct PollPage<'a> {
    poll: &'a Poll,
    status: &'static str,
    /// `single`, `multiple`, `ranked` or `rating`: how the form asks and the bars read.
    kind: &'static str,
    /// The scores a rating poll offers, 1 to its scale.
    scores: Vec<u8>,
    base: &'a str,
    /// `always`, `after_vote`, `after_close` or `owner_only`: the page shows the bars only
    /// when the results endpoint would.
    visibility: &'static str,
}

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                   connect-src 'self' ws: wss:; img-src 'self' data:; form-action 'self'; \
                   base-uri 'none'; frame-ancestors *";

pub async fn poll_page(
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let poll = state.polls.find_public(&path).await?;
    let page = PollPage {
        poll: &poll,
        status: poll.status_at(Timestamp::now()).as_str(),
        kind: poll.kind.as_str(),
        scores: match poll.kind {
            PollKind::Rating => (1..=poll.rating_scale()).collect(),
            _ => Vec::new(),
        },
        base: &state.context.settings.public_url,
        visibility: match poll.results_visibility {
            ResultsVisibility::Always => "always",
            ResultsVisibility::AfterVote => "after_vote",
            ResultsVisibility::AfterClose => "after_close",
            ResultsVisibility::OwnerOnly => "owner_only",
        },
    };
    let html = page.render().map_err(ApiError::internal)?;
    Ok(html_response(html, "no-cache"))
}

#[derive(Template)]
#[template(path = "errors.html")]
struct ErrorsPage<'a> {
    codes: &'static [ErrorCode],
    base: &'a str,
}

/// `/docs/errors`: what every problem document's `type` links to, one entry per code (with
/// the code as its fragment), made from the same declaration as the codes themselves.
pub async fn errors_page(state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let html = ErrorsPage {
        codes: ErrorCode::ALL,
        base: &state.context.settings.public_url,
    }
    .render()
    .map_err(ApiError::internal)?;
    Ok(html_response(html, "public, max-age=300"))
}

fn html_response(html: String, cache: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header(("Content-Security-Policy", CSP))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Referrer-Policy", "strict-origin-when-cross-origin"))
        .body(html)
}

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "poll.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/static/poll.js"),
    ),
    (
        "poll.css",
        "text/css; charset=utf-8",
        include_str!("../../../web/static/poll.css"),
    ),
];

pub async fn asset(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (_, content_type, body) = ASSETS
        .iter()
        .find(|(name, _, _)| *name == path.as_str())
        .ok_or(ErrorCode::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, *content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(*body))
}
