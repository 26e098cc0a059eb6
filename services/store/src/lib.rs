//! Where pollcast keeps what must outlive Redis: workspaces, keys, polls, the vote log and
//! count snapshots. [`Store`] is shaped after the ScyllaDB layout in `schema/scylla` (the vote
//! log partitioned by `(poll_id, bucket)` and clustered by time-ordered vote id, appends
//! idempotent by vote id); [`SqliteStore`] is the embedded default.

mod accounts;
mod error;
mod sqlite;
mod sqlite_accounts;

use async_trait::async_trait;
use pollcast_types::{
    ApiKeyId, ApiKeyRecord, Poll, PollId, ResultsSnapshot, Timestamp, VoteId, VoteRecord, Webhook,
    WebhookAttempt, WebhookId, Workspace, WorkspaceId,
};

pub use accounts::{Accounts, Join, SignedUp};
pub use error::StoreError;
pub use sqlite::SqliteStore;

pub type StoreResult<T> = Result<T, StoreError>;

/// What an Idempotency-Key already holds: the request it was first used for and, once
/// answered, the status (0 while in progress) and the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentEntry {
    pub request_hash: String,
    pub status: u16,
    pub response: String,
}

/// A position in a newest-first list: the last item's creation time and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub created_at: i64,
    pub id: String,
}

/// A change to a poll, stored together with its event (see [`Store::change_poll`]).
#[derive(Debug, Clone, Copy)]
pub enum PollChange<'a> {
    Create(&'a Poll),
    Update(&'a Poll),
    Delete(&'a Poll),
}

/// A poll change waiting in the outbox for the webhook dispatcher.
#[derive(Debug, Clone, PartialEq)]
pub struct PollEvent {
    /// Grows with every event: stable, so an event read twice is the same event.
    pub seq: i64,
    pub event: pollcast_types::EventType,
    pub at: Timestamp,
    pub poll: Poll,
}

/// Which attempts of the delivery log to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptFilter {
    pub status: Option<String>,
    pub event: Option<String>,
    /// Only attempts made at or after this.
    pub since: Option<Timestamp>,
}

#[async_trait]
pub trait Store: Accounts + Send + Sync + 'static {
    /// Answers when the store can serve requests.
    async fn ping(&self) -> StoreResult<()>;

    async fn insert_workspace(&self, workspace: &Workspace) -> StoreResult<()>;
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

    async fn insert_poll(&self, poll: &Poll) -> StoreResult<()>;
    async fn poll(&self, id: &PollId) -> StoreResult<Option<Poll>>;
    /// Replaces a stored poll; false when there is none.
    async fn update_poll(&self, poll: &Poll) -> StoreResult<bool>;
    /// Deletes a poll with its vote log and snapshots; false when there was none.
    async fn delete_poll(&self, id: &PollId) -> StoreResult<bool>;
    /// Drops the votes of epochs before `epoch` (after a reset); returns how many.
    async fn delete_votes_before_epoch(&self, poll: &PollId, epoch: u32) -> StoreResult<u64>;
    /// A workspace's polls, newest first, after the cursor.
    async fn polls(
        &self,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<Poll>>;

    /// Appends votes to the vote log. Idempotent: a vote whose id is already there is left
    /// as it is. Returns how many were new.
    async fn append_votes(&self, votes: &[VoteRecord]) -> StoreResult<u64>;
    /// A poll's votes in vote-id (time) order, after the cursor `after`.
    async fn votes_page(
        &self,
        poll: &PollId,
        after: Option<&VoteId>,
        limit: usize,
    ) -> StoreResult<Vec<VoteRecord>>;

    /// Keeps the newest snapshot of a poll's counts; an older `seq` never replaces a newer.
    async fn save_results(&self, snapshot: &ResultsSnapshot) -> StoreResult<()>;
    async fn results(&self, poll: &PollId) -> StoreResult<Option<ResultsSnapshot>>;

    /// Reserves an Idempotency-Key for a request; the existing entry when it was taken.
    async fn reserve_idempotency_key(
        &self,
        workspace: &WorkspaceId,
        key: &str,
        request_hash: &str,
        at: Timestamp,
    ) -> StoreResult<Option<IdempotentEntry>>;
    /// Records the response to a reserved key (`status` > 0), or frees it (`None`).
    async fn finish_idempotency_key(
        &self,
        workspace: &WorkspaceId,
        key: &str,
        response: Option<(u16, String)>,
    ) -> StoreResult<()>;

    /// Stores a poll change and the event that reports it in one transaction (an event exists
    /// if and only if its change was stored): the row is inserted, replaced, or deleted with
    /// its vote log and snapshot. False when there was no such poll to replace or delete.
    async fn change_poll(
        &self,
        change: PollChange<'_>,
        event: pollcast_types::EventType,
        at: Timestamp,
    ) -> StoreResult<bool>;
    /// Poll events after `seq`, oldest first.
    async fn poll_events(&self, after_seq: i64, limit: usize) -> StoreResult<Vec<PollEvent>>;
    /// Forgets the events up to `seq` (they were turned into deliveries).
    async fn forget_poll_events(&self, through_seq: i64) -> StoreResult<u64>;

    /// Adds an endpoint unless its workspace has `max_per_workspace` already (false).
    async fn insert_webhook(&self, webhook: &Webhook, max_per_workspace: u64) -> StoreResult<bool>;
    async fn webhook(&self, id: &WebhookId) -> StoreResult<Option<Webhook>>;
    /// A workspace's endpoints, newest first, after the cursor.
    async fn webhooks(
        &self,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<Webhook>>;
    /// Replaces a stored endpoint; false when there is none.
    async fn update_webhook(&self, webhook: &Webhook) -> StoreResult<bool>;
    async fn delete_webhook(&self, id: &WebhookId) -> StoreResult<bool>;

    /// Adds attempts to the delivery log, in one transaction.
    async fn insert_webhook_attempts(&self, attempts: &[WebhookAttempt]) -> StoreResult<()>;
    /// An endpoint's attempts, newest first, after the cursor; only those with `status`
    /// (`succeeded`/`failed`) and `event` when given.
    async fn webhook_attempts(
        &self,
        webhook: &WebhookId,
        filter: &AttemptFilter,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<WebhookAttempt>>;
    /// Forgets attempts made before `before`; returns how many.
    async fn purge_webhook_attempts(&self, before: Timestamp) -> StoreResult<u64>;

    async fn meta(&self, key: &str) -> StoreResult<Option<String>>;
    async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()>;
}
