use actix_web::{HttpResponse, web};
use pollcast_http::ApiError;
use pollcast_types::ErrorCode;
use serde::Serialize;

use pollcast_auth::Caller;
use pollcast_auth::{Authenticator, TOKEN_TTL_SECS};

#[derive(Serialize, utoipa::ToSchema)]
pub struct AccessToken {
    /// A JWT (HS256) carrying the key's workspace and scopes.
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Seconds until it expires.
    expires_in: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VoterSecret {
    /// Sign verified voter tokens with this.
    voter_secret: String,
    /// Always `HS256`.
    algorithm: &'static str,
}

/// `POST /v1/auth/token`: an access token with the API key's workspace and scopes.
#[utoipa::path(
    post, path = "/v1/auth/token", operation_id = "issue_access_token", tag = "keys", security(("bearer" = [])),
    responses((status = 200, description = "A short-lived access token; mint it with an API key, not a token", body = AccessToken)),
)]
pub async fn issue(
    auth: web::Data<Authenticator>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    if caller.via_token {
        // A token must not renew itself forever: only a key (which can be revoked) mints.
        return Err(ApiError::new(ErrorCode::Unauthorized)
            .with_detail("access tokens are minted with an API key, not another token"));
    }
    let token = auth
        .tokens
        .issue(&caller.key_id, &caller.workspace_id, &caller.scopes)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(AccessToken {
            access_token: token,
            token_type: "Bearer",
            expires_in: TOKEN_TTL_SECS,
        }))
}

/// `GET /v1/workspace/voter-secret` (admin): the secret integrators sign verified voter
/// tokens with (HS256; `sub` = their user id, `exp` required, optional `poll`).
#[utoipa::path(
    get, path = "/v1/workspace/voter-secret", operation_id = "get_voter_secret", tag = "keys", security(("bearer" = [])),
    responses((status = 200, description = "The workspace's voter-signing secret (admin)", body = VoterSecret)),
)]
pub async fn voter_secret(
    auth: web::Data<Authenticator>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.require(pollcast_types::Scope::Admin)?;
    let secret = pollcast_auth::voter_jwt::workspace_voter_secret(
        &auth.context.secret,
        &caller.workspace_id,
    );
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(VoterSecret {
            voter_secret: secret,
            algorithm: "HS256",
        }))
}
