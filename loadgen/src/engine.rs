//! The open-model run: polls with skewed popularity, voters with their own tokens, arrivals
//! on a schedule that does not wait for answers, viewers on the hottest poll, and a settle
//! phase that checks every accepted vote was counted.
//!
//! Threads: the viewers (and the once-a-second sampler) run on one actix system, the votes
//! on `--threads` others (`sender`), each taking every n-th arrival of one shared schedule;
//! each thread records into its own `Stats`, merged at the end.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cli::{DedupeArg, OpenModel};
use crate::profile::{Arrivals, Profile};
use crate::sender;
use crate::stats::{Percentiles, Stats, quantile_ms};
use crate::target::{self, AnyError};
use crate::viewers::{self, Fleet};

/// A scenario as the engine runs it.
pub struct Run {
    pub scenario: &'static str,
    pub profile: Profile,
    pub duration: f64,
    pub hold: f64,
    pub opts: OpenModel,
}

pub struct Poll {
    pub id: String,
    pub options: Vec<Value>,
    pub votes_path: String,
    /// Votes sent to it so far: picks the next voter, so no voter repeats until all have voted.
    pub sent: AtomicUsize,
    pub accepted: AtomicU64,
}

/// What every thread shares.
pub struct Plan {
    pub opts: OpenModel,
    pub base: String,
    /// `host:port` of the base URL, for the Host header.
    pub host: String,
    pub polls: Vec<Poll>,
    pub cdf: Vec<f64>,
    pub tokens: Vec<String>,
    pub profile: Profile,
    pub duration: f64,
    /// When each vote to the hot poll (the first) was accepted, in the order the answers came.
    pub hot_accepted: Mutex<Vec<Instant>>,
    /// Set when the votes start; the timeline counts from it.
    pub load_start: OnceLock<Instant>,
    pub stop: AtomicBool,
}

/// Poll k's share is proportional to 1/(k+1)^skew; returns the cumulative shares.
fn zipf_cdf(n: usize, skew: f64) -> Vec<f64> {
    let weights: Vec<f64> = (0..n).map(|k| 1.0 / ((k + 1) as f64).powf(skew)).collect();
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    weights
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect()
}

