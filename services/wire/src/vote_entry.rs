use std::collections::HashMap;

use pollcast_types::vote::{join_option_ids, split_option_ids};
use pollcast_types::{OptionId, PollId, PollKind, TextEntry, Timestamp, VoteId, VoteRecord};

use crate::text_entries;

/// The format [`VoteEntry::to_fields`] writes.
const FORMAT: &str = "2";
/// Written in place of an absent value in the one-line format.
const NONE: &str = "-";

/// One entry of a votes stream, readable with `XRANGE` by an operator. Format 2 is one field,
/// `vote`, holding one line that ends with the poll's epoch, which the ingest script adds:
///
/// `vote="2 <vote id> <poll id> <poll kind> <id,id,...|-> <unix ms> <rating|-> <voter hash|-> <epoch>"`
///
/// One field instead of one per value: tally reads hundreds of entries a batch, and each
/// value was a bulk string to parse and a map entry to hash (a third of tally's instructions,
/// docs/benchmarks.md); Redis stores and logs fewer, smaller items too. Format 1 (one field
/// per value: `v=1 id poll kind opts at [rating] [voter] epoch`) is still read, so entries an
/// older vote-ingest wrote are counted after an upgrade.
///
/// An open-text ballot has its entries where the option ids would be
/// (`crate::text_entries`).
///
/// `kind` tells tally how to count the vote without looking the poll up; format-1 entries
/// written before it existed have none and count as `single`/`multiple` votes, the only kinds
/// then.
///
/// The epoch is not in [`VoteEntry::to_fields`]: the ingest script appends the poll's current
/// epoch itself, inside the same atomic step that checks the poll's state. (A line without
/// one takes the `epoch` field, as format 1 does, or 0.)
///
/// A ballot that replaced the voter's earlier one (`vote_change: while_open`) has the earlier
/// one after the epoch, as the ingest script kept it for the voter ([`Ballot::token`]):
/// `... <epoch> <previous vote id> <id,id,...|-> <rating|->`. Counting the entry moves the
/// counts from that ballot to this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteEntry {
    pub vote: VoteRecord,
    pub kind: PollKind,
    /// The ballot this one replaced.
    pub previous: Option<Ballot>,
}

/// What a ballot chose, as the ingest script keeps it per voter of a poll whose voters may
/// change their minds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    pub vote_id: VoteId,
    pub option_ids: Vec<OptionId>,
    pub rating: Option<u8>,
    pub entries: Vec<TextEntry>,
}

/// The line's word for a ballot's choices: its entries, its option ids, or none.
fn choices_word(option_ids: &[OptionId], entries: &[TextEntry]) -> String {
    if !entries.is_empty() {
        text_entries::encode(entries)
    } else if option_ids.is_empty() {
        NONE.to_owned()
    } else {
        join_option_ids(option_ids)
    }
}

/// The inverse of [`choices_word`].
fn parse_choices(word: &str) -> Option<(Vec<OptionId>, Vec<TextEntry>)> {
    if word == NONE {
        Some((Vec::new(), Vec::new()))
    } else if text_entries::is_entries(word) {
        Some((Vec::new(), text_entries::decode(word)?))
    } else {
        Some((split_option_ids(word)?, Vec::new()))
    }
}

impl Ballot {
    pub fn of(vote: &VoteRecord) -> Self {
        Self {
            vote_id: vote.vote_id.clone(),
            option_ids: vote.option_ids.clone(),
            rating: vote.rating,
            entries: vote.entries.clone(),
        }
    }

    /// `<vote id> <id,id,...|-> <rating|->`: three words, no other spaces.
    pub fn token(&self) -> String {
        let opts = choices_word(&self.option_ids, &self.entries);
        let rating = self.rating.map(|r| r.to_string());
        format!(
            "{} {opts} {}",
            self.vote_id,
            rating.as_deref().unwrap_or(NONE)
        )
    }

