//! Test support, used by every crate's integration tests: a private `redis-server` child in a
//! temp dir, a fresh store (a SQLite file, or a keyspace of its own on the CQL cluster
//! `SCYLLA_URI` names), and the real application on port 0 (zero2prod style).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod cql_server;
pub mod outage;
pub mod redis_cluster;
pub mod webhook_receiver;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pollcast_bus::{Bus, EmbeddedRedis, EmbeddedRedisOptions};
use pollcast_config::Opts;
use pollcast_runtime::{Application, Context, RunningApp, ServerSecret, Service};
use pollcast_store::test_support::ScyllaForTest;
use pollcast_store::{ScyllaStore, SqliteStore, Store};
use pollcast_types::{PollId, VoteId, VoteRecord};
use serde_json::{Value, json};

/// A redis-server of the test's own, on a unix socket in a temp dir; killed on drop.
pub struct TestRedis {
    pub server: EmbeddedRedis,
    _dir: tempfile::TempDir,
}

impl TestRedis {
    pub async fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("pc-redis")
            .tempdir()
            .unwrap();
        let server = EmbeddedRedis::start(
            dir.path(),
            EmbeddedRedisOptions {
                persistent: true,
                appendfsync: "always".into(),
            },
        )
        .await
        .expect("start redis-server (is it installed?)");
        Self { server, _dir: dir }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }
}

/// A context for in-process handler tests that need no process: a real SQLite file in `dir`
/// and a Redis connection that is never made (nothing listens on port 1; a handler that
/// reached Redis would answer 503).
pub fn offline_context(dir: &std::path::Path) -> Context {
    let settings = Opts {
        data_dir: Some(dir.to_owned()),
        rate_api_per_key: Some(0),
        rate_auth_failures_per_ip: Some(0),
        ..Opts::default()
    }
    .resolve()
    .unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir).unwrap());
    let bus = Bus::connect("redis://127.0.0.1:1", "pc").unwrap();
    let secret = ServerSecret::load_or_create(dir).unwrap();
    Context::from_parts(settings, store, bus, secret)
}

/// Everything a test process shares: its Redis, a data dir for the secret (and the SQLite
/// store), and, for a ScyllaDB test, its keyspace.
pub struct TestEnv {
    pub redis: TestRedis,
    /// A Redis Cluster the environment's processes use instead of `redis`
    /// ([`TestEnv::with_redis_cluster`], or every test with `POLLCAST_TEST_REDIS_CLUSTER=1`).
    pub cluster: Option<redis_cluster::RedisCluster>,
    pub data_dir: tempfile::TempDir,
    pub scylla: Option<(ScyllaForTest, ScyllaStore)>,
}

impl TestEnv {
    /// Over a fresh SQLite store.
    pub async fn new() -> Self {
        let cluster = match std::env::var("POLLCAST_TEST_REDIS_CLUSTER").as_deref() {
            Ok("1") => Some(redis_cluster::RedisCluster::start(3, 0).await),
            _ => None,
        };
        Self {
            redis: TestRedis::start().await,
            cluster,
            data_dir: tempfile::Builder::new()
                .prefix("pc-data")
                .tempdir()
                .unwrap(),
            scylla: None,
        }
    }

    /// Over a keyspace of its own on the CQL cluster `SCYLLA_URI` names; `None` (the test
    /// returns, having said it skipped) without one, unless CI requires it.
    pub async fn scylla(test: &str) -> Option<Self> {
        Some(Self::on_cluster(ScyllaForTest::from_env(test)?).await)
    }

    /// Over this cluster's keyspace.
    pub async fn on_cluster(cluster: ScyllaForTest) -> Self {
        let store = cluster.connect().await.expect("connect to the CQL cluster");
        let mut env = Self::new().await;
        env.scylla = Some((cluster, store));
        env
    }

    /// Over a Redis Cluster of `masters` masters with `replicas` replicas each.
    pub async fn with_redis_cluster(mut self, masters: usize, replicas: usize) -> Self {
        self.cluster = Some(redis_cluster::RedisCluster::start(masters, replicas).await);
        self
    }

    /// The Redis URL every process of this environment takes.
    pub fn redis_url(&self) -> String {
        match &self.cluster {
            Some(cluster) => cluster.url(),
            None => self.redis.url(),
        }
    }

    /// The store flags every process of this environment takes.
    pub fn store_args(&self) -> Vec<String> {
        match &self.scylla {
            Some((cluster, _)) => vec![
                "--store".into(),
                cluster.store_uri(),
                "--scylla-replication".into(),
                "SimpleStrategy:1".into(),
            ],
            None => Vec::new(),
        }
    }

