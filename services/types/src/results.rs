use serde::{Deserialize, Serialize};

use crate::{OptionId, PollId, Timestamp};

/// The counts of one poll at one `seq`. `seq` grows with every counted vote, so of two
/// snapshots of a poll the one with the larger `seq` is the newer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsSnapshot {
    pub poll_id: PollId,
    pub seq: u64,
    pub total_votes: u64,
    pub options: Vec<OptionCount>,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionCount {
    pub id: OptionId,
    pub votes: u64,
}

impl ResultsSnapshot {
    pub fn votes_for(&self, id: &OptionId) -> u64 {
        self.options
            .iter()
            .find(|o| &o.id == id)
            .map_or(0, |o| o.votes)
    }
}
