use serde::{Deserialize, Serialize};

use crate::{OptionId, PollId, RunoffRound, TermCount, Timestamp};

/// The counts of one poll at one `seq`. `seq` grows with every counted vote, so of two
/// snapshots of a poll the one with the larger `seq` is the newer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultsSnapshot {
    pub poll_id: PollId,
    pub seq: u64,
    pub total_votes: u64,
    /// Per option: its votes (`single`, `multiple`) or its first preferences (`ranked`).
    /// Empty for `rating` polls, which have no options.
    pub options: Vec<OptionCount>,
    pub updated_at: Timestamp,
    /// What only some kinds have: instant-runoff rounds, or a rating distribution.
    #[serde(flatten)]
    pub detail: KindResults,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OptionCount {
    pub id: OptionId,
    pub votes: u64,
}

/// The kind-specific part of a snapshot, flattened into it: `{"rounds": [...]}` for ranked
/// polls, `{"distribution": [...], "mean": 3.2}` for rating polls, nothing for the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KindResults {
    Ranked {
        rounds: Vec<RunoffRound>,
    },
    Rating {
        /// One entry per score, 1 to the poll's scale.
        distribution: Vec<ScoreCount>,
        /// The mean score rounded to 2 places, `null` before the first vote.
        mean: Option<f64>,
    },
    OpenText {
        /// The cloud's terms, most entries first (ties alphabetical), at most 100; terms the
        /// owner hid, or that wait for approval, are left out.
        terms: Vec<TermCount>,
        /// Entries counted, shown or not.
        total_entries: u64,
    },
    Plain {},
}

impl Default for KindResults {
    fn default() -> Self {
        Self::Plain {}
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScoreCount {
    pub score: u8,
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

/// An option's share of `total` ballots, rounded to 4 places (0 without ballots): what
/// `/results` and `results.updated` say.
pub fn share(votes: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        (votes as f64 / total as f64 * 10_000.0).round() / 10_000.0
    }
}

/// The mean of a rating distribution rounded to 2 places, `None` without votes.
pub fn mean_score(distribution: &[ScoreCount]) -> Option<f64> {
    let votes: u64 = distribution.iter().map(|s| s.votes).sum();
    let sum: u64 = distribution
        .iter()
        .map(|s| u64::from(s.score) * s.votes)
        .sum();
    (votes > 0).then(|| (sum as f64 / votes as f64 * 100.0).round() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(detail: KindResults) -> ResultsSnapshot {
        ResultsSnapshot {
            poll_id: PollId::parse("p1").unwrap(),
            seq: 3,
            total_votes: 3,
            options: Vec::new(),
            updated_at: Timestamp::from_millis(0),
            detail,
        }
    }

    #[test]
    fn every_kind_round_trips_through_json() {
        let distribution = vec![
            ScoreCount { score: 1, votes: 1 },
            ScoreCount { score: 2, votes: 0 },
            ScoreCount { score: 3, votes: 2 },
        ];
        let kinds = [
            KindResults::Plain {},
            KindResults::Rating {
                mean: mean_score(&distribution),
                distribution,
            },
            KindResults::Ranked { rounds: Vec::new() },
        ];
        for detail in kinds {
            let s = snapshot(detail);
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(
                serde_json::from_str::<ResultsSnapshot>(&json).unwrap(),
                s,
                "{json}"
            );
        }
    }

    #[test]
    fn the_mean_is_rounded_and_absent_without_votes() {
        let d = |v: [u64; 3]| {
            v.iter()
                .enumerate()
                .map(|(i, &votes)| ScoreCount {
                    score: i as u8 + 1,
                    votes,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(mean_score(&d([1, 0, 2])), Some(2.33));
        assert_eq!(mean_score(&d([0, 0, 0])), None);
    }
}
