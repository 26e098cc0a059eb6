//! The store on ScyllaDB, or any server speaking CQL native protocol v4. One file per store
//! trait, like `sqlite/`; `docs/scylla.md` explains the schema (`schema/scylla/`).
//!
//! Every statement is prepared once and marked idempotent unless it is a lightweight
//! transaction (`IF ...`), so the driver's retry policy repeats only what is safe to repeat.
//! Routing is token-aware (and shard-aware where the server offers it: the driver's default
//! policy). Every driver error becomes a [`StoreError`]: `Unavailable` for anything a retry
//! may cure (timeouts, unreachable or overloaded nodes), never driver text in an answer.

mod accounts;
mod idempotency;
mod polls;
mod vote_log;
mod webhooks;
mod workspaces;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::{StreamExt, TryStreamExt};
use scylla::client::execution_profile::ExecutionProfile;
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use scylla::deserialize::row::DeserializeRow;
use scylla::errors::{DbError, ExecutionError, PagerExecutionError, RequestAttemptError};
use scylla::response::query_result::QueryResult;
use scylla::serialize::row::SerializeRow;
use scylla::statement::prepared::PreparedStatement;
use scylla::statement::{Consistency, SerialConsistency};
use tokio::sync::RwLock;

use pollcast_types::WorkspaceId;

use crate::{After, Replication, Store, StoreError, StoreResult};

const MIGRATIONS: &[&str] = &[
    include_str!("../../../../schema/scylla/0001_init.cql"),
    include_str!("../../../../schema/scylla/0002_vote_replaces.cql"),
    include_str!("../../../../schema/scylla/0003_vote_entries.cql"),
];

/// How many reads one call may have in flight when it fans out (a page of keys, members).
const FAN_OUT: usize = 16;

/// How long a replica may hold an acknowledged write before its commitlog is synced:
/// ScyllaDB's and Cassandra's default periodic sync (10 s), with a margin.
const COMMITLOG_WINDOW: Duration = Duration::from_secs(15);

/// A write timestamp later than any real one: deleting with it makes a deletion final, so a
/// write that races it (an edit of a poll being deleted) can never bring the row back.
/// Safe because ids are never reused.
const FOREVER: i64 = i64::MAX - 1;

#[derive(Debug, Clone)]
pub struct ScyllaOptions {
    pub replication: Replication,
    /// Days the webhook delivery log keeps an attempt (its rows' TTL).
    pub webhook_log_days: u32,
    /// Client-side timeout of one request.
    pub request_timeout: Duration,
}

impl Default for ScyllaOptions {
    fn default() -> Self {
        Self {
            replication: Replication::default(),
            webhook_log_days: 30,
            request_timeout: Duration::from_secs(5),
        }
    }
}

/// The store on a CQL cluster. Cheap to clone.
#[derive(Clone)]
pub struct ScyllaStore {
    inner: Arc<Inner>,
}

struct Inner {
    session: Session,
    options: ScyllaOptions,
    prepared: RwLock<HashMap<&'static str, PreparedStatement>>,
    /// Some datacenter of the keyspace keeps a single replica (see [`Store::unsettled_window`]).
    single_replica: bool,
    /// Vote-log partitions whose index entry this process has written (`vote_log.rs`).
    indexed: std::sync::Mutex<std::collections::HashSet<(String, u32, i64)>>,
    /// The oldest outbox bucket that may still hold an event (see `polls.rs`).
    events_from: std::sync::atomic::AtomicI64,
}

