use pollcast_bus::Bus;
use pollcast_bus::redis::{RedisError, Script};
use pollcast_types::{Poll, Timestamp, VoteId, VoteRecord};
use pollcast_wire::VoteEntry;

use crate::group_commit::{GroupCommit, Prepared};

/// The check-de-duplicate-append step, as one Redis script (see `ingest_script.lua`) that
/// runs for a group of votes at once (see `group_commit`).
pub struct IngestScript {
    bus: Bus,
    committer: GroupCommit,
}

/// A vote sent with an `Idempotency-Key`.
pub struct Idempotency {
    /// A digest of the key: names the record, so the key itself is never stored.
    pub key_hash: String,
    /// A digest of what the request asks for: a retry must ask for the same.
    pub request_digest: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum IngestOutcome {
    /// In the stream under this entry id.
    Appended(String),
    AlreadyVoted,
    /// Closed by hand or by reaching close_after_votes.
    Closed,
    Deleted,
    /// Redis ran the script after the vote's deadline: not stored, the caller answers 503.
    Late,
    /// The poll's options or kind changed since the vote was checked: not stored.
    Stale,
    /// The key was used before: the first request's digest and answer.
    Replay {
        request_digest: String,
        vote_id: VoteId,
        accepted_at: Timestamp,
    },
}

impl IngestScript {
    /// Starts the group committer on the current Tokio runtime.
    pub fn new(bus: Bus) -> Self {
        let script = Script::new(include_str!("ingest_script.lua"));
        Self {
            committer: GroupCommit::start(bus.clone(), script),
            bus,
        }
    }

    /// Appends `vote`, checked against `poll`; with `deduplicate`, only if its voter has not
    /// voted in the poll yet; only if Redis runs it before `deadline`.
    pub async fn append(
        &self,
        poll: &Poll,
        vote: &VoteRecord,
        deduplicate: bool,
        deadline: Timestamp,
        idempotency: Option<&Idempotency>,
    ) -> Result<IngestOutcome, RedisError> {
        let keys = self.bus.keys();
        let shard = poll.shard;
        let poll_id = &vote.poll_id;
        let entry = VoteEntry {
            vote: vote.clone(),
            kind: poll.kind,
        };
        let fields = entry.to_fields();
        let mut args = Vec::with_capacity(7 + vote.option_ids.len() + 2 * fields.len());
        args.push(match (&vote.voter, deduplicate) {
            (Some(voter), true) => voter.as_str().to_owned(),
            _ => String::new(),
        });
        args.push(pollcast_runtime::lifecycle::close_member(poll));
        args.push(deadline.as_millis().to_string());
        args.push(poll.shape());
        args.push(idempotency.map_or(String::new(), |i| {
            format!(
                "{} {} {}",
                i.request_digest,
                vote.vote_id,
                vote.received_at.as_millis()
            )
        }));
        args.push(vote.option_ids.len().to_string());
        args.extend(vote.option_ids.iter().map(|o| o.as_str().to_owned()));
        args.push((2 * fields.len()).to_string());
        for (field, value) in fields {
            args.push(field.to_owned());
            args.push(value);
        }
        let prepared = Prepared {
            shard,
            keys: [
                keys.voted_set(shard, poll_id),
                keys.poll_state(shard, poll_id),
                keys.option_uses(shard, poll_id),
                keys.vote_idempotency(
                    shard,
                    poll_id,
                    idempotency.map_or("-", |i| i.key_hash.as_str()),
                ),
            ],
            args,
        };
        let reply = self.committer.submit(prepared).await?;
        Ok(match reply.as_str() {
            "!late" => IngestOutcome::Late,
            "!dup" => IngestOutcome::AlreadyVoted,
            "!closed" => IngestOutcome::Closed,
            "!deleted" => IngestOutcome::Deleted,
            "!stale" => IngestOutcome::Stale,
            _ => match reply.strip_prefix("!idem ").and_then(parse_record) {
                Some(replay) => replay,
                None => IngestOutcome::Appended(reply),
            },
        })
    }
}

fn parse_record(record: &str) -> Option<IngestOutcome> {
    let mut parts = record.split(' ');
    let request_digest = parts.next()?.to_owned();
    let vote_id = VoteId::parse(parts.next()?)?;
    let accepted_at = Timestamp::from_millis(parts.next()?.parse().ok()?);
    Some(IngestOutcome::Replay {
        request_digest,
        vote_id,
        accepted_at,
    })
}
