//! The headers every page and asset carries: a CSP without inline script or style (and
//! `frame-ancestors` from the poll's `embed_origins`), no sniffing, a strict referrer policy.

use actix_web::HttpResponseBuilder;
use actix_web::http::header;

/// The CSP of a page. `frame_ancestors`: the origins that may frame it (`None`: any).
pub fn csp(public_url: &str, frame_ancestors: Option<&[String]>) -> String {
    // 'self' covers ws: and wss: of the same host in CSP 3; the public URL's own socket
    // origin is named too, for browsers that read CSP 2.
    let socket = public_url
        .replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1);
    let ancestors = match frame_ancestors {
        None => "*".to_owned(),
        Some([]) => "'none'".to_owned(),
        Some(origins) => origins.join(" "),
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self' {socket}; form-action 'self'; base-uri 'none'; \
         frame-ancestors {ancestors}"
    )
}

/// Adds the headers every HTML page gets.
pub fn page_headers(res: &mut HttpResponseBuilder, csp: &str) {
    res.insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header(("Content-Security-Policy", csp))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Referrer-Policy", "strict-origin-when-cross-origin"));
}
