//! Reading a request's cookies (actix-web's cookie feature is off: this is all pollcast needs).

use actix_web::HttpRequest;
use actix_web::http::header;

/// The value of the cookie `name`, if the request carries it.
pub fn get(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
}
