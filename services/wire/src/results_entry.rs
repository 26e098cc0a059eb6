use pollcast_types::{PollId, PollStatus, ResultsSnapshot};
use serde::Serialize;

/// The results stream keeps about this many entries. Readers only ever need the newest entry
/// per poll (every entry is a full state), and fall back to the counts hash when behind.
pub const RESULTS_STREAM_LEN: usize = 100_000;

/// One entry of the results stream: `poll=<id> seq=<n> msg=<the results message, as JSON>`,
/// plus `status=<the status message>` when it announces a lifecycle change. Messages are
/// serialised once, by whoever publishes, and forwarded byte for byte by every broadcast
/// instance to every viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultsEntry {
    pub poll_id: PollId,
    pub seq: u64,
    pub msg: String,
    pub status: Option<String>,
}

impl ResultsEntry {
    pub fn to_fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("poll", self.poll_id.to_string()),
            ("seq", self.seq.to_string()),
            ("msg", self.msg.clone()),
        ];
        if let Some(status) = &self.status {
            fields.push(("status", status.clone()));
        }
        fields
    }

    pub fn from_fields(fields: &std::collections::HashMap<String, String>) -> Option<Self> {
        Some(Self {
            poll_id: PollId::parse(fields.get("poll")?)?,
            seq: fields.get("seq")?.parse().ok()?,
            msg: fields.get("msg")?.clone(),
            status: fields.get("status").cloned(),
        })
    }
}

/// The `status` message of the live API: a lifecycle change (`open`, `closed`, `deleted`...).
#[derive(Debug, Serialize)]
pub struct StatusMessage<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub poll_id: &'a PollId,
    pub status: &'a str,
}

impl StatusMessage<'_> {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The `results` message of the live API (see the contract's Live results section).
#[derive(Debug, Serialize)]
pub struct ResultsMessage<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub poll_id: &'a PollId,
    pub seq: u64,
    pub status: PollStatus,
    pub total_votes: u64,
    pub options: &'a [pollcast_types::OptionCount],
    /// `rounds` for ranked polls, `distribution` and `mean` for rating polls.
    #[serde(flatten)]
    pub detail: &'a pollcast_types::KindResults,
}

impl<'a> ResultsMessage<'a> {
    pub fn new(snapshot: &'a ResultsSnapshot, status: PollStatus) -> Self {
        Self {
            kind: "results",
            poll_id: &snapshot.poll_id,
            seq: snapshot.seq,
            status,
            total_votes: snapshot.total_votes,
            options: &snapshot.options,
            detail: &snapshot.detail,
        }
    }

    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}
