//! Opaque, URL-safe identifiers. Callers must never assume a format (see the API contract);
//! inside pollcast, vote ids are UUIDv7 so they sort by time, which the vote log relies on.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Random URL-safe id: `len` characters from a 64-symbol alphabet (6 bits each).
pub fn random_token(len: usize) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = vec![0u8; len];
    fill_random(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b & 63)] as char)
        .collect()
}

/// Fills `buf` with bytes from the operating system's CSPRNG, every bit random.
///
/// # Panics
/// When the OS has no randomness to give: no secret may ever be made without it.
#[allow(clippy::expect_used)]
pub fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random number generator failed");
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $len:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, $crate::ids::random_token($len)))
            }

            /// Wraps an id received from outside; `None` when it cannot be one of ours.
            pub fn parse(s: &str) -> Option<Self> {
                $crate::ids::is_url_safe(s, 64).then(|| Self(s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                crate::openapi::id_schema(64)
            }
        }

        impl utoipa::ToSchema for $name {}

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use string_id;

string_id!(
    /// A workspace: the tenant boundary.
    WorkspaceId, "ws_", 16
);
string_id!(PollId, "", 12);
string_id!(OptionId, "", 8);
string_id!(ApiKeyId, "key_", 16);
string_id!(
    /// A webhook endpoint.
    WebhookId, "wh_", 16
);

/// Ids are bounded and restricted to the URL-safe alphabet, so they can be used in Redis keys,
/// paths and CSV without escaping.
pub fn is_url_safe(s: &str, max_len: usize) -> bool {
    !s.is_empty()
        && s.len() <= max_len
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A vote's id: a UUIDv7 in its 32-hex-digit form, so ids sort by the time they were accepted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VoteId(String);

impl VoteId {
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().simple().to_string())
    }

    pub fn parse(s: &str) -> Option<Self> {
        let id = uuid::Uuid::try_parse(s).ok()?;
        (id.get_version_num() == 7).then(|| Self(id.simple().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The smallest vote id minted at `ms`: a time-window bound for vote-log queries.
    pub fn lowest_at(ms: i64) -> Self {
        let ms = ms.clamp(0, (1 << 48) - 1) as u64;
        let mut bytes = [0u8; 16];
        bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
        bytes[6] = 0x70; // version 7
        bytes[8] = 0x80; // RFC 4122 variant
        Self(uuid::Uuid::from_bytes(bytes).simple().to_string())
    }

    /// Milliseconds since the Unix epoch at which the id was minted.
    pub fn timestamp_ms(&self) -> i64 {
        uuid::Uuid::try_parse(&self.0)
            .ok()
            .and_then(|u| u.get_timestamp())
            .map(|ts| {
                let (secs, nanos) = ts.to_unix();
                (secs as i64) * 1000 + i64::from(nanos / 1_000_000)
            })
            .unwrap_or(0)
    }
}

impl utoipa::PartialSchema for VoteId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::openapi::id_schema(32)
    }
}

impl utoipa::ToSchema for VoteId {}

impl fmt::Display for VoteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_url_safe_and_distinct() {
        let a = PollId::generate();
        let b = PollId::generate();
        assert_ne!(a, b);
        assert!(is_url_safe(a.as_str(), 64));
        assert!(WorkspaceId::generate().as_str().starts_with("ws_"));
    }

    /// Every position of a token takes every symbol: no bit is fixed (UUIDv4 bytes fixed 6
    /// of every 128, so one position of each 16 bytes only ever took 16 symbols).
    #[test]
    fn every_position_of_a_token_is_uniform() {
        let tokens: Vec<Vec<u8>> = (0..4000).map(|_| random_token(40).into_bytes()).collect();
        for pos in 0..40 {
            let distinct: std::collections::HashSet<u8> = tokens.iter().map(|t| t[pos]).collect();
            assert_eq!(
                distinct.len(),
                64,
                "position {pos} took {} symbols",
                distinct.len()
            );
        }
    }

    #[test]
    fn parse_rejects_unsafe_ids() {
        assert!(PollId::parse("abc/../x").is_none());
        assert!(PollId::parse("").is_none());
        assert!(PollId::parse(&"a".repeat(65)).is_none());
        assert!(PollId::parse("Ab-_9").is_some());
    }

    #[test]
    fn vote_ids_sort_by_time_and_carry_it() {
        let a = VoteId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = VoteId::generate();
        assert!(a < b);
        let now = crate::Timestamp::now().as_millis();
        assert!((now - b.timestamp_ms()).abs() < 5_000);
        assert_eq!(VoteId::parse(a.as_str()), Some(a));
        assert!(VoteId::parse("not-a-uuid").is_none());
        assert!(VoteId::parse(&uuid::Uuid::new_v4().to_string()).is_none());
        let floor = VoteId::lowest_at(b.timestamp_ms());
        assert!(floor <= b && floor > VoteId::lowest_at(b.timestamp_ms() - 1));
        assert_eq!(floor.timestamp_ms(), b.timestamp_ms());
        assert_eq!(VoteId::parse(floor.as_str()), Some(floor));
    }
}