pub async fn run(run: Run) -> Result<Value, AnyError> {
    let opts = run.opts.clone();
    let base = opts.target.base.trim_end_matches('/').to_owned();
    target::check_loopback(&base)?;
    if let Some(live) = &opts.live_base {
        target::check_loopback(live)?;
    }
    let (host, server) = target::server_addr(&base)?;
    let setup = target::client(64, None);
    let dedupe = opts.dedupe.as_str();
    let mut polls = Vec::new();
    for k in 0..opts.polls.max(1) {
        let p = target::create_poll(
            &setup,
            &base,
            &opts.target.api_key,
            &format!("loadgen {} poll {k}", run.scenario),
            dedupe,
        )
        .await?;
        let id = p["id"].as_str().unwrap_or_default().to_owned();
        polls.push(Poll {
            votes_path: format!("/v1/polls/{id}/votes"),
            options: p["options"]
                .as_array()
                .map(|o| o.iter().map(|o| o["id"].clone()).collect())
                .unwrap_or_default(),
            id,
            sent: AtomicUsize::new(0),
            accepted: AtomicU64::new(0),
        });
    }
    let has_votes = Arrivals::new(run.profile, run.duration).next().is_some();
    let tokens = if opts.dedupe == DedupeArg::Browser && has_votes {
        eprintln!("loadgen: minting {} voter tokens", opts.voters);
        target::mint_voters(&setup, &base, opts.voters.max(1)).await?
    } else {
        Vec::new()
    };
    let plan = Arc::new(Plan {
        cdf: zipf_cdf(polls.len(), opts.skew),
        polls,
        tokens,
        profile: run.profile,
        duration: run.duration,
        hot_accepted: Mutex::new(Vec::new()),
        load_start: OnceLock::new(),
        stop: AtomicBool::new(false),
        host: host.clone(),
        base: base.clone(),
        opts: opts.clone(),
    });

    // The viewers first, connected before any vote.
    let rss_before_viewers = opts.server_pid.and_then(target::rss_kib);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let viewer_plan = plan.clone();
    let viewer_thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(viewers::run(viewer_plan, ready_tx))
    });
    let connect_secs = ready_rx.recv().unwrap_or(0.0);

    eprintln!(
        "loadgen: {} for {:.0}s ({:?}) on {} threads",
        run.scenario, run.duration, run.profile, opts.threads
    );
    let cpu_before = target::own_cpu_secs();
    let load_start = Instant::now();
    let _ = plan.load_start.set(load_start);
    let senders: Vec<_> = (0..opts.threads.max(1))
        .map(|j| {
            let plan = plan.clone();
            std::thread::spawn(move || sender::run_thread(plan, j, server))
        })
        .collect();
    let mut stats = Stats::new(load_start);
    for s in senders {
        if let Ok(s) = s.join() {
            stats.merge(s);
        }
    }
    let sent_secs = load_start.elapsed().as_secs_f64();
    let cpu_secs = target::own_cpu_secs() - cpu_before;
    if run.hold > 0.0 {
        actix_web::rt::time::sleep(Duration::from_secs_f64(run.hold)).await;
    }

    // Every accepted vote must be counted: wait for tally, then compare poll by poll.
    let accepted: u64 = plan
        .polls
        .iter()
        .map(|p| p.accepted.load(Ordering::Relaxed))
        .sum();
    // A fresh client: this thread sat blocked in the joins above, and its pool's
    // connections may have been closed meanwhile.
    let settle = target::client(4, None);
    let settle_start = Instant::now();
    // A read that fails is retried, and if it still fails it is reported as unreadable:
    // never as zero votes counted (a 429 from the management API's limit is not a loss).
    let mut counted_by_poll: Vec<Result<u64, String>>;
    loop {
        counted_by_poll = Vec::with_capacity(plan.polls.len());
        for p in &plan.polls {
            let n = target::counted_retrying(&settle, &base, &opts.target.api_key, &p.id).await;
            counted_by_poll.push(n);
        }
        let all_read = counted_by_poll.iter().all(Result::is_ok);
        let counted: u64 = counted_by_poll.iter().flatten().sum();
        if (all_read && counted >= accepted)
            || settle_start.elapsed().as_secs_f64() > opts.settle_secs
        {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let settle_secs = settle_start.elapsed().as_secs_f64();
    plan.stop.store(true, Ordering::Relaxed);
    let (viewer_stats, fleet) = viewer_thread
        .join()
        .map_err(|_| "the viewer thread panicked")?;
    stats.merge(viewer_stats);

    let counted: u64 = counted_by_poll.iter().flatten().sum();
    let unreadable: Vec<Value> = plan
        .polls
        .iter()
        .zip(&counted_by_poll)
        .filter_map(|(p, c)| c.as_ref().err().map(|e| json!({"poll": p.id, "error": e})))
        .collect();
    let per_poll_mismatch: Vec<Value> = plan
        .polls
        .iter()
        .zip(&counted_by_poll)
        .filter_map(|(p, c)| Some((p, *c.as_ref().ok()?)))
        .filter(|(p, c)| p.accepted.load(Ordering::Relaxed) != *c)
        .map(|(p, c)| {
            json!({"poll": p.id, "accepted": p.accepted.load(Ordering::Relaxed), "counted": c})
        })
        .collect();
    // Lost and doubled are known only when every poll's results could be read.
    let (lost, beyond) = if unreadable.is_empty() {
        (
            json!(accepted.saturating_sub(counted)),
            json!(counted.saturating_sub(accepted)),
        )
    } else {
        (Value::Null, Value::Null)
    };

    let due: u64 = stats.seconds.iter().map(|s| s.due).sum();
    let dropped = stats.count("dropped_arrival");
    let sent = due - dropped;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut warnings = Vec::new();
    if dropped > 0 {
        warnings.push(format!(
            "{dropped} arrivals were dropped because {} votes were already in flight: the \
             schedule was not kept, so the rates below are not the ones asked for",
            opts.max_inflight
        ));
    }
    let lag_p99 = Percentiles::of(&stats.schedule_lag).p99;
    if lag_p99 > 5.0 {
        warnings.push(format!(
            "votes were queued up to {lag_p99:.1} ms after their due time at p99: the generator \
             itself could not keep the schedule \
             (it used {cpu_secs:.1} CPU-seconds in {sent_secs:.1} s on a {cpus}-core machine it \
             shares with the server)"
        ));
    }
    if fleet.failed > 0 || fleet.lost > 0 {
        warnings.push(format!(
            "{} viewers failed to connect and {} were disconnected: vote-to-screen covers the \
             others only",
            fleet.failed, fleet.lost
        ));
    }
    if !unreadable.is_empty() {
        warnings.push(format!(
            "the results of {} polls could not be read after retries ({}): their votes are \
             neither counted nor lost in this report",
            unreadable.len(),
            unreadable[0]["error"].as_str().unwrap_or_default()
        ));
    } else if counted != accepted {
        warnings.push(format!(
            "counted {counted} votes but {accepted} were accepted (after waiting {settle_secs:.1} s)"
        ));
    }
    let already = stats.count("already_voted");
    if already > 0 {
        warnings.push(format!(
            "{already} votes were refused as already_voted: a poll got more votes than there \
             are voters (--voters {})",
            opts.voters
        ));
    }
    let errors: serde_json::Map<String, Value> = stats
        .outcomes
        .iter()
        .filter(|(k, _)| k.as_str() != "accepted")
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let timeline: Vec<Value> = stats
        .seconds
        .iter()
        .enumerate()
        .map(|(t, s)| {
            json!({
                "t": t, "due": s.due, "sent": s.sent, "accepted": s.accepted, "errors": s.errors,
                "dropped": s.dropped,
                "http_p50_ms": quantile_ms(&s.http, 0.5),
                "http_p99_ms": quantile_ms(&s.http, 0.99),
                "v2s_p50_ms": quantile_ms(&s.v2s, 0.5),
                "v2s_p99_ms": quantile_ms(&s.v2s, 0.99),
                "v2s_frame_worst_p99_ms": quantile_ms(&s.v2s_frame_worst, 0.99),
                "server_rss_kib": s.server_rss_kib,
                "loadgen_cpu_secs_total": s.loadgen_cpu_secs,
                "viewers": s.viewers,
                "hot_poll_uncounted_votes": s.tally_lag_votes,
            })
        })
        .collect();
    let rss: Vec<u64> = stats
        .seconds
        .iter()
        .filter_map(|s| s.server_rss_kib)
        .collect();
    let lag: Vec<u64> = stats
        .seconds
        .iter()
        .filter_map(|s| s.tally_lag_votes)
        .collect();
    Ok(json!({
        "scenario": run.scenario,
        "base": base,
        "profile": run.profile,
        "duration_secs": run.duration,
        "config": {
            "polls": plan.polls.len(), "skew": opts.skew,
            "hot_poll_share": plan.cdf.first().copied().unwrap_or(1.0),
            "dedupe": dedupe, "voters": plan.tokens.len(), "viewers": opts.viewers,
            "source_addrs": opts.source_addrs.max(1), "max_inflight": opts.max_inflight,
            "connections": opts.connections, "live_base": opts.live_base,
            "threads": opts.threads.max(1),
        },
        "machine": {
            "cpus": cpus,
            "loadgen_cpu_secs": cpu_secs,
            "loadgen_cpu_percent": if sent_secs > 0.0 { cpu_secs / sent_secs * 100.0 } else { 0.0 },
        },
        "arrivals": {
            "due": due, "sent": sent, "dropped": dropped,
            "schedule_lag_ms": Percentiles::of(&stats.schedule_lag),
            "queue_wait_ms": Percentiles::of(&stats.queue_wait),
        },
        "votes": {
            "accepted": accepted,
            "accepted_per_second": if sent_secs > 0.0 { accepted as f64 / sent_secs } else { 0.0 },
            "counted": counted,
            "lost": lost,
            "counted_beyond_accepted": beyond,
            "mismatched_polls": per_poll_mismatch,
            "unreadable_polls": unreadable,
            "settle_secs": settle_secs,
            "hot_poll_uncounted_max": lag.iter().max(),
        },
        "errors": errors,
        "http_latency_ms": Percentiles::of(&stats.http),
        "http_service_time_ms": Percentiles::of(&stats.service),
        "vote_to_screen_ms": Percentiles::of(&stats.v2s),
        "vote_to_screen_frame_worst_ms": Percentiles::of(&stats.v2s_frame_worst),
        "viewers": {
            "asked": opts.viewers, "connected_at_end": fleet.connected,
            "failed": fleet.failed, "disconnected": fleet.lost,
            "snapshots_received": fleet.snapshots, "connect_secs": connect_secs,
            "timing_every_vote": fleet.sampled,
            "server_rss_kib": {
                "before_viewers": rss_before_viewers,
                "first": rss.first(), "last": rss.last(), "max": rss.iter().max(),
            },
        },
        "phases": {"sending_secs": sent_secs},
        "trust": {"warnings": warnings},
        "timeline": timeline,
    }))
}

/// Once a second until the run stops: the server's memory, loadgen's CPU, the viewers still
/// connected, and how far tally is behind on the hot poll.
pub async fn sample(plan: Arc<Plan>, stats: Rc<RefCell<Stats>>, fleet: Rc<Fleet>) {
    let client = target::client(4, None);
    while !plan.stop.load(Ordering::Relaxed) {
        actix_web::rt::time::sleep(Duration::from_secs(1)).await;
        let now = Instant::now();
        let rss = plan.opts.server_pid.and_then(target::rss_kib);
        let cpu = target::own_cpu_secs();
        let hot = &plan.polls[0];
        let accepted = hot.accepted.load(Ordering::Relaxed);
        let counted = target::counted(&client, &plan.base, &plan.opts.target.api_key, &hot.id)
            .await
            .ok();
        let mut s = stats.borrow_mut();
        let sec = s.second(now);
        sec.server_rss_kib = rss;
        sec.loadgen_cpu_secs = cpu;
        sec.viewers = fleet.connected.get();
        sec.tally_lag_votes = counted.map(|c| accepted.saturating_sub(c));
    }
}
