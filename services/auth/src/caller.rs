//! The `Caller` and `MaybeCaller` extractors.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use pollcast_http::ApiError;
use pollcast_runtime::{PollCache, hex};
use pollcast_store::Store;
use pollcast_types::{ApiKeyId, ErrorCode, Poll, Scope, Webhook, WebhookId, WorkspaceId};
use sha2::{Digest, Sha256};

use crate::{Authenticator, sessions};

/// An authenticated caller: the workspace its credentials belong to, and what they may do.
#[derive(Debug, Clone)]
pub struct Caller {
    pub workspace_id: WorkspaceId,
    pub key_id: ApiKeyId,
    pub scopes: Vec<Scope>,
    /// Whether the credential was an access token rather than the API key itself.
    pub via_token: bool,
}

impl Caller {
    /// A poll of the caller's workspace. Every owner-only route reaches polls through here:
    /// another workspace's poll is `404`, exactly as if it did not exist.
    pub async fn poll(&self, polls: &PollCache, raw_id: &str) -> Result<Arc<Poll>, ApiError> {
        let poll = polls.find(raw_id).await?;
        if poll.workspace_id != self.workspace_id {
            return Err(ErrorCode::PollNotFound.into());
        }
        Ok(poll)
    }

    /// [`Self::require`] then [`Self::poll`]: the preamble of every owner-only poll route.
    pub async fn poll_with(
        &self,
        scope: Scope,
        polls: &PollCache,
        raw_id: &str,
    ) -> Result<Arc<Poll>, ApiError> {
        self.require(scope)?;
        self.poll(polls, raw_id).await
    }

    /// A webhook endpoint of the caller's workspace (`webhooks:write`); another workspace's
    /// is `404`, as if it did not exist.
    pub async fn webhook(&self, store: &dyn Store, raw_id: &str) -> Result<Webhook, ApiError> {
        self.require(Scope::WebhooksWrite)?;
        let id = WebhookId::parse(raw_id).ok_or(ErrorCode::WebhookNotFound)?;
        match store.webhook(&id).await? {
            Some(w) if w.workspace_id == self.workspace_id => Ok(w),
            _ => Err(ErrorCode::WebhookNotFound.into()),
        }
    }

    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if scope.is_granted_by(&self.scopes) {
            Ok(())
        } else {
            Err(ApiError::new(ErrorCode::InsufficientScope)
                .with_detail(format!("this call needs the `{}` scope", scope.as_str())))
        }
    }
}

/// Stored form of an API key: its SHA-256. Keys are 240 random bits, so a fast hash is
/// enough; nothing guessable is being protected.
pub fn hash_key(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

fn bearer(req: &HttpRequest) -> Option<Result<String, ApiError>> {
    let value = req.headers().get(header::AUTHORIZATION)?;
    let unauthorized = || {
        ApiError::new(ErrorCode::Unauthorized)
            .with_detail("expected `Authorization: Bearer <api key>`")
    };
    Some(
        value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty() && t.len() <= 512)
            .ok_or_else(unauthorized),
    )
}

/// API keys (`pk_...`) are looked up by hash; anything else must be an access token. Both
/// are checked against the store on every request, so a revoked key (and every token minted
/// from it) stops working at once.
pub async fn authenticate(state: &Authenticator, credential: &str) -> Result<Caller, ApiError> {
    let unauthorized =
        |why: &str| ApiError::new(ErrorCode::Unauthorized).with_detail(why.to_owned());
    let store = &state.context.store;
    if credential.starts_with("pk_") {
        return match store.api_key_by_hash(&hash_key(credential)).await? {
            Some(key) if key.revoked_at.is_none() => Ok(Caller {
                workspace_id: key.workspace_id,
                key_id: key.id,
                scopes: key.scopes,
                via_token: false,
            }),
            _ => Err(unauthorized("unknown or revoked API key")),
        };
    }
    let token = state
        .tokens
        .verify(credential)
        .ok_or_else(|| unauthorized("invalid or expired access token"))?;
    match store.api_key(&token.key_id).await? {
        Some(key) if key.revoked_at.is_none() && key.workspace_id == token.workspace_id => {
            Ok(Caller {
                workspace_id: token.workspace_id,
                key_id: token.key_id,
                // Never more than the key has now.
                scopes: token
                    .scopes
                    .into_iter()
                    .filter(|s| s.is_granted_by(&key.scopes))
                    .collect(),
                via_token: true,
            })
        }
        _ => Err(unauthorized("the access token's API key was revoked")),
    }
}

fn state_of(req: &HttpRequest) -> Result<web::Data<Authenticator>, ApiError> {
    req.app_data::<web::Data<Authenticator>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("no Authenticator is registered"))
}

/// Resolves the request's credentials: `None` without an `Authorization` header, an error
/// for credentials that are malformed, unknown or revoked.
/// An address that keeps failing is refused with `429` before its credentials cost a lookup.
fn resolve(req: &HttpRequest) -> Pin<Box<dyn Future<Output = Result<Option<Caller>, ApiError>>>> {
    let token = bearer(req);
    let state = state_of(req);
    // Without an Authorization header, a console session may read (see `sessions`), from a
    // page of this site only: a WebSocket is not bound by CORS, and a page on a sibling
    // subdomain gets the owner's cookie sent along.
    let from_own_origin = state
        .as_ref()
        .is_ok_and(|s| pollcast_http::origin::from_own_origin(req, &s.context.settings.public_url));
    let session_read =
        (token.is_none() && matches!(*req.method(), Method::GET | Method::HEAD) && from_own_origin)
            .then(|| req.clone());
    let address = state
        .as_ref()
        .ok()
        .and_then(|s| s.context.proxies.client_ip(req))
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    Box::pin(async move {
        let Some(token) = token else {
            let Some(request) = session_read else {
                return Ok(None);
            };
            let state = state?;
            return Ok(sessions::resolve(&state.context, &request)
                .await?
                .map(|signed_in| signed_in.reader()));
        };
        let state = state?;
        if let Some(throttle) = &state.failures {
            throttle.admit(&address)?;
        }
        let authenticated = match token {
            Ok(token) => authenticate(&state, &token).await,
            Err(malformed) => Err(malformed),
        };
        let caller = match authenticated {
            Err(e) if e.code == ErrorCode::Unauthorized => {
                if let Some(throttle) = &state.failures {
                    throttle.failed(&address);
                }
                return Err(e);
            }
            other => other?,
        };
        pollcast_http::rate_limit::check(&state.per_key, caller.key_id.as_str())?;
        Ok(Some(caller))
    })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let caller = resolve(req);
        Box::pin(async move {
            caller.await?.ok_or_else(|| {
                ApiError::new(ErrorCode::Unauthorized).with_detail("missing Authorization header")
            })
        })
    }
}

/// Credentials are optional on public reads: absent is anonymous, present must be valid.
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let caller = resolve(req);
        Box::pin(async move { Ok(MaybeCaller(caller.await?)) })
    }
}
