//! Who is calling. The one place that turns a request's credentials (an API key or an access
//! token) into a workspace and its scopes, and that hands out a workspace's polls: handlers
//! take a [`Caller`] and never look at headers or compare workspaces themselves.

pub mod altcha;
mod caller;
pub mod sessions;
pub mod tokens;
pub mod voter_jwt;
pub mod voter_token;
pub mod workspaces;

use pollcast_runtime::Context;

pub use caller::{Caller, MaybeCaller, authenticate, hash_key};
pub use tokens::{TOKEN_TTL_SECS, TokenIssuer};

/// What the extractors need; every service that authenticates registers one as app data.
pub struct Authenticator {
    pub context: Context,
    pub tokens: TokenIssuer,
    /// Management calls per API key (`None`: off).
    pub per_key: Option<pollcast_http::rate_limit::Limiter>,
    /// Failed authentications per client address (`None`: off).
    pub failures: Option<pollcast_http::rate_limit::FailureThrottle>,
}

impl Authenticator {
    pub fn new(context: &Context) -> Self {
        Self {
            context: context.clone(),
            tokens: TokenIssuer::new(
                context.secret.clone(),
                &context.settings.jwt_kid,
                &context.settings.jwt_previous_kids,
            ),
            per_key: pollcast_http::rate_limit::Limiter::per_second(
                context.settings.rate_api_per_key,
            ),
            failures: pollcast_http::rate_limit::FailureThrottle::per_second(
                context.settings.rate_auth_failures_per_ip,
            ),
        }
    }
}
