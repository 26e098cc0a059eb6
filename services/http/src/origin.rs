//! Whether a request came from a page of this site. Cookies ride along on requests other
//! sites start (a sibling subdomain is even "same-site" for `SameSite=Lax`), so whatever a
//! cookie authorises (console forms, an API read or live socket under a console session)
//! asks this first.

use actix_web::HttpRequest;

/// Whether the request says it came from this site: `Sec-Fetch-Site` when the browser sends
/// it (`same-origin`, or `none` for what the person typed), else `Origin` against the host
/// the request was sent to (or the public URL's). A request with neither did not come from
/// a browser page of another site.
pub fn from_own_origin(req: &HttpRequest, public_url: &str) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = header("origin") else {
        return true;
    };
    let Some(from) = host_of(origin) else {
        return false;
    };
    header("host") == Some(from) || host_of(public_url.trim_end_matches('/')) == Some(from)
}

/// `host[:port]` of an origin.
fn host_of(origin: &str) -> Option<&str> {
    origin
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or(rest))
        .filter(|h| !h.is_empty())
}
