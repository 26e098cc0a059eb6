use serde::{Deserialize, Serialize};

use crate::{OptionId, PollId, TextEntry, Timestamp, VoteId};

/// One accepted vote, as the vote log keeps it. The vote id is the idempotency key: appending
/// the same vote twice leaves one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteRecord {
    pub vote_id: VoteId,
    pub poll_id: PollId,
    pub option_ids: Vec<OptionId>,
    pub rating: Option<u8>,
    /// A keyed hash of the voter's identity (token, address...), never the identity itself.
    pub voter: Option<String>,
    pub received_at: Timestamp,
    /// The poll's epoch when the vote was accepted; a reset starts a new one.
    #[serde(default)]
    pub epoch: u32,
    /// The voter's ballot this one replaced (polls with `vote_change: while_open`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<VoteId>,
    /// An open-text ballot's entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<TextEntry>,
}

/// Vote-log partitions are per poll and per day, so no partition grows without bound
/// (the ScyllaDB layout in `schema/scylla`; SQLite keeps the same key).
pub const BUCKET_MILLIS: i64 = 86_400_000;

impl VoteRecord {
    pub fn bucket(&self) -> i64 {
        bucket_of(&self.vote_id)
    }
}

/// Option ids as one comma-separated string (ids never contain commas): the form the votes
/// stream and the vote log keep them in.
pub fn join_option_ids(ids: &[OptionId]) -> String {
    ids.iter()
        .map(OptionId::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

/// The inverse of [`join_option_ids`]; `None` if any id is malformed.
pub fn split_option_ids(s: &str) -> Option<Vec<OptionId>> {
    if s.is_empty() {
        return Some(Vec::new());
    }
    s.split(',').map(OptionId::parse).collect()
}

pub fn bucket_of(vote_id: &VoteId) -> i64 {
    vote_id.timestamp_ms().div_euclid(BUCKET_MILLIS)
}
