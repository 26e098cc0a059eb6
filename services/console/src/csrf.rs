//! CSRF protection for every console form: a signed double-submit token bound to the
//! session. Each browser gets a random `pollcast_csrf` cookie (SameSite=Strict, HttpOnly);
//! forms carry `csrf` = HMAC(server secret, cookie, session), which a page on another origin
//! can neither read nor compute. A request whose `Origin` (or `Sec-Fetch-Site`) says it came
//! from another site is refused before the token is even looked at.

use actix_web::HttpRequest;
use pollcast_runtime::{ServerSecret, hex};
use pollcast_types::ids::random_token;

pub const CSRF_COOKIE: &str = "pollcast_csrf";
pub const FIELD: &str = "csrf";
const PURPOSE: &str = "console-csrf";

/// The cookie's value, or a new one (to be set) when the browser has none.
pub fn seed(req: &HttpRequest) -> (String, bool) {
    match pollcast_http::cookie::get(req, CSRF_COOKIE).filter(|s| s.len() == 32) {
        Some(s) => (s, false),
        None => (random_token(32), true),
    }
}

pub fn token(secret: &ServerSecret, seed: &str, session: &str) -> String {
    hex(&secret.mac(PURPOSE, &[seed.as_bytes(), session.as_bytes()])[..16])
}

pub fn token_is_valid(secret: &ServerSecret, seed: &str, session: &str, sent: &str) -> bool {
    pollcast_runtime::unhex(sent)
        .is_some_and(|tag| secret.verify(PURPOSE, &[seed.as_bytes(), session.as_bytes()], &tag))
}
