//! An audit of a poll: its counts recounted from the vote log, next to the live ones.

use serde::{Deserialize, Serialize};

/// What an audit found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Audit {
    /// Every count recounted from the log equals the live one.
    pub consistent: bool,
    /// Votes of the current epoch in the vote log.
    pub log_total: u64,
    /// Votes the live counts hold.
    pub live_total: u64,
    /// Per option (per score for rating polls): its votes (first preferences for ranked
    /// polls) in the log and live.
    pub options: Vec<AuditLine>,
    /// Ranked polls: ballots (whole rankings) whose log and live counts differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ballots_differing: Option<u64>,
    /// Open-text polls: terms whose log and live counts differ (`total_entries` is compared
    /// as `consistent` says).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_differing: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditLine {
    pub id: String,
    pub log: u64,
    pub live: u64,
}
