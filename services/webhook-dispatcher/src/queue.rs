//! The deliveries waiting to be sent, in Redis, and nothing else. Per shard: a sorted set of
//! the endpoints that have deliveries waiting (scored by when the earliest is due), per
//! endpoint a sorted set of its deliveries by due time, and a hash per delivery (endpoint,
//! event, body, attempts). A delivery that ends is deleted at once: what happened to it is in
//! the store's delivery log, with its body for replays, for `--webhook-log-days`.
//!
//! Events are queued in the step that acknowledges them in the dispatcher's consumer group
//! (`enqueue.lua`), so an event's deliveries are queued exactly once and nothing has to
//! remember finished deliveries. Claiming takes several endpoints' due deliveries with their
//! hashes in one step (`claim.lua`), each endpoint only as many as it has room for, so a busy
//! endpoint's deliveries simply wait in its own set: nothing is put back, and no endpoint's
//! backlog stands in front of another's.

use std::sync::LazyLock;
use std::time::Duration;

use pollcast_bus::Bus;
use pollcast_bus::redis::{AsyncCommands, RedisError, Script};
use pollcast_types::{EventType, WebhookId};

/// How long a claimed delivery is held before another dispatcher may take it: longer than a
/// delivery can take (15 s), so only a dispatcher that died lets it go, and soon.
pub const LEASE: Duration = Duration::from_secs(20);

static ENQUEUE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("enqueue.lua")));
static CLAIM: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("claim.lua")));
static FINISH: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("finish.lua")));

/// One delivery: an event for an endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Also its `webhook-id`: the same on every attempt and replay.
    pub id: String,
    /// The shard whose keys hold it (its event's, so it is queued with the event's ack).
    pub shard: u32,
    pub webhook_id: WebhookId,
    pub event_id: String,
    pub event: EventType,
    /// The JSON body, exactly as signed.
    pub body: String,
    /// Attempts made so far.
    pub attempts: u32,
}

impl Delivery {
    /// The delivery id of `event_id` for `webhook`: `msg_` and 24 hex digits of a digest,
    /// so it is the same whoever computes it, and reveals neither.
    pub fn id_for(event_id: &str, webhook: &WebhookId) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("{event_id}\x1f{webhook}").as_bytes());
        format!("msg_{}", pollcast_runtime::hex(&digest[..12]))
    }
}

/// An event to queue: where it was read (its stream entry, acknowledged as it is queued), and
/// its deliveries (none: only acknowledged).
pub struct Queued {
    pub entry: Option<String>,
    pub deliveries: Vec<Delivery>,
}

#[derive(Clone)]
pub struct Queue {
    bus: Bus,
}

impl Queue {
    pub fn new(bus: Bus) -> Self {
        Self { bus }
    }

    /// Queues `events`' deliveries (in `shard`) to go at `due_ms`, each once; with `ack`
    /// (stream, group), acknowledges each event's entry in the same step, and queues nothing
    /// for an entry already acknowledged. Returns how many deliveries were queued.
    pub async fn enqueue(
        &self,
        shard: u32,
        ack: Option<(&str, &str)>,
        events: &[Queued],
        due_ms: i64,
    ) -> Result<u64, RedisError> {
        let keys = self.bus.keys();
        let ready = keys.webhook_ready(shard);
        let mut invocation = ENQUEUE.prepare_invoke();
        invocation
            .key(ack.map_or(ready.as_str(), |(stream, _)| stream))
            .key(&ready)
            .arg(ack.map_or("", |(_, group)| group))
            .arg(due_ms);
        for event in events {
            invocation
                .arg(event.entry.as_deref().unwrap_or(""))
                .arg(event.deliveries.len());
            for d in &event.deliveries {
                invocation
                    .key(keys.webhook_due(shard, d.webhook_id.as_str()))
                    .key(keys.webhook_delivery(shard, &d.id))
                    .arg(&d.id)
                    .arg(d.webhook_id.as_str())
                    .arg(&d.event_id)
                    .arg(d.event.as_str())
                    .arg(&d.body);
            }
        }
        invocation.invoke_async(&mut self.bus.conn()).await
    }

