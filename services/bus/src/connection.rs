use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pollcast_wire::Keys;
use redis::aio::{
    ConnectionLike, ConnectionManager, ConnectionManagerConfig, MultiplexedConnection,
};
use redis::cluster::{ClusterClient, ClusterConfig};
use redis::cluster_async::ClusterConnection;
use redis::{AsyncConnectionConfig, Cmd, Pipeline, RedisError, RedisFuture, Value};

use crate::BusError;

/// A handle on Redis, one server or a Redis Cluster: a shared, self-reconnecting connection
/// for ordinary commands, plus a way to open dedicated connections for blocking reads
/// (`XREAD BLOCK` would stall every other command queued on a shared connection).
#[derive(Clone)]
pub struct Bus {
    client: Client,
    conn: Conn,
    /// For the ingest script only: no response timeout of its own (see [`Bus::votes_conn`]).
    /// One, or with `--redis-wait-replicas` several, taken in turn: `WAIT` holds its
    /// connection until the replicas answer, and the groups behind it on one connection would
    /// wait in line.
    votes: Vec<Conn>,
    turn: Arc<AtomicUsize>,
    keys: Keys,
    wait_replicas: u32,
}

#[derive(Clone)]
enum Client {
    Single(redis::Client),
    Cluster(Box<ClusterClient>),
}

/// A connection to Redis or to a Redis Cluster (which follows `MOVED`/`ASK` and a failover on
/// its own). Every key one command or script touches shares a hash slot (`pollcast_wire::Keys`),
/// so whatever works on one server works on a cluster.
#[derive(Clone)]
pub enum Conn {
    Managed(ConnectionManager),
    Direct(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Managed(c) => c.req_packed_command(cmd),
            Conn::Direct(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Managed(c) => c.req_packed_commands(cmd, offset, count),
            Conn::Direct(c) => c.req_packed_commands(cmd, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Managed(c) => c.get_db(),
            Conn::Direct(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
        }
    }
}

/// How long one command may take before the caller gives up and answers 503.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Connections votes that wait for replicas go over: as many as groups may be in flight.
const WAITING_VOTES_CONNECTIONS: usize = 4;

/// The scheme of a Redis Cluster URL: `redis+cluster://[user:password@]host:port,host:port`.
pub const CLUSTER_SCHEME: &str = "redis+cluster://";

impl Bus {
    /// Does not wait for Redis: the connection is made on first use and remade whenever lost,
    /// so a service starts (and reports not-ready) while Redis is down. A cluster URL
    /// ([`CLUSTER_SCHEME`]) must be opened inside a Tokio runtime.
    pub fn connect(url: &str, prefix: &str) -> Result<Self, BusError> {
        let client = match url.strip_prefix(CLUSTER_SCHEME) {
            Some(nodes) => Self::cluster_client(nodes)?,
            None => {
                Client::Single(redis::Client::open(url).map_err(|e| BusError::Url(e.to_string()))?)
            }
        };
        Ok(Self {
            conn: client.connection(Some(RESPONSE_TIMEOUT))?,
            votes: vec![client.connection(None)?],
            client,
            turn: Arc::default(),
            keys: Keys::new(prefix),
            wait_replicas: 0,
        })
    }

    fn cluster_client(nodes: &str) -> Result<Client, BusError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(BusError::Url(
                "a Redis Cluster is opened inside a Tokio runtime".into(),
            ));
        }
        let client = ClusterClient::builder(cluster_nodes(nodes)?)
            .connection_timeout(CONNECT_TIMEOUT)
            .retries(3)
            .min_retry_wait(50)
            .max_retry_wait(500)
            .build()
            .map_err(|e| BusError::Url(e.to_string()))?;
        Ok(Client::Cluster(Box::new(client)))
    }

    /// With `n` > 0, a vote is answered `202` only once `WAIT` saw `n` replicas take it
    /// (`--redis-wait-replicas`), so it survives the loss of its master.
    pub fn with_wait_replicas(mut self, n: u32) -> Result<Self, BusError> {
        self.wait_replicas = n;
        if n > 0 {
            while self.votes.len() < WAITING_VOTES_CONNECTIONS {
                self.votes.push(self.client.connection(None)?);
            }
        }
        Ok(self)
    }

    pub fn wait_replicas(&self) -> u32 {
        self.wait_replicas
    }

    pub fn is_cluster(&self) -> bool {
        matches!(self.client, Client::Cluster(_))
    }

    /// The shards one blocking read may follow together: all of them on one server; each on
    /// its own in a cluster, where one command reaches one hash slot (a reader runs one loop,
    /// on a connection of its own, per group).
    pub fn shard_groups(&self, shards: u32) -> Vec<Vec<u32>> {
        if self.is_cluster() {
            (0..shards).map(|s| vec![s]).collect()
        } else {
            vec![(0..shards).collect()]
        }
    }

