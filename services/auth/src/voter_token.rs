//! Anonymous voter tokens: `vt1.<random id>.<MAC>`, minted by `POST /v1/voters` and kept by the
//! widget. The MAC (HMAC-SHA256 under the server secret, 128 bits kept) makes a token
//! unforgeable, so one voter cannot mint identities by inventing strings; the rate limit on
//! minting bounds how many a client can get.

use pollcast_runtime::{ServerSecret, hex, unhex};
use pollcast_types::ids::random_token;

const PREFIX: &str = "vt1";
const PURPOSE: &str = "voter-token";
const TAG_BYTES: usize = 16;

pub fn mint(secret: &ServerSecret) -> String {
    let id = random_token(22);
    let tag = secret.mac(PURPOSE, &[id.as_bytes()]);
    format!("{PREFIX}.{id}.{}", hex(&tag[..TAG_BYTES]))
}

/// The identity of a browser voter (one vote per voter token).
pub fn browser_identity(token_id: &str) -> String {
    format!("b:{token_id}")
}

/// The identity of a verified voter: the integrator's own user id.
pub fn verified_identity(sub: &str) -> String {
    format!("v:{sub}")
}

/// The identity of a voter known by address (one vote per client address).
pub fn address_identity(ip: std::net::IpAddr) -> String {
    format!("ip:{ip}")
}

/// A per-poll keyed hash of a voter identity: stable within a poll (for de-duplication),
/// unlinkable across polls, and not reversible without the server secret.
pub fn voter_hash(secret: &ServerSecret, poll: &pollcast_types::PollId, identity: &str) -> String {
    let mac = secret.mac(
        "voter-hash",
        &[poll.as_str().as_bytes(), identity.as_bytes()],
    );
    hex(&mac[..16])
}

/// The token's voter id when the token is one we minted.
pub fn verify<'a>(secret: &ServerSecret, token: &'a str) -> Option<&'a str> {
    let mut parts = token.split('.');
    let (prefix, id, tag) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || prefix != PREFIX || id.len() != 22 || tag.len() != TAG_BYTES * 2 {
        return None;
    }
    let tag = unhex(tag)?;
    secret.verify(PURPOSE, &[id.as_bytes()], &tag).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_verify_and_tampered_ones_do_not() {
        let dir = std::env::temp_dir().join(format!("pollcast-vt-{}", std::process::id()));
        let secret = ServerSecret::load_or_create(&dir).unwrap();
        let token = mint(&secret);
        let id = verify(&secret, &token).unwrap();
        assert_eq!(id.len(), 22);
        let mut forged = token.clone();
        forged.replace_range(4..5, if &token[4..5] == "A" { "B" } else { "A" });
        assert_eq!(verify(&secret, &forged), None);
        assert_eq!(verify(&secret, "vt1.x.y"), None);
        assert_eq!(verify(&secret, &format!("{token}.extra")), None);
        let other = ServerSecret::load_or_create(&dir.join("other")).unwrap();
        assert_eq!(verify(&other, &token), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
