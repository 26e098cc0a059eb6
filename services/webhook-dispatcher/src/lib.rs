//! webhook-dispatcher: tells integrators what happened. It reads events from the streams that
//! carry them (its own consumer group), queues one delivery per event and endpoint in Redis,
//! and sends them signed (Standard Webhooks), retrying on a schedule. Several instances may
//! run: each delivery is leased to one at a time, and none is lost when one is killed.
//! `pollcast serve` runs it too.

mod calls;
mod events;
mod http_send;
mod outbox;
pub mod queue;
mod results;
mod sender;
pub mod signature;

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web;
use pollcast_runtime::{Context, PollCache, Service, low_priority, webhook_secret};
use pollcast_types::{Webhook, WebhookId};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use events::event_body;
pub use http_send::Outcome;

pub use queue::{Delivery, Queue};

/// The retry schedule by default (`--webhook-retry-schedule`): after the first attempt fails,
/// again after each of these.
/// Why events could not be turned into deliveries: either way they stay pending and are
/// read again, never acknowledged unsent.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error("redis: {0}")]
    Redis(#[from] pollcast_bus::redis::RedisError),
    #[error("store: {0}")]
    Store(#[from] pollcast_store::StoreError),
}

pub const DEFAULT_SCHEDULE: [&str; 7] = ["5s", "5m", "30m", "2h", "5h", "10h", "10h"];

/// `5s`, `5m`, `2h`, `500ms`: a step of the retry schedule.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = n.parse().ok()?;
    Some(match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        "d" => Duration::from_secs(n * 86_400),
        _ => return None,
    })
}

/// Attempts waiting to be written to the delivery log, at most (a few batches).
const LOG_QUEUE: usize = 4096;

pub struct DispatchState {
    pub context: Context,
    pub polls: PollCache,
    pub queue: Queue,
    /// Names this process in the consumer group.
    pub consumer: String,
    /// Wakes the sender when deliveries are queued.
    pub wake: Notify,
    pub schedule: Vec<Duration>,
    /// Keep-alive connections to receivers.
    pub connections: http_send::Pool,
    /// Attempts on their way to the delivery log (see `sender::write_log`): at most
    /// [`LOG_QUEUE`]; past it, senders wait for the store to catch up.
    pub log: tokio::sync::mpsc::Sender<sender::LogEntry>,
    log_rx: std::sync::Mutex<Option<tokio::sync::mpsc::Receiver<sender::LogEntry>>>,
    /// Endpoints as last read, for [`ENDPOINT_TTL`]: a delivery needs its endpoint's URL, state
    /// and secrets, and reading the store for each cost more than sending it.
    endpoints: std::sync::Mutex<std::collections::HashMap<WebhookId, (Instant, Option<Webhook>)>>,
    /// Signing secrets opened, by their sealed form (see [`Self::signing_secrets`]).
    opened: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

/// How long an endpoint read is used for deliveries: an edit (a new URL, disabling) reaches
/// the sender within it.
const ENDPOINT_TTL: Duration = Duration::from_secs(1);

impl DispatchState {
    /// The endpoint of `id` (`None`: deleted), from a read at most [`ENDPOINT_TTL`] old.
    pub async fn endpoint(&self, id: &WebhookId) -> pollcast_store::StoreResult<Option<Webhook>> {
        if let Ok(cached) = self.endpoints.lock()
            && let Some((at, webhook)) = cached.get(id)
            && at.elapsed() < ENDPOINT_TTL
        {
            return Ok(webhook.clone());
        }
        let webhook = self.context.store.webhook(id).await?;
        if let Ok(mut cached) = self.endpoints.lock() {
            if cached.len() > 10_000 {
                cached.clear();
            }
            cached.insert(id.clone(), (Instant::now(), webhook.clone()));
        }
        Ok(webhook)
    }

    /// The secrets that sign `webhook`'s deliveries now, each opened once per process
    /// (opening costs a key derivation and a decryption; a delivery, one HMAC).
    pub fn signing_secrets(
        &self,
        webhook: &Webhook,
        now: pollcast_types::Timestamp,
    ) -> Result<Vec<String>, webhook_secret::Unopenable> {
        webhook_secret::signing_with(webhook, now, |sealed| {
            if let Ok(opened) = self.opened.lock()
                && let Some(plain) = opened.get(sealed)
            {
                return Ok(plain.clone());
            }
            let plain = webhook_secret::open(&self.context.secret, sealed)?;
            if let Ok(mut opened) = self.opened.lock() {
                if opened.len() > 10_000 {
                    opened.clear();
                }
                opened.insert(sealed.to_owned(), plain.clone());
            }
            Ok(plain)
        })
    }

    /// Forgets the cached read of an endpoint this process has just changed.
    pub fn forget_endpoint(&self, id: &WebhookId) {
        if let Ok(mut cached) = self.endpoints.lock() {
            cached.remove(id);
        }
    }
}

#[derive(Clone)]
pub struct WebhookDispatcher {
    state: web::Data<DispatchState>,
}

impl WebhookDispatcher {
    pub fn new(context: &Context) -> Self {
        let schedule = context
            .settings
            .webhook_retry_schedule
            .iter()
            .filter_map(|s| parse_duration(s))
            .collect();
        let (log, log_rx) = tokio::sync::mpsc::channel(LOG_QUEUE);
        Self {
            state: web::Data::new(DispatchState {
                context: context.clone(),
                polls: PollCache::new(context.store.clone(), Duration::from_secs(1)),
                queue: Queue::new(context.bus.clone()),
                consumer: format!("dispatcher-{}", pollcast_types::ids::random_token(10)),
                wake: Notify::new(),
                schedule,
                connections: http_send::Pool::default(),
                log,
                log_rx: std::sync::Mutex::new(Some(log_rx)),
                endpoints: std::sync::Mutex::default(),
                opened: std::sync::Mutex::default(),
            }),
        }
    }

    pub fn into_service(self) -> Arc<dyn Service> {
        Arc::new(self)
    }
}

impl Service for WebhookDispatcher {
    fn name(&self) -> &'static str {
        "webhook-dispatcher"
    }

    /// No routes: the delivery API is the api's, which asks this service through Redis.
    fn configure(&self, _cfg: &mut web::ServiceConfig) {}

    fn spawn_background(&self, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
        let state = self.state.clone().into_inner();
        let mut tasks = Vec::new();
        if let Some(rx) = state.log_rx.lock().ok().and_then(|mut rx| rx.take()) {
            tasks.push(tokio::spawn(sender::write_log(
                state.clone(),
                rx,
                shutdown.clone(),
            )));
        }
        tasks.push(tokio::spawn(sender::purge_log(
            state.clone(),
            shutdown.clone(),
        )));
        // Reading events and delivering them yield the CPU to votes (see
        // `pollcast_runtime::low_priority`); the log writer above holds SQLite's write lock, so
        // it stays at normal priority.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut delivering: Vec<low_priority::Task> = state
            .context
            .bus
            .shard_groups(state.context.settings.shards)
            .into_iter()
            .map(|shards| -> low_priority::Task {
                Box::pin(events::run(state.clone(), shards, shutdown.clone()))
            })
            .collect();
        delivering.extend::<[low_priority::Task; 4]>([
            Box::pin(sender::run(state.clone(), shutdown.clone())),
            Box::pin(results::release(state.clone(), shutdown.clone())),
            Box::pin(outbox::run(state.clone(), shutdown.clone())),
            // Test deliveries and replays asked by the api and the console.
            Box::pin(calls::run(state, shutdown)),
        ]);
        tasks.push(low_priority::spawn("webhooks", threads, delivering));
        tasks
    }
}