    /// Endpoints of `shard` with deliveries due by `now_ms`, earliest first, at most `limit`.
    pub async fn ready(
        &self,
        shard: u32,
        now_ms: i64,
        limit: usize,
    ) -> Result<Vec<WebhookId>, RedisError> {
        let ids: Vec<String> = self
            .bus
            .conn()
            .zrangebyscore_limit(
                self.bus.keys().webhook_ready(shard),
                "-inf",
                now_ms,
                0,
                limit as isize,
            )
            .await?;
        Ok(ids.iter().filter_map(|id| WebhookId::parse(id)).collect())
    }

    /// Claims, in one step, up to `room` due deliveries of each endpoint of `wants` in
    /// `shard` (see [`LEASE`]).
    pub async fn claim(
        &self,
        shard: u32,
        now_ms: i64,
        wants: &[(WebhookId, usize)],
    ) -> Result<Vec<Delivery>, RedisError> {
        if wants.is_empty() {
            return Ok(Vec::new());
        }
        let keys = self.bus.keys();
        let mut invocation = CLAIM.prepare_invoke();
        invocation
            .key(keys.webhook_ready(shard))
            .arg(now_ms)
            .arg(LEASE.as_millis() as u64)
            .arg(keys.webhook_delivery_prefix(shard));
        for (webhook, room) in wants {
            invocation
                .key(keys.webhook_due(shard, webhook.as_str()))
                .arg(webhook.as_str())
                .arg(*room);
        }
        let flat: Vec<String> = invocation.invoke_async(&mut self.bus.conn()).await?;
        Ok(flat
            .chunks_exact(6)
            .filter_map(|f| {
                Some(Delivery {
                    webhook_id: WebhookId::parse(&f[0])?,
                    id: f[1].clone(),
                    shard,
                    event_id: f[2].clone(),
                    event: EventType::parse(&f[3])?,
                    body: f[4].clone(),
                    attempts: f[5].parse().ok()?,
                })
            })
            .collect())
    }

    /// Deliveries of `shard` that ended (succeeded, or failed for good): out of Redis, in
    /// one step.
    pub async fn finish(&self, shard: u32, ended: &[&Delivery]) -> Result<(), RedisError> {
        if ended.is_empty() {
            return Ok(());
        }
        let keys = self.bus.keys();
        let mut invocation = FINISH.prepare_invoke();
        invocation.key(keys.webhook_ready(shard));
        for delivery in ended {
            let webhook = delivery.webhook_id.as_str();
            invocation
                .key(keys.webhook_due(shard, webhook))
                .key(keys.webhook_delivery(shard, &delivery.id))
                .arg(&delivery.id)
                .arg(webhook);
        }
        invocation
            .invoke_async::<i64>(&mut self.bus.conn())
            .await
            .map(|_| ())
    }

    /// The delivery goes again at `due_ms`.
    pub async fn retry(&self, delivery: &Delivery, due_ms: i64) -> Result<(), RedisError> {
        let keys = self.bus.keys();
        let webhook = delivery.webhook_id.as_str();
        pollcast_bus::redis::pipe()
            .atomic()
            .hset(
                keys.webhook_delivery(delivery.shard, &delivery.id),
                "attempts",
                delivery.attempts,
            )
            .ignore()
            .zadd(
                keys.webhook_due(delivery.shard, webhook),
                &delivery.id,
                due_ms,
            )
            .ignore()
            .cmd("ZADD")
            .arg(keys.webhook_ready(delivery.shard))
            .arg("LT")
            .arg(due_ms)
            .arg(webhook)
            .ignore()
            .query_async::<()>(&mut self.bus.conn())
            .await
    }

    /// How many deliveries wait, and since when the oldest endpoint's are due (ms), for the
    /// metrics.
    pub async fn depth(&self, shards: u32) -> Result<(u64, Option<i64>), RedisError> {
        let keys = self.bus.keys();
        let mut conn = self.bus.conn();
        let (mut n, mut oldest) = (0u64, None::<i64>);
        for shard in 0..shards {
            let ready: Vec<(String, f64)> = conn
                .zrange_withscores(keys.webhook_ready(shard), 0, 999)
                .await?;
            let Some((_, due)) = ready.first() else {
                continue;
            };
            oldest = Some(oldest.map_or(*due as i64, |o| o.min(*due as i64)));
            let mut pipe = pollcast_bus::redis::pipe();
            for (webhook, _) in &ready {
                pipe.zcard(keys.webhook_due(shard, webhook));
            }
            let counts: Vec<u64> = pipe.query_async(&mut conn).await?;
            n += counts.iter().sum::<u64>();
        }
        Ok((n, oldest))
    }
}
