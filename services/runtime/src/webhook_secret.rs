//! Webhook signing secrets: made here, kept sealed with the server's key (see
//! [`ServerSecret::seal`]), opened only to sign a delivery.

use crate::ServerSecret;
use crate::secret::SealError;
use pollcast_types::{Timestamp, Webhook};

/// What a sealed webhook secret is, so it cannot be opened as anything else.
pub const PURPOSE: &str = "webhook-secret";

/// How long the previous secret still signs after a rotation.
pub const ROTATION_OVERLAP_MS: i64 = 24 * 3600 * 1000;

/// A new signing secret: `whsec_` and 32 bytes from the OS's CSPRNG, base64 (as Standard
/// Webhooks libraries take it).
pub fn new() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    pollcast_types::ids::fill_random(&mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A new signing secret and its sealed form (what the store keeps).
pub fn new_sealed(secret: &ServerSecret) -> Result<(String, String), SealError> {
    let plain = new();
    let sealed = secret.seal(PURPOSE, plain.as_bytes())?;
    Ok((plain, sealed))
}

/// A secret in force that this server's key cannot open: `secret.key` was replaced, or the
/// store restored without it. Nothing may be sent unsigned, so the delivery fails.
#[derive(Debug, thiserror::Error)]
#[error("a webhook signing secret cannot be opened with this server's secret.key")]
pub struct Unopenable;

/// The secrets that sign a delivery now, newest first (two during a rotation's overlap).
pub fn signing(
    secret: &ServerSecret,
    webhook: &Webhook,
    now: Timestamp,
) -> Result<Vec<String>, Unopenable> {
    signing_with(webhook, now, |sealed| open(secret, sealed))
}

/// [`signing`], each sealed secret opened by `open` (a sender keeps what it opened).
pub fn signing_with(
    webhook: &Webhook,
    now: Timestamp,
    mut open: impl FnMut(&str) -> Result<String, Unopenable>,
) -> Result<Vec<String>, Unopenable> {
    let mut out = vec![open(&webhook.secret_sealed)?];
    if let (Some(prev), Some(until)) = (&webhook.previous_secret_sealed, webhook.previous_until)
        && now < until
    {
        out.push(open(prev)?);
    }
    Ok(out)
}

/// A sealed signing secret, opened.
pub fn open(secret: &ServerSecret, sealed: &str) -> Result<String, Unopenable> {
    secret
        .open(PURPOSE, sealed)
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or(Unopenable)
}
