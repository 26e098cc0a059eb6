use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use pollcast_types::vote::{join_option_ids, split_option_ids};
use pollcast_types::{
    ApiKeyId, ApiKeyRecord, Poll, PollId, ResultsSnapshot, Scope, Timestamp, VoteId, VoteRecord,
    Webhook, WebhookAttempt, WebhookId, Workspace, WorkspaceId,
};
use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{OptionalExtension, Row, params};

use crate::{
    After, AttemptFilter, IdempotentEntry, PollChange, PollEvent, Store, StoreError, StoreResult,
};

const MIGRATIONS: &[&str] = &[
    include_str!("../../../schema/sqlite/0001_init.sql"),
    include_str!("../../../schema/sqlite/0002_vote_epoch.sql"),
    include_str!("../../../schema/sqlite/0003_idempotency.sql"),
    include_str!("../../../schema/sqlite/0004_webhooks.sql"),
    include_str!("../../../schema/sqlite/0005_webhook_attempts.sql"),
    include_str!("../../../schema/sqlite/0006_poll_events.sql"),
    include_str!("../../../schema/sqlite/0007_console.sql"),
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

/// A poll's row, new (`insert`), replaced (`update`: false when there is none) or gone with
/// its vote log and snapshot (`delete`: false when there was none); one statement set each,
/// shared by the plain writes and `change_poll`.
fn insert_poll_row(
    c: &rusqlite::Connection,
    id: &str,
    ws: &str,
    created: i64,
    body: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO polls (id, workspace_id, created_at, body) VALUES (?1, ?2, ?3, ?4)",
        params![id, ws, created, body],
    )?;
    Ok(())
}

fn update_poll_row(c: &rusqlite::Connection, id: &str, body: &str) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "UPDATE polls SET body = ?1 WHERE id = ?2",
        params![body, id],
    )? == 1)
}

fn delete_poll_rows(c: &rusqlite::Connection, id: &str) -> rusqlite::Result<bool> {
    let n = c.execute("DELETE FROM polls WHERE id = ?1", [id])?;
    c.execute("DELETE FROM votes_by_poll WHERE poll_id = ?1", [id])?;
    c.execute("DELETE FROM results_snapshots WHERE poll_id = ?1", [id])?;
    Ok(n == 1)
}

/// The tables that keep a workspace's items as JSON bodies, listed newest first.
#[derive(Clone, Copy)]
enum Table {
    Polls,
    Webhooks,
}

