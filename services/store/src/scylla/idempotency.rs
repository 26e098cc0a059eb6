//! [`Idempotency`] on CQL: lightweight transactions decide who holds a key.

use async_trait::async_trait;
use pollcast_types::{Timestamp, WorkspaceId};

use super::ScyllaStore;
use crate::{IDEMPOTENCY_KEEP_MILLIS, Idempotency, IdempotentEntry, StoreResult};

#[async_trait]
impl Idempotency for ScyllaStore {
    async fn reserve_idempotency_key(
        &self,
        workspace: &WorkspaceId,
        key: &str,
        request_hash: &str,
        at: Timestamp,
    ) -> StoreResult<Option<IdempotentEntry>> {
        let ws = workspace.as_str();
        // Twice at most: once more after clearing an entry older than a day.
        for _ in 0..2 {
            if self
                .lwt(
                    "INSERT INTO idempotency_keys (workspace_id, key, request_hash, status, response, created_at)
                     VALUES (?, ?, ?, 0, '', ?) IF NOT EXISTS",
                    (ws, key, request_hash, at.as_millis()),
                )
                .await?
            {
                return Ok(None);
            }
            let existing: Option<(String, i32, String, i64)> = self
                .first(
                    "SELECT request_hash, status, response, created_at FROM idempotency_keys
                     WHERE workspace_id = ? AND key = ?",
                    (ws, key),
                )
                .await?;
            match existing {
                Some((_, _, _, created)) if created < at.as_millis() - IDEMPOTENCY_KEEP_MILLIS => {
                    self.lwt(
                        "DELETE FROM idempotency_keys WHERE workspace_id = ? AND key = ? IF created_at = ?",
                        (ws, key, created),
                    )
                    .await?;
                }
                Some((request_hash, status, response, _)) => {
                    return Ok(Some(IdempotentEntry {
                        request_hash,
                        status: status as u16,
                        response,
                    }));
                }
                // Gone between the two statements (freed or expired): try again.
                None => {}
            }
        }
        Ok(None)
    }

    async fn purge_idempotency_keys(&self, _before: Timestamp) -> StoreResult<u64> {
        // Written with a TTL of a day: they expire by themselves.
        Ok(0)
    }

    async fn finish_idempotency_key(
        &self,
        workspace: &WorkspaceId,
        key: &str,
        response: Option<(u16, String)>,
    ) -> StoreResult<()> {
        let ws = workspace.as_str();
        match response {
            Some((status, body)) => {
                self.lwt(
                    "UPDATE idempotency_keys SET status = ?, response = ?
                     WHERE workspace_id = ? AND key = ? IF EXISTS",
                    (i32::from(status), body, ws, key),
                )
                .await?
            }
            None => {
                self.lwt(
                    "DELETE FROM idempotency_keys WHERE workspace_id = ? AND key = ? IF status = 0",
                    (ws, key),
                )
                .await?
            }
        };
        Ok(())
    }
}
