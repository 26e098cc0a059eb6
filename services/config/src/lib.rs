//! Configuration shared by every pollcast binary. Each setting comes from, in order of
//! precedence: a command-line flag, its `POLLCAST_*` environment twin, the TOML file named by
//! `--config`, then the default. Every binary takes the same flags; each uses those that apply.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Declares every setting once: its name (the flag `--name-with-dashes` and the TOML key),
/// type, default, environment variable, the default as documented, its help, and optionally a
/// check. From this come the flags (`--help` shows each default), the TOML keys, the resolved
/// [`Settings`], the precedence, the checks, and [`TABLE`], which a test holds
/// `docs/configuration.md` to. An invalid value is an error, never clamped.
macro_rules! settings {
    ($(
        $(#[$arg:meta])*
        $name:ident: $ty:ty = $default:expr, $env:literal, $shown:literal, $help:literal
        $(, check |$v:ident| $check:expr, $why:literal)?;
    )*) => {
        #[derive(Debug, Clone, Default, clap::Args, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Opts {
            $(
                $(#[$arg])*
                #[arg(long, env = $env, help = concat!($help, " [default: ", $shown, "]"))]
                pub $name: Option<$ty>,
            )*
            /// Redis to use (`redis://[user:password@]host:port`, `unix:///path`, or a Redis
            /// Cluster: `redis+cluster://[user:password@]host:port,host:port`). Absent:
            /// `pollcast serve` starts its own redis-server in the data directory.
            #[arg(long, env = "POLLCAST_REDIS_URL")]
            pub redis_url: Option<String>,
            /// TOML file with any of these settings (flags and environment take precedence).
            #[arg(long, env = "POLLCAST_CONFIG")]
            #[serde(skip)]
            pub config: Option<PathBuf>,
        }

        /// The settings in force, every default applied and every value checked.
        #[derive(Debug, Clone)]
        pub struct Settings {
            $( pub $name: $ty, )*
            pub redis_url: Option<RedisUrl>,
        }

        /// Every setting as `docs/configuration.md` lists it.
        pub const TABLE: &[SettingDoc] = &[
            $( SettingDoc { key: stringify!($name), env: $env, default: $shown, help: $help }, )*
        ];

        impl Opts {
            /// These flags over the TOML file (if any), then the defaults; then the checks.
            pub fn resolve(self) -> Result<Settings, ConfigError> {
                let file = match &self.config {
                    Some(path) => read_file(path)?,
                    None => Opts::default(),
                };
                let settings = Settings {
                    $( $name: match self.$name.or(file.$name) {
                        Some(v) => v,
                        None => $default,
                    }, )*
                    redis_url: self.redis_url.or(file.redis_url).map(RedisUrl),
                };
                $($(
                    let $v = &settings.$name;
                    if !$check {
                        return Err(ConfigError::Invalid(format!(
                            "{}: {}", stringify!($name), $why
                        )));
                    }
                )?)*
                Ok(settings.derive_defaults())
            }
        }
    };
}

/// One row of the settings table.
#[derive(Debug, Clone, Copy)]
pub struct SettingDoc {
    pub key: &'static str,
    pub env: &'static str,
    pub default: &'static str,
    pub help: &'static str,
}

impl SettingDoc {
    /// The row of `docs/configuration.md`'s table.
    pub fn row(&self) -> String {
        format!(
            "| `--{}` | `{}` | `{}` | {} | {} |",
            self.key.replace('_', "-"),
            self.env,
            self.key,
            self.default,
            self.help
        )
    }
}

settings! {
    listen: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8080)), "POLLCAST_LISTEN",
        "127.0.0.1:8080", "HTTP/WebSocket address (`:0` picks a free port)";
    data_dir: PathBuf = PathBuf::from("./data"), "POLLCAST_DATA_DIR", "./data",
        "SQLite store, server secret, embedded Redis files";
    store: String = "sqlite".to_owned(), "POLLCAST_STORE", "sqlite",
        "where polls, the vote log and accounts live: `sqlite` (a file in the data dir) or `scylla://host:port[,host:port...]/keyspace` (ScyllaDB or any CQL v4 server; see `docs/scylla.md`)",
        check |v| v == "sqlite" || v.starts_with("scylla://"), "must be `sqlite` or `scylla://host:port[,host:port...]/keyspace`";
    scylla_replication: String = "NetworkTopologyStrategy:3".to_owned(), "POLLCAST_SCYLLA_REPLICATION", "NetworkTopologyStrategy:3",
        "replication of the keyspace pollcast creates: `NetworkTopologyStrategy:N` (N replicas in each datacenter) or `SimpleStrategy:N` (one node: `SimpleStrategy:1`)",
        check |v| v.starts_with("NetworkTopologyStrategy:") || v.starts_with("SimpleStrategy:"), "must be `NetworkTopologyStrategy:N` or `SimpleStrategy:N`";
    redis_prefix: String = "pc".to_owned(), "POLLCAST_REDIS_PREFIX", "pc",
        "prefix of every Redis key, so several deployments can share one Redis",
        check |v| !v.is_empty() && !v.contains(['{', '}', ' ']), "must be non-empty, without braces or spaces";
    public_url: String = String::new(), "POLLCAST_PUBLIC_URL", "http://{listen}",
        "base of every printed or rendered link";
    #[arg(value_delimiter = ',')]
    services: Vec<String> = ALL_SERVICES.iter().map(|s| (*s).to_owned()).collect(),
        "POLLCAST_SERVICES", "all", "services this process runs, a comma list: `api,vote-ingest,tally,results-broadcast,web,webhook-dispatcher,console,mcp`",
        check |v| v.iter().all(|s| ALL_SERVICES.contains(&s.as_str())), "unknown service; known: api, vote-ingest, tally, results-broadcast, web, webhook-dispatcher, console, mcp";
    shards: u32 = 4, "POLLCAST_SHARDS", "4",
        "votes-stream shards new polls are spread over; only ever raise it, and give every tally the same value",
        check |v| (1..=1024).contains(v), "must be 1..=1024";
    coalesce_ms: u64 = 100, "POLLCAST_COALESCE_MS", "100",
        "shortest interval between two snapshots of one poll, ms",
        check |v| (1..=60_000).contains(v), "must be 1..=60000";
    claim_idle_ms: u64 = 30_000, "POLLCAST_CLAIM_IDLE_MS", "30000",
        "how long a delivered vote may stay unacknowledged before another tally reclaims it, ms",
        check |v| *v >= 100, "must be at least 100";
    tally_batch: usize = 500, "POLLCAST_TALLY_BATCH", "500", "most votes per tally batch",
        check |v| (1..=10_000).contains(v), "must be 1..=10000";
    ws_ping_secs: u64 = 20, "POLLCAST_WS_PING_SECS", "20",
        "WebSocket ping interval (also the SSE keep-alive), s",
        check |v| *v >= 1, "must be at least 1";
    ws_idle_secs: u64 = 60, "POLLCAST_WS_IDLE_SECS", "60",
        "a silent WebSocket client is dropped after this, s",
        check |v| *v >= 2, "must be at least 2";
    log_format: LogFormat = LogFormat::Text, "POLLCAST_LOG_FORMAT", "text",
        "`text` or `json` (logs go to stderr; filter with `RUST_LOG`)";
    workers: usize = std::thread::available_parallelism().map_or(2, |n| n.get()),
        "POLLCAST_WORKERS", "cores", "HTTP worker threads",
        check |v| (1..=1024).contains(v), "must be 1..=1024";
    background_threads: usize = std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
        "POLLCAST_BACKGROUND_THREADS", "half the cores, at least 1",
        "threads for tally, group commit, the publisher and the fan-out (beside the HTTP workers; the webhook dispatcher has as many threads as cores of its own, at nice 10)",
        check |v| (1..=1024).contains(v), "must be 1..=1024";
    redis_wait_replicas: u32 = 0, "POLLCAST_REDIS_WAIT_REPLICAS", "0",
        "a vote is answered `202` only once this many Redis replicas have it (`WAIT`), so it survives the loss of its master; `0` answers once the master has it (see `docs/scaling.md`)",
        check |v| *v <= 16, "must be 0..=16";
    redis_fsync: String = "everysec".to_owned(), "POLLCAST_REDIS_FSYNC", "everysec",
        "`appendfsync` of the embedded redis-server: `everysec` or `always`",
        check |v| v == "always" || v == "everysec", "must be `always` or `everysec`";
    #[arg(value_delimiter = ',')]
    trusted_proxies: Vec<String> = Vec::new(), "POLLCAST_TRUSTED_PROXIES", "none",
        "comma list of proxy addresses or CIDRs whose `X-Forwarded-For` is believed (for `ip` de-duplication, `after_vote` and rate limits); see `deploy/README.md`";
    #[arg(value_delimiter = ',')]
    webhook_allow_private: Vec<String> = Vec::new(), "POLLCAST_WEBHOOK_ALLOW_PRIVATE", "none",
        "comma list of CIDRs webhook targets may resolve into although private, loopback or link-local (e.g. `10.0.0.0/8`); everything else non-public is refused",
        check |v| v.iter().all(|c| c.parse::<ipnet::IpNet>().is_ok() || c.parse::<std::net::IpAddr>().is_ok()), "each entry must be an address or a CIDR";
    #[arg(num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    webhook_allow_http: bool = false, "POLLCAST_WEBHOOK_ALLOW_HTTP", "false",
        "also allow `http://` webhook URLs (default: `https://` only)";
    webhook_results_interval_secs: u32 = 10, "POLLCAST_WEBHOOK_RESULTS_INTERVAL_SECS", "10",
        "`results.updated` goes at most once per this many seconds per poll (the last change of a burst always goes)",
        check |v| (1..=86_400).contains(v), "must be 1..=86400";
    webhook_log_days: u32 = 30, "POLLCAST_WEBHOOK_LOG_DAYS", "30",
        "days the webhook delivery log keeps each attempt",
        check |v| (1..=3650).contains(v), "must be 1..=3650";
    #[arg(value_delimiter = ',')]
    webhook_retry_schedule: Vec<String> = ["5s", "5m", "30m", "2h", "5h", "10h", "10h"].iter().map(|s| (*s).to_owned()).collect(),
        "POLLCAST_WEBHOOK_RETRY_SCHEDULE", "5s,5m,30m,2h,5h,10h,10h",
        "waits between the attempts of a failing webhook delivery (`ms`, `s`, `m`, `h`, `d`), then it has failed",
        check |v| !v.is_empty() && v.len() <= 20 && v.iter().all(|d| is_duration(d)), "1 to 20 durations such as `5s`, `30m`, `10h`";
    rate_votes_per_ip: u32 = 50, "POLLCAST_RATE_VOTES_PER_IP", "50",
        "votes per second per client address, bursts of twice that; `0` is off";
    rate_votes_per_poll: u32 = 20_000, "POLLCAST_RATE_VOTES_PER_POLL", "20000",
        "votes per second per existing poll; `0` is off";
    rate_voters_per_ip: u32 = 5, "POLLCAST_RATE_VOTERS_PER_IP", "5",
        "voter tokens minted per second per client address; `0` is off";
    bot_difficulty: u64 = 60_000, "POLLCAST_BOT_DIFFICULTY", "60000",
        "`maxnumber` of a proof-of-work challenge for a protected poll under no pressure (a browser tries half of it on average); under attack it rises up to 16 times (docs/bot-protection.md)",
        check |v| (1..=10_000_000).contains(v), "must be 1..=10000000";
    rate_form_votes_protected: u32 = 30, "POLLCAST_RATE_FORM_VOTES_PROTECTED", "30",
        "votes per minute one poll with bot protection takes through its no-JavaScript form (which cannot solve a challenge), on top of one a minute per client address; `0` is off";
    rate_api_per_key: u32 = 50, "POLLCAST_RATE_API_PER_KEY", "50",
        "management calls per second per API key; `0` is off";
    rate_auth_failures_per_ip: u32 = 5, "POLLCAST_RATE_AUTH_FAILURES_PER_IP", "5",
        "failed authentications per second per client address (bursts of twice that) before its credentials are refused with `429` unread; `0` is off";
    live_per_ip: u32 = 1000, "POLLCAST_LIVE_PER_IP", "1000",
        "live connections (WebSocket and SSE) one client address may hold per process; `0` is off";
    shed_memory_percent: u8 = 80, "POLLCAST_SHED_MEMORY_PERCENT", "80",
        "vote-ingest answers `503` once Redis uses this share of its `maxmemory`, leaving tally room to drain the backlog; `100` is off",
        check |v| (1..=100).contains(v), "must be 1..=100";
    shed_backlog: u64 = 1_000_000, "POLLCAST_SHED_BACKLOG", "1000000",
        "vote-ingest answers `503` while tally has more than this many votes left to count; `0` is off";
    #[arg(num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    open_signup: bool = false, "POLLCAST_OPEN_SIGNUP", "false",
        "anyone may sign up to the console (each gets a new workspace); otherwise only the first person, then by invitation";
    signin_failures_per_minute: u32 = 5, "POLLCAST_SIGNIN_FAILURES_PER_MINUTE", "5",
        "failed console sign-ins per minute per account and client address before that address is refused for the account (four times that per address for any accounts; an account failing four times that from anywhere is slowed, never refused); `0` is off";
    session_days: u32 = 14, "POLLCAST_SESSION_DAYS", "14",
        "days a console session lasts",
        check |v| (1..=365).contains(v), "must be 1..=365";
    jwt_kid: String = "k1".to_owned(), "POLLCAST_JWT_KID", "k1",
        "key id that signs new access tokens",
        check |v| !v.is_empty(), "must not be empty";
    #[arg(value_delimiter = ',')]
    jwt_previous_kids: Vec<String> = Vec::new(), "POLLCAST_JWT_PREVIOUS_KIDS", "none",
        "key ids still accepted; to rotate, set a new `--jwt-kid` and keep the old one here for 15 minutes";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// A Redis URL, which may carry a password: `Debug` and `Display` show it as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl(String);

