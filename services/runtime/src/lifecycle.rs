//! A poll's lifecycle, in one place: create, open, close, reset, delete, edit, and the timed
//! transitions the scheduler applies. The API routes and the scheduler call these; nothing
//! else changes a poll's status.
//!
//! Every transition writes Redis first, where vote-ingest and tally see it at once (the
//! poll's state hash: `closed`, `deleted`, `limit`, `accepted`, `epoch`, `shape`), then the
//! store, then tells viewers. Whatever publishes a results message reads the counts and the
//! live state in one atomic step ([`live_snapshot`]), so a message with a higher `seq` than a
//! close announcement always says `closed`: the status a viewer sees never goes backwards.
//! Callers holding a poll cache invalidate it after a transition.

use std::collections::HashMap;

use pollcast_bus::redis::{self, RedisError, Script};
use pollcast_http::ApiError;
use pollcast_store::PollChange;
use pollcast_types::open_text::TOP_TERMS;
use pollcast_types::{
    ErrorCode, EventType, KindResults, Poll, PollId, PollKind, PollStatus, ResultsSnapshot,
    Timestamp,
};
use pollcast_wire::{
    RESULTS_STREAM_LEN, ResultsEntry, ResultsMessage, SEQ_FIELD, StatusMessage, TOTAL_FIELD,
    UPDATED_FIELD, snapshot_from_counts,
};

use crate::Context;

/// A lifecycle transition failed at some step; the steps before it happened, none after.
#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    #[error("redis: {0}")]
    Redis(#[from] RedisError),
    #[error(transparent)]
    Store(#[from] pollcast_store::StoreError),
    #[error("the poll no longer exists")]
    Gone,
    /// The edit conflicts with votes already accepted (counted or not).
    #[error("{0}")]
    HasVotes(String),
}

impl From<TransitionError> for ApiError {
    fn from(e: TransitionError) -> Self {
        match e {
            TransitionError::Redis(e) => e.into(),
            TransitionError::Store(e) => e.into(),
            TransitionError::Gone => ErrorCode::PollNotFound.into(),
            TransitionError::HasVotes(why) => {
                ApiError::new(ErrorCode::PollHasVotes).with_detail(why)
            }
        }
    }
}

type Result<T, E = TransitionError> = std::result::Result<T, E>;

/// Stores a new poll: Redis first (a schedule entry for a poll the store never got is skipped
/// by the scheduler, while a stored poll without its schedule would never change status).
pub async fn create(ctx: &Context, poll: &Poll) -> Result<()> {
    register(ctx, poll).await?;
    ctx.store
        .change_poll(
            PollChange::Create(poll),
            EventType::PollCreated,
            Timestamp::now(),
        )
        .await?;
    Ok(())
}

/// Opens a draft, scheduled or closed poll now, by hand. Reopening a poll closed by its vote
/// limit lifts the limit. Returns whether anything changed.
pub async fn open(ctx: &Context, poll: &mut Poll) -> Result<bool> {
    let now = Timestamp::now();
    if poll.status_at(now) == PollStatus::Open && !is_closed(ctx, poll).await? {
        return Ok(false);
    }
    poll.status = PollStatus::Open;
    if poll.opens_at.is_some_and(|t| t > now) {
        poll.opens_at = Some(now);
    }
    if poll.closes_at.is_some_and(|t| t <= now) {
        poll.closes_at = None;
    }
    poll.close_after_votes = None;
    poll.updated_at = now;
    save(ctx, poll, EventType::PollOpened).await?;
    register(ctx, poll).await?;
    set_closed(ctx, poll, false).await?;
    announce(ctx, poll, Some("open")).await?;
    Ok(true)
}

/// Closes `poll` now, by hand or on schedule: Redis first (from then on vote-ingest refuses,
/// whatever its cache says), then the store, then the viewers. Returns whether it was open;
/// closing a closed poll changes nothing.
pub async fn close(ctx: &Context, poll: &mut Poll) -> Result<bool> {
    set_closed(ctx, poll, true).await?;
    if poll.status == PollStatus::Closed {
        return Ok(false);
    }
    poll.status = PollStatus::Closed;
    poll.updated_at = Timestamp::now();
    save(ctx, poll, EventType::PollClosed).await?;
    announce(ctx, poll, Some("closed")).await?;
    Ok(true)
}

const RESET: &str = r"
-- KEYS[1] state, KEYS[2] voter set, KEYS[3] counts, KEYS[4] option uses, KEYS[5] timeline,
-- KEYS[6..8] open-text terms, cloud and words; ARGV[1] now (ms). Returns the new epoch.
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'accepted', 0)
redis.call('DEL', KEYS[2], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
local seq = tonumber(redis.call('HGET', KEYS[3], 'seq') or '0')
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], 'seq', seq + 1, 'total', 0, 'at', ARGV[1])
return epoch
";

