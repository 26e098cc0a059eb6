use std::collections::HashMap;

use pollcast_types::vote::{join_option_ids, split_option_ids};
use pollcast_types::{PollId, PollKind, Timestamp, VoteId, VoteRecord};

/// Format version written in every entry, so a reader can refuse what it does not understand.
const VERSION: &str = "1";

/// One entry of a votes stream: flat string fields, readable with `XRANGE` by an operator.
///
/// `v=1 id=<vote id> poll=<poll id> kind=<poll kind> opts=<id,id,...> [rating=<n>]
/// [voter=<hash>] at=<unix ms> epoch=<n>`
///
/// `kind` tells tally how to count the vote without looking the poll up; entries written
/// before it existed have none and count as `single`/`multiple` votes, the only kinds then.
///
/// `epoch` is not in [`VoteEntry::to_fields`]: the ingest script appends the poll's current
/// epoch itself, inside the same atomic step that checks the poll's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteEntry {
    pub vote: VoteRecord,
    pub kind: PollKind,
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
        let opts = join_option_ids(&v.option_ids);
        let mut fields = vec![
            ("v", VERSION.to_owned()),
            ("id", v.vote_id.to_string()),
            ("poll", v.poll_id.to_string()),
            ("kind", self.kind.as_str().to_owned()),
            ("opts", opts),
            ("at", v.received_at.as_millis().to_string()),
        ];
        if let Some(rating) = v.rating {
            fields.push(("rating", rating.to_string()));
        }
        if let Some(voter) = &v.voter {
            fields.push(("voter", voter.clone()));
        }
        fields
    }

    pub fn from_fields(fields: &HashMap<String, String>) -> Result<Self, DecodeError> {
        let get = |name: &'static str| fields.get(name).ok_or(DecodeError::Missing(name));
        let version = get("v")?;
        if version != VERSION {
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
            epoch: match fields.get("epoch") {
                Some(e) => e.parse().map_err(|_| DecodeError::Malformed("epoch"))?,
                None => 0,
            },
        };
        Ok(Self { vote, kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pollcast_types::OptionId;

    fn sample() -> VoteRecord {
        VoteRecord {
            vote_id: VoteId::generate(),
            poll_id: PollId::generate(),
            option_ids: vec![OptionId::generate(), OptionId::generate()],
            rating: None,
            voter: Some("abcd".into()),
            received_at: Timestamp::from_millis(1_700_000_000_000),
            epoch: 0,
        }
    }

    fn as_map(fields: Vec<(&'static str, String)>) -> HashMap<String, String> {
        fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    #[test]
    fn round_trips() {
        let entry = VoteEntry {
            vote: sample(),
            kind: PollKind::Ranked,
        };
        let back = VoteEntry::from_fields(&as_map(entry.to_fields())).unwrap();
        assert_eq!(back, entry);
    }

    #[test]
    fn refuses_unknown_versions_and_garbage() {
        let mut map = as_map(
            VoteEntry {
                vote: sample(),
                kind: PollKind::Single,
            }
            .to_fields(),
        );
        map.insert("v".into(), "9".into());
        assert_eq!(
            VoteEntry::from_fields(&map),
            Err(DecodeError::Version("9".into()))
        );
        map.insert("v".into(), "1".into());
        map.insert("opts".into(), "a,b/c".into());
        assert_eq!(
            VoteEntry::from_fields(&map),
            Err(DecodeError::Malformed("opts"))
        );
        map.remove("poll");
        assert_eq!(
            VoteEntry::from_fields(&map),
            Err(DecodeError::Missing("poll"))
        );
    }

    #[test]
    fn entries_from_before_kinds_count_as_choices() {
        let mut map = as_map(
            VoteEntry {
                vote: sample(),
                kind: PollKind::Ranked,
            }
            .to_fields(),
        );
        map.remove("kind");
        assert_eq!(
            VoteEntry::from_fields(&map).map(|e| e.kind),
            Ok(PollKind::Multiple)
        );
        map.insert("kind".into(), "approval".into());
        assert_eq!(
            VoteEntry::from_fields(&map),
            Err(DecodeError::Malformed("kind"))
        );
    }
}
