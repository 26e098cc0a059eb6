use std::sync::Arc;

use async_trait::async_trait;
use pollcast_bus::{Bus, BusError, EmbeddedRedis, EmbeddedRedisOptions};
use pollcast_config::Settings;
use pollcast_http::ReadinessCheck;
use pollcast_http::client_ip::TrustedProxies;
use pollcast_store::{ScyllaOptions, Store, StoreError};

use crate::ServerSecret;

/// Everything a service needs from its process: settings, the store, Redis and the secret.
/// Built once per process and shared by every service in it.
#[derive(Clone)]
pub struct Context {
    pub settings: Arc<Settings>,
    pub store: Arc<dyn Store>,
    pub bus: Bus,
    pub secret: ServerSecret,
    /// Whose X-Forwarded-For to believe when telling client addresses.
    pub proxies: TrustedProxies,
    /// Cancelled when the process begins to stop, before it waits for its open requests:
    /// long-lived ones (WebSockets, SSE) end then, with a hint to reconnect elsewhere.
    pub draining: tokio_util::sync::CancellationToken,
    /// Keeps the embedded redis-server (if any) alive as long as a context exists.
    _embedded: Option<Arc<tokio::sync::Mutex<EmbeddedRedis>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("trusted_proxies: `{0}` is not an address or CIDR")]
    Proxies(String),
    #[error(
        "no Redis URL: a standalone service needs --redis-url (or POLLCAST_REDIS_URL); \
         only `pollcast serve` starts a redis-server of its own"
    )]
    RedisUrlRequired,
}

/// Opens the store `--store` names (SQLite in the data directory by default). Every
/// subcommand opens its store here, so each takes the same store flags.
pub async fn open_store(settings: &Settings) -> Result<Arc<dyn Store>, StoreError> {
    let uri = pollcast_store::StoreUri::parse(&settings.store)?;
    let options = ScyllaOptions {
        replication: pollcast_store::Replication::parse(&settings.scylla_replication)?,
        webhook_log_days: settings.webhook_log_days,
        ..ScyllaOptions::default()
    };
    pollcast_store::open(&uri, &settings.data_dir, options).await
}

impl Context {
    /// Opens the store and connects to Redis, starting an embedded redis-server in the data
    /// directory when no URL is configured and `may_embed_redis` is set.
    pub async fn build(settings: Settings, may_embed_redis: bool) -> Result<Self, StartError> {
        let proxies =
            TrustedProxies::parse(&settings.trusted_proxies).map_err(StartError::Proxies)?;
        let store = open_store(&settings).await?;
        let secret = ServerSecret::load_or_create(&settings.data_dir)?;
        let (url, embedded) = match &settings.redis_url {
            Some(url) => (url.expose().to_owned(), None),
            None if may_embed_redis => {
                let redis = EmbeddedRedis::start(
                    &settings.data_dir.join("redis"),
                    EmbeddedRedisOptions {
                        persistent: true,
                        appendfsync: settings.redis_fsync.clone(),
                    },
                )
                .await?;
                tracing::info!(url = %redis.url(), "started embedded redis-server");
                (redis.url(), Some(Arc::new(tokio::sync::Mutex::new(redis))))
            }
            None => return Err(StartError::RedisUrlRequired),
        };
        let bus = Bus::connect(&url, &settings.redis_prefix)?
            .with_wait_replicas(settings.redis_wait_replicas)?;
        Ok(Self {
            settings: Arc::new(settings),
            store,
            bus,
            secret,
            proxies,
            draining: Default::default(),
            _embedded: embedded,
        })
    }

    /// Stops the embedded redis-server, if this context started one. Called once the services
    /// have stopped: waiting for the last clone of the context to drop is not enough, as a
    /// clone held by a server thread that has not finished yet would outlive the process and
    /// leave the redis-server running.
    pub async fn stop_embedded_redis(&self) {
        if let Some(redis) = &self._embedded {
            redis.lock().await.kill();
            tracing::info!("stopped embedded redis-server");
        }
    }

    /// A context over parts the caller made (tests give each one its own Redis and store).
    pub fn from_parts(
        settings: Settings,
        store: Arc<dyn Store>,
        bus: Bus,
        secret: ServerSecret,
    ) -> Self {
        let proxies = TrustedProxies::parse(&settings.trusted_proxies).unwrap_or_default();
        Self {
            settings: Arc::new(settings),
            store,
            bus,
            secret,
            proxies,
            draining: Default::default(),
            _embedded: None,
        }
    }

    pub fn readiness_checks(&self) -> Vec<Arc<dyn ReadinessCheck>> {
        vec![
            Arc::new(RedisReadiness(self.bus.clone())),
            Arc::new(StoreReadiness(self.store.clone())),
        ]
    }
}

struct RedisReadiness(Bus);

#[async_trait]
impl ReadinessCheck for RedisReadiness {
    fn name(&self) -> &'static str {
        "redis"
    }

    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|e| e.to_string())
    }
}

struct StoreReadiness(Arc<dyn Store>);

#[async_trait]
impl ReadinessCheck for StoreReadiness {
    fn name(&self) -> &'static str {
        "store"
    }

    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|e| e.to_string())
    }
}
