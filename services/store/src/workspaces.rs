//! Workspaces and their API keys.

use async_trait::async_trait;
use pollcast_types::{ApiKeyId, ApiKeyRecord, Timestamp, Workspace, WorkspaceId};

use crate::{After, StoreResult};

#[async_trait]
pub trait Workspaces: Send + Sync {
    async fn insert_workspace(&self, workspace: &Workspace) -> StoreResult<()>;
    async fn workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>>;

    async fn insert_api_key(&self, key: &ApiKeyRecord) -> StoreResult<()>;
    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKeyRecord>>;
    async fn api_key(&self, id: &ApiKeyId) -> StoreResult<Option<ApiKeyRecord>>;
    /// A workspace's keys, newest first, after the cursor.
    async fn api_keys(
        &self,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<ApiKeyRecord>>;
    /// Revokes a key of the workspace; false when it has no such (unrevoked) key.
    async fn revoke_api_key(
        &self,
        workspace: &WorkspaceId,
        id: &ApiKeyId,
        at: Timestamp,
    ) -> StoreResult<bool>;
}
