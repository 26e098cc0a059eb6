//! A real Redis Cluster for tests: `redis-server` processes in cluster mode on loopback,
//! joined by `redis-cli --cluster create`, killed on drop.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pollcast_bus::redis;

/// One node: its port and process.
pub struct Node {
    pub port: u16,
    child: Option<Child>,
    dir: PathBuf,
}

impl Node {
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the node again on its port and files (it rejoins from its `nodes.conf`).
    pub fn restart(&mut self) {
        self.kill();
        self.child = Some(spawn(self.port, &self.dir));
    }
}

pub struct RedisCluster {
    pub nodes: Vec<Node>,
    _dir: tempfile::TempDir,
}

impl RedisCluster {
    /// `masters` masters with `replicas` replicas each, AOF on (`appendfsync always`), a node
    /// timeout of 1 s (so a replica takes over a killed master within about two); returns once
    /// every slot is served and every replica is in sync.
    pub async fn start(masters: usize, replicas: usize) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("pc-cluster")
            .tempdir()
            .expect("temp dir");
        let mut nodes = Vec::new();
        for port in free_ports(masters * (1 + replicas)) {
            let node_dir = dir.path().join(port.to_string());
            std::fs::create_dir_all(&node_dir).expect("node dir");
            nodes.push(Node {
                port,
                child: Some(spawn(port, &node_dir)),
                dir: node_dir,
            });
        }
        for node in &nodes {
            wait_for(Duration::from_secs(10), || async {
                query::<String>(node.port, &["PING"]).await.is_ok()
            })
            .await
            .expect("a cluster node answers PING");
        }
        let addrs: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let created = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addrs)
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .expect("run redis-cli --cluster create");
        assert!(
            created.status.success(),
            "redis-cli --cluster create: {}",
            String::from_utf8_lossy(&created.stdout)
        );
        let cluster = Self { nodes, _dir: dir };
        cluster.wait_healthy(Duration::from_secs(30)).await;
        cluster
    }

    /// `redis+cluster://` naming every node.
    pub fn url(&self) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!("{}{}", pollcast_bus::CLUSTER_SCHEME, hosts.join(","))
    }

    /// Waits until every running node says the cluster is ok and every running replica's link
    /// to its master is up.
    pub async fn wait_healthy(&self, within: Duration) {
        let healthy = wait_for(within, || async {
            for node in self.nodes.iter().filter(|n| n.is_running()) {
                let Ok(info) = query::<String>(node.port, &["CLUSTER", "INFO"]).await else {
                    return false;
                };
                if !info.contains("cluster_state:ok") {
                    return false;
                }
                let Ok(repl) = query::<String>(node.port, &["INFO", "replication"]).await else {
                    return false;
                };
                if repl.contains("role:slave") && !repl.contains("master_link_status:up") {
                    return false;
                }
            }
            true
        })
        .await;
        assert!(healthy.is_ok(), "the Redis Cluster did not become healthy");
    }

    /// The index in [`Self::nodes`] of the master serving `key`'s slot; none while that
    /// slot's master has failed and no replica has taken over yet.
    pub async fn master_of(&self, key: &str) -> Option<usize> {
        let node = self.nodes.iter().find(|n| n.is_running()).expect("a node");
        let slot: i64 = query(node.port, &["CLUSTER", "KEYSLOT", key])
            .await
            .expect("CLUSTER KEYSLOT");
        let table: String = query(node.port, &["CLUSTER", "NODES"])
            .await
            .expect("CLUSTER NODES");
        for line in table.lines() {
            let parts: Vec<&str> = line.split(' ').collect();
            if parts.len() < 9 || !parts[2].contains("master") || parts[2].contains("fail") {
                continue;
            }
            let serves = parts[8..].iter().any(|range| match range.split_once('-') {
                Some((a, b)) => {
                    a.parse::<i64>().is_ok_and(|a| a <= slot)
                        && b.parse::<i64>().is_ok_and(|b| slot <= b)
                }
                None => range.parse::<i64>() == Ok(slot),
            });
            if serves {
                let port: u16 = parts[1]
                    .split(['@', ':'])
                    .nth(1)
                    .and_then(|p| p.parse().ok())
                    .expect("a node's port");
                return self.nodes.iter().position(|n| n.port == port);
            }
        }
        None
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.kill();
        }
    }
}

fn spawn(port: u16, dir: &std::path::Path) -> Child {
    Command::new("redis-server")
        .args(["--port", &port.to_string()])
        .args(["--bind", "127.0.0.1"])
        .args(["--cluster-enabled", "yes"])
        .args(["--cluster-config-file", "nodes.conf"])
        .args(["--cluster-node-timeout", "1000"])
        .args(["--appendonly", "yes", "--appendfsync", "always"])
        .args(["--save", ""])
        .arg("--dir")
        .arg(dir)
        .arg("--logfile")
        .arg(dir.join("redis.log"))
        .args(["--daemonize", "no"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start redis-server (is it installed?)")
}

/// Ports free now whose cluster bus port (port + 10000) is free too.
fn free_ports(n: usize) -> Vec<u16> {
    let mut ports = Vec::new();
    while ports.len() < n {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
        let port = probe.local_addr().expect("local addr").port();
        if port > 55_000 || ports.contains(&port) {
            continue;
        }
        if std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            ports.push(port);
        }
    }
    ports
}

/// One command to one node, on a connection of its own.
pub async fn query<T: redis::FromRedisValue>(port: u16, args: &[&str]) -> redis::RedisResult<T> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}"))?;
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(2)));
    let mut conn = client
        .get_multiplexed_async_connection_with_config(&config)
        .await?;
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query_async(&mut conn).await
}

async fn wait_for<F, Fut>(within: Duration, mut check: F) -> Result<(), ()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let until = Instant::now() + within;
    while Instant::now() < until {
        if check().await {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(())
}
