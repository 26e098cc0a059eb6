//! `/docs/errors`: the page every problem document's `type` links to. (The poll pages are
//! the `web` service's.)

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use pollcast_http::ApiError;
use pollcast_types::ErrorCode;

use crate::ApiState;

const CSP: &str = "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'";

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

pub(crate) fn html_response(html: String, cache: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header(("Content-Security-Policy", CSP))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Referrer-Policy", "strict-origin-when-cross-origin"))
        .body(html)
}
