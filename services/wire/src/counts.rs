//! The counts hash of a poll: what counting one vote adds to it, and the snapshot read back.
//!
//! Fields: `total`, `seq`, `at` (last change, Unix ms), and per kind:
//! - `o:<option id>`: votes of an option (`single`, `multiple`), first preferences (`ranked`);
//! - `b:<id>,<id>,...`: how many voters cast exactly this ranking (`ranked`), the aggregated
//!   ballots instant-runoff rounds are recounted from;
//! - `r:<score>`: how many voters gave this score (`rating`);
//! - `entries`: how many entries the ballots hold (`open_text`); the terms are counted in
//!   sorted sets beside the hash (`Keys::terms`, `Keys::cloud`, `Keys::words`), by the
//!   increments `t:<h|s>:<term>\n<spelling>` ([`counted_term`] reads one), which the counting script
//!   applies to them instead of to the hash.
//!
//! tally's counting script applies [`increments`] atomically with the acknowledgement that
//! makes a vote counted, so every field moves exactly once per vote.

use std::collections::HashMap;

use pollcast_types::vote::{join_option_ids, split_option_ids};
use pollcast_types::{
    KindResults, OptionCount, OptionId, Poll, PollKind, ResultsSnapshot, ScoreCount, Timestamp,
    VoteRecord, instant_runoff, mean_score,
};

use crate::VoteEntry;

/// Field of the counts hash holding the number of counted votes.
pub const TOTAL_FIELD: &str = "total";
/// Field of the counts hash that grows with every change, the `seq` of snapshots.
pub const SEQ_FIELD: &str = "seq";
/// Field of the counts hash holding the time of the last change, in Unix milliseconds.
pub const UPDATED_FIELD: &str = "at";

/// Field of the counts hash holding the number of open-text entries counted.
pub const ENTRIES_FIELD: &str = "entries";
/// Starts an increment that counts an open-text term (see the module's documentation).
const TERM_PREFIX: &str = "t:";

/// The increment that counts an entry of `term` spelled `text` (`held` for the owner).
fn term_field(held: bool, term: &str, text: &str) -> String {
    let held = if held { 'h' } else { 's' };
    format!("{TERM_PREFIX}{held}:{term}\n{text}")
}

/// The term an increment counts, if it counts one: the inverse of [`term_field`].
pub fn counted_term(field: &str) -> Option<&str> {
    let rest = field.strip_prefix(TERM_PREFIX)?.get(2..)?;
    rest.split_once('\n').map(|(term, _)| term)
}

const BALLOT_PREFIX: &str = "b:";

/// The counts-hash field of one option.
pub fn option_field(option: &str) -> String {
    format!("o:{option}")
}

fn score_field(score: u8) -> String {
    format!("r:{score}")
}

/// What counting `entry` adds to its poll's counts hash, besides `total` and `seq`: its
/// ballot's increments, less those of the ballot it replaced (a change moves the counts and
/// leaves `total`, which counts voters, where it was). `(field, amount)` pairs, sorted, none
/// zero.
pub fn entry_increments(entry: &VoteEntry) -> Vec<(String, i64)> {
    let Some(previous) = &entry.previous else {
        return increments(entry.kind, &entry.vote);
    };
    let mut net: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for (field, amount) in increments(entry.kind, &entry.vote) {
        *net.entry(field).or_default() += amount;
    }
    let before = VoteRecord {
        option_ids: previous.option_ids.clone(),
        rating: previous.rating,
        entries: previous.entries.clone(),
        ..entry.vote.clone()
    };
    for (field, amount) in increments(entry.kind, &before) {
        *net.entry(field).or_default() -= amount;
    }
    net.into_iter().filter(|(_, amount)| *amount != 0).collect()
}

/// What counting `vote` adds to its poll's counts hash, besides `total` and `seq` (which
/// every vote moves by one): `(field, amount)` pairs.
pub fn increments(kind: PollKind, vote: &VoteRecord) -> Vec<(String, i64)> {
    match kind {
        PollKind::Single | PollKind::Multiple => vote
            .option_ids
            .iter()
            .map(|o| (option_field(o.as_str()), 1))
            .collect(),
        PollKind::Ranked => match vote.option_ids.first() {
            Some(first) => vec![
                (option_field(first.as_str()), 1),
                (
                    format!("{BALLOT_PREFIX}{}", join_option_ids(&vote.option_ids)),
                    1,
                ),
            ],
            None => Vec::new(),
        },
        PollKind::Rating => vote
            .rating
            .map(|r| (score_field(r), 1))
            .into_iter()
            .collect(),
        PollKind::OpenText => {
            let mut adds: std::collections::BTreeMap<String, i64> = Default::default();
            for e in &vote.entries {
                if let Some(term) = &e.term {
                    *adds.entry(term_field(e.held, term, &e.text)).or_default() += 1;
                }
            }
            let mut adds: Vec<(String, i64)> = adds.into_iter().collect();
            if !vote.entries.is_empty() {
                adds.push((ENTRIES_FIELD.to_owned(), vote.entries.len() as i64));
            }
            adds
        }
    }
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
    let detail = match poll.kind {
        PollKind::Single | PollKind::Multiple => KindResults::Plain {},
        PollKind::Ranked => {
            let ballots: Vec<(Vec<OptionId>, u64)> = hash
                .iter()
                .filter_map(|(field, n)| {
                    let ranking = split_option_ids(field.strip_prefix(BALLOT_PREFIX)?)?;
                    Some((ranking, n.parse().ok()?))
                })
                .collect();
            let ids: Vec<OptionId> = poll.options.iter().map(|o| o.id.clone()).collect();
            KindResults::Ranked {
                rounds: instant_runoff(&ids, ballots.iter().map(|(b, n)| (b.as_slice(), *n))),
            }
        }
        PollKind::OpenText => KindResults::OpenText {
            // Read beside the hash: see `Keys::cloud`.
            terms: Vec::new(),
            total_entries: number(ENTRIES_FIELD),
        },
        PollKind::Rating => {
            let distribution: Vec<ScoreCount> = (1..=poll.rating_scale())
                .map(|score| ScoreCount {
                    score,
                    votes: number(&score_field(score)),
                })
                .collect();
            KindResults::Rating {
                mean: mean_score(&distribution),
                distribution,
            }
        }
    };
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
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_increment_names_its_term_and_nothing_else_does() {
        assert_eq!(
            counted_term(&term_field(true, "very fast", "Very fast!")),
            Some("very fast")
        );
        assert_eq!(
            counted_term(&term_field(false, "fast", "FAST")),
            Some("fast")
        );
        assert_eq!(counted_term(&option_field("abc")), None);
        assert_eq!(counted_term(ENTRIES_FIELD), None);
    }
}