impl ScyllaStore {
    /// Connects to the cluster, creates the keyspace if needed and applies the migrations not
    /// applied yet.
    pub async fn connect(
        nodes: &[String],
        keyspace: &str,
        options: ScyllaOptions,
    ) -> StoreResult<Self> {
        if !crate::uri::valid_keyspace(keyspace) {
            return Err(StoreError::Other(format!("invalid keyspace {keyspace:?}")));
        }
        let profile = ExecutionProfile::builder()
            .consistency(Consistency::LocalQuorum)
            .serial_consistency(Some(SerialConsistency::LocalSerial))
            .request_timeout(Some(options.request_timeout))
            .build();
        let session = SessionBuilder::new()
            .known_nodes(nodes)
            .connection_timeout(Duration::from_secs(5))
            .default_execution_profile_handle(profile.into_handle())
            .build()
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot reach the CQL cluster: {e}")))?;
        session
            .query_unpaged(
                format!(
                    "CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = {}",
                    options.replication.cql()
                ),
                (),
            )
            .await
            .map_err(map_err)?;
        session
            .use_keyspace(keyspace, false)
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot use keyspace: {e}")))?;
        let single_replica = single_replica(&session, keyspace).await?;
        let store = Self {
            inner: Arc::new(Inner {
                session,
                options,
                prepared: RwLock::new(HashMap::new()),
                single_replica,
                indexed: std::sync::Mutex::new(std::collections::HashSet::new()),
                events_from: std::sync::atomic::AtomicI64::new(i64::MIN),
            }),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> StoreResult<()> {
        let session = &self.inner.session;
        session
            .query_unpaged(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at bigint)",
                (),
            )
            .await
            .map_err(map_err)?;
        let applied: Vec<(i32,)> = self
            .rows("SELECT version FROM schema_migrations", ())
            .await?;
        for (i, script) in MIGRATIONS.iter().enumerate() {
            let version = i as i32 + 1;
            if applied.iter().any(|(v,)| *v == version) {
                continue;
            }
            // Every statement is CREATE ... IF NOT EXISTS: two processes migrating at once,
            // or one that died half-way, apply the same file again harmlessly.
            for statement in statements(script) {
                match session.query_unpaged(statement.as_str(), ()).await {
                    Ok(_) => {}
                    // An `ALTER TABLE ... ADD` that another process (or a run that died
                    // before recording its version) applied already.
                    Err(e) if statement.starts_with("ALTER TABLE") && already_applied(&e) => {}
                    Err(e) => return Err(map_err(e)),
                }
            }
            session
                .await_schema_agreement()
                .await
                .map_err(|e| StoreError::Unavailable(format!("schema agreement: {e}")))?;
            self.exec(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                (version, pollcast_types::Timestamp::now().as_millis()),
            )
            .await?;
        }
        Ok(())
    }

    pub(crate) fn options(&self) -> &ScyllaOptions {
        &self.inner.options
    }

    /// The statement for `cql`, prepared on first use.
    async fn prepared(&self, cql: &'static str) -> StoreResult<PreparedStatement> {
        if let Some(p) = self.inner.prepared.read().await.get(cql) {
            return Ok(p.clone());
        }
        let mut p = self
            .inner
            .session
            .prepare(cql)
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot prepare a statement: {e}")))?;
        p.set_is_idempotent(is_idempotent(cql));
        self.inner.prepared.write().await.insert(cql, p.clone());
        Ok(p)
    }

    pub(crate) async fn exec(
        &self,
        cql: &'static str,
        values: impl SerializeRow,
    ) -> StoreResult<QueryResult> {
        let p = self.prepared(cql).await?;
        self.inner
            .session
            .execute_unpaged(&p, values)
            .await
            .map_err(map_err)
    }

    /// Every row `cql` selects, read page by page.
    pub(crate) async fn rows<R>(
        &self,
        cql: &'static str,
        values: impl SerializeRow,
    ) -> StoreResult<Vec<R>>
    where
        R: for<'f, 'm> DeserializeRow<'f, 'm> + Send + 'static,
    {
        self.row_stream(cql, values).await?.try_collect().await
    }

    /// A page of a workspace's rows from one of the newest-first tables (`*_by_workspace`):
    /// `cql` selects `WHERE workspace_id = ? AND (created_at, id) < (?, ?) LIMIT ?`. No cursor
    /// is a position after every row.
    pub(crate) async fn newest_first<R>(
        &self,
        cql: &'static str,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<R>>
    where
        R: for<'f, 'm> DeserializeRow<'f, 'm> + Send + 'static,
    {
        let (at, id) = after.map_or((i64::MAX, ""), |a| (a.created_at, a.id.as_str()));
        let limit = limit.clamp(1, 1000) as i32;
        self.rows(cql, (workspace.as_str(), at, id, limit)).await
    }

    /// The TTL of the delivery log's rows: `--webhook-log-days`, in seconds.
    pub(crate) fn webhook_log_ttl(&self) -> i32 {
        (self.options().webhook_log_days as i64 * 86_400).clamp(1, i32::MAX as i64) as i32
    }

    /// The rows `cql` selects as a stream, fetched a page at a time as it is read.
    pub(crate) async fn row_stream<R>(
        &self,
        cql: &'static str,
        values: impl SerializeRow,
    ) -> StoreResult<impl futures_util::Stream<Item = StoreResult<R>> + Unpin>
    where
        R: for<'f, 'm> DeserializeRow<'f, 'm> + Send + 'static,
    {
        let p = self.prepared(cql).await?;
        let pager = self
            .inner
            .session
            .execute_iter(p, values)
            .await
            .map_err(map_pager_err)?;
        Ok(pager
            .rows_stream::<R>()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .map_err(|e| StoreError::Unavailable(e.to_string())))
    }

    /// The first row `cql` selects, if any.
    pub(crate) async fn first<R>(
        &self,
        cql: &'static str,
        values: impl SerializeRow,
    ) -> StoreResult<Option<R>>
    where
        R: for<'f, 'm> DeserializeRow<'f, 'm>,
    {
        let result = self.exec(cql, values).await?;
        let rows = result
            .into_rows_result()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        rows.maybe_first_row::<R>()
            .map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Runs a lightweight transaction; whether it applied.
    pub(crate) async fn lwt(
        &self,
        cql: &'static str,
        values: impl SerializeRow,
    ) -> StoreResult<bool> {
        let result = self.exec(cql, values).await?;
        let rows = result
            .into_rows_result()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // `[applied]` comes first; the row's current columns may follow.
        let applied = rows
            .rows::<scylla::value::Row>()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .next()
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .and_then(|row| row.columns.into_iter().next().flatten())
            .and_then(|v| v.as_boolean());
        applied.ok_or_else(|| StoreError::Corrupt("an LWT without [applied]".into()))
    }

    /// Runs `f` over `items` with at most [`FAN_OUT`] in flight; results in `items`' order.
    pub(crate) async fn fan_out<I, T, F, Fut>(&self, items: Vec<I>, f: F) -> StoreResult<Vec<T>>
    where
        F: Fn(I) -> Fut,
        Fut: std::future::Future<Output = StoreResult<T>>,
    {
        futures_util::stream::iter(items.into_iter().map(f))
            .buffered(FAN_OUT)
            .try_collect()
            .await
    }

    /// The driver's session, for what the store traits do not cover (tests, tools).
    pub fn session(&self) -> &Session {
        &self.inner.session
    }
}

/// Whether the keyspace keeps a single replica anywhere, as it was created (which may not be
/// what `--scylla-replication` says now: an existing keyspace is never altered).
async fn single_replica(session: &Session, keyspace: &str) -> StoreResult<bool> {
    let result = session
        .query_unpaged(
            "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?",
            (keyspace,),
        )
        .await
        .map_err(map_err)?;
    let row = result
        .into_rows_result()
        .map_err(corrupt)?
        .maybe_first_row::<(HashMap<String, String>,)>()
        .map_err(corrupt)?;
    let factors: Vec<u32> = row
        .map(|(m,)| {
            m.into_iter()
                .filter(|(k, _)| k != "class")
                .filter_map(|(_, v)| v.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    Ok(factors.is_empty() || factors.contains(&1))
}

/// The statements of a migration file, comments dropped.
/// Whether an `ALTER TABLE ... ADD` failed because the column is there already (the servers
/// word it "conflicts with an existing column" or "already exists").
fn already_applied(e: &impl std::fmt::Display) -> bool {
    let text = e.to_string();
    text.contains("conflicts with an existing column") || text.contains("already exist")
}

fn statements(script: &str) -> Vec<String> {
    let text: String = script
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    text.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A statement may be retried unless it is a lightweight transaction: every other write here
/// is an upsert or a delete of fixed values, the same however often it runs.
fn is_idempotent(cql: &str) -> bool {
    !cql.contains(" IF ")
}

/// The driver's error as a store error: `Unavailable` when trying again later may work.
pub(crate) fn map_err(e: ExecutionError) -> StoreError {
    let permanent = match &e {
        ExecutionError::BadQuery(_) => true,
        ExecutionError::LastAttemptError(RequestAttemptError::DbError(db, _)) => matches!(
            db,
            DbError::SyntaxError
                | DbError::Invalid
                | DbError::AlreadyExists { .. }
                | DbError::ConfigError
                | DbError::Unauthorized
                | DbError::AuthenticationError
        ),
        ExecutionError::LastAttemptError(RequestAttemptError::SerializationError(_)) => true,
        _ => false,
    };
    if permanent {
        StoreError::Other(e.to_string())
    } else {
        StoreError::Unavailable(e.to_string())
    }
}

fn map_pager_err(e: PagerExecutionError) -> StoreError {
    match e {
        PagerExecutionError::NextPageError(e) => StoreError::Unavailable(e.to_string()),
        other => StoreError::Other(other.to_string()),
    }
}

pub(crate) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Parses a stored id, or says the row is corrupt.
pub(crate) fn id<T>(parse: fn(&str) -> Option<T>, s: &str) -> StoreResult<T> {
    parse(s).ok_or_else(|| StoreError::Corrupt(format!("bad id {s:?}")))
}

#[async_trait]
impl Store for ScyllaStore {
    async fn ping(&self) -> StoreResult<()> {
        self.first::<(String,)>("SELECT key FROM meta LIMIT 1", ())
            .await
            .map(|_| ())
    }

    async fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(self
            .first::<(Option<String>,)>("SELECT value FROM meta WHERE key = ?", (key,))
            .await?
            .and_then(|(v,)| v))
    }

    async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        self.exec("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
            .await
            .map(|_| ())
    }

    fn unsettled_window(&self) -> Option<Duration> {
        self.inner.single_replica.then_some(COMMITLOG_WINDOW)
    }
}
