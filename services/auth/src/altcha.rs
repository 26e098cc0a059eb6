//! ALTCHA proof-of-work challenges (<https://altcha.org>, the v1 scheme its libraries share):
//! the server picks a secret number `n` in `0..=maxnumber` and hands out
//! `challenge = hex(SHA-256(salt ‖ n))` with `signature = hex(HMAC-SHA256(key, challenge))`;
//! the browser tries numbers until one hashes to the challenge, and sends back a base64 JSON
//! payload with that number. Checking costs the server one hash and one MAC, and needs no
//! state: the salt carries the expiry and what the challenge is for (`?expires=…&poll=…&`),
//! and the signature covers the salt through the challenge.
//!
//! Tested against vectors produced by the reference implementation (`altcha` 2.3.0 on PyPI).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use pollcast_runtime::{hex, unhex};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "SHA-256";
/// Bytes of random salt, as the reference libraries use.
const SALT_BYTES: usize = 12;
/// A payload larger than this is not one we handed out (ours are ~300 bytes).
const MAX_PAYLOAD_BYTES: usize = 1024;

/// A challenge as `GET /v1/polls/{id}/challenge` sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Challenge {
    pub algorithm: &'static str,
    pub challenge: String,
    pub salt: String,
    pub signature: String,
    pub maxnumber: u64,
}

/// What a solver sends back (base64 of its JSON).
#[derive(Debug, Serialize, Deserialize)]
pub struct Payload {
    pub algorithm: String,
    pub challenge: String,
    pub number: u64,
    pub salt: String,
    pub signature: String,
}

/// Why a payload was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Not base64 JSON of a payload, or another algorithm.
    Malformed,
    /// The number does not solve the challenge, or the challenge is not ours.
    Forged,
    /// Past the expiry its salt carries (or it carries none).
    Expired,
}

/// A payload that solves a challenge this key signed, not expired.
#[derive(Debug)]
pub struct Verified {
    /// The challenge (64 hex digits): names the solution, so it can be used once.
    pub challenge: String,
    /// When the challenge expires, Unix seconds.
    pub expires: i64,
    /// The other parameters its salt carries, as signed.
    pub params: Vec<(String, String)>,
}

