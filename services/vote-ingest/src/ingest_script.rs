use pollcast_bus::Bus;
use pollcast_bus::redis::{RedisError, Script};
use pollcast_types::{PollKind, Timestamp, VoteRecord};
use pollcast_wire::VoteEntry;

/// The check-de-duplicate-append step, as one Redis script (see `ingest_script.lua`).
pub struct IngestScript {
    bus: Bus,
    script: Script,
}

#[derive(Debug, PartialEq, Eq)]
pub enum IngestOutcome {
    /// In the stream under this entry id.
    Appended(String),
    AlreadyVoted,
    /// Closed by hand or by reaching close_after_votes.
    Closed,
    Deleted,
}

impl IngestScript {
    pub fn new(bus: Bus) -> Self {
        Self {
            bus,
            script: Script::new(include_str!("ingest_script.lua")),
        }
    }

    /// Appends `vote`; with `deduplicate`, only if its voter has not voted in the poll yet.
    pub async fn append(
        &self,
        shard: u32,
        kind: PollKind,
        vote: &VoteRecord,
        deduplicate: bool,
    ) -> Result<IngestOutcome, RedisError> {
        let keys = self.bus.keys();
        let mut invocation = self.script.prepare_invoke();
        invocation
            .key(keys.votes_stream(shard))
            .key(keys.voted_set(shard, &vote.poll_id))
            .key(keys.poll_state(shard, &vote.poll_id))
            .key(keys.schedule(shard))
            .arg(match (&vote.voter, deduplicate) {
                (Some(voter), true) => voter.as_str(),
                _ => "",
            })
            .arg(Timestamp::now().as_millis())
            .arg(format!("close:{}", vote.poll_id));
        let entry = VoteEntry {
            vote: vote.clone(),
            kind,
        };
        for (field, value) in entry.to_fields() {
            invocation.arg(field).arg(value);
        }
        let mut conn = self.bus.conn();
        let reply: String = invocation.invoke_async(&mut conn).await?;
        Ok(match reply.as_str() {
            "!dup" => IngestOutcome::AlreadyVoted,
            "!closed" => IngestOutcome::Closed,
            "!deleted" => IngestOutcome::Deleted,
            _ => IngestOutcome::Appended(reply),
        })
    }
}
