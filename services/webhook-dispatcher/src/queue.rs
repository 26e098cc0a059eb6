//! The deliveries waiting to be sent, in Redis: a sorted set of delivery ids by due time and
//! a hash per delivery. Queuing is idempotent (a delivery's id comes from its event and
//! endpoint), claiming leases a delivery so two dispatchers never send it at once, and a
//! finished delivery is kept for [`KEEP_FINISHED`] so a redelivered event cannot queue it again.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use pollcast_bus::Bus;
use pollcast_bus::redis::{AsyncCommands, RedisError, Script};
use pollcast_types::{EventType, WebhookId};

/// How long a claimed delivery is held before another dispatcher may take it: longer than a
/// delivery can take (15 s), so only a dispatcher that died lets it go, and soon.
pub const LEASE: Duration = Duration::from_secs(20);
const KEEP_FINISHED: Duration = Duration::from_secs(7 * 24 * 3600);

static ENQUEUE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("enqueue.lua")));
static CLAIM: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("claim.lua")));
static REQUEUE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("requeue.lua")));

/// One delivery: an event for an endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Also its `webhook-id`: the same on every attempt and replay.
    pub id: String,
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

    fn from_fields(id: String, mut f: HashMap<String, String>) -> Option<Delivery> {
        Some(Delivery {
            id,
            webhook_id: WebhookId::parse(&f.remove("webhook")?)?,
            event_id: f.remove("event_id")?,
            event: EventType::parse(&f.remove("event")?)?,
            body: f.remove("body")?,
            attempts: f.get("attempts")?.parse().ok()?,
        })
    }
}

#[derive(Clone)]
pub struct Queue {
    bus: Bus,
}

impl Queue {
    pub fn new(bus: Bus) -> Self {
        Self { bus }
    }

    /// Queues `delivery` to go at `due_ms`, unless it exists already. True if queued.
    pub async fn enqueue(&self, delivery: &Delivery, due_ms: i64) -> Result<bool, RedisError> {
        let keys = self.bus.keys();
        let queued: i64 = ENQUEUE
            .key(keys.webhook_queue())
            .key(keys.webhook_delivery(&delivery.id))
            .arg(&delivery.id)
            .arg(due_ms)
            .arg("webhook")
            .arg(delivery.webhook_id.as_str())
            .arg("event_id")
            .arg(&delivery.event_id)
            .arg("event")
            .arg(delivery.event.as_str())
            .arg("body")
            .arg(&delivery.body)
            .arg("attempts")
            .arg(delivery.attempts)
            .arg("state")
            .arg("pending")
            .invoke_async(&mut self.bus.conn())
            .await?;
        Ok(queued == 1)
    }

    /// Claims up to `max` deliveries due by `now_ms` (see [`LEASE`]).
    pub async fn claim(&self, now_ms: i64, max: usize) -> Result<Vec<Delivery>, RedisError> {
        let keys = self.bus.keys();
        let mut conn = self.bus.conn();
        let ids: Vec<String> = CLAIM
            .key(keys.webhook_queue())
            .arg(now_ms)
            .arg(LEASE.as_millis() as u64)
            .arg(max)
            .invoke_async(&mut conn)
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let fields: HashMap<String, String> = conn.hgetall(keys.webhook_delivery(&id)).await?;
            match Delivery::from_fields(id.clone(), fields) {
                Some(d) => out.push(d),
                None => {
                    // Its hash is gone or damaged: nothing to send.
                    let _: () = conn.zrem(keys.webhook_queue(), &id).await?;
                }
            }
        }
        Ok(out)
    }

    /// The delivery ended (`state`: `succeeded` or `failed`): out of the queue, kept a week.
    pub async fn finish(&self, delivery: &Delivery, state: &str) -> Result<(), RedisError> {
        let keys = self.bus.keys();
        let hash = keys.webhook_delivery(&delivery.id);
        pollcast_bus::redis::pipe()
            .atomic()
            .zrem(keys.webhook_queue(), &delivery.id)
            .ignore()
            .hset_multiple(
                &hash,
                &[
                    ("state", state),
                    ("attempts", &delivery.attempts.to_string()),
                ],
            )
            .ignore()
            .pexpire(&hash, KEEP_FINISHED.as_millis() as i64)
            .ignore()
            .query_async::<()>(&mut self.bus.conn())
            .await
    }

    /// The delivery goes again at `due_ms`.
    pub async fn retry(&self, delivery: &Delivery, due_ms: i64) -> Result<(), RedisError> {
        let keys = self.bus.keys();
        pollcast_bus::redis::pipe()
            .atomic()
            .hset(
                keys.webhook_delivery(&delivery.id),
                "attempts",
                delivery.attempts,
            )
            .ignore()
            .zadd(keys.webhook_queue(), &delivery.id, due_ms)
            .ignore()
            .query_async::<()>(&mut self.bus.conn())
            .await
    }

    /// The endpoint a kept delivery is for (`None`: no such delivery is kept).
    pub async fn endpoint_of(&self, delivery_id: &str) -> Result<Option<WebhookId>, RedisError> {
        let webhook: Option<String> = self
            .bus
            .conn()
            .hget(self.bus.keys().webhook_delivery(delivery_id), "webhook")
            .await?;
        Ok(webhook.as_deref().and_then(WebhookId::parse))
    }

    /// Queues a kept delivery again, due now (a replay). False if it is no longer kept.
    pub async fn requeue(&self, delivery_id: &str, now_ms: i64) -> Result<bool, RedisError> {
        let keys = self.bus.keys();
        let queued: i64 = REQUEUE
            .key(keys.webhook_queue())
            .key(keys.webhook_delivery(delivery_id))
            .arg(delivery_id)
            .arg(now_ms)
            .invoke_async(&mut self.bus.conn())
            .await?;
        Ok(queued == 1)
    }

    /// How many deliveries wait, and since when the oldest is due (ms), for the metrics.
    pub async fn depth(&self) -> Result<(u64, Option<i64>), RedisError> {
        let keys = self.bus.keys();
        let mut conn = self.bus.conn();
        let n: u64 = conn.zcard(keys.webhook_queue()).await?;
        let oldest: Vec<(String, f64)> = conn.zrange_withscores(keys.webhook_queue(), 0, 0).await?;
        Ok((n, oldest.first().map(|(_, s)| *s as i64)))
    }
}
