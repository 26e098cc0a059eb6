//! Workspaces and their API keys: the one place keys are minted (shown once, stored hashed).

use pollcast_store::{Store, StoreResult};
use pollcast_types::ids::random_token;
use pollcast_types::{ApiKeyId, ApiKeyRecord, Scope, Timestamp, Workspace, WorkspaceId};

use crate::hash_key;

/// A new API key: the record to store, and the key itself, to show once and never again.
pub struct IssuedKey {
    pub record: ApiKeyRecord,
    pub secret: String,
}

pub fn issue_key(workspace_id: &WorkspaceId, name: &str, scopes: Vec<Scope>) -> IssuedKey {
    let secret = format!("pk_{}", random_token(40));
    IssuedKey {
        record: ApiKeyRecord {
            id: ApiKeyId::generate(),
            workspace_id: workspace_id.clone(),
            name: name.to_owned(),
            key_hash: hash_key(&secret),
            scopes,
            created_at: Timestamp::now(),
            revoked_at: None,
        },
        secret,
    }
}

/// Creates a workspace with a first `admin` key (the CLI's `workspace create`).
pub async fn create_workspace(
    store: &dyn Store,
    name: &str,
) -> StoreResult<(Workspace, IssuedKey)> {
    let workspace = Workspace {
        id: WorkspaceId::generate(),
        name: name.to_owned(),
        created_at: Timestamp::now(),
    };
    store.insert_workspace(&workspace).await?;
    let key = issue_key(&workspace.id, "first key", vec![Scope::Admin]);
    store.insert_api_key(&key.record).await?;
    Ok((workspace, key))
}
