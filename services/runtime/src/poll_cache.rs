use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pollcast_http::ApiError;
use pollcast_store::{Store, StoreError, StoreResult};
use pollcast_types::{ErrorCode, Poll, PollId, PollStatus};

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

    /// The poll, from the cache while fresh, else from the store. When the store is down, an
    /// expired entry is served rather than nothing (votes keep flowing into Redis, which
    /// checks the live state itself; edits cannot happen without the store anyway).
    pub async fn get(&self, id: &PollId) -> StoreResult<Option<Arc<Poll>>> {
        let cached = self.lookup(id);
        if let Some((at, hit)) = &cached
            && at.elapsed() < self.ttl
        {
            return Ok(hit.clone());
        }
        let poll = match self.store.poll(id).await {
            Ok(poll) => poll.map(Arc::new),
            Err(StoreError::Unavailable(e)) => match cached {
                Some((_, stale)) => {
                    tracing::debug!(poll = %id, error = %e, "store down; serving the cached poll");
                    return Ok(stale);
                }
                None => return Err(StoreError::Unavailable(e)),
            },
            Err(e) => return Err(e),
        };
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(id.clone(), (Instant::now(), poll.clone()));
        }
        Ok(poll)
    }

    /// The poll a path segment names: `404 poll_not_found` when the id is malformed or
    /// unknown, `503` when the store cannot answer.
    pub async fn find(&self, raw_id: &str) -> Result<Arc<Poll>, ApiError> {
        let id = PollId::parse(raw_id).ok_or(ErrorCode::PollNotFound)?;
        self.get(&id)
            .await?
            .ok_or_else(|| ErrorCode::PollNotFound.into())
    }

    /// Like [`Self::find`], for anonymous callers: drafts are private, so also 404.
    pub async fn find_public(&self, raw_id: &str) -> Result<Arc<Poll>, ApiError> {
        let poll = self.find(raw_id).await?;
        if poll.status == PollStatus::Draft {
            return Err(ErrorCode::PollNotFound.into());
        }
        Ok(poll)
    }

    /// Drops a poll from the cache, after this process changed it.
    pub fn invalidate(&self, id: &PollId) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(id);
        }
    }

    fn lookup(&self, id: &PollId) -> Option<Entry> {
        let entries = self.entries.lock().ok()?;
        entries.get(id).cloned()
    }
}