    pub fn conn(&self) -> Conn {
        self.conn.clone()
    }

    /// The connection votes are stored over. A response timeout makes the client drop and
    /// remake its connection, but Redis still runs what it had already received on the old
    /// one: a vote would be stored while its caller answered 503. So this connection has no
    /// timeout of its own; vote-ingest bounds each call itself, and the ingest script refuses
    /// a vote it runs after the vote's deadline (a reply that comes later is discarded).
    pub fn votes_conn(&self) -> Conn {
        match self.votes.len() {
            1 => self.votes[0].clone(),
            len => self.votes[self.turn.fetch_add(1, Ordering::Relaxed) % len].clone(),
        }
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Whether Redis answers a `PING` (for `/readyz`; in a cluster, every master must).
    pub async fn ping(&self) -> Result<(), RedisError> {
        let mut conn = self.conn();
        redis::cmd("PING")
            .query_async::<redis::Value>(&mut conn)
            .await
            .map(|_| ())
    }

    /// A connection of its own for blocking reads of up to `block`.
    pub async fn dedicated(&self, block: Duration) -> Result<Conn, RedisError> {
        match &self.client {
            Client::Single(client) => {
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(CONNECT_TIMEOUT))
                    .set_response_timeout(Some(block + RESPONSE_TIMEOUT));
                client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
                    .map(Conn::Direct)
            }
            Client::Cluster(client) => {
                let config = ClusterConfig::new()
                    .set_connection_timeout(CONNECT_TIMEOUT)
                    .set_response_timeout(block + RESPONSE_TIMEOUT);
                client
                    .get_async_connection_with_config(config)
                    .await
                    .map(Conn::Cluster)
            }
        }
    }
}

impl Client {
    /// A shared, self-reconnecting connection, made on first use; commands on it give up
    /// after `response_timeout` (never, for `None`).
    fn connection(&self, response_timeout: Option<Duration>) -> Result<Conn, BusError> {
        Ok(match self {
            Client::Single(client) => {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(CONNECT_TIMEOUT))
                    .set_number_of_retries(2)
                    .set_min_delay(Duration::from_millis(50))
                    .set_max_delay(Duration::from_millis(500))
                    .set_response_timeout(response_timeout);
                Conn::Managed(ConnectionManager::new_lazy_with_config(
                    client.clone(),
                    config,
                )?)
            }
            Client::Cluster(client) => {
                let mut config = ClusterConfig::new().set_connection_timeout(CONNECT_TIMEOUT);
                if let Some(timeout) = response_timeout {
                    config = config.set_response_timeout(timeout);
                }
                Conn::Cluster(client.get_pending_async_connection_with_config(config))
            }
        })
    }
}

/// `[user:password@]host:port,host:port[/]` → one `redis://` URL per node, each with the
/// credentials.
fn cluster_nodes(nodes: &str) -> Result<Vec<String>, BusError> {
    let nodes = nodes.trim_end_matches('/');
    let (auth, hosts) = match nodes.rsplit_once('@') {
        Some((auth, hosts)) => (format!("{auth}@"), hosts),
        None => (String::new(), nodes),
    };
    let urls: Vec<String> = hosts
        .split(',')
        .filter(|h| !h.is_empty())
        .map(|h| format!("redis://{auth}{h}"))
        .collect();
    if urls.is_empty() {
        return Err(BusError::Url(format!(
            "{CLUSTER_SCHEME} names no node (host:port,host:port)"
        )));
    }
    Ok(urls)
}

/// Whether an error means Redis is unreachable or overloaded (answer 503 and retry), as
/// opposed to a bug in what we sent.
pub fn is_unavailable(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_refusal()
        || e.is_connection_dropped()
        || e.is_unrecoverable_error()
        || e.is_cluster_error()
        || matches!(
            e.code(),
            Some(
                "LOADING"
                    | "BUSY"
                    | "MASTERDOWN"
                    | "TRYAGAIN"
                    | "CLUSTERDOWN"
                    | "OOM"
                    | "NOREPLICAS"
                    | "MOVED"
                    | "ASK"
            )
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_url_names_every_node_with_its_credentials() {
        assert_eq!(
            cluster_nodes("a:1,b:2/").unwrap(),
            vec!["redis://a:1", "redis://b:2"]
        );
        assert_eq!(
            cluster_nodes(":s3cret@10.0.0.1:7000,10.0.0.2:7000").unwrap(),
            vec![
                "redis://:s3cret@10.0.0.1:7000",
                "redis://:s3cret@10.0.0.2:7000"
            ]
        );
        assert!(cluster_nodes("").is_err());
    }
}