    /// This environment's store, as a process of it opens it.
    pub fn store(&self) -> Arc<dyn Store> {
        match &self.scylla {
            Some((_, store)) => Arc::new(store.clone()),
            None => Arc::new(SqliteStore::open(self.data_dir.path()).unwrap()),
        }
    }

    /// Drops the test's keyspace, if it has one: a test leaves nothing behind.
    pub async fn finish(self) {
        if let Some((cluster, store)) = &self.scylla {
            cluster.drop_keyspace(store).await;
        }
    }

    /// Settings for a process of this environment: port 0, short timings for tests.
    pub fn opts(&self) -> Opts {
        Opts {
            listen: Some("127.0.0.1:0".parse().unwrap()),
            data_dir: Some(self.data_dir.path().to_owned()),
            redis_url: Some(self.redis_url()),
            shards: Some(4),
            coalesce_ms: Some(100),
            claim_idle_ms: Some(1_000),
            workers: Some(2),
            ws_ping_secs: Some(1),
            ws_idle_secs: Some(3),
            // Tests send thousands of votes from one address: limits are tested on their own.
            rate_votes_per_ip: Some(0),
            rate_votes_per_poll: Some(0),
            rate_voters_per_ip: Some(0),
            rate_api_per_key: Some(0),
            rate_auth_failures_per_ip: Some(0),
            live_per_ip: Some(0),
            store: self.scylla.as_ref().map(|(c, _)| c.store_uri()),
            scylla_replication: self.scylla.as_ref().map(|_| "SimpleStrategy:1".to_owned()),
            ..Opts::default()
        }
    }

    pub fn data_path(&self) -> PathBuf {
        self.data_dir.path().to_owned()
    }

    /// A context over this environment's Redis and store.
    pub fn context(&self, opts: Opts) -> Context {
        self.context_over(opts, |store| store)
    }

    /// A context whose store is this environment's, as `wrap` returns it (a test that takes
    /// the store down wraps it in an [`outage::SwitchableStore`]).
    pub fn context_over(
        &self,
        opts: Opts,
        wrap: impl FnOnce(Arc<dyn Store>) -> Arc<dyn Store>,
    ) -> Context {
        let settings = opts.resolve().unwrap();
        let store = wrap(match &self.scylla {
            Some((_, store)) => Arc::new(store.clone()),
            None => Arc::new(SqliteStore::open(&settings.data_dir).unwrap()),
        });
        let bus = Bus::connect(&self.redis_url(), &settings.redis_prefix).unwrap();
        let secret = ServerSecret::load_or_create(&settings.data_dir).unwrap();
        Context::from_parts(settings, store, bus, secret)
    }

    /// Starts the real application with the services `make` builds, on a free port.
    pub fn spawn_app<F>(&self, opts: Opts, make: F) -> TestApp
    where
        F: FnOnce(&Context) -> Vec<Arc<dyn Service>>,
    {
        Self::spawn_on(self.context(opts), make)
    }

    /// Starts the real application over a context the test made.
    pub fn spawn_on<F>(context: Context, make: F) -> TestApp
    where
        F: FnOnce(&Context) -> Vec<Arc<dyn Service>>,
    {
        let app = Application::build(&context, make(&context)).unwrap();
        let running = app.spawn();
        TestApp {
            base: format!("http://127.0.0.1:{}", running.port),
            context,
            running: Some(running),
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub context: Context,
    running: Option<RunningApp>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("{}{path}", self.base.replacen("http", "ws", 1))
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    /// Creates a workspace and returns its admin API key.
    pub async fn admin_key(&self) -> String {
        let (_, key) = create_workspace(self.context.store.as_ref()).await;
        key
    }
}

/// Creates a workspace with an admin key, as `pollcast workspace create` does: (id, key).
pub async fn create_workspace(store: &dyn Store) -> (String, String) {
    let (ws, key) = pollcast_auth::workspaces::create_workspace(store, "test")
        .await
        .unwrap();
    (ws.id.to_string(), key.secret)
}

/// Fails if `secret` appears anywhere in the SQLite files of `data_dir`: secrets are stored
/// hashed only.
pub fn assert_not_stored(data_dir: &std::path::Path, secret: &str) {
    for file in ["pollcast.sqlite3", "pollcast.sqlite3-wal"] {
        let bytes = std::fs::read(data_dir.join(file)).unwrap_or_default();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "a plaintext secret reached {file}"
        );
    }
}

/// An HTTP client for tests (awc needs the actix runtime: use `#[actix_web::test]`).
pub fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish()
}

