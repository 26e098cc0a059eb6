use std::collections::HashSet;
use std::sync::Mutex;

use pollcast_types::PollId;

/// Polls whose counts changed since their last published snapshot, with their shard.
#[derive(Default)]
pub struct DirtyPolls(Mutex<HashSet<(u32, PollId)>>);

impl DirtyPolls {
    pub fn mark(&self, shard: u32, poll: PollId) {
        if let Ok(mut set) = self.0.lock() {
            set.insert((shard, poll));
        }
    }

    pub fn take(&self) -> Vec<(u32, PollId)> {
        self.0
            .lock()
            .map(|mut set| set.drain().collect())
            .unwrap_or_default()
    }
}
