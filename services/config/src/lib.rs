//! Configuration shared by every pollcast binary. Each setting comes from, in order of
//! precedence: a command-line flag, its `POLLCAST_*` environment twin, the TOML file named by
//! `--config`, then the default. Every binary takes the same flags; each uses those that apply.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Default, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opts {
    /// Address to listen on for HTTP and WebSocket traffic.
    #[arg(long, env = "POLLCAST_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Directory for the embedded store, the embedded Redis and the server secret.
    #[arg(long, env = "POLLCAST_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Redis to use (redis://host:port or unix:///path). Absent: pollcast starts its own
    /// redis-server with its files in the data directory.
    #[arg(long, env = "POLLCAST_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Prefix of every Redis key, so several deployments can share one Redis.
    #[arg(long, env = "POLLCAST_REDIS_PREFIX")]
    pub redis_prefix: Option<String>,
    /// The public base URL of every link pollcast prints or renders.
    #[arg(long, env = "POLLCAST_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Services to run in this process (comma list): api, vote-ingest, tally, results-broadcast.
    #[arg(long, env = "POLLCAST_SERVICES", value_delimiter = ',')]
    pub services: Option<Vec<String>>,
    /// TOML file with any of these settings (flags and environment take precedence).
    #[arg(long, env = "POLLCAST_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Number of votes-stream shards new polls are spread over. Only ever raise it.
    #[arg(long, env = "POLLCAST_SHARDS")]
    pub shards: Option<u32>,
    /// Shortest interval between two results snapshots of one poll, in milliseconds.
    #[arg(long, env = "POLLCAST_COALESCE_MS")]
    pub coalesce_ms: Option<u64>,
    /// How long a delivered vote may stay unacknowledged before another tally instance
    /// reclaims it, in milliseconds.
    #[arg(long, env = "POLLCAST_CLAIM_IDLE_MS")]
    pub claim_idle_ms: Option<u64>,
    /// Most votes tally reads and commits in one batch.
    #[arg(long, env = "POLLCAST_TALLY_BATCH")]
    pub tally_batch: Option<usize>,
    /// Seconds between WebSocket pings.
    #[arg(long, env = "POLLCAST_WS_PING_SECS")]
    pub ws_ping_secs: Option<u64>,
    /// Seconds of silence after which a WebSocket client is dropped.
    #[arg(long, env = "POLLCAST_WS_IDLE_SECS")]
    pub ws_idle_secs: Option<u64>,
    /// Log format: `text` or `json`.
    #[arg(long, env = "POLLCAST_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "POLLCAST_WORKERS")]
    pub workers: Option<usize>,
    /// appendfsync policy of the embedded redis-server: `always` or `everysec`.
    #[arg(long, env = "POLLCAST_REDIS_FSYNC")]
    pub redis_fsync: Option<String>,
    /// Id of the key that signs new access tokens. Rotate by moving to a new id and keeping
    /// the old one in --jwt-previous-kids until its tokens have expired (15 minutes).
    #[arg(long, env = "POLLCAST_JWT_KID")]
    pub jwt_kid: Option<String>,
    /// Reverse proxies whose X-Forwarded-For is believed (comma list of addresses or CIDRs).
    #[arg(long, env = "POLLCAST_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Option<Vec<String>>,
    /// Votes per second per client address (bursts of twice that); 0 turns it off.
    #[arg(long, env = "POLLCAST_RATE_VOTES_PER_IP")]
    pub rate_votes_per_ip: Option<u32>,
    /// Votes per second per poll; 0 turns it off.
    #[arg(long, env = "POLLCAST_RATE_VOTES_PER_POLL")]
    pub rate_votes_per_poll: Option<u32>,
    /// Voter tokens minted per second per client address; 0 turns it off.
    #[arg(long, env = "POLLCAST_RATE_VOTERS_PER_IP")]
    pub rate_voters_per_ip: Option<u32>,
    /// Management calls per second per API key; 0 turns it off.
    #[arg(long, env = "POLLCAST_RATE_API_PER_KEY")]
    pub rate_api_per_key: Option<u32>,
    /// Key ids still accepted on access tokens (comma list).
    #[arg(long, env = "POLLCAST_JWT_PREVIOUS_KIDS", value_delimiter = ',')]
    pub jwt_previous_kids: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The settings in force, every default applied.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub redis_url: Option<String>,
    pub redis_prefix: String,
    pub public_url: String,
    pub services: Vec<String>,
    pub shards: u32,
    pub coalesce_ms: u64,
    pub claim_idle_ms: u64,
    pub tally_batch: usize,
    pub ws_ping_secs: u64,
    pub ws_idle_secs: u64,
    pub log_format: LogFormat,
    pub workers: usize,
    pub redis_fsync: String,
    pub jwt_kid: String,
    pub jwt_previous_kids: Vec<String>,
    pub trusted_proxies: Vec<String>,
    pub rate_votes_per_ip: u32,
    pub rate_votes_per_poll: u32,
    pub rate_voters_per_ip: u32,
    pub rate_api_per_key: u32,
}

pub const ALL_SERVICES: &[&str] = &["api", "vote-ingest", "tally", "results-broadcast"];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("{0}")]
    Invalid(String),
}

