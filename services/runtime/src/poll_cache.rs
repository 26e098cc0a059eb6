use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pollcast_http::ApiError;
use pollcast_store::{Store, StoreError, StoreResult};
use pollcast_types::{ErrorCode, Poll, PollId, PollStatus};

/// A short-lived cache of polls by id, misses included, so a burst of votes on one poll (or a
/// flood of votes for polls that do not exist) costs one store read per poll per `ttl`.
/// A poll edit reaches every process within `ttl` plus one store read.
///
/// An expired entry is refreshed by one caller while the others keep using it: without that,
/// every vote arriving during the refresh read the store too, each on a blocking thread (seen:
/// 10 to 42 threads under load). The refreshing caller waits at most [`REFRESH_WAIT`] for the
/// store, then goes on with the entry it has while the read finishes in the background: a
/// slow or paused store never holds a vote past its deadline. Only a poll this process has not
/// read yet waits for the store.
pub struct PollCache {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    ttl: Duration,
    entries: Mutex<HashMap<PollId, Entry>>,
}

#[derive(Clone)]
struct Entry {
    /// When the poll was read.
    read_at: Instant,
    /// The poll (`None`: it did not exist).
    poll: Option<Arc<Poll>>,
    /// Since when a caller is reading it again. A claim older than the ttl is void (its
    /// caller may have been cancelled), so an entry can never stay stale for good.
    refreshing: Option<Instant>,
}

/// How long a caller holding an expired entry waits for the store's fresh copy.
const REFRESH_WAIT: Duration = Duration::from_millis(100);

/// Bound on cached entries; past it the cache starts over rather than grow.
const MAX_ENTRIES: usize = 100_000;

impl PollCache {
    pub fn new(store: Arc<dyn Store>, ttl: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                ttl,
                entries: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The poll, from the cache (fresh, or expired while a background read refreshes it),
    /// else from the store. When the store is down, an expired entry keeps being served
    /// (votes keep flowing into Redis, which checks the live state itself; edits cannot
    /// happen without the store anyway).
    pub async fn get(&self, id: &PollId) -> StoreResult<Option<Arc<Poll>>> {
        match self.inner.claim(id) {
            Claim::Use(poll) => Ok(poll),
            Claim::Refresh(Some(stale)) => {
                let (inner, id) = (self.inner.clone(), id.clone());
                let read = tokio::spawn(async move { inner.read(&id).await });
                match tokio::time::timeout(REFRESH_WAIT, read).await {
                    Ok(Ok(Ok(fresh))) => Ok(fresh),
                    Ok(Ok(Err(StoreError::Unavailable(e)))) => {
                        tracing::debug!(error = %e, "store down; serving the cached poll");
                        Ok(stale)
                    }
                    Ok(Ok(Err(e))) => Err(e),
                    // Slow (the read goes on and fills the cache), or the task failed.
                    _ => Ok(stale),
                }
            }
            Claim::Refresh(None) => self.inner.read(id).await,
        }
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
        if let Ok(mut entries) = self.inner.entries.lock() {
            entries.remove(id);
        }
    }
}

impl Inner {
    /// Reads the poll from the store into the cache.
    async fn read(&self, id: &PollId) -> StoreResult<Option<Arc<Poll>>> {
        let poll = match self.store.poll(id).await {
            Ok(poll) => poll.map(Arc::new),
            Err(e) => {
                self.release(id);
                return Err(e);
            }
        };
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(
                id.clone(),
                Entry {
                    read_at: Instant::now(),
                    poll: poll.clone(),
                    refreshing: None,
                },
            );
        }
        Ok(poll)
    }

    /// A fresh entry, or an expired one another caller is refreshing, is used as it is;
    /// otherwise this caller reads the store (and the expired entry, if any, is marked so
    /// that nobody else does meanwhile).
    fn claim(&self, id: &PollId) -> Claim {
        let Ok(mut entries) = self.entries.lock() else {
            return Claim::Refresh(None);
        };
        match entries.get_mut(id) {
            Some(e)
                if e.read_at.elapsed() < self.ttl
                    || e.refreshing.is_some_and(|at| at.elapsed() < self.ttl) =>
            {
                Claim::Use(e.poll.clone())
            }
            Some(e) => {
                e.refreshing = Some(Instant::now());
                Claim::Refresh(Some(e.poll.clone()))
            }
            None => Claim::Refresh(None),
        }
    }

    /// After a failed read: the next caller tries again.
    fn release(&self, id: &PollId) {
        if let Ok(mut entries) = self.entries.lock()
            && let Some(e) = entries.get_mut(id)
        {
            e.refreshing = None;
        }
    }
}

enum Claim {
    Use(Option<Arc<Poll>>),
    /// Read the store; the expired entry, if there was one.
    Refresh(Option<Option<Arc<Poll>>>),
}
