use pollcast_bus::Bus;
use pollcast_bus::redis::{RedisError, Script};
use pollcast_types::{Poll, Timestamp, VoteId, VoteRecord};
use pollcast_wire::VoteEntry;

/// The check-de-duplicate-append step, as one Redis script (see `ingest_script.lua`).
pub struct IngestScript {
    bus: Bus,
    script: Script,
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
    pub fn new(bus: Bus) -> Self {
        Self {
            bus,
            script: Script::new(include_str!("ingest_script.lua")),
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
        let mut invocation = self.script.prepare_invoke();
        invocation
            .key(keys.votes_stream(shard))
            .key(keys.voted_set(shard, &vote.poll_id))
            .key(keys.poll_state(shard, &vote.poll_id))
            .key(keys.schedule(shard))
            .key(keys.option_uses(shard, &vote.poll_id))
            .key(keys.vote_idempotency(
                shard,
                &vote.poll_id,
                idempotency.map_or("-", |i| i.key_hash.as_str()),
            ))
            .arg(match (&vote.voter, deduplicate) {
                (Some(voter), true) => voter.as_str(),
                _ => "",
            })
            .arg(Timestamp::now().as_millis())
            .arg(format!("close:{}", vote.poll_id))
            .arg(deadline.as_millis())
            .arg(poll.shape())
            .arg(idempotency.map_or(String::new(), |i| {
                format!(
                    "{} {} {}",
                    i.request_digest,
                    vote.vote_id,
                    vote.received_at.as_millis()
                )
            }))
            .arg(vote.option_ids.len());
        for option in &vote.option_ids {
            invocation.arg(option.as_str());
        }
        let entry = VoteEntry {
            vote: vote.clone(),
            kind: poll.kind,
        };
        for (field, value) in entry.to_fields() {
            invocation.arg(field).arg(value);
        }
        let mut conn = self.bus.votes_conn();
        let reply: String = invocation.invoke_async(&mut conn).await?;
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
