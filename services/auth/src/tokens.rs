//! Short-lived access tokens: HS256 JWTs minted by `POST /v1/auth/token` from an API key.
//! Each signing key is derived from the server secret and its key id (`kid`), so rotating is
//! a configuration change: sign with a new kid, keep accepting the old one until its tokens
//! have expired.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use pollcast_runtime::ServerSecret;
use pollcast_types::{ApiKeyId, Scope, Timestamp, WorkspaceId};
use serde::{Deserialize, Serialize};

pub const TOKEN_TTL_SECS: i64 = 900;
const ISSUER: &str = "pollcast";
const AUDIENCE: &str = "pollcast-api";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The API key the token was minted from; revoking the key ends its tokens too.
    pub sub: String,
    pub ws: String,
    pub scopes: Vec<Scope>,
    pub iat: i64,
    pub exp: i64,
}

pub struct TokenIssuer {
    secret: ServerSecret,
    kid: String,
    accepted: Vec<String>,
}

/// What a verified token grants.
pub struct Verified {
    pub key_id: ApiKeyId,
    pub workspace_id: WorkspaceId,
    pub scopes: Vec<Scope>,
}

impl TokenIssuer {
    pub fn new(secret: ServerSecret, kid: &str, previous: &[String]) -> Self {
        let mut accepted = vec![kid.to_owned()];
        accepted.extend(previous.iter().cloned());
        Self {
            secret,
            kid: kid.to_owned(),
            accepted,
        }
    }

    fn key_bytes(&self, kid: &str) -> [u8; 32] {
        self.secret.mac("jwt-signing-key", &[kid.as_bytes()])
    }

    pub fn issue(
        &self,
        key_id: &ApiKeyId,
        workspace_id: &WorkspaceId,
        scopes: &[Scope],
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = Timestamp::now().as_millis() / 1000;
        let claims = Claims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: key_id.to_string(),
            ws: workspace_id.to_string(),
            scopes: scopes.to_vec(),
            iat: now,
            exp: now + TOKEN_TTL_SECS,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_secret(&self.key_bytes(&self.kid)),
        )
    }

    /// Checks signature, algorithm (HS256 only: `none` and switches are refused), `kid`,
    /// `exp`, `iss` and `aud`.
    pub fn verify(&self, token: &str) -> Option<Verified> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.alg != Algorithm::HS256 {
            return None;
        }
        let kid = header.kid?;
        if !self.accepted.contains(&kid) {
            return None;
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(&self.key_bytes(&kid)),
            &validation,
        )
        .ok()?;
        Some(Verified {
            key_id: ApiKeyId::parse(&data.claims.sub)?,
            workspace_id: WorkspaceId::parse(&data.claims.ws)?,
            scopes: data.claims.scopes,
        })
    }
}
