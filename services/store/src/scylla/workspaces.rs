//! [`Workspaces`] on CQL: keys by id, by hash and by workspace.

use async_trait::async_trait;
use pollcast_types::{ApiKeyId, ApiKeyRecord, Scope, Timestamp, Workspace, WorkspaceId};

use super::{ScyllaStore, corrupt, id};
use crate::{After, StoreError, StoreResult, Workspaces};

type KeyRow = (String, String, String, String, String, i64, Option<i64>);

fn key_from_row(r: KeyRow) -> StoreResult<ApiKeyRecord> {
    let names: Vec<String> = serde_json::from_str(&r.4).map_err(corrupt)?;
    Ok(ApiKeyRecord {
        id: id(ApiKeyId::parse, &r.0)?,
        workspace_id: id(WorkspaceId::parse, &r.1)?,
        name: r.2,
        key_hash: r.3,
        scopes: names
            .iter()
            .map(|s| Scope::parse(s))
            .collect::<Option<_>>()
            .ok_or_else(|| StoreError::Corrupt("a scope".into()))?,
        created_at: Timestamp::from_millis(r.5),
        revoked_at: r.6.map(Timestamp::from_millis),
    })
}

#[async_trait]
impl Workspaces for ScyllaStore {
    async fn insert_workspace(&self, ws: &Workspace) -> StoreResult<()> {
        self.exec(
            "INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)",
            (ws.id.as_str(), &ws.name, ws.created_at.as_millis()),
        )
        .await
        .map(|_| ())
    }

    async fn workspace(&self, wid: &WorkspaceId) -> StoreResult<Option<Workspace>> {
        let row: Option<(String, String, i64)> = self
            .first(
                "SELECT id, name, created_at FROM workspaces WHERE id = ?",
                (wid.as_str(),),
            )
            .await?;
        row.map(|(i, name, created)| {
            Ok(Workspace {
                id: id(WorkspaceId::parse, &i)?,
                name,
                created_at: Timestamp::from_millis(created),
            })
        })
        .transpose()
    }

    async fn insert_api_key(&self, key: &ApiKeyRecord) -> StoreResult<()> {
        let scopes: Vec<&str> = key.scopes.iter().map(|s| s.as_str()).collect();
        let scopes = serde_json::to_string(&scopes).map_err(corrupt)?;
        // The row first, then the ways to it: a key findable by hash always has its row.
        self.exec(
            "INSERT INTO api_keys (id, workspace_id, name, key_hash, scopes, created_at, revoked_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                key.id.as_str(),
                key.workspace_id.as_str(),
                &key.name,
                &key.key_hash,
                scopes,
                key.created_at.as_millis(),
                key.revoked_at.map(Timestamp::as_millis),
            ),
        )
        .await?;
        self.exec(
            "INSERT INTO api_keys_by_workspace (workspace_id, created_at, id) VALUES (?, ?, ?)",
            (
                key.workspace_id.as_str(),
                key.created_at.as_millis(),
                key.id.as_str(),
            ),
        )
        .await?;
        self.exec(
            "INSERT INTO api_keys_by_hash (key_hash, id) VALUES (?, ?)",
            (&key.key_hash, key.id.as_str()),
        )
        .await
        .map(|_| ())
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKeyRecord>> {
        let found: Option<(String,)> = self
            .first(
                "SELECT id FROM api_keys_by_hash WHERE key_hash = ?",
                (key_hash,),
            )
            .await?;
        match found {
            Some((kid,)) => self.api_key(&id(ApiKeyId::parse, &kid)?).await,
            None => Ok(None),
        }
    }

    async fn api_key(&self, kid: &ApiKeyId) -> StoreResult<Option<ApiKeyRecord>> {
        let row: Option<KeyRow> = self
            .first(
                "SELECT id, workspace_id, name, key_hash, scopes, created_at, revoked_at
                 FROM api_keys WHERE id = ?",
                (kid.as_str(),),
            )
            .await?;
        row.map(key_from_row).transpose()
    }

    async fn api_keys(
        &self,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<ApiKeyRecord>> {
        let ids: Vec<(String,)> = self
            .newest_first(
                "SELECT id FROM api_keys_by_workspace
                 WHERE workspace_id = ? AND (created_at, id) < (?, ?) LIMIT ?",
                workspace,
                after,
                limit,
            )
            .await?;
        let keys = self
            .fan_out(ids, |(kid,)| async move {
                self.api_key(&id(ApiKeyId::parse, &kid)?).await
            })
            .await?;
        Ok(keys.into_iter().flatten().collect())
    }

    async fn revoke_api_key(
        &self,
        workspace: &WorkspaceId,
        kid: &ApiKeyId,
        at: Timestamp,
    ) -> StoreResult<bool> {
        match self.api_key(kid).await? {
            Some(k) if k.workspace_id == *workspace && k.revoked_at.is_none() => {}
            _ => return Ok(false),
        }
        // A compare-and-set, so of two revocations at once exactly one says it revoked.
        self.lwt(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? IF revoked_at = null",
            (at.as_millis(), kid.as_str()),
        )
        .await
    }
}
