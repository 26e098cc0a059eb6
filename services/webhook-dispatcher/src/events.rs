//! Events, read from the streams that carry what happened, in the dispatcher's own consumer
//! group: every vote in the votes streams (a vote answered 202 is one `vote.created`, and a
//! refused vote, never in a stream, is none) and the results snapshots (`results.updated`).
//! Poll changes come from the store's outbox (`outbox.rs`). Each event becomes one delivery per
//! endpoint that wants it, queued before the event is acknowledged: a dispatcher that dies
//! in between reads the event again, and the queue takes each delivery once.
//!
//! While no endpoint wants `vote.created`, a shard's votes are not read at all: the group
//! moves past them (`pollcast_bus::endpoint_changes` says why that misses none an endpoint
//! may want). [`Votes`] keeps which shards are read.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pollcast_bus::Conn;
use pollcast_bus::endpoint_changes;
use pollcast_bus::entry_fields;
use pollcast_bus::group_read::{self, Entry};
use pollcast_bus::redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamReadOptions, StreamReadReply,
};
use pollcast_bus::redis::{AsyncCommands, RedisError};
use pollcast_types::{EventType, OptionId, Poll, Timestamp, Webhook, WorkspaceId};
use pollcast_wire::{ResultsEntry, VoteEntry, WEBHOOK_GROUP};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::queue::{Delivery, Queued};
use crate::{DispatchError, DispatchState};
use pollcast_store::StoreError;

const BLOCK: Duration = Duration::from_millis(1000);
const BATCH: usize = 500;
/// Entries another dispatcher held this long unacknowledged are taken over (it died).
const CLAIM_IDLE_MS: usize = 30_000;
/// How long a workspace's endpoint list is reused before it is read again (a change made
/// through pollcast is seen at once: see [`Endpoints::follow`]).
const ENDPOINTS_TTL: Duration = Duration::from_secs(2);
/// How often a shard whose votes nobody wants is moved past them, and so how long the first
/// votes of a new `vote.created` endpoint may wait to be read (the blocking read waits no
/// longer than this while a shard is skipped). A script per shard each time: cheap.
const SKIP_EVERY: Duration = Duration::from_millis(100);
/// How often the store is asked whether any endpoint still wants votes.
const INTEREST_EVERY: Duration = Duration::from_secs(30);

/// Reads the events of `shards` (one group of `Bus::shard_groups`): their votes streams, then
/// their results streams, stream `i` of the list being shard `shards[i % shards.len()]`'s.
pub async fn run(state: Arc<DispatchState>, shards: Vec<u32>, shutdown: CancellationToken) {
    let keys = state.context.bus.keys();
    let streams: Vec<String> = shards
        .iter()
        .map(|&s| keys.votes_stream(s))
        .chain(shards.iter().map(|&s| keys.results_stream(s)))
        .collect();
    let mut endpoints = Endpoints::default();
    let mut backoff = Duration::from_millis(100);
    'connect: while !shutdown.is_cancelled() {
        let mut conn = match state.context.bus.dedicated(BLOCK).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "webhook events: cannot reach redis");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(2));
                continue;
            }
        };
        if let Err(e) = ensure_groups(&mut conn, &streams).await {
            tracing::warn!(error = %e, "webhook events: cannot create the consumer group");
            continue;
        }
        backoff = Duration::from_millis(100);
        let mut last_claim = Instant::now() - Duration::from_secs(60);
        // This consumer's own unacknowledged entries are read first: at start (a restart of
        // the same consumer) and after a batch failed.
        let mut own_pending = true;
        let mut failing = Duration::ZERO;
        let mut votes = Votes::new(shards.clone());
        loop {
            if shutdown.is_cancelled() {
                break 'connect;
            }
            if let Err(e) = votes.follow(&state, &mut conn).await {
                tracing::warn!(error = %e, "webhook events: cannot tell whether votes are wanted; reconnecting");
                continue 'connect;
            }
            let batch = if own_pending {
                read_own_pending(&state, &mut conn, &streams).await
            } else if last_claim.elapsed() > Duration::from_secs(10) {
                last_claim = Instant::now();
                reclaim(&state, &mut conn, &streams).await
            } else {
                read(
                    &state,
                    &mut conn,
                    &streams,
                    &votes.read_streams(),
                    votes.block(),
                    &shutdown,
                )
                .await
            };
            let batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook events: read failed; reconnecting");
                    continue 'connect;
                }
            };
            if batch.is_empty() {
                own_pending = false;
                continue;
            }
            match dispatch(&state, &mut endpoints, &shards, &streams, batch).await {
                Ok(()) => failing = Duration::ZERO,
                Err(e) => {
                    // The batch stays pending and is read again, after a pause that grows
                    // while the failure lasts (a store outage is not a reason to spin).
                    tracing::warn!(error = %e, "webhook events: queueing failed; the batch comes back");
                    metrics::counter!("webhook_event_batches_failed_total").increment(1);
                    failing =
                        (failing * 2).clamp(Duration::from_millis(100), Duration::from_secs(2));
                    own_pending = true;
                    tokio::select! {
                        _ = shutdown.cancelled() => break 'connect,
                        _ = tokio::time::sleep(failing) => {}
                    }
                    if matches!(e, DispatchError::Redis(_)) {
                        continue 'connect;
                    }
                }
            }
        }
    }
}

