//! Where pollcast keeps what must outlive Redis: workspaces, keys, polls, the vote log, count
//! snapshots, idempotency keys, webhooks, and the console's people.
//!
//! One trait per aggregate ([`Workspaces`], [`Polls`], [`VoteLog`], [`Idempotency`],
//! [`Webhooks`], [`Accounts`]), and [`Store`], which is all of them. Each backend is a folder
//! whose files mirror those traits: [`SqliteStore`] (the embedded default, `sqlite/`) and
//! [`ScyllaStore`] (ScyllaDB or any CQL v4 server, `scylla/`). `tests/contract.rs` is the one
//! definition of their behaviour and runs unchanged against both.

mod accounts;
mod error;
mod idempotency;
mod polls;
mod scylla;
mod sqlite;
pub mod test_support;
mod uri;
mod vote_log;
mod webhooks;
mod workspaces;

use std::sync::Arc;

use async_trait::async_trait;

pub use accounts::{Accounts, Join, SignedUp};
pub use error::StoreError;
pub use idempotency::{IDEMPOTENCY_KEEP_MILLIS, Idempotency, IdempotentEntry};
pub use polls::{PollChange, PollEvent, Polls};
pub use scylla::{ScyllaOptions, ScyllaStore};
pub use sqlite::SqliteStore;
pub use uri::{Replication, StoreUri};
pub use vote_log::VoteLog;
pub use webhooks::{AttemptFilter, KeptDelivery, WebhookHealth, Webhooks};
pub use workspaces::Workspaces;

pub type StoreResult<T> = Result<T, StoreError>;

/// Every store trait, for callers that use a store through `dyn Store`:
/// `use pollcast_store::prelude::*;` brings their methods into scope.
pub mod prelude {
    pub use crate::{Accounts, Idempotency, Polls, Store, VoteLog, Webhooks, Workspaces};
}

/// A position in a newest-first list: the last item's creation time and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub created_at: i64,
    pub id: String,
}

/// All of a store: every aggregate, plus what the process itself needs.
#[async_trait]
pub trait Store:
    Workspaces + Polls + VoteLog + Idempotency + Webhooks + Accounts + Send + Sync + 'static
{
    /// Answers when the store can serve requests.
    async fn ping(&self) -> StoreResult<()>;
    async fn meta(&self, key: &str) -> StoreResult<Option<String>>;
    async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()>;

    /// How long after acknowledging a write the store may still lose it to a crash (`None`:
    /// an acknowledged write is durable). A single replica with a periodic commitlog, as
    /// ScyllaDB and Cassandra have by default, acknowledges before it syncs: tally writes the
    /// votes it acknowledged in Redis once more after this window, and only then lets Redis
    /// forget them (see docs/scylla.md).
    fn unsettled_window(&self) -> Option<std::time::Duration> {
        None
    }
}

/// Opens the store a `--store` setting names: SQLite in `data_dir`, or a CQL cluster.
pub async fn open(
    uri: &StoreUri,
    data_dir: &std::path::Path,
    options: ScyllaOptions,
) -> StoreResult<Arc<dyn Store>> {
    Ok(match uri {
        StoreUri::Sqlite => Arc::new(SqliteStore::open(data_dir)?),
        StoreUri::Scylla { nodes, keyspace } => {
            Arc::new(ScyllaStore::connect(nodes, keyspace, options).await?)
        }
    })
}
