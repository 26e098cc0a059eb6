use std::collections::HashMap;

use pollcast_types::{OptionCount, Poll, ResultsSnapshot, Timestamp};

/// Field of the counts hash holding the number of counted votes.
pub const TOTAL_FIELD: &str = "total";
/// Field of the counts hash that grows with every change, the `seq` of snapshots.
pub const SEQ_FIELD: &str = "seq";
/// Field of the counts hash holding the time of the last change, in Unix milliseconds.
pub const UPDATED_FIELD: &str = "at";

/// The counts-hash field of one option.
pub fn option_field(option: &str) -> String {
    format!("o:{option}")
}

/// Reads a poll's counts hash (`HGETALL`) into a snapshot listing every option of the poll in
/// its order, zeros included. A missing hash is a poll with no votes yet.
pub fn snapshot_from_counts(poll: &Poll, hash: &HashMap<String, String>) -> ResultsSnapshot {
    let number = |field: &str| {
        hash.get(field)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let updated = hash
        .get(UPDATED_FIELD)
        .and_then(|v| v.parse::<i64>().ok())
        .map_or(poll.created_at, Timestamp::from_millis);
    ResultsSnapshot {
        poll_id: poll.id.clone(),
        seq: number(SEQ_FIELD),
        total_votes: number(TOTAL_FIELD),
        options: poll
            .options
            .iter()
            .map(|o| OptionCount {
                id: o.id.clone(),
                votes: number(&option_field(o.id.as_str())),
            })
            .collect(),
        updated_at: updated,
    }
}
