//! The web routes' handlers.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use pollcast_http::ApiError;
use pollcast_types::{ErrorCode, PollId, PollStatus};
use serde::Deserialize;
use serde_json::json;

use crate::i18n::Text;
use crate::theme::{Accent, Rgb};
use crate::view::{ViewQuery, visitor};
use crate::{WebState, assets, headers, render};

/// `/p/{id}`: the hosted poll page.
pub async fn hosted_page(
    state: web::Data<WebState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    page(&state, &path, &req, false).await
}

/// `/embed/{id}`: the same page, made to live in the iframe `embed.js` puts on a site.
pub async fn embedded_page(
    state: web::Data<WebState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    page(&state, &path, &req, true).await
}

async fn page(
    state: &WebState,
    poll_id: &str,
    req: &HttpRequest,
    embed: bool,
) -> Result<HttpResponse, ApiError> {
    let view = ViewQuery::from_request(req).view(req, embed);
    let Ok(poll) = state.polls.find_public(poll_id).await else {
        return Ok(render::not_found(
            view.lang,
            &state.context.settings.public_url,
        ));
    };
    let visitor = visitor(req, &poll.id);
    render::poll_page(
        &state.context,
        &poll,
        req,
        view,
        visitor,
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Template)]
#[template(path = "front.html")]
struct Front<'a> {
    t: Text,
    base: &'a str,
    /// Whether this process serves the console (then the page leads to it).
    console: bool,
    /// A fresh install whose first account needs the setup link: the page says how.
    setup_needed: bool,
}

/// `/`: what this server is, the way into the console, and links to the docs and the API
/// reference.
pub async fn front(state: web::Data<WebState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let view = ViewQuery::from_request(&req).view(&req, false);
    let context = &state.context;
    let base = &context.settings.public_url;
    let console = context.settings.runs("console");
    let setup_needed = console && pollcast_runtime::console_setup::needed(context).await?;
    let html = Front {
        t: view.lang.text(),
        base,
        console,
        setup_needed,
    }
    .render()
    .map_err(ApiError::internal)?;
    let mut res = HttpResponse::Ok();
    headers::page_headers(&mut res, &headers::csp(base, Some(&[])));
    // Until the install is set up the page changes with it: not kept.
    let cache = if setup_needed {
        "no-cache"
    } else {
        "public, max-age=300"
    };
    res.insert_header((header::CACHE_CONTROL, cache))
        .insert_header(("Vary", "Accept-Language"));
    Ok(res.body(html))
}

fn script(body: &'static str, cache: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        // Loaded by pages of any origin, also with `crossorigin` for SRI.
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .body(body)
}

/// `/embed/v1.js`: never changes, so it is cached for a year and can carry an SRI hash.
pub async fn embed_script_v1() -> HttpResponse {
    script(assets::EMBED_V1, "public, max-age=31536000, immutable")
}

/// `/embed.js`: the current version, under a name that may move to the next one.
pub async fn embed_script_alias() -> HttpResponse {
    script(assets::EMBED_V1, "public, max-age=300")
}

/// `/static/{file}`.
pub async fn asset(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let asset = assets::find(&path).ok_or(ErrorCode::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, asset.content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(asset.body))
}

/// `/static/accent/{rrggbb}.css`: an accent colour, adjusted until it passes contrast.
pub async fn accent_css(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let asked = path
        .strip_suffix(".css")
        .and_then(Rgb::parse)
        .ok_or(ErrorCode::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(Accent::new(asked).css()))
}

#[derive(Deserialize)]
pub struct OembedQuery {
    url: Option<String>,
    maxwidth: Option<u32>,
    maxheight: Option<u32>,
    format: Option<String>,
}

/// The size an embed gets when the consumer sets no bounds.
const OEMBED_WIDTH: u32 = 600;
const OEMBED_HEIGHT: u32 = 420;

/// `/oembed?url={BASE}/p/{id}`: the script snippet as a `rich` embed (oEmbed 1.0).
pub async fn oembed(
    state: web::Data<WebState>,
    query: web::Query<OembedQuery>,
) -> Result<HttpResponse, ApiError> {
    let base = &state.context.settings.public_url;
    if query.format.as_deref().is_some_and(|f| f != "json") {
        return Ok(HttpResponse::NotImplemented()
            .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
            .body("only format=json is served"));
    }
    let poll_id = query
        .url
        .as_deref()
        .and_then(|url| url.strip_prefix(base.as_str()))
        .and_then(|rest| rest.strip_prefix("/p/"))
        .map(|rest| rest.split(['?', '#']).next().unwrap_or(rest))
        .and_then(PollId::parse)
        .ok_or(ErrorCode::NotFound)?;
    let poll = state.polls.find_public(poll_id.as_str()).await?;
    let width = query.maxwidth.map_or(OEMBED_WIDTH, |m| m.min(OEMBED_WIDTH));
    let height = query
        .maxheight
        .map_or(OEMBED_HEIGHT, |m| m.min(OEMBED_HEIGHT));
    let html = format!(
        "<div class=\"pollcast\" data-poll=\"{id}\" data-height=\"{height}\"></div>\
         <script src=\"{base}/embed/v1.js\" async></script>",
        id = poll.id
    );
    let closed = poll.status_at(pollcast_types::Timestamp::now()) == PollStatus::Closed;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .json(json!({
            "version": "1.0",
            "type": "rich",
            "provider_name": "pollcast",
            "provider_url": base,
            "title": crate::page::shown(&poll.question),
            "html": html,
            "width": width,
            "height": height,
            "cache_age": if closed { 86_400 } else { 300 },
        })))
}

/// `/docs/{name}.md`: one of the integrators' documents, as Markdown.
pub async fn doc(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let name = path.strip_suffix(".md").ok_or(ErrorCode::NotFound)?;
    let (_, text) = assets::DOCS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or(ErrorCode::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/markdown; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(*text))
}
