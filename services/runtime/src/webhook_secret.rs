//! Webhook signing secrets: made here, kept sealed with the server's key (see
//! [`ServerSecret::seal`]), opened only to sign a delivery.

use crate::ServerSecret;
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

/// The secrets that sign a delivery now, newest first (two during a rotation's overlap).
pub fn signing(secret: &ServerSecret, webhook: &Webhook, now: Timestamp) -> Vec<String> {
    let open = |sealed: &str| {
        secret
            .open(PURPOSE, sealed)
            .and_then(|b| String::from_utf8(b).ok())
    };
    let mut out: Vec<String> = open(&webhook.secret_sealed).into_iter().collect();
    if let (Some(prev), Some(until)) = (&webhook.previous_secret_sealed, webhook.previous_until)
        && now < until
    {
        out.extend(open(prev));
    }
    out
}
