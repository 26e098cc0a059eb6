//! Idempotency keys: a retried creating POST gets the first answer again.

use async_trait::async_trait;
use pollcast_types::{Timestamp, WorkspaceId};

use crate::StoreResult;

/// Keys are kept for a day, as payment APIs do.
pub const IDEMPOTENCY_KEEP_MILLIS: i64 = 86_400_000;

/// What an Idempotency-Key already holds: the request it was first used for and, once
/// answered, the status (0 while in progress) and the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentEntry {
    pub request_hash: String,
    pub status: u16,
    pub response: String,
}

#[async_trait]
pub trait Idempotency: Send + Sync {
    /// Reserves an Idempotency-Key for a request; the existing entry when it was taken (and
    /// is younger than [`IDEMPOTENCY_KEEP_MILLIS`] at `at`).
    async fn reserve_idempotency_key(
        &self,
        workspace: &WorkspaceId,
        key: &str,
        request_hash: &str,
        at: Timestamp,
    ) -> StoreResult<Option<IdempotentEntry>>;
    /// Forgets keys taken before `before`; how many (a store that expires them by itself
    /// may say 0).
    async fn purge_idempotency_keys(&self, before: Timestamp) -> StoreResult<u64>;
    /// Records the response to a reserved key (`status` > 0), or frees it (`None`).
    async fn finish_idempotency_key(
        &self,
        workspace: &WorkspaceId,
        key: &str,
        response: Option<(u16, String)>,
    ) -> StoreResult<()>;
}
