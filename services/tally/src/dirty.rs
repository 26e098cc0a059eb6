use std::collections::HashSet;
use std::sync::Mutex;

use pollcast_types::PollId;
use tokio::sync::Notify;

/// Polls whose counts changed since their last published snapshot, with their shard. Marking
/// wakes the publisher, so a snapshot does not wait for its next tick.
#[derive(Default)]
pub struct DirtyPolls {
    polls: Mutex<HashSet<(u32, PollId)>>,
    marked: Notify,
}

impl DirtyPolls {
    pub fn mark(&self, shard: u32, poll: PollId) {
        if let Ok(mut set) = self.polls.lock() {
            set.insert((shard, poll));
        }
        self.marked.notify_one();
    }

    /// Marks again polls that could not be published yet, without waking the publisher (it
    /// retries them on its next tick).
    pub fn retry_later(&self, shard: u32, poll: PollId) {
        if let Ok(mut set) = self.polls.lock() {
            set.insert((shard, poll));
        }
    }

    pub fn take(&self) -> Vec<(u32, PollId)> {
        self.polls
            .lock()
            .map(|mut set| set.drain().collect())
            .unwrap_or_default()
    }

    /// Resolves when a poll is marked (or was marked since the last call).
    pub async fn marked(&self) {
        self.marked.notified().await;
    }
}
