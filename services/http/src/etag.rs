//! Conditional GETs: public responses carry an `ETag`, and a matching `If-None-Match` gets
//! `304 Not Modified` without a body.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

/// Whether the request's `If-None-Match` names `etag` (or `*`).
pub fn matches(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t == etag || t.strip_prefix("W/") == Some(etag)
        })
}

/// The `304` for a request whose `If-None-Match` matches, carrying the same headers.
pub fn not_modified(req: &HttpRequest, etag: &str, cache_control: &str) -> Option<HttpResponse> {
    matches(req, etag).then(|| {
        HttpResponse::NotModified()
            .insert_header((header::ETAG, etag.to_owned()))
            .insert_header((header::CACHE_CONTROL, cache_control.to_owned()))
            .finish()
    })
}

/// A `200` builder carrying the ETag and cache policy.
pub fn ok(etag: &str, cache_control: &str) -> HttpResponseBuilder {
    let mut ok = HttpResponse::Ok();
    ok.insert_header((header::ETAG, etag.to_owned()))
        .insert_header((header::CACHE_CONTROL, cache_control.to_owned()));
    ok
}