/// Clears a poll's counts and voters and starts a new epoch, in one atomic step: votes
/// accepted before it are not counted, votes accepted after it are.
pub async fn reset(ctx: &Context, poll: &mut Poll) -> Result<()> {
    let keys = ctx.bus.keys();
    let mut conn = ctx.bus.conn();
    let epoch: u32 = Script::new(RESET)
        .key(keys.poll_state(poll.shard, &poll.id))
        .key(keys.voted_set(poll.shard, &poll.id))
        .key(keys.counts(poll.shard, &poll.id))
        .key(keys.option_uses(poll.shard, &poll.id))
        .key(keys.timeline(poll.shard, &poll.id))
        .key(keys.terms(poll.shard, &poll.id))
        .key(keys.cloud(poll.shard, &poll.id))
        .key(keys.words(poll.shard, &poll.id))
        .arg(Timestamp::now().as_millis())
        .invoke_async(&mut conn)
        .await?;
    poll.epoch = epoch;
    poll.updated_at = Timestamp::now();
    save(ctx, poll, EventType::PollReset).await?;
    announce(ctx, poll, None).await?;
    // The log rows of earlier epochs are already hidden; dropping them is housekeeping.
    if let Err(e) = ctx.store.delete_votes_before_epoch(&poll.id, epoch).await {
        tracing::warn!(poll = %poll.id, error = %e, "could not drop the votes of earlier epochs");
    }
    Ok(())
}

/// Deletes a poll: votes are refused at once (Redis), then the store forgets it, then viewers
/// are told and the live data dropped.
pub async fn delete(ctx: &Context, poll: &Poll) -> Result<()> {
    let keys = ctx.bus.keys();
    let mut conn = ctx.bus.conn();
    redis::pipe()
        .hset(keys.poll_state(poll.shard, &poll.id), "deleted", 1)
        .ignore()
        .del(&[
            keys.voted_set(poll.shard, &poll.id),
            keys.option_uses(poll.shard, &poll.id),
            keys.timeline(poll.shard, &poll.id),
            keys.terms(poll.shard, &poll.id),
            keys.cloud(poll.shard, &poll.id),
            keys.words(poll.shard, &poll.id),
        ])
        .ignore()
        .zrem(keys.schedule(poll.shard), open_member(poll))
        .ignore()
        .zrem(keys.schedule(poll.shard), close_member(poll))
        .ignore()
        .query_async::<()>(&mut conn)
        .await?;
    ctx.store
        .change_poll(
            PollChange::Delete(poll),
            EventType::PollDeleted,
            Timestamp::now(),
        )
        .await?;
    announce(ctx, poll, Some("deleted")).await?;
    let _: Result<(), RedisError> = redis::cmd("DEL")
        .arg(keys.counts(poll.shard, &poll.id))
        .query_async(&mut conn)
        .await;
    Ok(())
}