impl SqliteStore {
    /// A page of a workspace's items from `table`, newest first, after the cursor.
    async fn page_of_bodies<T: serde::de::DeserializeOwned>(
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

fn corrupt(e: serde_json::Error) -> StoreError {
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

fn vote_from_row(row: &Row<'_>) -> rusqlite::Result<Result<VoteRecord, StoreError>> {
    let vote_id: String = row.get(0)?;
    let poll_id: String = row.get(1)?;
    let option_ids: String = row.get(2)?;
    let rating: Option<u8> = row.get(3)?;
    let voter: Option<String> = row.get(4)?;
    let received_at: i64 = row.get(5)?;
    let epoch: u32 = row.get(6)?;
    let parsed = (|| {
        Some(VoteRecord {
            vote_id: VoteId::parse(&vote_id)?,
            poll_id: PollId::parse(&poll_id)?,
            option_ids: split_option_ids(&option_ids)?,
            rating,
            voter,
            received_at: Timestamp::from_millis(received_at),
            epoch,
        })
    })();
    Ok(parsed.ok_or_else(|| StoreError::Corrupt(format!("vote {vote_id}"))))
}

fn api_key_from_row(row: &Row<'_>) -> rusqlite::Result<Result<ApiKeyRecord, StoreError>> {
    let id: String = row.get(0)?;
    let workspace_id: String = row.get(1)?;
    let scopes: String = row.get(4)?;
    let created_at: i64 = row.get(5)?;
    let revoked_at: Option<i64> = row.get(6)?;
    let record = (|| {
        let names: Vec<String> = serde_json::from_str(&scopes).ok()?;
        Some(ApiKeyRecord {
            id: ApiKeyId::parse(&id)?,
            workspace_id: WorkspaceId::parse(&workspace_id)?,
            name: row.get(2).ok()?,
            key_hash: row.get(3).ok()?,
            scopes: names
                .iter()
                .map(|s| Scope::parse(s))
                .collect::<Option<_>>()?,
            created_at: Timestamp::from_millis(created_at),
            revoked_at: revoked_at.map(Timestamp::from_millis),
        })
    })();
    Ok(record.ok_or_else(|| StoreError::Corrupt(format!("api key {id}"))))
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.run(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
            .await
            .map(|_| ())
    }

    async fn insert_workspace(&self, ws: &Workspace) -> StoreResult<()> {
        let ws = ws.clone();
        self.run(move |c| {
            c.execute(
                "INSERT INTO workspaces (id, name, created_at) VALUES (?1, ?2, ?3)",
                params![ws.id.as_str(), ws.name, ws.created_at.as_millis()],
            )?;
            Ok(())
        })
        .await
    }

    async fn insert_api_key(&self, key: &ApiKeyRecord) -> StoreResult<()> {
        let key = key.clone();
        self.run(move |c| {
            let scopes: Vec<&str> = key.scopes.iter().map(|s| s.as_str()).collect();
            let scopes = serde_json::to_string(&scopes).map_err(corrupt)?;
            c.execute(
                "INSERT INTO api_keys (id, workspace_id, name, key_hash, scopes, created_at, revoked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    key.id.as_str(),
                    key.workspace_id.as_str(),
                    key.name,
                    key.key_hash,
                    scopes,
                    key.created_at.as_millis(),
                    key.revoked_at.map(Timestamp::as_millis)
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKeyRecord>> {
        let key_hash = key_hash.to_owned();
        self.run(move |c| {
            c.query_row(
                "SELECT id, workspace_id, name, key_hash, scopes, created_at, revoked_at
                 FROM api_keys WHERE key_hash = ?1",
                [key_hash],
                api_key_from_row,
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn api_key(&self, id: &ApiKeyId) -> StoreResult<Option<ApiKeyRecord>> {
        let id = id.to_string();
        self.run(move |c| {
            c.query_row(
                "SELECT id, workspace_id, name, key_hash, scopes, created_at, revoked_at
                 FROM api_keys WHERE id = ?1",
                [id],
                api_key_from_row,
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn api_keys(
        &self,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<ApiKeyRecord>> {
        let ws = workspace.to_string();
        let (at, id) = after.map_or((i64::MAX, String::new()), |a| (a.created_at, a.id.clone()));
        let limit = limit.min(1000) as i64;
        self.run(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, workspace_id, name, key_hash, scopes, created_at, revoked_at
                 FROM api_keys
                 WHERE workspace_id = ?1 AND (created_at, id) < (?2, ?3)
                 ORDER BY created_at DESC, id DESC LIMIT ?4",
            )?;
            let rows = stmt.query_map(params![ws, at, id, limit], api_key_from_row)?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row??);
            }
            Ok(out)
        })
        .await
    }

    async fn revoke_api_key(
        &self,
        workspace: &WorkspaceId,
        id: &ApiKeyId,
        at: Timestamp,
    ) -> StoreResult<bool> {
        let (ws, id) = (workspace.to_string(), id.to_string());
        self.run(move |c| {
            let n = c.execute(
                "UPDATE api_keys SET revoked_at = ?1
                 WHERE id = ?2 AND workspace_id = ?3 AND revoked_at IS NULL",
                params![at.as_millis(), id, ws],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn insert_poll(&self, poll: &Poll) -> StoreResult<()> {
        let body = serde_json::to_string(poll).map_err(corrupt)?;
        let (id, ws, created) = (
            poll.id.to_string(),
            poll.workspace_id.to_string(),
            poll.created_at.as_millis(),
        );
        self.run(move |c| Ok(insert_poll_row(c, &id, &ws, created, &body)?))
            .await
    }

    async fn poll(&self, id: &PollId) -> StoreResult<Option<Poll>> {
        let id = id.to_string();
        let body: Option<String> = self
            .run(move |c| {
                Ok(
                    c.query_row("SELECT body FROM polls WHERE id = ?1", [id], |r| r.get(0))
                        .optional()?,
                )
            })
            .await?;
        body.map(|b| serde_json::from_str(&b).map_err(corrupt))
            .transpose()
    }

    async fn update_poll(&self, poll: &Poll) -> StoreResult<bool> {
        let body = serde_json::to_string(poll).map_err(corrupt)?;
        let id = poll.id.to_string();
        self.run(move |c| Ok(update_poll_row(c, &id, &body)?)).await
    }

    async fn delete_poll(&self, id: &PollId) -> StoreResult<bool> {
        let id = id.to_string();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let deleted = delete_poll_rows(&tx, &id)?;
            tx.commit()?;
            Ok(deleted)
        })
        .await
    }

    async fn delete_votes_before_epoch(&self, poll: &PollId, epoch: u32) -> StoreResult<u64> {
        let poll = poll.to_string();
        self.run(move |c| {
            Ok(c.execute(
                "DELETE FROM votes_by_poll WHERE poll_id = ?1 AND epoch < ?2",
                params![poll, epoch],
            )? as u64)
        })
        .await
    }

    async fn polls(
        &self,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<Poll>> {
        self.page_of_bodies(Table::Polls, workspace, after, limit)
            .await
    }

    async fn append_votes(&self, votes: &[VoteRecord]) -> StoreResult<u64> {
        if votes.is_empty() {
            return Ok(0);
        }
        let votes = votes.to_vec();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut inserted = 0u64;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT OR IGNORE INTO votes_by_poll
                     (poll_id, bucket, vote_id, option_ids, rating, voter, received_at, epoch)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?;
                for v in &votes {
                    let opts = join_option_ids(&v.option_ids);
                    inserted += stmt.execute(params![
                        v.poll_id.as_str(),
                        v.bucket(),
                        v.vote_id.as_str(),
                        opts,
                        v.rating,
                        v.voter,
                        v.received_at.as_millis(),
                        v.epoch
                    ])? as u64;
                }
            }
            tx.commit()?;
            Ok(inserted)
        })
        .await
    }

    async fn votes_page(
        &self,
        poll: &PollId,
        after: Option<&VoteId>,
        limit: usize,
    ) -> StoreResult<Vec<VoteRecord>> {
        let poll = poll.to_string();
        // The cursor is a vote id; its bucket follows from its timestamp, so the (bucket,
        // vote_id) position is the same key ScyllaDB pages by.
        let (bucket, vote_id) = match after {
            Some(v) => (pollcast_types::vote::bucket_of(v), v.to_string()),
            None => (i64::MIN, String::new()),
        };
        let limit = limit.min(10_000) as i64;
        self.run(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT vote_id, poll_id, option_ids, rating, voter, received_at, epoch
                 FROM votes_by_poll
                 WHERE poll_id = ?1 AND (bucket, vote_id) > (?2, ?3)
                 ORDER BY bucket, vote_id LIMIT ?4",
            )?;
            let rows = stmt.query_map(params![poll, bucket, vote_id, limit], vote_from_row)?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row??);
            }
            Ok(out)
        })
        .await
    }

    async fn save_results(&self, snapshot: &ResultsSnapshot) -> StoreResult<()> {
        let body = serde_json::to_string(snapshot).map_err(corrupt)?;
        let (poll, seq) = (snapshot.poll_id.to_string(), snapshot.seq as i64);
        self.run(move |c| {
            c.execute(
                "INSERT INTO results_snapshots (poll_id, seq, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (poll_id) DO UPDATE SET seq = excluded.seq, body = excluded.body
                 WHERE excluded.seq > results_snapshots.seq",
                params![poll, seq, body],
            )?;
            Ok(())
        })
        .await
    }

    async fn results(&self, poll: &PollId) -> StoreResult<Option<ResultsSnapshot>> {
        let poll = poll.to_string();
        let body: Option<String> = self
            .run(move |c| {
                Ok(c.query_row(
                    "SELECT body FROM results_snapshots WHERE poll_id = ?1",
                    [poll],
                    |r| r.get(0),
                )
                .optional()?)
            })
            .await?;
        body.map(|b| serde_json::from_str(&b).map_err(corrupt))
            .transpose()
    }

    async fn reserve_idempotency_key(
        &self,
        workspace: &WorkspaceId,
        key: &str,
        request_hash: &str,
        at: Timestamp,
    ) -> StoreResult<Option<IdempotentEntry>> {
        let (ws, key, hash) = (
            workspace.to_string(),
            key.to_owned(),
            request_hash.to_owned(),
        );
        self.run(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            // Keys are kept for a day, as payment APIs do.
            tx.execute(
                "DELETE FROM idempotency_keys WHERE workspace_id = ?1 AND key = ?2 AND created_at < ?3",
                params![ws, key, at.as_millis() - 86_400_000],
            )?;
            let existing = tx
                .query_row(
                    "SELECT request_hash, status, response FROM idempotency_keys
                     WHERE workspace_id = ?1 AND key = ?2",
                    params![ws, key],
                    |r| {
                        Ok(IdempotentEntry {
                            request_hash: r.get(0)?,
                            status: r.get(1)?,
                            response: r.get(2)?,
                        })
                    },
                )
                .optional()?;
            if existing.is_none() {
                tx.execute(
                    "INSERT INTO idempotency_keys (workspace_id, key, request_hash, status, response, created_at)
                     VALUES (?1, ?2, ?3, 0, '', ?4)",
                    params![ws, key, hash, at.as_millis()],
                )?;
            }
            tx.commit()?;
            Ok(existing)
        })
        .await
    }

    async fn finish_idempotency_key(
        &self,
        workspace: &WorkspaceId,
        key: &str,
        response: Option<(u16, String)>,
    ) -> StoreResult<()> {
        let (ws, key) = (workspace.to_string(), key.to_owned());
        self.run(move |c| {
            match response {
                Some((status, body)) => c.execute(
                    "UPDATE idempotency_keys SET status = ?3, response = ?4
                     WHERE workspace_id = ?1 AND key = ?2",
                    params![ws, key, status, body],
                )?,
                None => c.execute(
                    "DELETE FROM idempotency_keys WHERE workspace_id = ?1 AND key = ?2 AND status = 0",
                    params![ws, key],
                )?,
            };
            Ok(())
        })
        .await
    }

    async fn change_poll(
        &self,
        change: PollChange<'_>,
        event: pollcast_types::EventType,
        at: Timestamp,
    ) -> StoreResult<bool> {
        let poll = match change {
            PollChange::Create(p) | PollChange::Update(p) | PollChange::Delete(p) => p,
        };
        let body = serde_json::to_string(poll).map_err(corrupt)?;
        let (id, ws, created) = (
            poll.id.to_string(),
            poll.workspace_id.to_string(),
            poll.created_at.as_millis(),
        );
        let kind = match change {
            PollChange::Create(_) => 0,
            PollChange::Update(_) => 1,
            PollChange::Delete(_) => 2,
        };
        let (event, at) = (event.as_str(), at.as_millis());
        self.run(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let changed = match kind {
                0 => insert_poll_row(&tx, &id, &ws, created, &body).map(|()| true)?,
                1 => update_poll_row(&tx, &id, &body)?,
                _ => delete_poll_rows(&tx, &id)?,
            };
            if changed {
                tx.execute(
                    "INSERT INTO poll_events (event, at, poll) VALUES (?1, ?2, ?3)",
                    params![event, at, body],
                )?;
            }
            tx.commit()?;
            Ok(changed)
        })
        .await
    }

    async fn poll_events(&self, after_seq: i64, limit: usize) -> StoreResult<Vec<PollEvent>> {
        let limit = limit.min(1000) as i64;
        let rows: Vec<(i64, String, i64, String)> = self
            .run(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT seq, event, at, poll FROM poll_events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                )?;
                let rows = stmt.query_map(params![after_seq, limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await?;
        rows.into_iter()
            .map(|(seq, event, at, poll)| {
                Ok(PollEvent {
                    seq,
                    event: pollcast_types::EventType::parse(&event)
                        .ok_or_else(|| StoreError::Corrupt("an event type".into()))?,
                    at: Timestamp::from_millis(at),
                    poll: serde_json::from_str(&poll).map_err(corrupt)?,
                })
            })
            .collect()
    }

    async fn forget_poll_events(&self, through_seq: i64) -> StoreResult<u64> {
        self.run(move |c| {
            Ok(c.execute("DELETE FROM poll_events WHERE seq <= ?1", [through_seq])? as u64)
        })
        .await
    }

    async fn insert_webhook(&self, webhook: &Webhook, max_per_workspace: u64) -> StoreResult<bool> {
        let body = serde_json::to_string(webhook).map_err(corrupt)?;
        let (id, ws, created) = (
            webhook.id.to_string(),
            webhook.workspace_id.to_string(),
            webhook.created_at.as_millis(),
        );
        self.run(move |c| {
            // Counted and inserted in one write transaction: concurrent creations cannot pass
            // the limit together.
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let n: i64 = tx.query_row(
                "SELECT COUNT(*) FROM webhooks WHERE workspace_id = ?1",
                [&ws],
                |r| r.get(0),
            )?;
            if n as u64 >= max_per_workspace {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO webhooks (id, workspace_id, created_at, body) VALUES (?1, ?2, ?3, ?4)",
                params![id, ws, created, body],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn webhook(&self, id: &WebhookId) -> StoreResult<Option<Webhook>> {
        let id = id.to_string();
        let body: Option<String> = self
            .run(move |c| {
                Ok(
                    c.query_row("SELECT body FROM webhooks WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })
                    .optional()?,
                )
            })
            .await?;
        body.map(|b| serde_json::from_str(&b).map_err(corrupt))
            .transpose()
    }

    async fn webhooks(
        &self,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<Webhook>> {
        self.page_of_bodies(Table::Webhooks, workspace, after, limit)
            .await
    }

    async fn update_webhook(&self, webhook: &Webhook) -> StoreResult<bool> {
        let body = serde_json::to_string(webhook).map_err(corrupt)?;
        let id = webhook.id.to_string();
        self.run(move |c| {
            Ok(c.execute(
                "UPDATE webhooks SET body = ?1 WHERE id = ?2",
                params![body, id],
            )? == 1)
        })
        .await
    }

    async fn delete_webhook(&self, id: &WebhookId) -> StoreResult<bool> {
        let id = id.to_string();
        self.run(move |c| Ok(c.execute("DELETE FROM webhooks WHERE id = ?1", [id])? == 1))
            .await
    }

    async fn insert_webhook_attempts(&self, attempts: &[WebhookAttempt]) -> StoreResult<()> {
        let attempts = attempts.to_vec();
        self.run(move |c| {
            let tx = c.transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT OR IGNORE INTO webhook_attempts (id, webhook_id, delivery_id, event_id,
                         event, attempt, outcome, http_status, latency_ms, error, response_excerpt,
                         attempted_at, next_attempt_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )?;
                for a in &attempts {
                    stmt.execute(params![
                        a.id,
                        a.webhook_id.as_str(),
                        a.delivery_id,
                        a.event_id,
                        a.event.as_str(),
                        a.attempt,
                        a.status,
                        a.http_status,
                        a.latency_ms as i64,
                        a.error,
                        a.response_excerpt,
                        a.attempted_at.as_millis(),
                        a.next_attempt_at.map(Timestamp::as_millis),
                    ])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn webhook_attempts(
        &self,
        webhook: &WebhookId,
        filter: &AttemptFilter,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<WebhookAttempt>> {
        let webhook = webhook.to_string();
        let (at, id) = after.map_or((i64::MAX, String::new()), |a| (a.created_at, a.id.clone()));
        let limit = limit.min(1000) as i64;
        let status = filter.status.clone();
        let event = filter.event.clone();
        let since = filter.since.map_or(i64::MIN, Timestamp::as_millis);
        let rows = self
            .run(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT id, webhook_id, delivery_id, event_id, event, attempt, outcome,
                            http_status, latency_ms, error, response_excerpt, attempted_at,
                            next_attempt_at
                     FROM webhook_attempts
                     WHERE webhook_id = ?1 AND (attempted_at, id) < (?2, ?3)
                       AND (?4 IS NULL OR outcome = ?4) AND (?5 IS NULL OR event = ?5)
                       AND attempted_at >= ?6
                     ORDER BY attempted_at DESC, id DESC LIMIT ?7",
                )?;
                let rows =
                    stmt.query_map(params![webhook, at, id, status, event, since, limit], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, u32>(5)?,
                            r.get::<_, String>(6)?,
                            r.get::<_, Option<u16>>(7)?,
                            r.get::<_, i64>(8)?,
                            r.get::<_, Option<String>>(9)?,
                            r.get::<_, String>(10)?,
                            r.get::<_, i64>(11)?,
                            r.get::<_, Option<i64>>(12)?,
                        ))
                    })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(WebhookAttempt {
                    id: r.0,
                    webhook_id: WebhookId::parse(&r.1)
                        .ok_or_else(|| StoreError::Corrupt("a webhook id".into()))?,
                    delivery_id: r.2,
                    event_id: r.3,
                    event: pollcast_types::EventType::parse(&r.4)
                        .ok_or_else(|| StoreError::Corrupt("an event type".into()))?,
                    attempt: r.5,
                    status: r.6,
                    http_status: r.7,
                    latency_ms: r.8.max(0) as u64,
                    error: r.9,
                    response_excerpt: r.10,
                    attempted_at: Timestamp::from_millis(r.11),
                    next_attempt_at: r.12.map(Timestamp::from_millis),
                })
            })
            .collect()
    }

    async fn purge_webhook_attempts(&self, before: Timestamp) -> StoreResult<u64> {
        let before = before.as_millis();
        self.run(move |c| {
            Ok(c.execute(
                "DELETE FROM webhook_attempts WHERE attempted_at < ?1",
                [before],
            )? as u64)
        })
        .await
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