impl Opts {
    /// Applies the TOML file (if any) under these flags, then the defaults.
    pub fn resolve(self) -> Result<Settings, ConfigError> {
        let file = match &self.config {
            Some(path) => read_file(path)?,
            None => Opts::default(),
        };
        let o = self.or(file);
        let listen = o
            .listen
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let public_url = o
            .public_url
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_owned();
        let services = o
            .services
            .unwrap_or_else(|| ALL_SERVICES.iter().map(|s| (*s).to_owned()).collect());
        if let Some(bad) = services
            .iter()
            .find(|s| !ALL_SERVICES.contains(&s.as_str()))
        {
            return Err(ConfigError::Invalid(format!(
                "unknown service `{bad}`; known: {}",
                ALL_SERVICES.join(", ")
            )));
        }
        let redis_fsync = o.redis_fsync.unwrap_or_else(|| "everysec".to_owned());
        if !["always", "everysec"].contains(&redis_fsync.as_str()) {
            return Err(ConfigError::Invalid(
                "redis_fsync must be `always` or `everysec`".into(),
            ));
        }
        let shards = o.shards.unwrap_or(4);
        if !(1..=1024).contains(&shards) {
            return Err(ConfigError::Invalid("shards must be 1..=1024".into()));
        }
        Ok(Settings {
            listen,
            data_dir: o.data_dir.unwrap_or_else(|| PathBuf::from("./data")),
            redis_url: o.redis_url,
            redis_prefix: o.redis_prefix.unwrap_or_else(|| "pc".to_owned()),
            public_url,
            services,
            shards,
            coalesce_ms: o.coalesce_ms.unwrap_or(100),
            claim_idle_ms: o.claim_idle_ms.unwrap_or(30_000),
            tally_batch: o.tally_batch.unwrap_or(500).clamp(1, 10_000),
            ws_ping_secs: o.ws_ping_secs.unwrap_or(20).max(1),
            ws_idle_secs: o.ws_idle_secs.unwrap_or(60).max(2),
            log_format: o.log_format.unwrap_or_default(),
            workers: o
                .workers
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            redis_fsync,
            jwt_kid: o.jwt_kid.unwrap_or_else(|| "k1".to_owned()),
            jwt_previous_kids: o.jwt_previous_kids.unwrap_or_default(),
            trusted_proxies: o.trusted_proxies.unwrap_or_default(),
            rate_votes_per_ip: o.rate_votes_per_ip.unwrap_or(50),
            rate_votes_per_poll: o.rate_votes_per_poll.unwrap_or(20_000),
            rate_voters_per_ip: o.rate_voters_per_ip.unwrap_or(5),
            rate_api_per_key: o.rate_api_per_key.unwrap_or(50),
        })
    }

    fn or(self, file: Opts) -> Opts {
        Opts {
            listen: self.listen.or(file.listen),
            data_dir: self.data_dir.or(file.data_dir),
            redis_url: self.redis_url.or(file.redis_url),
            redis_prefix: self.redis_prefix.or(file.redis_prefix),
            public_url: self.public_url.or(file.public_url),
            services: self.services.or(file.services),
            config: self.config,
            shards: self.shards.or(file.shards),
            coalesce_ms: self.coalesce_ms.or(file.coalesce_ms),
            claim_idle_ms: self.claim_idle_ms.or(file.claim_idle_ms),
            tally_batch: self.tally_batch.or(file.tally_batch),
            ws_ping_secs: self.ws_ping_secs.or(file.ws_ping_secs),
            ws_idle_secs: self.ws_idle_secs.or(file.ws_idle_secs),
            log_format: self.log_format.or(file.log_format),
            workers: self.workers.or(file.workers),
            redis_fsync: self.redis_fsync.or(file.redis_fsync),
            jwt_kid: self.jwt_kid.or(file.jwt_kid),
            jwt_previous_kids: self.jwt_previous_kids.or(file.jwt_previous_kids),
            trusted_proxies: self.trusted_proxies.or(file.trusted_proxies),
            rate_votes_per_ip: self.rate_votes_per_ip.or(file.rate_votes_per_ip),
            rate_votes_per_poll: self.rate_votes_per_poll.or(file.rate_votes_per_poll),
            rate_voters_per_ip: self.rate_voters_per_ip.or(file.rate_voters_per_ip),
            rate_api_per_key: self.rate_api_per_key.or(file.rate_api_per_key),
        }
    }
}

fn read_file(path: &Path) -> Result<Opts, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|source| ConfigError::Parse {
        path: path.to_owned(),
        source: Box::new(source),
    })
}

impl Settings {
    pub fn runs(&self, service: &str) -> bool {
        self.services.iter().any(|s| s == service)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let dir = std::env::temp_dir().join(format!("pollcast-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("pollcast.toml");
        std::fs::write(
            &path,
            "shards = 8\ncoalesce_ms = 250\npublic_url = \"https://polls.example/\"\n",
        )
        .unwrap();
        let opts = Opts {
            config: Some(path),
            coalesce_ms: Some(50),
            ..Opts::default()
        };
        let s = opts.resolve().unwrap();
        assert_eq!(s.shards, 8);
        assert_eq!(s.coalesce_ms, 50);
        assert_eq!(s.public_url, "https://polls.example");
        assert_eq!(s.claim_idle_ms, 30_000);
        assert_eq!(s.services.len(), 4);
    }

    #[test]
    fn unknown_keys_and_services_are_refused() {
        let dir = std::env::temp_dir().join(format!("pollcast-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.toml");
        std::fs::write(&path, "shardz = 8\n").unwrap();
        let err = Opts {
            config: Some(path),
            ..Opts::default()
        }
        .resolve()
        .unwrap_err();
        assert!(matches!(err, ConfigError::Parse { .. }));
        let err = Opts {
            services: Some(vec!["tally".into(), "nope".into()]),
            ..Opts::default()
        }
        .resolve()
        .unwrap_err();
        assert!(err.to_string().contains("nope"));
    }
}
