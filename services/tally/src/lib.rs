//! tally: one consumer group (`tally`) over every votes-stream shard. For each batch it
//! appends the votes to the vote log (idempotent), then, in one Redis script per shard,
//! acknowledges each entry and counts it only if that acknowledgement was the one that removed
//! it from the pending list. A vote is therefore counted exactly once however often it is
//! delivered, by however many instances. See `docs/architecture.md` for the whole argument.

pub mod commit;
mod consumer;
mod dirty;
mod publisher;
mod trimmer;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use pollcast_runtime::{Context, PollCache, Service};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use dirty::DirtyPolls;

/// The tally service. Cheap to clone; all clones share one consumer identity.
#[derive(Clone)]
pub struct Tally {
    inner: Arc<TallyInner>,
}

pub(crate) struct TallyInner {
    pub context: Context,
    pub consumer: String,
    pub polls: PollCache,
    pub dirty: DirtyPolls,
    pub commit: commit::Committer,
}

impl Tally {
    pub fn new(context: &Context) -> Self {
        let consumer = format!(
            "tally-{}-{}",
            std::process::id(),
            pollcast_types::ids::random_token(6)
        );
        Self {
            inner: Arc::new(TallyInner {
                context: context.clone(),
                polls: PollCache::new(context.store.clone(), Duration::from_secs(1)),
                dirty: DirtyPolls::default(),
                commit: commit::Committer::new(context.clone()),
                consumer,
            }),
        }
    }

    pub fn into_service(self) -> Arc<dyn Service> {
        Arc::new(self)
    }

    pub fn consumer_name(&self) -> &str {
        &self.inner.consumer
    }
}

impl Service for Tally {
    fn name(&self) -> &'static str {
        "tally"
    }

    fn configure(&self, _cfg: &mut web::ServiceConfig) {}

    fn spawn_background(&self, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
        let context = &self.inner.context;
        let mut tasks: Vec<JoinHandle<()>> = context
            .bus
            .shard_groups(context.settings.shards)
            .into_iter()
            .map(|shards| tokio::spawn(consumer::run(self.inner.clone(), shards, shutdown.clone())))
            .collect();
        tasks.push(tokio::spawn(publisher::run(
            self.inner.clone(),
            shutdown.clone(),
        )));
        tasks.push(tokio::spawn(trimmer::run(self.inner.clone(), shutdown)));
        tasks
    }
}
