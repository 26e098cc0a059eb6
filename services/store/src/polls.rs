//! Polls, and the outbox of their changes.

use async_trait::async_trait;
use pollcast_types::{EventType, Poll, PollId, Timestamp, WorkspaceId};

use crate::{After, StoreResult};

/// A change to a poll, stored together with its event (see [`Polls::change_poll`]).
#[derive(Debug, Clone, Copy)]
pub enum PollChange<'a> {
    Create(&'a Poll),
    Update(&'a Poll),
    Delete(&'a Poll),
}

/// A poll change waiting in the outbox for the webhook dispatcher.
#[derive(Debug, Clone, PartialEq)]
pub struct PollEvent {
    /// Names the event for good: an event read twice has the same `seq`. Events of one poll
    /// are read in the order they were stored; `seq` grows with it.
    pub seq: i64,
    pub event: EventType,
    pub at: Timestamp,
    pub poll: Poll,
}

#[async_trait]
pub trait Polls: Send + Sync {
    async fn insert_poll(&self, poll: &Poll) -> StoreResult<()>;
    async fn poll(&self, id: &PollId) -> StoreResult<Option<Poll>>;
    /// Replaces a stored poll; false when there is none.
    async fn update_poll(&self, poll: &Poll) -> StoreResult<bool>;
    /// Deletes a poll with its vote log and snapshots; false when there was none.
    async fn delete_poll(&self, id: &PollId) -> StoreResult<bool>;
    /// A workspace's polls, newest first, after the cursor.
    async fn polls(
        &self,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<Poll>>;

    /// Stores a poll change and the event that reports it together (an event exists if and
    /// only if its change was stored): the row is inserted, replaced, or deleted with its vote
    /// log and snapshot. False when there was no such poll to replace or delete.
    async fn change_poll(
        &self,
        change: PollChange<'_>,
        event: EventType,
        at: Timestamp,
    ) -> StoreResult<bool>;
    /// The oldest events not forgotten yet, oldest first.
    async fn poll_events(&self, limit: usize) -> StoreResult<Vec<PollEvent>>;
    /// Forgets these events (they were turned into deliveries). Only these: an event stored
    /// meanwhile, whatever its `seq`, stays.
    async fn forget_poll_events(&self, events: &[PollEvent]) -> StoreResult<()>;
}
