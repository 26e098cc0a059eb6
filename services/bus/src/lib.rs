//! Redis, the only channel between pollcast's services: connections with bounded timeouts
//! (a stopped Redis must turn into a quick 503, never a hang) to one server or a Redis
//! Cluster, and an embedded `redis-server` child for single-machine installs and for the test
//! suite.

mod connection;
mod embedded;
mod fields;

pub mod calls;
pub mod endpoint_changes;
pub mod group_read;
pub mod instances;
pub use connection::{Bus, CLUSTER_SCHEME, Conn, is_unavailable};
pub use embedded::{EmbeddedRedis, EmbeddedRedisOptions};
pub use fields::entry_fields;
pub use redis;

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("invalid Redis URL: {0}")]
    Url(String),
    #[error(
        "redis-server was not found on PATH. Install it (Debian/Ubuntu: `apt-get install -y redis-server`, \
         macOS: `brew install redis`) or point --redis-url / POLLCAST_REDIS_URL at a running Redis 7+"
    )]
    RedisServerMissing,
    #[error("could not start redis-server: {0}")]
    Start(String),
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
}
