use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::BusError;

#[derive(Debug, Clone)]
pub struct EmbeddedRedisOptions {
    /// Keep data in an append-only file (on for `pollcast serve`; tests may turn it off).
    pub persistent: bool,
    /// `always` or `everysec`.
    pub appendfsync: String,
}

impl Default for EmbeddedRedisOptions {
    fn default() -> Self {
        Self {
            persistent: true,
            appendfsync: "everysec".to_owned(),
        }
    }
}

/// A `redis-server` child process listening on a unix socket in `dir`, killed when dropped.
pub struct EmbeddedRedis {
    child: Option<Child>,
    dir: PathBuf,
    socket: PathBuf,
    options: EmbeddedRedisOptions,
}

impl EmbeddedRedis {
    /// Starts redis-server with its files in `dir` and waits until it answers.
    pub async fn start(dir: &Path, options: EmbeddedRedisOptions) -> Result<Self, BusError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| BusError::Start(format!("{}: {e}", dir.display())))?;
        let dir = dir
            .canonicalize()
            .map_err(|e| BusError::Start(format!("{}: {e}", dir.display())))?;
        let socket = dir.join("redis.sock");
        // sun_path holds 108 bytes on Linux.
        if socket.as_os_str().len() > 100 {
            return Err(BusError::Start(format!(
                "the data directory path is too long for a unix socket: {}",
                dir.display()
            )));
        }
        let mut me = Self {
            child: None,
            dir,
            socket,
            options,
        };
        me.shutdown_orphan().await;
        me.spawn().await?;
        Ok(me)
    }

    pub fn url(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    /// The server's process id while it runs (tests pause it with SIGSTOP).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same socket and files, after [`Self::kill`].
    pub async fn restart(&mut self) -> Result<(), BusError> {
        self.kill();
        self.spawn().await
    }

    fn binary() -> Option<PathBuf> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain(["/usr/bin", "/usr/sbin", "/usr/local/bin"].map(PathBuf::from))
            .map(|d| d.join("redis-server"))
            .find(|p| p.is_file())
    }

    async fn spawn(&mut self) -> Result<(), BusError> {
        let binary = Self::binary().ok_or(BusError::RedisServerMissing)?;
        let _ = std::fs::remove_file(&self.socket);
        let log = self.dir.join("redis.log");
        let mut cmd = Command::new(binary);
        cmd.arg("--port")
            .arg("0")
            .arg("--unixsocket")
            .arg(&self.socket)
            .arg("--unixsocketperm")
            .arg("700")
            .arg("--dir")
            .arg(&self.dir)
            .arg("--logfile")
            .arg(&log)
            .args(["--save", ""])
            .args(["--daemonize", "no"]);
        if self.options.persistent {
            cmd.args(["--appendonly", "yes"])
                .args(["--appendfsync", &self.options.appendfsync]);
        } else {
            cmd.args(["--appendonly", "no"]);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| BusError::Start(e.to_string()))?;
        self.child = Some(child);
        self.wait_ready(&log).await
    }

    async fn wait_ready(&mut self, log: &Path) -> Result<(), BusError> {
        let deadline = Instant::now() + Duration::from_secs(15);
        let client = redis::Client::open(self.url())?;
        loop {
            if let Ok(mut conn) = client.get_multiplexed_async_connection().await {
                // LOADING while the AOF replays: keep waiting.
                if redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .is_ok()
                {
                    return Ok(());
                }
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                let tail = std::fs::read_to_string(log).unwrap_or_default();
                let tail: Vec<&str> = tail.lines().rev().take(5).collect();
                return Err(BusError::Start(format!(
                    "redis-server exited with {status}: {}",
                    tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
                )));
            }
            if Instant::now() > deadline {
                return Err(BusError::Start(
                    "redis-server did not answer within 15 s".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A server left behind by a previous run that was killed (we cannot ask the kernel to
    /// kill our children with us without unsafe code): ask it to shut down cleanly, which
    /// flushes its append-only file, before starting ours on the same files.
    async fn shutdown_orphan(&self) {
        if !self.socket.exists() {
            return;
        }
        if let Ok(client) = redis::Client::open(self.url())
            && let Ok(Ok(mut conn)) = tokio::time::timeout(
                Duration::from_secs(1),
                client.get_multiplexed_async_connection(),
            )
            .await
        {
            tracing::warn!(socket = %self.socket.display(), "shutting down a redis-server left by an earlier run");
            let _ = redis::cmd("SHUTDOWN").query_async::<()>(&mut conn).await;
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline
                && client.get_multiplexed_async_connection().await.is_ok()
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

impl Drop for EmbeddedRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGTERM would be gentler, but std offers only SIGKILL without unsafe code; AOF
            // with everysec loses nothing a process kill can reach (see docs/architecture.md).
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn starts_answers_survives_a_kill_and_restarts_with_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let mut redis = EmbeddedRedis::start(
            dir.path(),
            EmbeddedRedisOptions {
                persistent: true,
                appendfsync: "always".into(),
            },
        )
        .await
        .unwrap();
        let client = redis::Client::open(redis.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = redis::cmd("SET")
            .arg("k")
            .arg("v")
            .query_async(&mut conn)
            .await
            .unwrap();
        redis.kill();
        assert!(
            redis::cmd("PING")
                .query_async::<String>(&mut conn)
                .await
                .is_err()
        );
        redis.restart().await.unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let v: String = redis::cmd("GET")
            .arg("k")
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(v, "v");
    }
}
