//! CORS for the public endpoints (votes, voter tokens, results, the public poll view): any
//! page may call them from its visitors' browsers. No credentials travel with them, so any
//! origin is safe; management endpoints get no CORS and stay same-origin.

use actix_cors::Cors;

pub fn public() -> Cors {
    Cors::default()
        .allow_any_origin()
        .allowed_methods(["GET", "POST"])
        .allowed_headers(["content-type", "if-none-match"])
        .expose_headers([
            "etag",
            "retry-after",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
        ])
        .max_age(86_400)
}
