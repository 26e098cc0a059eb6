//! For tests of any crate that want a ScyllaDB store: the cluster named by `SCYLLA_URI`
//! (`host:port[,host:port...]`), a keyspace of their own. Without `SCYLLA_URI` they are
//! skipped visibly (see [`gate`]), unless `POLLCAST_REQUIRE_SCYLLA=1` (CI), where that is a
//! failure.

use crate::{Replication, ScyllaOptions, ScyllaStore, StoreError};

/// Tests that need something this machine may not have (a CQL server, nginx, a browser):
/// one way to ask whether it is required, and one way to say a test was skipped.
pub mod gate {
    use std::io::Write;

    /// Whether `POLLCAST_REQUIRE_<NAME>=1` makes the missing thing a failure (CI sets every
    /// one). Every gate reads its variable this one way.
    pub fn required(name: &str) -> bool {
        std::env::var(format!("POLLCAST_REQUIRE_{name}")).is_ok_and(|v| v == "1")
    }

    /// Skips `test` because of `why`, or fails it when the gate `name` is required. The line
    /// goes to the runner's own standard error, past the test's captured output, so
    /// `cargo test` shows which test did not run and why, between its `ok` lines.
    pub fn skip(name: &str, test: &str, why: &str) {
        assert!(
            !required(name),
            "{test}: POLLCAST_REQUIRE_{name}=1, but {why}"
        );
        let line =
            format!("SKIPPED {test}: {why} (POLLCAST_REQUIRE_{name}=1 makes it a failure)\n");
        match std::fs::OpenOptions::new().append(true).open("/dev/stderr") {
            Ok(mut stderr) => {
                let _ = stderr.write_all(line.as_bytes());
            }
            Err(_) => eprint!("{line}"),
        }
    }
}

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
            gate::skip(
                "SCYLLA",
                test,
                "SCYLLA_URI is not set (docs/scylla.md: run it against a CQL server)",
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
