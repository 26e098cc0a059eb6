//! The embedded store on SQLite: one file per store trait, like `scylla/`.

use std::path::Path;
use std::time::Duration;

mod accounts;
mod idempotency;
mod polls;
mod vote_log;
mod webhooks;
mod workspaces;

use async_trait::async_trait;
use pollcast_types::WorkspaceId;
use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{OptionalExtension, params};

use crate::{After, Store, StoreError, StoreResult};

const MIGRATIONS: &[&str] = &[
    include_str!("../../../../schema/sqlite/0001_init.sql"),
    include_str!("../../../../schema/sqlite/0002_vote_epoch.sql"),
    include_str!("../../../../schema/sqlite/0003_idempotency.sql"),
    include_str!("../../../../schema/sqlite/0004_webhooks.sql"),
    include_str!("../../../../schema/sqlite/0005_webhook_attempts.sql"),
    include_str!("../../../../schema/sqlite/0006_poll_events.sql"),
    include_str!("../../../../schema/sqlite/0007_console.sql"),
    include_str!("../../../../schema/sqlite/0008_idempotency_expiry.sql"),
    include_str!("../../../../schema/sqlite/0009_webhook_deliveries.sql"),
    include_str!("../../../../schema/sqlite/0010_vote_replaces.sql"),
    include_str!("../../../../schema/sqlite/0011_vote_entries.sql"),
];

/// The embedded store: one SQLite file in WAL mode, shared safely by several processes on
/// one machine (for example `pollcast serve` and an extra `tally`).
#[derive(Clone)]
pub struct SqliteStore {
    pool: Pool<SqliteConnectionManager>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                StoreError::Unavailable(e.to_string())
            }
            other => StoreError::Other(other.to_string()),
        }
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

/// The tables that keep a workspace's items as JSON bodies, listed newest first.
#[derive(Clone, Copy)]
pub(crate) enum Table {
    Polls,
    Webhooks,
}

impl SqliteStore {
    /// A page of a workspace's items from `table`, newest first, after the cursor.
    pub(crate) async fn page_of_bodies<T: serde::de::DeserializeOwned>(
        &self,
        table: Table,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<T>> {
        let ws = workspace.to_string();
        let (at, id) = after.map_or((i64::MAX, String::new()), |a| (a.created_at, a.id.clone()));
        let limit = limit.min(1000) as i64;
        let bodies: Vec<String> = self
            .run(move |c| {
                // One fixed statement per table, so it is prepared once and never built
                // from anything a caller sent.
                let sql = match table {
                    Table::Polls => {
                        "SELECT body FROM polls
                         WHERE workspace_id = ?1 AND (created_at, id) < (?2, ?3)
                         ORDER BY created_at DESC, id DESC LIMIT ?4"
                    }
                    Table::Webhooks => {
                        "SELECT body FROM webhooks
                         WHERE workspace_id = ?1 AND (created_at, id) < (?2, ?3)
                         ORDER BY created_at DESC, id DESC LIMIT ?4"
                    }
                };
                let mut stmt = c.prepare_cached(sql)?;
                let rows = stmt.query_map(params![ws, at, id, limit], |r| r.get(0))?;
                Ok(rows.collect::<Result<Vec<String>, _>>()?)
            })
            .await?;
        bodies
            .iter()
            .map(|b| serde_json::from_str(b).map_err(corrupt))
            .collect()
    }
}

pub(crate) fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl SqliteStore {
    /// Opens (creating if needed) `pollcast.sqlite3` in `dir` and applies the migrations.
    pub fn open(dir: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Other(format!("cannot create {}: {e}", dir.display())))?;
        let file = dir.join("pollcast.sqlite3");
        // WAL is a property of the file: set once, before the pool opens its connections all
        // at the same time, where each switching a new file to WAL raced the others into
        // "database is locked" (logged by r2d2 as an error, then retried).
        {
            let conn = rusqlite::Connection::open(&file)?;
            conn.busy_timeout(Duration::from_secs(5))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        let manager = SqliteConnectionManager::file(file).with_init(|c| {
            c.busy_timeout(Duration::from_secs(5))?;
            c.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
        });
        let pool = Pool::builder()
            .max_size(8)
            .connection_timeout(Duration::from_secs(5))
            .build(manager)?;
        let store = Self { pool };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&self) -> StoreResult<()> {
        let mut conn = self.pool.get()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: usize = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i + 1)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Runs blocking SQLite work off the async executor.
    pub(crate) async fn run<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Other(format!("store task failed: {e}")))?
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.run(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
            .await
            .map(|_| ())
    }

    async fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        let key = key.to_owned();
        self.run(move |c| {
            Ok(
                c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                    .optional()?,
            )
        })
        .await
    }

    async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.run(move |c| {
            c.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
            Ok(())
        })
        .await
    }
}
