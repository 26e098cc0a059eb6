use std::time::Duration;

use pollcast_wire::Keys;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{AsyncConnectionConfig, RedisError};

use crate::BusError;

/// A handle on Redis: a shared, self-reconnecting connection for ordinary commands, plus a way
/// to open dedicated connections for blocking reads (`XREAD BLOCK` would stall every other
/// command queued on a shared connection).
#[derive(Clone)]
pub struct Bus {
    client: redis::Client,
    conn: ConnectionManager,
    /// For the ingest script only: no response timeout of its own (see [`Bus::votes_conn`]).
    votes: ConnectionManager,
    keys: Keys,
}

/// How long one command may take before the caller gives up and answers 503.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

impl Bus {
    /// Does not wait for Redis: the connection is made on first use and remade whenever lost,
    /// so a service starts (and reports not-ready) while Redis is down.
    pub fn connect(url: &str, prefix: &str) -> Result<Self, BusError> {
        let client = redis::Client::open(url).map_err(|e| BusError::Url(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(
            client.clone(),
            config.clone().set_response_timeout(Some(RESPONSE_TIMEOUT)),
        )?;
        let votes = ConnectionManager::new_lazy_with_config(
            client.clone(),
            config.set_response_timeout(None),
        )?;
        Ok(Self {
            client,
            conn,
            votes,
            keys: Keys::new(prefix),
        })
    }

    pub fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// The connection votes are stored over. A response timeout makes the client drop and
    /// remake its connection, but Redis still runs what it had already received on the old
    /// one: a vote would be stored while its caller answered 503. So this connection has no
    /// timeout of its own; vote-ingest bounds each call itself, and the ingest script refuses
    /// a vote it runs after the vote's deadline (a reply that comes later is discarded).
    pub fn votes_conn(&self) -> ConnectionManager {
        self.votes.clone()
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Whether Redis answers a `PING` (for `/readyz`).
    pub async fn ping(&self) -> Result<(), RedisError> {
        let mut conn = self.conn();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
    }

    /// A connection of its own for blocking reads of up to `block`.
    pub async fn dedicated(&self, block: Duration) -> Result<MultiplexedConnection, RedisError> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(block + RESPONSE_TIMEOUT));
        self.client
            .get_multiplexed_async_connection_with_config(&config)
            .await
    }
}

/// Whether an error means Redis is unreachable or overloaded (answer 503 and retry), as
/// opposed to a bug in what we sent.
pub fn is_unavailable(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_refusal()
        || e.is_connection_dropped()
        || e.is_unrecoverable_error()
        || matches!(
            e.code(),
            Some("LOADING" | "BUSY" | "MASTERDOWN" | "TRYAGAIN" | "CLUSTERDOWN" | "OOM")
        )
}
