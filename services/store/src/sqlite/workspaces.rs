//! [`Workspaces`] on SQLite.

use async_trait::async_trait;
use pollcast_types::{ApiKeyId, ApiKeyRecord, Scope, Timestamp, Workspace, WorkspaceId};
use rusqlite::{OptionalExtension, Row, params};

use super::accounts::ids;
use super::{SqliteStore, corrupt};
use crate::{After, StoreError, StoreResult, Workspaces};

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
impl Workspaces for SqliteStore {
    async fn workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>> {
        let id = id.to_string();
        self.run(move |c| {
            c.query_row(
                "SELECT id, name, created_at FROM workspaces WHERE id = ?1",
                [id],
                |r| {
                    let (id, name, created): (String, String, i64) =
                        (r.get(0)?, r.get(1)?, r.get(2)?);
                    Ok(ids(WorkspaceId::parse, &id).map(|id| Workspace {
                        id,
                        name,
                        created_at: Timestamp::from_millis(created),
                    }))
                },
            )
            .optional()?
            .transpose()
        })
        .await
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
}
