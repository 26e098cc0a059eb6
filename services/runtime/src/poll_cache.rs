use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pollcast_store::{Store, StoreResult};
use pollcast_types::{Poll, PollId};

/// A short-lived cache of polls by id, misses included, so a burst of votes on one poll (or a
/// flood of votes for polls that do not exist) costs one store read per poll per `ttl`.
/// A poll edit reaches every process within `ttl`.
pub struct PollCache {
    store: Arc<dyn Store>,
    ttl: Duration,
    entries: Mutex<HashMap<PollId, Entry>>,
}

/// When the entry was read, and the poll (`None`: it did not exist).
type Entry = (Instant, Option<Arc<Poll>>);

/// Bound on cached entries; past it the cache starts over rather than grow.
const MAX_ENTRIES: usize = 100_000;

impl PollCache {
    pub fn new(store: Arc<dyn Store>, ttl: Duration) -> Self {
        Self {
            store,
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub async fn get(&self, id: &PollId) -> StoreResult<Option<Arc<Poll>>> {
        if let Some(hit) = self.lookup(id) {
            return Ok(hit);
        }
        let poll = self.store.poll(id).await?.map(Arc::new);
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(id.clone(), (Instant::now(), poll.clone()));
        }
        Ok(poll)
    }

    /// Drops a poll from the cache, after this process changed it.
    pub fn invalidate(&self, id: &PollId) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(id);
        }
    }

    fn lookup(&self, id: &PollId) -> Option<Option<Arc<Poll>>> {
        let entries = self.entries.lock().ok()?;
        let (at, poll) = entries.get(id)?;
        (at.elapsed() < self.ttl).then(|| poll.clone())
    }
}
