//! The Redis side of a poll's lifecycle: what vote-ingest and tally must see at once (closed,
//! deleted, the close_after_votes limit, the epoch a reset starts), the schedule of timed
//! transitions, and the announcements live viewers receive. The store keeps the poll itself;
//! callers update it and then call here.

use std::collections::HashMap;

use pollcast_bus::redis::{self, RedisError, Script};
use pollcast_types::{Poll, PollStatus, Timestamp};
use pollcast_wire::{
    RESULTS_STREAM_LEN, ResultsEntry, ResultsMessage, SEQ_FIELD, StatusMessage, UPDATED_FIELD,
    snapshot_from_counts,
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
}

/// Closes `poll` now, by hand or on schedule: Redis first (from then on vote-ingest refuses,
/// whatever its cache says), then the store, then the viewers. Returns whether it was open;
/// closing a closed poll changes nothing. Callers holding a poll cache invalidate it.
pub async fn close(ctx: &Context, poll: &mut Poll) -> Result<bool, TransitionError> {
    set_closed(ctx, poll, true).await?;
    if poll.status == PollStatus::Closed {
        return Ok(false);
    }
    poll.status = PollStatus::Closed;
    poll.updated_at = Timestamp::now();
    if !ctx.store.update_poll(poll).await? {
        return Err(TransitionError::Gone);
    }
    announce(ctx, poll, Some("closed")).await?;
    Ok(true)
}

/// A scheduled transition, as a member of a shard's schedule.
pub fn open_member(poll: &Poll) -> String {
    format!("open:{}", poll.id)
}

pub fn close_member(poll: &Poll) -> String {
    format!("close:{}", poll.id)
}

/// Records a new or edited poll's timed transitions and vote limit.
pub async fn register(ctx: &Context, poll: &Poll) -> Result<(), RedisError> {
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
    let mut conn = ctx.bus.conn();
    pipe.query_async::<()>(&mut conn).await
}

/// Opens or closes the poll for votes at once, whatever the caches of other processes say.
pub async fn set_closed(ctx: &Context, poll: &Poll, closed: bool) -> Result<(), RedisError> {
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
pub async fn is_closed(ctx: &Context, poll: &Poll) -> Result<bool, RedisError> {
    let state = ctx.bus.keys().poll_state(poll.shard, &poll.id);
    let mut conn = ctx.bus.conn();
    redis::cmd("HEXISTS")
        .arg(&state)
        .arg("closed")
        .query_async(&mut conn)
        .await
}

const RESET: &str = r"
-- KEYS[1] state, KEYS[2] voter set, KEYS[3] counts; ARGV[1] now (ms). Returns the new epoch.
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'accepted', 0)
redis.call('DEL', KEYS[2])
local seq = tonumber(redis.call('HGET', KEYS[3], 'seq') or '0')
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], 'seq', seq + 1, 'total', 0, 'at', ARGV[1])
return epoch
";

/// Clears a poll's counts and voters and starts a new epoch, in one atomic step: votes
/// accepted before it are not counted, votes accepted after it are. Returns the new epoch.
pub async fn reset(ctx: &Context, poll: &Poll) -> Result<u32, RedisError> {
    let keys = ctx.bus.keys();
    let mut conn = ctx.bus.conn();
    Script::new(RESET)
        .key(keys.poll_state(poll.shard, &poll.id))
        .key(keys.voted_set(poll.shard, &poll.id))
        .key(keys.counts(poll.shard, &poll.id))
        .arg(Timestamp::now().as_millis())
        .invoke_async(&mut conn)
        .await
}

/// Marks a poll deleted (votes refused at once) and drops its counts, voters and schedule.
pub async fn mark_deleted(ctx: &Context, poll: &Poll) -> Result<(), RedisError> {
    let keys = ctx.bus.keys();
    let mut conn = ctx.bus.conn();
    redis::pipe()
        .hset(keys.poll_state(poll.shard, &poll.id), "deleted", 1)
        .ignore()
        .del(keys.voted_set(poll.shard, &poll.id))
        .ignore()
        .zrem(keys.schedule(poll.shard), open_member(poll))
        .ignore()
        .zrem(keys.schedule(poll.shard), close_member(poll))
        .ignore()
        .query_async::<()>(&mut conn)
        .await
}

/// Publishes the poll's current results with a new `seq`, and, with `status`, a status
/// message before them, so every viewer learns of the change.
pub async fn announce(ctx: &Context, poll: &Poll, status: Option<&str>) -> Result<(), RedisError> {
    let keys = ctx.bus.keys();
    let counts = keys.counts(poll.shard, &poll.id);
    let mut conn = ctx.bus.conn();
    let (hash,): (HashMap<String, String>,) = redis::pipe()
        .hincr(&counts, SEQ_FIELD, 1)
        .ignore()
        .hset(&counts, UPDATED_FIELD, Timestamp::now().as_millis())
        .ignore()
        .hgetall(&counts)
        .query_async(&mut conn)
        .await?;
    let snapshot = snapshot_from_counts(poll, &hash);
    let shown = poll.status_at(Timestamp::now());
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
    redis::cmd("XADD")
        .arg(keys.results_stream(poll.shard))
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
