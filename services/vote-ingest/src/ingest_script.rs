use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pollcast_bus::Bus;
use pollcast_bus::redis::{RedisError, Script};
use pollcast_types::{Poll, PollId, Timestamp, VoteChange, VoteId, VoteRecord};
use pollcast_wire::{Ballot, VoteEntry};

use crate::group_commit::{GroupCommit, Prepared};
use crate::proof::SolvedChallenge;

/// The check-de-duplicate-append step, as one Redis script (see `ingest_script.lua`) that
/// runs for a group of votes at once (see `group_commit`).
pub struct IngestScript {
    bus: Bus,
    committer: GroupCommit,
    per_poll: Mutex<HashMap<PollId, Arc<PollArgs>>>,
}

/// What every vote's script call takes from its poll: written once per poll read (the poll
/// cache hands out one `Arc` per read) instead of once per vote, where the key names and
/// the shape digest cost ~8,000 instructions a vote (`loadgen/profile.sh`).
struct PollArgs {
    /// The read these were written from.
    poll: Arc<Poll>,
    voted_set: String,
    poll_state: String,
    option_uses: String,
    close_member: String,
    shape: String,
    /// The idempotency key of votes sent without one (a key the script never writes).
    no_idempotency_key: String,
    /// The solution key of votes sent without a proof (a key the script never touches).
    no_proof_key: String,
}

/// Bound on the polls [`PollArgs`] are kept for; past it the map starts over.
const MAX_POLLS: usize = 100_000;

/// A vote sent with an `Idempotency-Key`.
pub struct Idempotency {
    /// A digest of the key: names the record, so the key itself is never stored.
    pub key_hash: String,
    /// A digest of what the request asks for: a retry must ask for the same.
    pub request_digest: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum IngestOutcome {
    /// In the stream under this entry id; for a voter who changed their mind, with the id of
    /// the ballot it replaced.
    Appended {
        entry: String,
        replaced: Option<VoteId>,
    },
    AlreadyVoted,
    /// Closed by hand or by reaching close_after_votes.
    Closed,
    Deleted,
    /// Redis ran the script after the vote's deadline: not stored, the caller answers 503.
    Late,
    /// The poll's options or kind changed since the vote was checked: not stored.
    Stale,
    /// The vote's proof-of-work solution was used by a stored vote before: not stored.
    ProofUsed,
    /// The key was used before: the first request's digest and answer.
    Replay {
        request_digest: String,
        vote_id: VoteId,
        accepted_at: Timestamp,
        replaced: Option<VoteId>,
    },
}

impl IngestScript {
    /// Starts the group committer on the current Tokio runtime.
    pub fn new(bus: Bus) -> Self {
        let script = Script::new(include_str!("ingest_script.lua"));
        Self {
            committer: GroupCommit::start(bus.clone(), script),
            bus,
            per_poll: Mutex::new(HashMap::new()),
        }
    }

    fn poll_args(&self, poll: &Arc<Poll>) -> Arc<PollArgs> {
        let Ok(mut per_poll) = self.per_poll.lock() else {
            return Arc::new(self.write_poll_args(poll));
        };
        if let Some(args) = per_poll.get(&poll.id)
            && Arc::ptr_eq(&args.poll, poll)
        {
            return args.clone();
        }
        if per_poll.len() >= MAX_POLLS {
            per_poll.clear();
        }
        let args = Arc::new(self.write_poll_args(poll));
        per_poll.insert(poll.id.clone(), args.clone());
        args
    }

    fn write_poll_args(&self, poll: &Arc<Poll>) -> PollArgs {
        let keys = self.bus.keys();
        PollArgs {
            poll: poll.clone(),
            voted_set: keys.voted_set(poll.shard, &poll.id),
            poll_state: keys.poll_state(poll.shard, &poll.id),
            option_uses: keys.option_uses(poll.shard, &poll.id),
            close_member: pollcast_runtime::lifecycle::close_member(poll),
            shape: poll.shape(),
            no_idempotency_key: keys.vote_idempotency(poll.shard, &poll.id, "-"),
            no_proof_key: keys.proofs_used(poll.shard, &poll.id, 0),
        }
    }

    /// Appends `vote`, checked against `poll`; with `deduplicate`, only if its voter has not
    /// voted in the poll yet; with `proof`, only if no stored vote used that solution; only
    /// if Redis runs it before `deadline`.
    pub async fn append(
        &self,
        poll: &Arc<Poll>,
        vote: &VoteRecord,
        deduplicate: bool,
        deadline: Timestamp,
        idempotency: Option<&Idempotency>,
        proof: Option<&SolvedChallenge>,
    ) -> Result<IngestOutcome, RedisError> {
        let shard = poll.shard;
        let per_poll = self.poll_args(poll);
        let entry = VoteEntry {
            vote: vote.clone(),
            kind: poll.kind,
            previous: None, // the ingest script adds the ballot it replaces
        };
        let fields = entry.to_fields();
        let mut args = Vec::with_capacity(9 + vote.option_ids.len() + 2 * fields.len());
        args.push(match (&vote.voter, deduplicate) {
            (Some(voter), true) => voter.as_str().to_owned(),
            _ => String::new(),
        });
        args.push(per_poll.close_member.clone());
        args.push(deadline.as_millis().to_string());
        args.push(per_poll.shape.clone());
        args.push(idempotency.map_or(String::new(), |i| {
            format!(
                "{} {} {}",
                i.request_digest,
                vote.vote_id,
                vote.received_at.as_millis()
            )
        }));
        args.push(match (&vote.voter, poll.vote_change, deduplicate) {
            (Some(_), VoteChange::WhileOpen, true) => Ballot::of(vote).token(),
            _ => String::new(),
        });
        args.push(proof.map_or(String::new(), |p| {
            format!("{} {}", p.solution(), p.set_expires_at().as_millis())
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
                per_poll.voted_set.clone(),
                per_poll.poll_state.clone(),
                per_poll.option_uses.clone(),
                match idempotency {
                    Some(i) => self
                        .bus
                        .keys()
                        .vote_idempotency(shard, &poll.id, &i.key_hash),
                    None => per_poll.no_idempotency_key.clone(),
                },
                match proof {
                    Some(p) => self.bus.keys().proofs_used(shard, &poll.id, p.minute()),
                    None => per_poll.no_proof_key.clone(),
                },
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
            "!proof" => IngestOutcome::ProofUsed,
            _ => match reply.strip_prefix("!idem ").and_then(parse_record) {
                Some(replay) => replay,
                None => match reply.split_once(' ') {
                    Some((entry, replaced)) => IngestOutcome::Appended {
                        entry: entry.to_owned(),
                        replaced: VoteId::parse(replaced),
                    },
                    None => IngestOutcome::Appended {
                        entry: reply,
                        replaced: None,
                    },
                },
            },
        })
    }
}

fn parse_record(record: &str) -> Option<IngestOutcome> {
    let mut parts = record.split(' ');
    let request_digest = parts.next()?.to_owned();
    let vote_id = VoteId::parse(parts.next()?)?;
    let accepted_at = Timestamp::from_millis(parts.next()?.parse().ok()?);
    let replaced = parts.next().and_then(VoteId::parse);
    Some(IngestOutcome::Replay {
        request_digest,
        vote_id,
        accepted_at,
        replaced,
    })
}
