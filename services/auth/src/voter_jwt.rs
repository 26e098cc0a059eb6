//! Verified voting: the integrator signs a voter token (an HS256 JWT) with its workspace's
//! voter-signing secret; `sub` is the integrator's own user id, and one vote per `sub` per
//! poll is allowed. The secret is derived from the server secret and the workspace id, so it
//! is never stored and is the same on every instance.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use pollcast_runtime::{ServerSecret, hex};
use pollcast_types::{PollId, WorkspaceId};
use serde::Deserialize;

/// The workspace's voter-signing secret, as shown to its admins.
pub fn workspace_voter_secret(secret: &ServerSecret, workspace: &WorkspaceId) -> String {
    let mac = secret.mac("workspace-voter-secret", &[workspace.as_str().as_bytes()]);
    format!("vsk_{}", hex(&mac))
}

/// The `aud` every voter token must carry.
pub const VOTER_AUDIENCE: &str = "pollcast-voter";
/// Longest a voter token may be valid for, counted from now: a leaked token dies soon.
pub const MAX_LIFETIME_SECS: i64 = 24 * 3600;

#[derive(Deserialize)]
struct VoterClaims {
    sub: String,
    exp: i64,
    /// Optional: the token is only good for this poll.
    poll: Option<String>,
}

/// The voter's `sub` when `token` is a valid HS256 JWT signed with the workspace's secret,
/// issued by the workspace (`iss` is its id), for pollcast voting (`aud` is
/// [`VOTER_AUDIENCE`]), not expired nor valid for longer than [`MAX_LIFETIME_SECS`] from now,
/// and (if it names one) for this poll.
pub fn verify(
    secret: &ServerSecret,
    workspace: &WorkspaceId,
    poll: &PollId,
    token: &str,
) -> Option<String> {
    let key = workspace_voter_secret(secret, workspace);
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
    validation.set_issuer(&[workspace.as_str()]);
    validation.set_audience(&[VOTER_AUDIENCE]);
    validation.leeway = 5;
    let data = jsonwebtoken::decode::<VoterClaims>(
        token,
        &DecodingKey::from_secret(key.as_bytes()),
        &validation,
    )
    .ok()?;
    let claims = data.claims;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if claims.exp > now + MAX_LIFETIME_SECS {
        return None;
    }
    if claims.sub.is_empty() || claims.sub.len() > 256 {
        return None;
    }
    if claims.poll.is_some_and(|p| p != poll.as_str()) {
        return None;
    }
    Some(claims.sub)
}
