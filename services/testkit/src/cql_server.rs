//! A CQL server of a test's own (`../shared/cql-server`, Apache Cassandra speaking CQL v4),
//! for fault tests that pause or kill it: the shared one of `SCYLLA_URI` must stay up for the
//! other tests. Skipped visibly where it cannot run, unless `POLLCAST_REQUIRE_SCYLLA=1`.

use std::path::PathBuf;
use std::process::Command;

use pollcast_store::test_support::{ScyllaForTest, gate};

/// A running CQL server in a temp dir; killed on drop.
pub struct CqlServer {
    pub addr: String,
    dir: tempfile::TempDir,
    start: PathBuf,
}

impl CqlServer {
    /// `$POLLCAST_CQL_SERVER`, or `../shared/cql-server/start` beside the project.
    fn script() -> PathBuf {
        std::env::var_os("POLLCAST_CQL_SERVER").map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/cql-server/start"),
            PathBuf::from,
        )
    }

    /// Starts one (about 5 to 30 s), or says why the test is skipped.
    pub fn start(test: &str) -> Option<Self> {
        let start = Self::script();
        let java = Command::new("java").arg("-version").output().is_ok();
        if !start.exists() || !java {
            let why = format!("needs {} and java (docs/scylla.md)", start.display());
            gate::skip("SCYLLA", test, &why);
            return None;
        }
        let dir = tempfile::Builder::new().prefix("pc-cql").tempdir().unwrap();
        let addr = Self::run(&start, &dir.path().to_owned(), None);
        Some(Self { addr, dir, start })
    }

    fn run(start: &PathBuf, dir: &PathBuf, port: Option<&str>) -> String {
        let mut cmd = Command::new(start);
        cmd.arg(dir);
        if let Some(port) = port {
            cmd.arg(port);
        }
        let out = cmd.output().expect("run the CQL server's start script");
        assert!(out.status.success(), "CQL server did not start: {out:?}");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .trim()
            .to_owned()
    }

    /// A cluster of this server for a test, with a keyspace of its own.
    pub fn cluster(&self, test: &str) -> ScyllaForTest {
        ScyllaForTest {
            nodes: vec![self.addr.clone()],
            keyspace: format!("t_{test}"),
        }
    }

    pub fn pid(&self) -> u32 {
        std::fs::read_to_string(self.dir.path().join("pid"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{sig}");
    }

    /// Starts the server again on its own data and port, after a SIGKILL.
    pub fn restart(&mut self) {
        let port = self.addr.rsplit(':').next().unwrap().to_owned();
        // The killed JVM may take a moment to let go of its port.
        std::thread::sleep(std::time::Duration::from_millis(500));
        let addr = Self::run(&self.start, &self.dir.path().to_owned(), Some(&port));
        assert_eq!(addr, self.addr, "restarted on its port");
    }
}

impl Drop for CqlServer {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join("pid")) {
            let _ = Command::new("kill").args(["-9", pid.trim()]).status();
        }
    }
}