const EDIT: &str = r"
-- KEYS[1] state, KEYS[2] option uses, KEYS[3] counts
-- ARGV[1] the new shape, ARGV[2] '1' when the kind or its choice rules change,
-- ARGV[3..] the option ids the edit removes.
-- Returns 'ok', '!kind', or '!option:<id>'. Atomic with the ingest script, which refuses a
-- vote checked against any other shape: no vote accepted before this step can name a
-- removed option uncounted, and none after it can.
local function positive(v) return tonumber(v or '0') > 0 end
if ARGV[2] == '1' and (positive(redis.call('HGET', KEYS[1], 'accepted'))
    or positive(redis.call('HGET', KEYS[3], 'total'))) then
  return '!kind'
end
for i = 3, #ARGV do
  if positive(redis.call('HGET', KEYS[2], ARGV[i]))
      or positive(redis.call('HGET', KEYS[3], 'o:' .. ARGV[i])) then
    return '!option:' .. ARGV[i]
  end
end
redis.call('HSET', KEYS[1], 'shape', ARGV[1])
return 'ok'
";

/// Applies an edit (`after` is `before` edited and validated): refused with
/// [`TransitionError::HasVotes`] if it removes an option with votes, or changes the kind or
/// its rules after the first vote, checked atomically with vote-ingest.
pub async fn edit(ctx: &Context, before: &Poll, after: &mut Poll) -> Result<()> {
    let keys = ctx.bus.keys();
    let rules_change = after.kind != before.kind
        || after.min_choices != before.min_choices
        || after.max_choices != before.max_choices
        || after.scale != before.scale;
    let edit_script = Script::new(EDIT);
    let mut script = edit_script.prepare_invoke();
    script
        .key(keys.poll_state(before.shard, &before.id))
        .key(keys.option_uses(before.shard, &before.id))
        .key(keys.counts(before.shard, &before.id))
        .arg(after.shape())
        .arg(if rules_change { "1" } else { "0" });
    for removed in before
        .options
        .iter()
        .filter(|o| after.option(&o.id).is_none())
    {
        script.arg(removed.id.as_str());
    }
    let mut conn = ctx.bus.conn();
    let reply: String = script.invoke_async(&mut conn).await?;
    if reply == "!kind" {
        return Err(TransitionError::HasVotes(
            "the kind, choice counts and scale are fixed once votes are in".into(),
        ));
    }
    if let Some(option) = reply.strip_prefix("!option:") {
        return Err(TransitionError::HasVotes(format!(
            "option {option} has votes and cannot be removed"
        )));
    }
    after.updated_at = Timestamp::now();
    if let Err(e) = save(ctx, after, EventType::PollUpdated).await {
        // Put the shape back, or vote-ingest would refuse every vote checked against the
        // poll the store still has. Best effort: the edit failed either way.
        let _: Result<(), RedisError> = redis::cmd("HSET")
            .arg(keys.poll_state(before.shard, &before.id))
            .arg("shape")
            .arg(before.shape())
            .query_async(&mut conn)
            .await;
        return Err(e);
    }
    register(ctx, after).await?;
    Ok(())
}

/// Applies one due member of a shard's schedule (`open:<poll>` or `close:<poll>`), if it still
/// applies. Returns the poll it changed, for the caller's cache.
pub async fn apply_due(ctx: &Context, member: &str) -> Result<Option<PollId>> {
    let Some((kind, id)) = member.split_once(':') else {
        return Ok(None);
    };
    let Some(id) = PollId::parse(id) else {
        return Ok(None);
    };
    let Some(mut poll) = ctx.store.poll(&id).await? else {
        return Ok(None);
    };
    let now = Timestamp::now();
    match kind {
        "open"
            if poll.status == PollStatus::Scheduled && poll.status_at(now) == PollStatus::Open =>
        {
            poll.status = PollStatus::Open;
            poll.updated_at = now;
            save(ctx, &poll, EventType::PollOpened).await?;
            announce(ctx, &poll, Some("open")).await?;
        }
        "close" if poll.status != PollStatus::Closed => {
            let by_limit = is_closed(ctx, &poll).await?;
            if !by_limit && poll.status_at(now) != PollStatus::Closed {
                return Ok(None);
            }
            close(ctx, &mut poll).await?;
        }
        _ => return Ok(None),
    }
    tracing::info!(poll = %poll.id, status = ?poll.status, "poll changed status on schedule");
    Ok(Some(poll.id))
}

