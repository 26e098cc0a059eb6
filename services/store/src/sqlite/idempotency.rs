//! [`Idempotency`] on SQLite.

use async_trait::async_trait;
use pollcast_types::{Timestamp, WorkspaceId};
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use crate::{IDEMPOTENCY_KEEP_MILLIS, Idempotency, IdempotentEntry, StoreResult};

#[async_trait]
impl Idempotency for SqliteStore {
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
            tx.execute(
                "DELETE FROM idempotency_keys WHERE workspace_id = ?1 AND key = ?2 AND created_at < ?3",
                params![ws, key, at.as_millis() - IDEMPOTENCY_KEEP_MILLIS],
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

    async fn purge_idempotency_keys(&self, before: Timestamp) -> StoreResult<u64> {
        let before = before.as_millis();
        self.run(move |c| {
            Ok(c.execute(
                "DELETE FROM idempotency_keys WHERE created_at < ?1",
                [before],
            )? as u64)
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
}
