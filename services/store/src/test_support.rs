//! For tests of any crate that want a ScyllaDB store: the cluster named by `SCYLLA_URI`
//! (`host:port[,host:port...]`), a keyspace of their own. Without `SCYLLA_URI` they are
//! skipped with a message, unless `POLLCAST_REQUIRE_SCYLLA=1` (CI), where that is a failure.

use crate::{Replication, ScyllaOptions, ScyllaStore, StoreError};

/// A CQL cluster for one test: its nodes and a fresh keyspace.
#[derive(Debug, Clone)]
pub struct ScyllaForTest {
    pub nodes: Vec<String>,
    pub keyspace: String,
}

impl ScyllaForTest {
    /// The cluster `SCYLLA_URI` names, with a keyspace unique to this call, or `None` (the
    /// test should return) after saying it was skipped.
    pub fn from_env(test: &str) -> Option<Self> {
        let Ok(raw) = std::env::var("SCYLLA_URI") else {
            if std::env::var("POLLCAST_REQUIRE_SCYLLA").is_ok_and(|v| v == "1") {
                // A required server that is missing is a failure, never a skip.
                #[allow(clippy::panic)]
                {
                    panic!("{test}: POLLCAST_REQUIRE_SCYLLA=1 but SCYLLA_URI is not set");
                }
            }
            eprintln!(
                "SKIPPED {test}: SCYLLA_URI is not set (see docs/scylla.md to run it against a CQL server)"
            );
            return None;
        };
        let hosts = raw.trim_start_matches("scylla://");
        let hosts = hosts.split('/').next().unwrap_or(hosts);
        let mut rand = [0u8; 6];
        let _ = getrandom::fill(&mut rand);
        let suffix: String = rand.iter().map(|b| format!("{b:02x}")).collect();
        let name: String = test
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(24)
            .collect();
        Some(Self {
            nodes: hosts.split(',').map(str::to_owned).collect(),
            keyspace: format!("t_{name}_{suffix}"),
        })
    }

    /// The `--store` value that names this keyspace.
    pub fn store_uri(&self) -> String {
        format!("scylla://{}/{}", self.nodes.join(","), self.keyspace)
    }

    pub async fn connect(&self) -> Result<ScyllaStore, StoreError> {
        ScyllaStore::connect(&self.nodes, &self.keyspace, Self::options()).await
    }

    /// One replica: a test cluster may be one node.
    pub fn options() -> ScyllaOptions {
        ScyllaOptions {
            replication: Replication::parse("SimpleStrategy:1").unwrap_or_default(),
            ..ScyllaOptions::default()
        }
    }

    /// Drops the keyspace, so a test leaves nothing behind.
    pub async fn drop_keyspace(&self, store: &ScyllaStore) {
        let _ = store
            .session()
            .query_unpaged(format!("DROP KEYSPACE IF EXISTS {}", self.keyspace), ())
            .await;
    }
}