impl Verified {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An HMAC key, keyed once: each signature or check starts from a copy of the keyed state
/// (a check is on every protected vote's path).
#[derive(Clone)]
pub struct Key(Hmac<Sha256>);

impl Key {
    pub fn new(bytes: &[u8]) -> Self {
        // HMAC takes a key of any length; this cannot fail.
        Self(<Hmac<Sha256> as Mac>::new_from_slice(bytes).unwrap_or_else(|_| unreachable!()))
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

/// The key this server signs its challenges with, derived from the server secret (so every
/// process sharing the data directory, or the secret, checks every other's challenges).
pub fn server_key(secret: &pollcast_runtime::ServerSecret) -> Key {
    Key::new(&secret.mac("altcha-hmac-key", &[]))
}

/// A new challenge with a random salt and secret number.
pub fn create(key: &Key, maxnumber: u64, expires: i64, params: &[(&str, &str)]) -> Challenge {
    let mut salt = [0u8; SALT_BYTES];
    pollcast_types::ids::fill_random(&mut salt);
    let mut n = [0u8; 8];
    pollcast_types::ids::fill_random(&mut n);
    let number = u64::from_le_bytes(n) % (maxnumber.saturating_add(1)).max(1);
    create_with(key, &hex(&salt), number, maxnumber, Some(expires), params)
}

/// A challenge from a given salt and number (the reference's `create_challenge` with both
/// set): the salt gets `?expires=…&<params>` and the splice-proof `&` at its end.
pub fn create_with(
    key: &Key,
    salt: &str,
    number: u64,
    maxnumber: u64,
    expires: Option<i64>,
    params: &[(&str, &str)],
) -> Challenge {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(expires) = expires {
        query.append_pair("expires", &expires.to_string());
    }
    for (k, v) in params {
        query.append_pair(k, v);
    }
    let query = query.finish();
    let mut salt = salt.to_owned();
    if !query.is_empty() {
        salt.push('?');
        salt.push_str(&query);
    }
    if !salt.ends_with('&') {
        salt.push('&');
    }
    let challenge = hash(&salt, number);
    Challenge {
        algorithm: ALGORITHM,
        signature: sign(key, &challenge),
        challenge,
        salt,
        maxnumber,
    }
}

/// Checks a base64 payload against `key` at `now` (Unix seconds).
pub fn verify(key: &Key, payload: &str, now: i64) -> Result<Verified, Invalid> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(Invalid::Malformed);
    }
    let json = STANDARD
        .decode(payload.trim())
        .map_err(|_| Invalid::Malformed)?;
    let p: Payload = serde_json::from_slice(&json).map_err(|_| Invalid::Malformed)?;
    if p.algorithm != ALGORITHM {
        return Err(Invalid::Malformed);
    }
    // The salt is hashed as sent (plus the delimiter), never re-serialised: its parameters
    // are read only once the signature has vouched for these exact bytes.
    let mut salt = p.salt;
    if !salt.ends_with('&') {
        salt.push('&');
    }
    let challenge = hash(&salt, p.number);
    let signature = unhex(&p.signature).ok_or(Invalid::Forged)?;
    let mut mac = key.0.clone();
    mac.update(challenge.as_bytes());
    if challenge != p.challenge || mac.verify_slice(&signature).is_err() {
        return Err(Invalid::Forged);
    }
    let params: Vec<(String, String)> = salt
        .split_once('?')
        .map(|(_, q)| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    // The first `expires` is the one: the same rule the reference's check applies.
    let expires = params
        .iter()
        .find(|(k, _)| k == "expires")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .ok_or(Invalid::Expired)?;
    if expires < now {
        return Err(Invalid::Expired);
    }
    Ok(Verified {
        challenge,
        expires,
        params: params.into_iter().filter(|(k, _)| k != "expires").collect(),
    })
}

/// The number that solves `challenge`, trying `0..=maxnumber` in order (what the browser's
/// worker does; here for tests and for measuring what forging costs).
pub fn solve(challenge: &str, salt: &str, maxnumber: u64) -> Option<u64> {
    let target = unhex(challenge)?;
    let prefix = Sha256::new_with_prefix(salt.as_bytes());
    let mut digits = [0u8; 20];
    (0..=maxnumber).find(|n| {
        let mut h = prefix.clone();
        h.update(format_u64(&mut digits, *n));
        h.finalize().as_slice() == target.as_slice()
    })
}

/// The base64 payload that answers `challenge` with `number`.
pub fn payload(challenge: &Challenge, number: u64) -> String {
    let p = Payload {
        algorithm: ALGORITHM.to_owned(),
        challenge: challenge.challenge.clone(),
        number,
        salt: challenge.salt.clone(),
        signature: challenge.signature.clone(),
    };
    STANDARD.encode(serde_json::to_vec(&p).unwrap_or_default())
}

fn hash(salt: &str, number: u64) -> String {
    let mut h = Sha256::new_with_prefix(salt.as_bytes());
    h.update(format_u64(&mut [0u8; 20], number));
    hex(&h.finalize())
}

fn sign(key: &Key, challenge: &str) -> String {
    let mut mac = key.0.clone();
    mac.update(challenge.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// `n` in decimal, without allocating (the solver's inner loop, and every check).
fn format_u64(buf: &mut [u8; 20], mut n: u64) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key::new(b"test-key")
    }

    /// From the reference implementation: `altcha.v1.create_challenge(ChallengeOptions(
    /// hmac_key="test-key", salt=…, number=…, max_number=…, expires=…, params=…))` and its
    /// `Payload(…).to_base64()`, with `altcha` 2.3.0 from PyPI.
    struct Vector {
        salt: &'static str,
        number: u64,
        max: u64,
        expires: Option<i64>,
        params: &'static [(&'static str, &'static str)],
        want_salt: &'static str,
        want_challenge: &'static str,
        want_signature: &'static str,
    }

    const VECTORS: &[Vector] = &[
        Vector {
            salt: "0f1e2d3c4b5a69788796a5b4",
            number: 12345,
            max: 50000,
            expires: Some(1893456000),
            params: &[("poll", "p_abcdefghijklmnop")],
            want_salt: "0f1e2d3c4b5a69788796a5b4?expires=1893456000&poll=p_abcdefghijklmnop&",
            want_challenge: "52511884f22d91742de61e9a935580d93eb9a90cd76734bd9e696e30a59ec9ba",
            want_signature: "8d5c563d26ec5d27f39f708fe9698e78dbbf7a6c0b69da0550dba653d2050162",
        },
        Vector {
            salt: "aabbccddeeff00112233",
            number: 0,
            max: 1000,
            expires: None,
            params: &[],
            want_salt: "aabbccddeeff00112233&",
            want_challenge: "de6d8522aaa08fc8cd94750f08483ec6b5e8c91a120ad1d33e445125ba61816e",
            want_signature: "469bab9063c8658466cbf8f1fc0ac525c0cd8d20ccc7f321c461b400e1cea1a8",
        },
        Vector {
            salt: "5c1d",
            number: 99999,
            max: 100000,
            expires: Some(1700000000),
            params: &[("poll", "x")],
            want_salt: "5c1d?expires=1700000000&poll=x&",
            want_challenge: "a23a0feff2cb187514f17f30893b92278a86db00c8ae0f83af54f74966a1fcba",
            want_signature: "e676c71fe67ee777ab1dc6512062e23234d9ddb7d30543bfc618a770b05aa9bf",
        },
    ];

    /// The reference's base64 payload for the first vector (Python's `json.dumps` spacing).
    const REFERENCE_PAYLOAD: &str = "eyJhbGdvcml0aG0iOiAiU0hBLTI1NiIsICJjaGFsbGVuZ2UiOiAiNTI1MTE4ODRmMjJkOTE3NDJkZTYxZTlhOTM1NTgwZDkzZWI5YTkwY2Q3NjczNGJkOWU2OTZlMzBhNTllYzliYSIsICJudW1iZXIiOiAxMjM0NSwgInNhbHQiOiAiMGYxZTJkM2M0YjVhNjk3ODg3OTZhNWI0P2V4cGlyZXM9MTg5MzQ1NjAwMCZwb2xsPXBfYWJjZGVmZ2hpamtsbW5vcCYiLCAic2lnbmF0dXJlIjogIjhkNWM1NjNkMjZlYzVkMjdmMzlmNzA4ZmU5Njk4ZTc4ZGJiZjdhNmMwYjY5ZGEwNTUwZGJhNjUzZDIwNTAxNjIifQ==";

    #[test]
    fn challenges_match_the_reference_implementation() {
        for v in VECTORS {
            let c = create_with(&key(), v.salt, v.number, v.max, v.expires, v.params);
            assert_eq!(c.salt, v.want_salt);
            assert_eq!(c.challenge, v.want_challenge);
            assert_eq!(c.signature, v.want_signature);
            assert_eq!(solve(&c.challenge, &c.salt, v.max), Some(v.number));
        }
    }

    #[test]
    fn the_reference_payload_verifies_and_carries_its_poll() {
        let v = verify(&key(), REFERENCE_PAYLOAD, 1_800_000_000).unwrap();
        assert_eq!(v.param("poll"), Some("p_abcdefghijklmnop"));
        assert_eq!(v.expires, 1893456000);
        assert_eq!(
            verify(&key(), REFERENCE_PAYLOAD, 1893456001).unwrap_err(),
            Invalid::Expired
        );
        assert_eq!(
            verify(&Key::new(b"other key"), REFERENCE_PAYLOAD, 0).unwrap_err(),
            Invalid::Forged
        );
    }

    #[test]
    fn wrong_numbers_altered_salts_and_junk_are_refused() {
        let c = create(&key(), 50, 2_000_000_000, &[("poll", "a")]);
        let n = solve(&c.challenge, &c.salt, c.maxnumber).unwrap();
        assert!(verify(&key(), &payload(&c, n), 0).is_ok());
        assert_eq!(
            verify(&key(), &payload(&c, n + 1), 0).unwrap_err(),
            Invalid::Forged
        );
        // Another poll or a later expiry spliced into the salt breaks the challenge.
        let mut moved = c.clone();
        moved.salt = moved.salt.replace("poll=a", "poll=b");
        assert_eq!(
            verify(&key(), &payload(&moved, n), 0).unwrap_err(),
            Invalid::Forged
        );
        // A challenge without an expiry is not one we hand out.
        let forever = create_with(&key(), "00", 3, 10, None, &[("poll", "a")]);
        assert_eq!(
            verify(&key(), &payload(&forever, 3), 0).unwrap_err(),
            Invalid::Expired
        );
        for junk in ["", "!!!", "e30=", &"A".repeat(2000)] {
            assert_eq!(verify(&key(), junk, 0).unwrap_err(), Invalid::Malformed);
        }
    }
}
