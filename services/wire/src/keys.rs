use pollcast_types::PollId;

/// Redis key names. Every key that a poll's vote touches carries the shard as a hash tag
/// (`{s3}`), so the ingest script and the tally script each touch one Redis Cluster slot.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// `prefix` namespaces every key, so several deployments (or tests) can share one Redis.
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    /// The votes stream of one shard.
    pub fn votes_stream(&self, shard: u32) -> String {
        format!("{}:{{s{shard}}}:votes", self.prefix)
    }

    /// The set of voter hashes that have voted in a poll.
    pub fn voted_set(&self, shard: u32, poll: &PollId) -> String {
        format!("{}:{{s{shard}}}:voted:{poll}", self.prefix)
    }

    /// The live counts of a poll: a hash of `o:<option id>` → votes, plus `total` and `seq`.
    pub fn counts(&self, shard: u32, poll: &PollId) -> String {
        format!("{}:{{s{shard}}}:counts:{poll}", self.prefix)
    }

    /// An open-text poll's terms by how many entries counted as each (a sorted set): every
    /// term, shown or not, for the owner's moderation queue and the audit.
    pub fn terms(&self, shard: u32, poll: &PollId) -> String {
        format!("{}:{{s{shard}}}:terms:{poll}", self.prefix)
    }

    /// The terms of an open-text poll's cloud (a sorted set): those of [`Keys::terms`] the
    /// public may see, with the same counts, so the top terms are one `ZREVRANGE`.
    pub fn cloud(&self, shard: u32, poll: &PollId) -> String {
        format!("{}:{{s{shard}}}:cloud:{poll}", self.prefix)
    }

    /// An open-text poll's words: `m:<term>` → the owner's decision (`approved`, `hidden`),
    /// `s:<term>` → the spelling shown, `v:<term>` → its spellings with their counts (see
    /// tally's counting script).
    pub fn words(&self, shard: u32, poll: &PollId) -> String {
        format!("{}:{{s{shard}}}:words:{poll}", self.prefix)
    }

    /// Votes counted per minute (`<Unix minute>` → n), kept by tally in the step that counts
    /// them: the console's votes-over-time chart, without reading the vote log. Holds the
    /// last [`TIMELINE_MINUTES`] minutes (and at most [`TIMELINE_MAX_FIELDS`] fields).
    pub fn timeline(&self, shard: u32, poll: &PollId) -> String {
        format!("{}:{{s{shard}}}:minutes:{poll}", self.prefix)
    }

    /// Held for the coalescing interval by whichever tally instance last published a poll's
    /// snapshot, so several instances together still publish at most one per interval.
    pub fn publish_gate(&self, shard: u32, poll: &PollId) -> String {
        format!("{}:{{s{shard}}}:gate:{poll}", self.prefix)
    }

    /// A poll's lifecycle state as vote-ingest and tally must see it at once (not after a
    /// cache expires): `closed`, `deleted`, `limit` (close_after_votes), `accepted` (votes
    /// accepted in this epoch), `epoch` (bumped by a reset) and `shape` (the fingerprint of
    /// the kind and options a vote must have been checked against).
    pub fn poll_state(&self, shard: u32, poll: &PollId) -> String {
        format!("{}:{{s{shard}}}:state:{poll}", self.prefix)
    }

    /// Votes accepted per option in this epoch (`<option id>` → n), counted by the ingest
    /// script itself, so an edit can tell at once whether an option has votes, counted or not.
    pub fn option_uses(&self, shard: u32, poll: &PollId) -> String {
        format!("{}:{{s{shard}}}:uses:{poll}", self.prefix)
    }

    /// The answer to a vote sent with an `Idempotency-Key` (`key_hash`: a digest of the key),
    /// kept 24 h: `<request digest> <vote id> <accepted-at ms>`.
    pub fn vote_idempotency(&self, shard: u32, poll: &PollId, key_hash: &str) -> String {
        format!("{}:{{s{shard}}}:idem:{poll}:{key_hash}", self.prefix)
    }

    /// The proof-of-work solutions stored votes used, of challenges that expire in one
    /// minute (`minute`: Unix minutes): a set of the challenges' first 32 hex digits, gone
    /// once the minute is over. Each solution stores one vote only.
    pub fn proofs_used(&self, shard: u32, poll: &PollId, minute: i64) -> String {
        format!("{}:{{s{shard}}}:proofs:{poll}:{minute}", self.prefix)
    }

    /// Lifecycle transitions due per shard: a sorted set of `open:<poll>` / `close:<poll>`
    /// scored by when they are due (Unix ms).
    pub fn schedule(&self, shard: u32) -> String {
        format!("{}:{{s{shard}}}:schedule", self.prefix)
    }

    /// Held by the instance applying one scheduled transition.
    pub fn transition_lock(&self, shard: u32, member: &str) -> String {
        format!("{}:{{s{shard}}}:lock:{member}", self.prefix)
    }

    /// How many watch a poll, per results-broadcast instance: `<instance>` →
    /// `<count>:<expires at, Unix ms>` (see `results-broadcast/src/viewers.rs`).
    pub fn viewers(&self, shard: u32, poll: &PollId) -> String {
        format!("{}:{{s{shard}}}:viewers:{poll}", self.prefix)
    }

    /// The endpoints with webhook deliveries waiting in shard `shard`, scored by when the
    /// earliest is due (Unix ms).
    pub fn webhook_ready(&self, shard: u32) -> String {
        format!("{}:{{s{shard}}}:whready", self.prefix)
    }

    /// An endpoint's deliveries waiting in shard `shard`, scored by when each is due; a
    /// claimed one is pushed a lease ahead, so two dispatchers never send it at once.
    pub fn webhook_due(&self, shard: u32, webhook: &str) -> String {
        format!("{}:{{s{shard}}}:whdue:{webhook}", self.prefix)
    }

    /// The prefix of [`Self::webhook_delivery`]'s keys (the claim script reads hashes by it).
    pub fn webhook_delivery_prefix(&self, shard: u32) -> String {
        format!("{}:{{s{shard}}}:whd:", self.prefix)
    }

    /// One waiting webhook delivery: its endpoint, event, body and attempts so far. Deleted
    /// when it ends (the store's delivery log keeps what happened, and the body for replays).
    pub fn webhook_delivery(&self, shard: u32, delivery: &str) -> String {
        format!("{}{delivery}", self.webhook_delivery_prefix(shard))
    }

    /// Whether the webhook dispatcher must read shard `shard`'s votes: `on` (`1`, or `0` once
    /// the dispatcher found no endpoint wanting `vote.created`) and `since` (Redis time, ms,
    /// when an endpoint that wants them was last being stored). See `pollcast_bus::endpoint_changes`.
    pub fn webhook_vote_interest(&self, shard: u32) -> String {
        format!("{}:{{s{shard}}}:whvotes", self.prefix)
    }

    /// Bumped after every change to any webhook endpoint: the dispatcher's cached endpoint
    /// lists are read again when it moves.
    pub fn webhook_generation(&self) -> String {
        format!("{}:whgen", self.prefix)
    }

    /// Closed while a poll's `results.updated` may not go again (holds the last one sent).
    /// The results gates share one hash tag, `{whr}`, with the pending messages and their due
    /// times: one script moves all three (one Redis Cluster slot).
    pub fn webhook_results_gate(&self, poll: &PollId) -> String {
        format!("{}:{{whr}}:gate:{poll}", self.prefix)
    }

    /// The newest results message of each poll waiting for its gate to open (poll → message).
    pub fn webhook_results_pending(&self) -> String {
        format!("{}:{{whr}}:pending", self.prefix)
    }

    /// When each pending results message may go (poll, scored by Unix ms).
    pub fn webhook_results_due(&self) -> String {
        format!("{}:{{whr}}:due", self.prefix)
    }

    /// The live instances of `service` (instance → its last heartbeat, Redis ms).
    pub fn instances(&self, service: &str) -> String {
        format!("{}:instances:{service}", self.prefix)
    }

    /// Requests to the instances of `service` ([`pollcast_bus::calls`]): one stream, read by
    /// the service's instances as one consumer group. Calls share the hash tag `{calls}`.
    pub fn calls(&self, service: &str) -> String {
        format!("{}:{{calls}}:{service}", self.prefix)
    }

    /// Where the answer to call `id` is pushed (expires a minute after).
    pub fn call_answer(&self, id: &str) -> String {
        format!("{}:{{calls}}:answer:{id}", self.prefix)
    }

    /// The stream of coalesced results snapshots of a shard's polls, read by every broadcast
    /// instance. Per shard, so publishing can hold the poll's gate and append in one step.
    pub fn results_stream(&self, shard: u32) -> String {
        format!("{}:{{s{shard}}}:results", self.prefix)
    }
}