/// The dispatcher's group on every votes stream, from the start (as tally's), so no vote
/// accepted before the first dispatcher ran is missed.
async fn ensure_groups(conn: &mut Conn, streams: &[String]) -> Result<(), RedisError> {
    for stream in streams {
        let res: Result<(), RedisError> = conn
            .xgroup_create_mkstream(stream, WEBHOOK_GROUP, "0")
            .await;
        match res {
            Ok(()) => {}
            Err(e) if e.code() == Some("BUSYGROUP") => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// New entries of the streams numbered `which` (indexes into `streams`, which the entries
/// keep).
async fn read(
    state: &DispatchState,
    conn: &mut Conn,
    streams: &[String],
    which: &[usize],
    block: Duration,
    shutdown: &CancellationToken,
) -> Result<Vec<Entry>, RedisError> {
    let read: Vec<String> = which.iter().map(|&i| streams[i].clone()).collect();
    let renumber = |mut entries: Vec<Entry>| {
        for e in &mut entries {
            e.stream = which[e.stream];
        }
        entries
    };
    // What waits, as one string; the blocking read only when nothing does.
    let waiting = group_read::read_new(conn, &read, WEBHOOK_GROUP, &state.consumer, BATCH).await?;
    if !waiting.is_empty() {
        return Ok(renumber(waiting));
    }
    let opts = StreamReadOptions::default()
        .group(WEBHOOK_GROUP, &state.consumer)
        .count(BATCH)
        .block(block.as_millis() as usize);
    let ids = vec![">"; read.len()];
    let reply: Option<StreamReadReply> = tokio::select! {
        _ = shutdown.cancelled() => return Ok(Vec::new()),
        r = conn.xread_options(&read, &ids, &opts) => r?,
    };
    Ok(renumber(entries_of(reply, &read)))
}

/// Which shards' votes the dispatcher reads: those whose interest flag is on. The results
/// streams (after the votes streams in the list) are always read.
struct Votes {
    shards: Vec<u32>,
    read: Vec<bool>,
    skipped_at: Option<Instant>,
    checked_at: Option<Instant>,
}

impl Votes {
    fn new(shards: Vec<u32>) -> Self {
        Self {
            read: vec![true; shards.len()],
            shards,
            skipped_at: None,
            checked_at: None,
        }
    }

    /// How long a read may block: while a shard is skipped, no longer than the next skip,
    /// which may find its votes wanted again.
    fn block(&self) -> Duration {
        if self.read.iter().all(|&r| r) {
            BLOCK
        } else {
            SKIP_EVERY
        }
    }

    /// The indexes of the streams to read.
    fn read_streams(&self) -> Vec<usize> {
        let shards = self.read.len();
        (0..shards)
            .filter(|&s| self.read[s])
            .chain(shards..2 * shards)
            .collect()
    }

    /// Every [`INTEREST_EVERY`]: turns the flags off when the store has no endpoint that
    /// wants votes (or on again when it has one and a flag is off); every [`SKIP_EVERY`]:
    /// moves past the votes of the shards whose flag is off, and learns which are on. A
    /// Redis error is the caller's; a store that cannot answer leaves the flags as they are.
    async fn follow(&mut self, state: &DispatchState, conn: &mut Conn) -> Result<(), RedisError> {
        let keys = state.context.bus.keys();
        if self
            .checked_at
            .is_none_or(|t| t.elapsed() >= INTEREST_EVERY)
        {
            self.checked_at = Some(Instant::now());
            self.skipped_at = None;
            // The stamps first, then the store: a flag announced after its stamp was read
            // stays on (`endpoint_changes`).
            let mut stamps = Vec::new();
            for &shard in &self.shards {
                if let Some(stamp) =
                    endpoint_changes::clearable(conn, keys, shard, endpoint_changes::LEASE).await?
                {
                    stamps.push((shard, stamp));
                }
            }
            match wants_votes(state).await {
                Ok(true) if self.read.iter().any(|r| !r) => {
                    let all = state.context.settings.shards;
                    endpoint_changes::announce(conn, keys, all).await?;
                }
                Ok(true) => {}
                Ok(false) => {
                    for (shard, stamp) in stamps {
                        endpoint_changes::clear(conn, keys, shard, &stamp).await?;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "webhook events: the store cannot say whether votes are wanted; the flags stay as they are");
                }
            }
        }
        if self.skipped_at.is_none_or(|t| t.elapsed() >= SKIP_EVERY) {
            for (i, &shard) in self.shards.iter().enumerate() {
                let read = endpoint_changes::skip(conn, keys, shard, WEBHOOK_GROUP).await?;
                if read != self.read[i] {
                    tracing::info!(
                        shard,
                        read,
                        "webhook events: votes {}",
                        if read {
                            "read"
                        } else {
                            "skipped: no endpoint wants vote.created"
                        }
                    );
                }
                self.read[i] = read;
            }
            self.skipped_at = Some(Instant::now());
        }
        Ok(())
    }
}

/// A group read's entries, each with the index of its stream.
fn entries_of(reply: Option<StreamReadReply>, streams: &[String]) -> Vec<Entry> {
    let mut out = Vec::new();
    for key in reply.map(|r| r.keys).unwrap_or_default() {
        let Some(stream) = streams.iter().position(|s| *s == key.key) else {
            continue;
        };
        for entry in key.ids {
            out.push(Entry {
                stream,
                fields: entry_fields(&entry.map),
                id: entry.id,
            });
        }
    }
    out
}

/// Entries delivered to this consumer and not acknowledged yet, oldest first.
async fn read_own_pending(
    state: &DispatchState,
    conn: &mut Conn,
    streams: &[String],
) -> Result<Vec<Entry>, RedisError> {
    let opts = StreamReadOptions::default()
        .group(WEBHOOK_GROUP, &state.consumer)
        .count(BATCH);
    let ids = vec!["0"; streams.len()];
    let reply: Option<StreamReadReply> = conn.xread_options(streams, &ids, &opts).await?;
    Ok(entries_of(reply, streams))
}

async fn reclaim(
    state: &DispatchState,
    conn: &mut Conn,
    streams: &[String],
) -> Result<Vec<Entry>, RedisError> {
    let mut out = Vec::new();
    for (stream, key) in streams.iter().enumerate() {
        let reply: StreamAutoClaimReply = conn
            .xautoclaim_options(
                key,
                WEBHOOK_GROUP,
                &state.consumer,
                CLAIM_IDLE_MS,
                "0-0",
                StreamAutoClaimOptions::default().count(BATCH),
            )
            .await?;
        for entry in reply.claimed {
            out.push(Entry {
                stream,
                fields: entry_fields(&entry.map),
                id: entry.id,
            });
        }
    }
    Ok(out)
}

/// Queues the deliveries of a batch's events, each stream's in the step that acknowledges
/// its entries (see `queue.rs`).
async fn dispatch(
    state: &DispatchState,
    endpoints: &mut Endpoints,
    shards: &[u32],
    streams: &[String],
    batch: Vec<Entry>,
) -> Result<(), DispatchError> {
    endpoints.follow(state).await?;
    let mut per_stream: Vec<Vec<Queued>> = (0..streams.len()).map(|_| Vec::new()).collect();
    let mut queued = 0u64;
    for read in batch {
        let shard = shards[read.stream % shards.len()];
        let deliveries = if let Some(results) = ResultsEntry::from_fields(&read.fields) {
            // Gated per poll, queued by the gate (see `results.rs`); the entry is only
            // acknowledged here.
            queued +=
                crate::results::offer(state, endpoints, &results.poll_id, &results.msg).await?;
            Vec::new()
        } else {
            vote_event(state, endpoints, shard, &read.fields).await?
        };
        per_stream[read.stream].push(Queued {
            entry: Some(read.id),
            deliveries,
        });
    }
    let now = Timestamp::now().as_millis();
    for (stream, events) in per_stream.iter().enumerate() {
        if !events.is_empty() {
            let ack = Some((streams[stream].as_str(), WEBHOOK_GROUP));
            queued += state
                .queue
                .enqueue(shards[stream % shards.len()], ack, events, now)
                .await?;
        }
    }
    if queued > 0 {
        metrics::counter!("webhook_deliveries_queued_total").increment(queued);
        state.wake.notify_one();
    }
    Ok(())
}

/// The `vote.created` deliveries of a votes-stream entry (none for what is not a vote, a
/// deleted poll, or a poll no endpoint listens to).
async fn vote_event(
    state: &DispatchState,
    endpoints: &mut Endpoints,
    shard: u32,
    fields: &HashMap<String, String>,
) -> Result<Vec<Delivery>, DispatchError> {
    let Ok(entry) = VoteEntry::from_fields(fields) else {
        return Ok(Vec::new()); // not a vote (or damaged): tally reports it; nothing to send
    };
    let vote = &entry.vote;
    let Some(poll) = state.polls.get(&vote.poll_id).await? else {
        return Ok(Vec::new()); // deleted since
    };
    let event = match entry.previous {
        Some(_) => EventType::VoteChanged,
        None => EventType::VoteCreated,
    };
    let wanting = endpoints
        .of(state, &poll.workspace_id)
        .await?
        .iter()
        .filter(|w| w.wants(event, Some(&vote.poll_id)))
        .cloned()
        .collect::<Vec<_>>();
    if wanting.is_empty() {
        return Ok(Vec::new());
    }
    let data = VoteData {
        vote_id: vote.vote_id.as_str(),
        poll_id: vote.poll_id.as_str(),
        voter: vote.voter.as_deref(),
        received_at: vote.received_at,
        chosen: Chosen::of(&vote.option_ids, vote.rating, &vote.entries),
        previous: entry.previous.as_ref().map(|p| PreviousBallot {
            vote_id: p.vote_id.as_str(),
            chosen: Chosen::of(&p.option_ids, p.rating, &p.entries),
        }),
    };
    let event_id = format!("evt_vote_{}", vote.vote_id.as_str());
    let body = event_body(event, vote.received_at, data);
    Ok(deliveries_of(shard, &wanting, &event_id, event, &body))
}

/// `event`'s delivery to each of `webhooks`, queued in `shard`.
pub fn deliveries_of(
    shard: u32,
    webhooks: &[Webhook],
    event_id: &str,
    event: EventType,
    body: &str,
) -> Vec<Delivery> {
    webhooks
        .iter()
        .map(|webhook| Delivery {
            id: Delivery::id_for(event_id, &webhook.id),
            shard,
            webhook_id: webhook.id.clone(),
            event_id: event_id.to_owned(),
            event,
            body: body.to_owned(),
            attempts: 0,
        })
        .collect()
}

/// Queues `event`'s delivery to each of `webhooks` in `shard`, now (once each while it
/// waits, however often it is asked); returns how many were new. For events read from
/// elsewhere than a stream (the outbox, the results gate).
pub async fn queue_for(
    state: &DispatchState,
    shard: u32,
    webhooks: &[Webhook],
    event_id: &str,
    event: EventType,
    body: &str,
) -> Result<u64, RedisError> {
    let deliveries = deliveries_of(shard, webhooks, event_id, event, body);
    let event = Queued {
        entry: None,
        deliveries,
    };
    state
        .queue
        .enqueue(shard, None, &[event], Timestamp::now().as_millis())
        .await
}

/// A poll as its owner sees it in the API, without what is internal (its shard, its epoch).
pub fn owner_view(poll: &Poll) -> serde_json::Value {
    let mut view = serde_json::to_value(poll).unwrap_or_default();
    if let Some(map) = view.as_object_mut() {
        map.remove("shard");
        map.remove("epoch");
    }
    view
}

/// The body every delivery of an event carries: `{"type", "timestamp", "data"}`.
pub fn event_body(event: EventType, at: Timestamp, data: impl Serialize) -> String {
    #[derive(Serialize)]
    struct Body<'a, T> {
        r#type: &'a str,
        timestamp: Timestamp,
        data: T,
    }
    // Written straight from the values (building a JSON tree first cost a tenth of a
    // delivery); nothing here can fail to serialise.
    serde_json::to_string(&Body {
        r#type: event.as_str(),
        timestamp: at,
        data,
    })
    .unwrap_or_default()
}

/// Whether any endpoint wants votes (`vote.created` or `vote.changed`): the dispatcher reads
/// the votes streams only then.
async fn wants_votes(state: &DispatchState) -> Result<bool, StoreError> {
    for event in EventType::VOTES {
        if state.context.store.any_webhook_wants(event).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What a `vote.created` event says; a `vote.changed` adds `previous`, the ballot it
/// replaced.
#[derive(Serialize)]
struct VoteData<'a> {
    vote_id: &'a str,
    poll_id: &'a str,
    voter: Option<&'a str>,
    received_at: Timestamp,
    #[serde(flatten)]
    chosen: Chosen<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous: Option<PreviousBallot<'a>>,
}

/// The ballot a `vote.changed` replaced.
#[derive(Serialize)]
struct PreviousBallot<'a> {
    vote_id: &'a str,
    #[serde(flatten)]
    chosen: Chosen<'a>,
}

/// What a ballot chose: `option_ids` for a choice, `rating` for a score, `entries` for
/// open text (each with its term and whether it was held for the owner).
#[derive(Serialize)]
struct Chosen<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    option_ids: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rating: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entries: Option<&'a [pollcast_types::TextEntry]>,
}

impl<'a> Chosen<'a> {
    fn of(
        option_ids: &'a [OptionId],
        rating: Option<u8>,
        entries: &'a [pollcast_types::TextEntry],
    ) -> Self {
        Self {
            option_ids: (rating.is_none() && entries.is_empty())
                .then(|| option_ids.iter().map(OptionId::as_str).collect()),
            rating,
            entries: (!entries.is_empty()).then_some(entries),
        }
    }
}

/// Each workspace's endpoints, read at most every [`ENDPOINTS_TTL`], and again after any
/// change made through pollcast.
#[derive(Default)]
pub struct Endpoints {
    cached: HashMap<WorkspaceId, (Instant, Arc<Vec<Webhook>>)>,
    generation: i64,
}

impl Endpoints {
    /// Forgets every list if an endpoint changed since they were read. Called before the
    /// events of a batch are looked at: an event accepted after an endpoint's creation was
    /// answered is read after its generation moved, so it finds the new endpoint.
    pub async fn follow(&mut self, state: &DispatchState) -> Result<(), RedisError> {
        let mut conn = state.context.bus.conn();
        let now = endpoint_changes::generation(&mut conn, state.context.bus.keys()).await?;
        if now != self.generation {
            self.cached.clear();
            self.generation = now;
        }
        Ok(())
    }

    /// The workspace's endpoints. A store error is an error, never "no endpoints": the
    /// events that asked stay pending and come back.
    pub async fn of(
        &mut self,
        state: &DispatchState,
        workspace: &WorkspaceId,
    ) -> Result<Arc<Vec<Webhook>>, StoreError> {
        if let Some((at, list)) = self.cached.get(workspace)
            && at.elapsed() < ENDPOINTS_TTL
        {
            return Ok(list.clone());
        }
        let list = Arc::new(state.context.store.webhooks(workspace, None, 1000).await?);
        if self.cached.len() > 10_000 {
            self.cached.clear();
        }
        self.cached
            .insert(workspace.clone(), (Instant::now(), list.clone()));
        Ok(list)
    }
}