/// Stores the changed poll with the event that reports it (one transaction: see
/// `Store::change_poll`).
pub(crate) async fn save(ctx: &Context, poll: &Poll, event: EventType) -> Result<()> {
    if ctx
        .store
        .change_poll(PollChange::Update(poll), event, Timestamp::now())
        .await?
    {
        Ok(())
    } else {
        Err(TransitionError::Gone)
    }
}

/// A scheduled transition, as a member of a shard's schedule.
pub fn open_member(poll: &Poll) -> String {
    format!("open:{}", poll.id)
}

pub fn close_member(poll: &Poll) -> String {
    format!("close:{}", poll.id)
}

/// Records a new or edited poll's timed transitions, vote limit and shape.
async fn register(ctx: &Context, poll: &Poll) -> Result<(), RedisError> {
    let keys = ctx.bus.keys();
    let schedule = keys.schedule(poll.shard);
    let state = keys.poll_state(poll.shard, &poll.id);
    let mut pipe = redis::pipe();
    match poll.opens_at {
        Some(at) if poll.status == PollStatus::Scheduled => pipe
            .zadd(&schedule, open_member(poll), at.as_millis())
            .ignore(),
        _ => pipe.zrem(&schedule, open_member(poll)).ignore(),
    };
    match poll.closes_at {
        Some(at) => pipe
            .zadd(&schedule, close_member(poll), at.as_millis())
            .ignore(),
        None => pipe.zrem(&schedule, close_member(poll)).ignore(),
    };
    match poll.close_after_votes {
        Some(limit) => pipe.hset(&state, "limit", limit).ignore(),
        None => pipe.hdel(&state, "limit").ignore(),
    };
    pipe.hset(&state, "shape", poll.shape()).ignore();
    let mut conn = ctx.bus.conn();
    pipe.query_async::<()>(&mut conn).await
}

/// Opens or closes the poll for votes at once, whatever the caches of other processes say.
async fn set_closed(ctx: &Context, poll: &Poll, closed: bool) -> Result<(), RedisError> {
    let state = ctx.bus.keys().poll_state(poll.shard, &poll.id);
    let mut conn = ctx.bus.conn();
    let mut pipe = redis::pipe();
    if closed {
        pipe.hset(&state, "closed", 1).ignore();
    } else {
        pipe.hdel(&state, "closed").ignore();
    }
    pipe.query_async::<()>(&mut conn).await
}

/// Whether the live state says closed (by hand or by reaching close_after_votes).
async fn is_closed(ctx: &Context, poll: &Poll) -> Result<bool, RedisError> {
    let state = ctx.bus.keys().poll_state(poll.shard, &poll.id);
    let mut conn = ctx.bus.conn();
    redis::cmd("HEXISTS")
        .arg(&state)
        .arg("closed")
        .query_async(&mut conn)
        .await
}

/// The status viewers are shown: the live state's `closed` (set before any close is
/// announced) wins over a cached poll; a cached `closed` the live state no longer has means
/// the poll was reopened since the cache read it.
pub fn live_status(poll: &Poll, closed_live: bool, now: Timestamp) -> PollStatus {
    if closed_live {
        return PollStatus::Closed;
    }
    match poll.status_at(now) {
        PollStatus::Closed if poll.status == PollStatus::Closed => PollStatus::Open,
        status => status,
    }
}