/// The shard a new poll is assigned to. FNV-1a: stable across builds and platforms, unlike
/// the standard library's hasher.
pub fn shard_for(poll: &PollId, shards: u32) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in poll.as_str().bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % shards.max(1)
}

/// How many minutes back a poll's timeline (and the console's chart) reaches: a day.
pub const TIMELINE_MINUTES: i64 = 1440;

/// Past this many fields, counting a vote in a new minute forgets the minutes older than
/// [`TIMELINE_MINUTES`], so a poll's timeline never grows past it.
pub const TIMELINE_MAX_FIELDS: i64 = TIMELINE_MINUTES + 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_one_poll_share_a_hash_tag() {
        let keys = Keys::new("pc");
        let poll = PollId::parse("abc").unwrap();
        assert_eq!(keys.votes_stream(3), "pc:{s3}:votes");
        assert_eq!(keys.voted_set(3, &poll), "pc:{s3}:voted:abc");
        assert_eq!(keys.counts(3, &poll), "pc:{s3}:counts:abc");
    }

    #[test]
    fn shards_are_stable_and_spread() {
        let poll = PollId::parse("abc").unwrap();
        assert_eq!(shard_for(&poll, 16), shard_for(&poll, 16));
        let mut seen = [0u32; 4];
        for _ in 0..400 {
            seen[shard_for(&PollId::generate(), 4) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 50), "{seen:?}");
        assert_eq!(shard_for(&poll, 0), 0);
    }
}