impl RedisUrl {
    /// The URL itself, password included: only for connecting.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // scheme://user:password@host → scheme://user:***@host
        match self.0.split_once("://") {
            Some((scheme, rest)) => match rest.split_once('@') {
                Some((userinfo, host)) => {
                    let user = userinfo.split_once(':').map_or("", |(u, _)| u);
                    write!(f, "{scheme}://{user}:***@{host}")
                }
                None => f.write_str(&self.0),
            },
            None => f.write_str("***"),
        }
    }
}

impl std::fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RedisUrl({self})")
    }
}

pub const ALL_SERVICES: &[&str] = &[
    "api",
    "vote-ingest",
    "tally",
    "results-broadcast",
    "web",
    "webhook-dispatcher",
    "console",
    "mcp",
];

/// `5s`, `500ms`, `30m`, `10h`, `1d`: a number and a unit.
pub fn is_duration(s: &str) -> bool {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && matches!(&s[digits..], "ms" | "s" | "m" | "h" | "d")
}

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

impl Settings {
    /// Defaults that depend on other settings.
    fn derive_defaults(mut self) -> Self {
        if self.public_url.is_empty() {
            self.public_url = format!("http://{}", self.listen);
        }
        self.public_url = self.public_url.trim_end_matches('/').to_owned();
        self
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
    /// Whether this process runs `service`.
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
        assert_eq!(s.services, ALL_SERVICES);
    }

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        opts: Opts,
        rest: Vec<String>,
    }

    fn parse(args: &[&str]) -> Opts {
        use clap::Parser;
        Cli::try_parse_from(std::iter::once("pollcast").chain(args.iter().copied()))
            .unwrap()
            .opts
    }

    #[test]
    fn boolean_settings_are_switches() {
        let on = parse(&["--webhook-allow-http", "--open-signup", "POLL"]);
        assert_eq!(on.webhook_allow_http, Some(true));
        assert_eq!(on.open_signup, Some(true));
        let off = parse(&["--webhook-allow-http=false", "--open-signup=true"]);
        assert_eq!(off.webhook_allow_http, Some(false));
        assert_eq!(off.open_signup, Some(true));
        assert_eq!(parse(&[]).webhook_allow_http, None);
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
        assert!(err.to_string().contains("services"));
    }

    #[test]
    fn invalid_values_are_errors_not_clamped() {
        for opts in [
            Opts {
                tally_batch: Some(0),
                ..Opts::default()
            },
            Opts {
                ws_idle_secs: Some(1),
                ..Opts::default()
            },
            Opts {
                shards: Some(5000),
                ..Opts::default()
            },
            Opts {
                redis_fsync: Some("sometimes".into()),
                ..Opts::default()
            },
        ] {
            assert!(matches!(opts.resolve(), Err(ConfigError::Invalid(_))));
        }
    }

    #[test]
    fn a_redis_password_never_shows() {
        let s = Opts {
            redis_url: Some("redis://app:hunter2@cache.internal:6379/0".into()),
            ..Opts::default()
        }
        .resolve()
        .unwrap();
        let url = s.redis_url.as_ref().unwrap();
        assert_eq!(url.expose(), "redis://app:hunter2@cache.internal:6379/0");
        assert_eq!(url.to_string(), "redis://app:***@cache.internal:6379/0");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    /// `docs/configuration.md` lists exactly the declared settings, in order, with their
    /// defaults and words.
    #[test]
    fn the_docs_table_is_the_declaration() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let table: Vec<&str> = doc
            .lines()
            .skip_while(|l| !l.starts_with("| flag | env |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .filter(|l| !l.starts_with("| `--redis-url`") && !l.starts_with("| `--config`"))
            .collect();
        let declared: Vec<String> = TABLE.iter().map(SettingDoc::row).collect();
        assert_eq!(
            table, declared,
            "regenerate the table in docs/configuration.md"
        );
    }
}
