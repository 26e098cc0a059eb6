//! Command-line options. Every option is documented here, so `loadgen --help` and
//! `loadgen <scenario> --help` are the reference.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    version,
    about = "pollcast load generator: open-model vote traffic, live viewer fleets, and reports \
             (sends traffic to loopback addresses only)",
    long_about = "pollcast load generator.\n\n\
        The open-model scenarios (steady, spike, viewers, soak) send votes at a fixed arrival \
        rate whatever the server's latency, record every latency from the moment a vote was \
        due (so a stalled server cannot hide its stall: coordinated omission is corrected), \
        keep WebSocket viewers on the hottest poll to time vote-to-screen, and write a JSON and \
        an offline HTML report. The closed-loop scenarios (pipeline, latency, export) are the \
        first instruments, kept for their figures in docs/benchmarks.md."
)]
pub struct Cli {
    #[command(subcommand)]
    pub scenario: Scenario,
}

#[derive(Subcommand)]
pub enum Scenario {
    /// A constant arrival rate for --duration-secs.
    Steady(OpenModel),
    /// A launch or a TV mention: --rate, then --spike-factor times that within one second at
    /// --spike-at-secs, held for --spike-hold-secs, then back to --rate.
    Spike {
        #[command(flatten)]
        common: OpenModel,
        #[command(flatten)]
        spike: SpikeArgs,
    },
    /// Viewers only (no votes unless --rate is given): connects --viewers WebSockets and holds
    /// them, to measure the server's memory per connection (give --server-pid).
    Viewers(OpenModel),
    /// A long steady run (default 30 minutes) whose report shows whether memory stays flat and
    /// every accepted vote is counted.
    Soak(OpenModel),
    /// Closed loop: votes/s through the whole pipeline: sends --votes votes with --concurrency
    /// in flight, then waits until a WebSocket viewer sees every accepted vote counted.
    Pipeline(PipelineArgs),
    /// Vote-to-screen latency on an idle system: casts one vote at a time and times how long
    /// until a WebSocket viewer receives a snapshot that includes it.
    Latency(LatencyArgs),
    /// Baseline: a minimal HTTP endpoint that answers every POST with a 202 (the web stack
    /// with nothing behind it, or with one XADD: --redis), to compare pollcast's figures with.
    BaselineServer {
        /// Address to listen on (loopback).
        #[arg(long, default_value = "127.0.0.1:18099")]
        listen: String,
        /// Worker threads (pollcast's default is one per core).
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// A Redis URL (`unix:///path/redis.sock`): each request then parses its body as a vote
        /// and appends it with one `XADD`, the bare durable endpoint.
        #[arg(long)]
        redis: Option<String>,
    },
    /// A fast webhook receiver that measures: answers 204 at once, and records per path how
    /// long after the vote was accepted each `vote.created` arrived (`GET /stats`).
    WebhookReceiver {
        /// Address to listen on (loopback).
        #[arg(long, default_value = "127.0.0.1:18499")]
        listen: String,
        /// Worker threads.
        #[arg(long, default_value_t = 1)]
        workers: usize,
    },
    /// Closed loop: POSTs a vote-sized body --requests times to --url with --concurrency in
    /// flight and reports requests/s and latency (for pollcast or the baseline server alike).
    Ceiling {
        /// The URL to POST to (loopback).
        #[arg(long)]
        url: String,
        /// Requests to send.
        #[arg(long, default_value_t = 200_000)]
        requests: u64,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// The JSON body to send (a vote for one of the poll's options, for pollcast).
        #[arg(long, default_value = r#"{"option_ids": ["aaaaaaaa"]}"#)]
        body: String,
    },
    /// For a poll with bot protection: gets --count challenges from the poll's `/challenge`,
    /// solves them on every core, and writes one vote body per line (--body with its own
    /// `proof`) to --out, for a load tool to send each once. (Give the server a small
    /// `--bot-difficulty`: checking a solution costs it the same at any difficulty.)
    Proofs {
        /// The poll's challenge URL (loopback): `{base}/v1/polls/{id}/challenge`.
        #[arg(long)]
        url: String,
        /// Challenges to get and solve.
        #[arg(long, default_value_t = 100_000)]
        count: u64,
        /// Requests in flight at once while getting them.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// The vote each line carries, a `proof` added.
        #[arg(long)]
        body: String,
        /// The file to write.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// The attacker's cost: how many valid proofs of work one core solves per second at each
    /// difficulty (`maxnumber`), with the same SHA-256 a native forger would use. Needs no
    /// server: challenges are made locally with a throwaway key.
    ForgeCost {
        /// The difficulties to measure, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "60000,240000,960000")]
        maxnumbers: Vec<u64>,
        /// Seconds spent solving at each difficulty.
        #[arg(long, default_value_t = 5)]
        secs: u64,
    },
    /// Downloads a poll's vote log as CSV and reports its size, speed and the server's
    /// resident memory while it streams (read from /proc: run on the server's machine).
    Export(ExportArgs),
}

#[derive(Args, Clone)]
pub struct Target {
    /// Base URL of a running pollcast (a loopback address).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub base: String,
    /// An API key with polls:write and polls:read (from `pollcast workspace create`).
    #[arg(long, env = "POLLCAST_API_KEY", hide_env_values = true)]
    pub api_key: String,
}

#[derive(Args, Clone)]
pub struct OpenModel {
    #[command(flatten)]
    pub target: Target,
    /// Votes per second (arrivals are scheduled, not paced by answers); the spike's base rate.
    /// Default 1000; the viewers scenario sends none unless given.
    #[arg(long)]
    pub rate: Option<f64>,
    /// How long to send votes, in seconds (soak: 1800 unless given).
    #[arg(long)]
    pub duration_secs: Option<f64>,
    /// Polls to create; votes spread over them with a Zipf-like skew.
    #[arg(long, default_value_t = 20)]
    pub polls: usize,
    /// Zipf exponent of poll popularity: poll k gets a share proportional to 1/k^skew (1.0
    /// gives the first of 20 polls about 28% of the votes; 0 is uniform).
    #[arg(long, default_value_t = 1.0)]
    pub skew: f64,
    /// How voters are told apart: `browser` mints a voter token per voter (one vote per
    /// voter per poll, as the widget does), `none` sends no token.
    #[arg(long, value_enum, default_value_t = DedupeArg::Browser)]
    pub dedupe: DedupeArg,
    /// Voter tokens to mint before the run. A poll that gets more votes than this sees
    /// voters come back, which the server refuses as `already_voted` (reported apart).
    #[arg(long, default_value_t = 10_000)]
    pub voters: usize,
    /// WebSocket viewers on the hottest poll, connected before the votes start.
    #[arg(long, default_value_t = 100)]
    pub viewers: usize,
    /// Base URL the viewers connect to, when it is not --base: a results-broadcast instance
    /// of its own (a loopback address). Votes, polls and counts still go to --base.
    #[arg(long)]
    pub live_base: Option<String>,
    /// Spread the viewers (and vote connections) over this many source addresses
    /// 127.0.0.1, 127.0.0.2, ... so tens of thousands of sockets fit in the port range.
    #[arg(long, default_value_t = 8)]
    pub source_addrs: u8,
    /// Threads sending votes, each with its share of the connections (the viewers have one
    /// more thread).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Keep-alive connections the votes are sent over, in all (as many browsers would hold).
    #[arg(long, default_value_t = 256)]
    pub connections: usize,
    /// Votes in flight at most; an arrival due while this many wait is dropped and counted
    /// (a report with dropped arrivals measured the generator, not the server).
    #[arg(long, default_value_t = 2048)]
    pub max_inflight: usize,
    /// Process id of the pollcast serving the viewers, to sample its resident memory each
    /// second (read from /proc: run on the same machine).
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// After the last vote, wait up to this long for tally to count every accepted vote.
    #[arg(long, default_value_t = 60.0)]
    pub settle_secs: f64,
    /// Seconds to hold the viewers after the votes (the viewers scenario: 10 unless given).
    #[arg(long)]
    pub hold_secs: Option<f64>,
    /// Where the JSON and HTML reports go (`<scenario>.json`, `<scenario>.html`).
    #[arg(long, default_value = "loadgen-reports")]
    pub out_dir: PathBuf,
}

impl OpenModel {
    pub fn rate(&self) -> f64 {
        self.rate.unwrap_or(1000.0)
    }
}

#[derive(Args, Clone)]
pub struct SpikeArgs {
    /// The peak is this many times --rate.
    #[arg(long, default_value_t = 10.0)]
    pub spike_factor: f64,
    /// When the spike starts, seconds into the run.
    #[arg(long, default_value_t = 10.0)]
    pub spike_at_secs: f64,
    /// How long the peak lasts, after its one-second climb.
    #[arg(long, default_value_t = 5.0)]
    pub spike_hold_secs: f64,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DedupeArg {
    Browser,
    None,
}

impl DedupeArg {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Browser => "browser",
            Self::None => "none",
        }
    }
}

#[derive(Args)]
pub struct PipelineArgs {
    #[command(flatten)]
    pub target: Target,
    /// Votes to send.
    #[arg(long, default_value_t = 50_000)]
    pub votes: u64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Polls to spread the votes over (round-robin).
    #[arg(long, default_value_t = 1)]
    pub polls: usize,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout_secs: u64,
}

#[derive(Args)]
pub struct LatencyArgs {
    #[command(flatten)]
    pub target: Target,
    /// Votes to time.
    #[arg(long, default_value_t = 200)]
    pub samples: u64,
    /// Pause between samples. Below the server's coalescing interval (100 ms) each vote
    /// waits for the previous snapshot's interval to pass, which measures the coalescing,
    /// not the pipeline.
    #[arg(long, default_value_t = 150)]
    pub interval_ms: u64,
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub target: Target,
    /// The poll to export.
    #[arg(long)]
    pub poll: String,
    /// The server's process id, to sample its resident memory.
    #[arg(long)]
    pub server_pid: Option<u32>,
}