/// The poll's counts and live status, read in one atomic step (optionally moving `seq` and
/// the update time first, for an announcement).
async fn read_live(
    ctx: &Context,
    poll: &Poll,
    bump: bool,
) -> Result<(ResultsSnapshot, PollStatus), RedisError> {
    let keys = ctx.bus.keys();
    let counts = keys.counts(poll.shard, &poll.id);
    let mut pipe = redis::pipe();
    pipe.atomic();
    if bump {
        pipe.hincr(&counts, SEQ_FIELD, 1)
            .ignore()
            .hset(&counts, UPDATED_FIELD, Timestamp::now().as_millis())
            .ignore();
    }
    pipe.hgetall(&counts)
        .cmd("HMGET")
        .arg(keys.poll_state(poll.shard, &poll.id))
        .arg("closed")
        .arg("deleted");
    let mut conn = ctx.bus.conn();
    // Open text: the cloud's top terms in the same atomic read, so they and the counts are
    // of one moment.
    let (hash, ended, top): (HashMap<String, String>, Vec<Option<String>>, _) =
        if poll.kind == PollKind::OpenText {
            pipe.cmd("ZREVRANGE")
                .arg(keys.cloud(poll.shard, &poll.id))
                .arg(0)
                .arg(TOP_TERMS - 1)
                .arg("WITHSCORES");
            pipe.query_async(&mut conn).await?
        } else {
            let (hash, ended) = pipe.query_async(&mut conn).await?;
            (hash, ended, Vec::<(String, f64)>::new())
        };
    let closed = ended.iter().any(Option::is_some);
    let mut snapshot = snapshot_from_counts(poll, &hash);
    if let KindResults::OpenText { terms, .. } = &mut snapshot.detail {
        *terms = crate::terms::spelled(ctx, poll, top).await?;
    }
    Ok((snapshot, live_status(poll, closed, Timestamp::now())))
}

/// Each poll's vote count (voters), one Redis round trip per shard (a pipeline reaches one
/// Redis Cluster slot); `None` where its shard could not be read.
pub async fn totals(ctx: &Context, polls: &[Poll]) -> Vec<Option<u64>> {
    let keys = ctx.bus.keys();
    let mut by_shard: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for (i, p) in polls.iter().enumerate() {
        by_shard.entry(p.shard).or_default().push(i);
    }
    let mut totals = vec![None; polls.len()];
    for (shard, at) in by_shard {
        let mut pipe = redis::pipe();
        for &i in &at {
            pipe.hget(keys.counts(shard, &polls[i].id), TOTAL_FIELD);
        }
        let mut conn = ctx.bus.conn();
        let read: Result<Vec<Option<u64>>, _> = pipe.query_async(&mut conn).await;
        match read {
            Ok(read) => {
                for (i, total) in at.into_iter().zip(read) {
                    totals[i] = Some(total.unwrap_or_default());
                }
            }
            Err(e) => tracing::warn!(shard, error = %e, "some polls' vote counts not read"),
        }
    }
    totals
}

/// What every results message and `/results` answer is made from: see [`read_live`].
pub async fn live_snapshot(
    ctx: &Context,
    poll: &Poll,
) -> Result<(ResultsSnapshot, PollStatus), RedisError> {
    read_live(ctx, poll, false).await
}

/// Publishes the poll's current results with a new `seq`, and, with `status`, a status
/// message before them, so every viewer learns of the change.
pub(crate) async fn announce(
    ctx: &Context,
    poll: &Poll,
    status: Option<&str>,
) -> Result<(), RedisError> {
    let (snapshot, shown) = read_live(ctx, poll, true).await?;
    let entry = ResultsEntry {
        poll_id: poll.id.clone(),
        seq: snapshot.seq,
        msg: ResultsMessage::new(&snapshot, shown).to_json(),
        status: status.map(|s| {
            StatusMessage {
                kind: "status",
                poll_id: &poll.id,
                status: s,
            }
            .to_json()
        }),
    };
    let mut conn = ctx.bus.conn();
    redis::cmd("XADD")
        .arg(ctx.bus.keys().results_stream(poll.shard))
        .arg("MAXLEN")
        .arg("~")
        .arg(RESULTS_STREAM_LEN)
        .arg("*")
        .arg(entry.to_fields())
        .query_async::<String>(&mut conn)
        .await?;
    metrics::counter!("poll_status_announced_total").increment(1);
    Ok(())
}
