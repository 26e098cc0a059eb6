//! An open-text poll's terms: the public cloud, the owner's moderation queue, and the
//! owner's decisions (approve, hide), which move a term into or out of the cloud at once and
//! tell every viewer.
//!
//! tally counts each term in the poll's `terms` sorted set and, when the public may see it,
//! with the same count in its `cloud` (`pollcast_wire::Keys`); a decision moves the term
//! between the two in one atomic step, so the cloud's counts stay exact.

use std::collections::HashMap;

use pollcast_bus::redis::{self, RedisError, Script};
use pollcast_types::open_text::{TermDecision as Decision, TermView};
use pollcast_types::{EventType, Poll, TermCount, TermState, Timestamp};

use crate::Context;
use crate::lifecycle::{self, TransitionError};

/// The cloud's top terms (`top`: its `ZREVRANGE ... WITHSCORES`, which the caller reads
/// atomically with the counts), with their shown spellings, most entries first, ties by
/// spelling.
pub async fn spelled(
    ctx: &Context,
    poll: &Poll,
    top: Vec<(String, f64)>,
) -> Result<Vec<TermCount>, RedisError> {
    let spellings = spellings(ctx, poll, top.iter().map(|(t, _)| t.as_str())).await?;
    let mut terms: Vec<TermCount> = top
        .into_iter()
        .zip(spellings)
        .map(|((term, count), text)| TermCount {
            text: text.unwrap_or(term),
            count: count as u64,
        })
        .collect();
    terms.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
    Ok(terms)
}

/// The poll's terms for its owner, most entries first, `limit` of them from `offset`.
pub async fn all_terms(
    ctx: &Context,
    poll: &Poll,
    offset: usize,
    limit: usize,
) -> Result<Vec<TermView>, RedisError> {
    let keys = ctx.bus.keys();
    let mut conn = ctx.bus.conn();
    let top: Vec<(String, f64)> = redis::cmd("ZREVRANGE")
        .arg(keys.terms(poll.shard, &poll.id))
        .arg(offset)
        .arg(offset.saturating_add(limit.max(1) - 1))
        .arg("WITHSCORES")
        .query_async(&mut conn)
        .await?;
    if top.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<&str> = top.iter().map(|(t, _)| t.as_str()).collect();
    let spellings = spellings(ctx, poll, names.iter().copied()).await?;
    let mut pipe = redis::pipe();
    for term in &names {
        pipe.hget(keys.words(poll.shard, &poll.id), format!("m:{term}"))
            .cmd("ZSCORE")
            .arg(keys.cloud(poll.shard, &poll.id))
            .arg(*term);
    }
    let states: Vec<(Option<String>, Option<f64>)> = pipe.query_async(&mut conn).await?;
    Ok(top
        .into_iter()
        .zip(spellings)
        .zip(states)
        .map(|(((term, count), text), (decision, in_cloud))| TermView {
            text: text.unwrap_or_else(|| term.clone()),
            term,
            count: count as u64,
            state: match (TermState::decided(decision.as_deref()), in_cloud) {
                (Some(decided), _) => decided,
                (None, Some(_)) => TermState::Shown,
                (None, None) => TermState::Pending,
            },
        })
        .collect())
}

async fn spellings<'a>(
    ctx: &Context,
    poll: &Poll,
    terms: impl Iterator<Item = &'a str>,
) -> Result<Vec<Option<String>>, RedisError> {
    let fields: Vec<String> = terms.map(|t| format!("s:{t}")).collect();
    if fields.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = ctx.bus.conn();
    redis::cmd("HMGET")
        .arg(ctx.bus.keys().words(poll.shard, &poll.id))
        .arg(fields)
        .query_async(&mut conn)
        .await
}

const DECIDE: &str = r"
-- KEYS[1] terms, KEYS[2] cloud, KEYS[3] words; ARGV[1] the term, ARGV[2] approved|hidden.
-- Returns the term's count, or false when the poll has no such term.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return false end
redis.call('HSET', KEYS[3], 'm:' .. ARGV[1], ARGV[2])
if ARGV[2] == 'approved' then
  redis.call('ZADD', KEYS[2], score, ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return tonumber(score)
";

/// Applies an owner's decision about `term` and tells every viewer; a hidden term also
/// goes to the outbox as `entry.hidden`. `None` when the poll has no such term.
pub async fn decide(
    ctx: &Context,
    poll: &mut Poll,
    term: &str,
    decision: Decision,
) -> Result<Option<TermView>, TransitionError> {
    let keys = ctx.bus.keys();
    let mut conn = ctx.bus.conn();
    let state = decision.state();
    let count: Option<u64> = Script::new(DECIDE)
        .key(keys.terms(poll.shard, &poll.id))
        .key(keys.cloud(poll.shard, &poll.id))
        .key(keys.words(poll.shard, &poll.id))
        .arg(term)
        .arg(state.as_str())
        .invoke_async(&mut conn)
        .await?;
    let Some(count) = count else {
        return Ok(None);
    };
    let text = spellings(ctx, poll, std::iter::once(term))
        .await?
        .pop()
        .flatten()
        .unwrap_or_else(|| term.to_owned());
    let view = TermView {
        term: term.to_owned(),
        text,
        count,
        state,
    };
    if decision == Decision::Hide {
        poll.last_hidden = Some(pollcast_types::open_text::HiddenTerm {
            term: view.term.clone(),
            text: view.text.clone(),
            entries: count,
            hidden_at: Timestamp::now(),
        });
        lifecycle::save(ctx, poll, EventType::EntryHidden).await?;
    }
    lifecycle::announce(ctx, poll, None).await?;
    Ok(Some(view))
}

/// Every decision the owner made about the poll's terms: term → the state it put it in.
pub async fn decisions(
    ctx: &Context,
    poll: &Poll,
) -> Result<HashMap<String, TermState>, RedisError> {
    let mut conn = ctx.bus.conn();
    let key = ctx.bus.keys().words(poll.shard, &poll.id);
    let mut out = HashMap::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, items): (u64, Vec<(String, String)>) = redis::cmd("HSCAN")
            .arg(&key)
            .arg(cursor)
            .arg("MATCH")
            .arg("m:*")
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await?;
        for (field, decision) in items {
            if let (Some(term), Some(state)) = (
                field.strip_prefix("m:"),
                TermState::decided(Some(&decision)),
            ) {
                out.insert(term.to_owned(), state);
            }
        }
        if next == 0 {
            return Ok(out);
        }
        cursor = next;
    }
}

/// An entry's state as the CSV export gives it, from the owner's `decisions`.
pub fn entry_state(
    entry: &pollcast_types::TextEntry,
    decisions: &HashMap<String, TermState>,
) -> &'static str {
    let Some(term) = &entry.term else {
        return "stop_words";
    };
    match decisions.get(term) {
        Some(decided) => decided.as_str(),
        None if entry.held => TermState::Pending.as_str(),
        None => TermState::Shown.as_str(),
    }
}