    fn parse<'a>(mut words: impl Iterator<Item = &'a str>) -> Result<Option<Self>, DecodeError> {
        let Some(id) = words.next() else {
            return Ok(None);
        };
        let bad = || DecodeError::Malformed("previous");
        let vote_id = VoteId::parse(id).ok_or_else(bad)?;
        let (option_ids, entries) = parse_choices(words.next().ok_or_else(bad)?).ok_or_else(bad)?;
        let rating = match words.next().ok_or_else(bad)? {
            NONE => None,
            r => Some(r.parse::<u8>().map_err(|_| bad())?),
        };
        if words.next().is_some() {
            return Err(bad());
        }
        Ok(Some(Self {
            vote_id,
            option_ids,
            rating,
            entries,
        }))
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("field `{0}` is missing")]
    Missing(&'static str),
    #[error("field `{0}` is malformed")]
    Malformed(&'static str),
    #[error("format version {0} is not supported")]
    Version(String),
}

impl VoteEntry {
    /// Field/value pairs in XADD order.
    pub fn to_fields(&self) -> Vec<(&'static str, String)> {
        let v = &self.vote;
        let opts = choices_word(&v.option_ids, &v.entries);
        let rating = v.rating.map(|r| r.to_string());
        let line = [
            FORMAT,
            v.vote_id.as_str(),
            v.poll_id.as_str(),
            self.kind.as_str(),
            &opts,
            &v.received_at.as_millis().to_string(),
            rating.as_deref().unwrap_or(NONE),
            v.voter.as_deref().unwrap_or(NONE),
        ]
        .join(" ");
        vec![("vote", line)]
    }

    pub fn from_fields(fields: &HashMap<String, String>) -> Result<Self, DecodeError> {
        let epoch = match fields.get("epoch") {
            Some(e) => e.parse().map_err(|_| DecodeError::Malformed("epoch"))?,
            None => 0,
        };
        match fields.get("vote") {
            Some(line) => Self::from_line(line, epoch),
            None => Self::from_format_1(fields, epoch),
        }
    }

    fn from_line(line: &str, epoch_field: u32) -> Result<Self, DecodeError> {
        let mut parts = line.split(' ');
        let mut next = |name: &'static str| parts.next().ok_or(DecodeError::Malformed(name));
        let format = next("vote")?;
        if format != FORMAT {
            return Err(DecodeError::Version(format.to_owned()));
        }
        let vote_id = VoteId::parse(next("id")?).ok_or(DecodeError::Malformed("id"))?;
        let poll_id = PollId::parse(next("poll")?).ok_or(DecodeError::Malformed("poll"))?;
        let kind = PollKind::parse(next("kind")?).ok_or(DecodeError::Malformed("kind"))?;
        let (option_ids, entries) =
            parse_choices(next("opts")?).ok_or(DecodeError::Malformed("opts"))?;
        let at = next("at")?
            .parse::<i64>()
            .map_err(|_| DecodeError::Malformed("at"))?;
        let rating = match next("rating")? {
            NONE => None,
            r => Some(
                r.parse::<u8>()
                    .map_err(|_| DecodeError::Malformed("rating"))?,
            ),
        };
        let voter = match next("voter")? {
            NONE => None,
            v => Some(v.to_owned()),
        };
        let epoch = match parts.next() {
            Some(e) => e.parse().map_err(|_| DecodeError::Malformed("epoch"))?,
            None => epoch_field,
        };
        let previous = Ballot::parse(parts)?;
        Ok(Self {
            vote: VoteRecord {
                vote_id,
                poll_id,
                option_ids,
                rating,
                voter,
                received_at: Timestamp::from_millis(at),
                epoch,
                replaces: previous.as_ref().map(|p| p.vote_id.clone()),
                entries,
            },
            kind,
            previous,
        })
    }

    fn from_format_1(fields: &HashMap<String, String>, epoch: u32) -> Result<Self, DecodeError> {
        let get = |name: &'static str| fields.get(name).ok_or(DecodeError::Missing(name));
        let version = get("v")?;
        if version != "1" {
            return Err(DecodeError::Version(version.clone()));
        }
        let vote_id = VoteId::parse(get("id")?).ok_or(DecodeError::Malformed("id"))?;
        let poll_id = PollId::parse(get("poll")?).ok_or(DecodeError::Malformed("poll"))?;
        let option_ids = split_option_ids(get("opts")?).ok_or(DecodeError::Malformed("opts"))?;
        let at = get("at")?
            .parse::<i64>()
            .map_err(|_| DecodeError::Malformed("at"))?;
        let rating = match fields.get("rating") {
            Some(r) => Some(
                r.parse::<u8>()
                    .map_err(|_| DecodeError::Malformed("rating"))?,
            ),
            None => None,
        };
        let kind = match fields.get("kind") {
            Some(k) => PollKind::parse(k).ok_or(DecodeError::Malformed("kind"))?,
            None => PollKind::Multiple,
        };
        let vote = VoteRecord {
            vote_id,
            poll_id,
            option_ids,
            rating,
            voter: fields.get("voter").cloned(),
            received_at: Timestamp::from_millis(at),
            epoch,
            replaces: None,
            entries: Vec::new(),
        };
        Ok(Self {
            vote,
            kind,
            previous: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> VoteRecord {
        VoteRecord {
            vote_id: VoteId::generate(),
            poll_id: PollId::generate(),
            option_ids: vec![OptionId::generate(), OptionId::generate()],
            rating: None,
            voter: Some("abcd".into()),
            received_at: Timestamp::from_millis(1_700_000_000_000),
            epoch: 0,
            replaces: None,
            entries: Vec::new(),
        }
    }

    fn as_map(fields: Vec<(&'static str, String)>) -> HashMap<String, String> {
        fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// An entry as format 1 wrote it (vote-ingest before format 2).
    fn format_1(vote: &VoteRecord, kind: Option<PollKind>) -> HashMap<String, String> {
        let mut map = as_map(vec![
            ("v", "1".into()),
            ("id", vote.vote_id.to_string()),
            ("poll", vote.poll_id.to_string()),
            ("opts", join_option_ids(&vote.option_ids)),
            ("at", vote.received_at.as_millis().to_string()),
            ("epoch", vote.epoch.to_string()),
        ]);
        if let Some(kind) = kind {
            map.insert("kind".into(), kind.as_str().into());
        }
        if let Some(voter) = &vote.voter {
            map.insert("voter".into(), voter.clone());
        }
        map
    }

    #[test]
    fn round_trips_every_shape_of_vote() {
        let choices = VoteEntry {
            vote: sample(),
            kind: PollKind::Ranked,
            previous: None,
        };
        let rating = VoteEntry {
            vote: VoteRecord {
                option_ids: Vec::new(),
                rating: Some(7),
                voter: None,
                ..sample()
            },
            kind: PollKind::Rating,
            previous: None,
        };
        let open_text = VoteEntry {
            vote: VoteRecord {
                option_ids: Vec::new(),
                entries: vec![TextEntry {
                    text: "Very fast!".into(),
                    term: Some("very fast!".into()),
                    held: false,
                }],
                ..sample()
            },
            kind: PollKind::OpenText,
            previous: None,
        };
        for entry in [choices, rating, open_text] {
            let mut expected = entry.clone();
            expected.vote.epoch = 3;
            // As the ingest script writes it: the epoch ends the line.
            let mut line = entry.to_fields();
            line[0].1.push_str(" 3");
            assert_eq!(VoteEntry::from_fields(&as_map(line)), Ok(expected.clone()));
            // Or as a field of its own.
            let mut map = as_map(entry.to_fields());
            map.insert("epoch".into(), "3".into());
            assert_eq!(VoteEntry::from_fields(&map), Ok(expected));
        }
    }

    #[test]
    fn reads_entries_an_older_vote_ingest_wrote() {
        let vote = sample();
        let back = VoteEntry::from_fields(&format_1(&vote, Some(PollKind::Single))).unwrap();
        assert_eq!((back.vote, back.kind), (vote.clone(), PollKind::Single));
        // From before kinds existed: counted as a choice.
        let back = VoteEntry::from_fields(&format_1(&vote, None)).unwrap();
        assert_eq!(back.kind, PollKind::Multiple);
    }

    #[test]
    fn a_change_carries_the_ballot_it_replaced() {
        let before = sample();
        let after = VoteRecord {
            vote_id: VoteId::generate(),
            option_ids: vec![OptionId::generate()],
            ..before.clone()
        };
        let line = VoteEntry {
            vote: after.clone(),
            kind: PollKind::Multiple,
            previous: None,
        }
        .to_fields()
        .remove(0)
        .1;
        // What the ingest script appends: the epoch, then the ballot it kept for the voter.
        let stored = format!("{line} 3 {}", Ballot::of(&before).token());
        let entry = VoteEntry::from_fields(&as_map(vec![("vote", stored)])).unwrap();
        assert_eq!(entry.previous, Some(Ballot::of(&before)));
        assert_eq!(entry.vote.replaces, Some(before.vote_id.clone()));
        assert_eq!(entry.vote.epoch, 3);
        // Counting it moves one vote from the old options to the new one.
        let net = crate::entry_increments(&entry);
        assert!(net.iter().all(|(_, n)| *n == 1 || *n == -1));
        assert_eq!(net.iter().map(|(_, n)| n).sum::<i64>(), 1 - 2);
    }

    #[test]
    fn refuses_unknown_formats_and_garbage() {
        let line = |s: &str| as_map(vec![("vote", s.to_owned())]);
        let good = VoteEntry {
            vote: sample(),
            kind: PollKind::Single,
            previous: None,
        }
        .to_fields()
        .remove(0)
        .1;
        assert_eq!(
            VoteEntry::from_fields(&line(&good.replacen('2', "9", 1))),
            Err(DecodeError::Version("9".into()))
        );
        assert_eq!(
            VoteEntry::from_fields(&line(&format!("{good} 1 extra"))),
            Err(DecodeError::Malformed("previous"))
        );
        assert_eq!(
            VoteEntry::from_fields(&line(&format!("{good} x"))),
            Err(DecodeError::Malformed("epoch"))
        );
        let fields: Vec<&str> = good.split(' ').collect();
        let with = |i: usize, v: &str| {
            let mut f = fields.clone();
            f[i] = v;
            line(&f.join(" "))
        };
        assert_eq!(
            VoteEntry::from_fields(&with(4, "a,b/c")),
            Err(DecodeError::Malformed("opts"))
        );
        assert_eq!(
            VoteEntry::from_fields(&with(3, "approval")),
            Err(DecodeError::Malformed("kind"))
        );
        assert_eq!(
            VoteEntry::from_fields(&line(&fields[..5].join(" "))),
            Err(DecodeError::Malformed("at"))
        );
        let mut old = format_1(&sample(), None);
        old.insert("v".into(), "9".into());
        assert_eq!(
            VoteEntry::from_fields(&old),
            Err(DecodeError::Version("9".into()))
        );
        old.insert("v".into(), "1".into());
        old.remove("poll");
        assert_eq!(
            VoteEntry::from_fields(&old),
            Err(DecodeError::Missing("poll"))
        );
    }
}