/// POST JSON; returns (status, parsed body or Null).
pub async fn post_json(url: &str, bearer: Option<&str>, body: &Value) -> (u16, Value) {
    send_json("POST", url, bearer, body).await
}

/// Sends JSON with `method`; returns (status, parsed body or Null).
pub async fn send_json(
    method: &str,
    url: &str,
    bearer: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut req = client().request(method.parse().unwrap(), url);
    if let Some(key) = bearer {
        req = req.bearer_auth(key);
    }
    let mut res = req.send_json(body).await.unwrap();
    let status = res.status().as_u16();
    let bytes = res.body().limit(16 * 1024 * 1024).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// GET a text body (`/metrics`, a page).
pub async fn get_text(url: &str) -> String {
    let mut res = client().get(url).send().await.unwrap();
    let bytes = res.body().limit(16 * 1024 * 1024).await.unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// GET a page: its status, its `Content-Security-Policy` (empty without one) and its body.
pub async fn get_page(url: &str) -> (u16, String, String) {
    let mut res = client().get(url).send().await.unwrap();
    let csp = res
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = res.body().limit(16 * 1024 * 1024).await.unwrap();
    (
        res.status().as_u16(),
        csp,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

pub async fn get_json(url: &str) -> (u16, Value) {
    let mut res = client().get(url).send().await.unwrap();
    let status = res.status().as_u16();
    let bytes = res.body().limit(16 * 1024 * 1024).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Creates a poll through the API; returns the poll object.
pub async fn create_poll(app: &TestApp, key: &str, body: Value) -> Value {
    let (status, poll) = post_json(&app.url("/v1/polls"), Some(key), &body).await;
    assert_eq!(status, 201, "{poll}");
    poll
}

/// A single-choice poll with `n` options and no de-duplication.
pub fn simple_poll(n: usize, dedupe: &str) -> Value {
    let options: Vec<Value> = (0..n)
        .map(|i| json!({"label": format!("Option {i}")}))
        .collect();
    json!({"question": "Which?", "options": options, "dedupe": dedupe})
}

pub fn option_ids(poll: &Value) -> Vec<String> {
    poll["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Mints a voter token.
pub async fn voter_token(app: &TestApp) -> String {
    let (status, body) = post_json(&app.url("/v1/voters"), None, &json!({})).await;
    assert_eq!(status, 201, "{body}");
    body["voter_token"].as_str().unwrap().to_owned()
}

/// Every vote of a poll's current epoch in its vote log.
pub async fn vote_log(store: &dyn Store, poll: &str) -> Vec<VoteRecord> {
    let poll = PollId::parse(poll).unwrap();
    let epoch = store.poll(&poll).await.unwrap().map_or(0, |p| p.epoch);
    let mut out = Vec::new();
    let mut cursor: Option<VoteId> = None;
    loop {
        let page = store
            .votes_page(&poll, epoch, cursor.as_ref(), 1000)
            .await
            .unwrap();
        if page.is_empty() {
            return out;
        }
        cursor = page.last().map(|v| v.vote_id.clone());
        out.extend(page);
    }
}

/// Polls `check` every 50 ms until it returns `Some`, or panics after `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A child process that dies with the test: killed on drop, so a failing test leaves nothing
/// running (a leaked child also keeps the test runner's output pipes open).
pub struct ChildGuard(pub std::process::Child);

impl ChildGuard {
    /// SIGKILL and reap: exactly a crash.
    pub fn sigkill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    pub fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.sigkill();
    }
}

/// GET with a bearer token; the status and the JSON body (`null` if none).
pub async fn get_json_with(url: &str, bearer: &str) -> (u16, Value) {
    let mut res = client().get(url).bearer_auth(bearer).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The signing secrets a webhook endpoint's deliveries carry now, newest first, as the
/// dispatcher opens them from the store.
pub async fn signing_secrets(app: &TestApp, webhook_id: &str) -> Vec<String> {
    let id = pollcast_types::WebhookId::parse(webhook_id).unwrap();
    let webhook = app.context.store.webhook(&id).await.unwrap().unwrap();
    pollcast_runtime::webhook_secret::signing(
        &app.context.secret,
        &webhook,
        pollcast_types::Timestamp::now(),
    )
    .unwrap()
}
