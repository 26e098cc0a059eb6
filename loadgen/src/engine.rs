//! The open-model run: polls with skewed popularity, voters with their own tokens, arrivals
//! on a schedule that does not wait for answers, viewers on the hottest poll, and a settle
//! phase that checks every accepted vote was counted.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cli::{DedupeArg, OpenModel};
use crate::profile::{Arrivals, Profile};
use crate::stats::{Percentiles, Stats, quantile_ms, record};
use crate::target::{self, AnyError};
use crate::viewers::{self, Accepted, Fleet};

/// A scenario as the engine runs it.
pub struct Run {
    pub scenario: &'static str,
    pub profile: Profile,
    pub duration: f64,
    pub hold: f64,
    pub opts: OpenModel,
}

struct Poll {
    id: String,
    options: Vec<Value>,
    votes_url: String,
    /// Votes sent to it so far: picks the next voter, so no voter repeats until all have voted.
    sent: Cell<usize>,
    accepted: Cell<u64>,
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

/// xorshift64*: cheap, and a run is reproducible.
struct Rng(Cell<u64>);

impl Rng {
    fn next(&self) -> u64 {
        let mut x = self.0.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn unit(&self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Shared {
    opts: OpenModel,
    polls: Vec<Poll>,
    cdf: Vec<f64>,
    tokens: Vec<String>,
    clients: Vec<awc::Client>,
    rng: Rng,
    stats: Rc<RefCell<Stats>>,
    hot: Rc<RefCell<Accepted>>,
    inflight: Cell<usize>,
}

pub async fn run(run: Run) -> Result<Value, AnyError> {
    let opts = run.opts.clone();
    let base = opts.target.base.trim_end_matches('/').to_owned();
    target::check_loopback(&base)?;
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
            votes_url: format!("{base}/v1/polls/{id}/votes"),
            options: p["options"]
                .as_array()
                .map(|o| o.iter().map(|o| o["id"].clone()).collect())
                .unwrap_or_default(),
            id,
            sent: Cell::new(0),
            accepted: Cell::new(0),
        });
    }
    let tokens = if opts.dedupe == DedupeArg::Browser && run.profile_has_votes(run.duration) {
        eprintln!("loadgen: minting {} voter tokens", opts.voters);
        target::mint_voters(&setup, &base, opts.voters.max(1)).await?
    } else {
        Vec::new()
    };
    let addrs = opts.source_addrs.max(1);
    let per_client = opts.max_inflight / usize::from(addrs) + 1;
    let clients = (0..usize::from(addrs))
        .map(|k| target::client(per_client, Some(target::source_addr(k, addrs))))
        .collect();

    let start = Instant::now();
    let stats = Rc::new(RefCell::new(Stats::new(start)));
    let hot = Rc::new(RefCell::new(Accepted::default()));
    let hot_id = polls[0].id.clone();
    let live_url = format!("{}/v1/polls/{hot_id}/live", target::ws_base(&base));
    eprintln!("loadgen: connecting {} viewers", opts.viewers);
    let fleet = viewers::connect(opts.viewers, addrs, &live_url, stats.clone(), hot.clone()).await;
    let connect_secs = start.elapsed().as_secs_f64();

    let shared = Rc::new(Shared {
        cdf: zipf_cdf(polls.len(), opts.skew),
        polls,
        tokens,
        clients,
        rng: Rng(Cell::new(0x9e37_79b9_7f4a_7c15)),
        stats: stats.clone(),
        hot,
        inflight: Cell::new(0),
        opts: opts.clone(),
    });

    // Once a second: the timeline's memory, CPU and viewer counts, and how far tally is behind
    // on the hot poll.
    let sampling = Rc::new(Cell::new(true));
    actix_web::rt::spawn(sample(
        shared.clone(),
        fleet.clone(),
        base.clone(),
        sampling.clone(),
    ));

    eprintln!(
        "loadgen: {} for {:.0}s ({:?})",
        run.scenario, run.duration, run.profile
    );
    let load_start = Instant::now();
    // The timeline starts with the votes; the viewers connected before it.
    shared.stats.borrow_mut().start = load_start;
    let cpu_before = target::own_cpu_secs();
    for due in Arrivals::new(run.profile, run.duration) {
        let due_at = load_start + Duration::from_secs_f64(due);
        if due_at > Instant::now() + Duration::from_micros(500) {
            actix_web::rt::time::sleep_until(due_at.into()).await;
        }
        let mut s = shared.stats.borrow_mut();
        s.second(due_at).due += 1;
        if shared.inflight.get() >= opts.max_inflight {
            s.second(due_at).dropped += 1;
            s.outcome("dropped_arrival");
            continue;
        }
        drop(s);
        shared.inflight.set(shared.inflight.get() + 1);
        actix_web::rt::spawn(vote(shared.clone(), due_at));
    }
    let sent_secs = load_start.elapsed().as_secs_f64();
    // Answers still on their way: bounded by the client timeout.
    let drain_until = Instant::now() + Duration::from_secs(35);
    while shared.inflight.get() > 0 && Instant::now() < drain_until {
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    let answered_secs = load_start.elapsed().as_secs_f64();
    let cpu_secs = target::own_cpu_secs() - cpu_before;
    if run.hold > 0.0 {
        actix_web::rt::time::sleep(Duration::from_secs_f64(run.hold)).await;
    }

    // Every accepted vote must be counted: wait for tally, then compare poll by poll.
    let accepted: u64 = shared.polls.iter().map(|p| p.accepted.get()).sum();
    let settle_start = Instant::now();
    let mut counted_by_poll: Vec<u64>;
    loop {
        counted_by_poll = Vec::with_capacity(shared.polls.len());
        for p in &shared.polls {
            counted_by_poll
                .push(target::counted(&setup, &base, &opts.target.api_key, &p.id).await?);
        }
        let counted: u64 = counted_by_poll.iter().sum();
        if counted >= accepted || settle_start.elapsed().as_secs_f64() > opts.settle_secs {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let settle_secs = settle_start.elapsed().as_secs_f64();
    sampling.set(false);
    let counted: u64 = counted_by_poll.iter().sum();
    let per_poll_mismatch: Vec<Value> = shared
        .polls
        .iter()
        .zip(&counted_by_poll)
        .filter(|(p, c)| p.accepted.get() != **c)
        .map(|(p, c)| json!({"poll": p.id, "accepted": p.accepted.get(), "counted": c}))
        .collect();

    let stats = shared.stats.borrow();
    let due: u64 = stats.seconds.iter().map(|s| s.due).sum();
    let dropped = stats.count("dropped_arrival");
    let sent = due - dropped;
    let hot_share = shared.cdf.first().copied().unwrap_or(1.0);
    let mut warnings = Vec::new();
    if dropped > 0 {
        warnings.push(format!(
            "{dropped} arrivals were dropped because {} votes were already in flight: the \
             generator could not keep the schedule, so the rates below are not the ones asked for",
            opts.max_inflight
        ));
    }
    let lag_p99 = Percentiles::of(&stats.send_lag).p99;
    if lag_p99 > 10.0 {
        warnings.push(format!(
            "sends started up to {lag_p99:.1} ms late at p99: the generator itself was saturated \
             (its CPU: {cpu_secs:.1} s over {sent_secs:.1} s)"
        ));
    }
    if fleet.failed.get() > 0 || fleet.lost.get() > 0 {
        warnings.push(format!(
            "{} viewers failed to connect and {} were disconnected: vote-to-screen covers the \
             others only",
            fleet.failed.get(),
            fleet.lost.get()
        ));
    }
    if counted != accepted {
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
    let errors: Value = stats
        .outcomes
        .iter()
        .filter(|(k, _)| k.as_str() != "accepted")
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect::<serde_json::Map<_, _>>()
        .into();
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
                "server_rss_kib": s.server_rss_kib,
                "loadgen_cpu_secs": s.loadgen_cpu_secs,
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
    Ok(json!({
        "scenario": run.scenario,
        "base": base,
        "started_unix_ms": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
            .saturating_sub((start.elapsed().as_secs_f64() * 1000.0) as u64),
        "profile": run.profile,
        "duration_secs": run.duration,
        "config": {
            "polls": shared.polls.len(), "skew": opts.skew, "hot_poll_share": hot_share,
            "dedupe": dedupe, "voters": shared.tokens.len(), "viewers": opts.viewers,
            "source_addrs": addrs, "max_inflight": opts.max_inflight,
        },
        "machine": {
            "cpus": std::thread::available_parallelism().map_or(1, |n| n.get()),
            "loadgen_cpu_secs": cpu_secs,
            "loadgen_cpu_percent": if sent_secs > 0.0 { cpu_secs / sent_secs * 100.0 } else { 0.0 },
        },
        "arrivals": {
            "due": due, "sent": sent, "dropped": dropped,
            "send_lag_ms": Percentiles::of(&stats.send_lag),
        },
        "votes": {
            "accepted": accepted,
            "accepted_per_second": if sent_secs > 0.0 { accepted as f64 / sent_secs } else { 0.0 },
            "counted": counted,
            "lost": accepted.saturating_sub(counted),
            "counted_beyond_accepted": counted.saturating_sub(accepted),
            "mismatched_polls": per_poll_mismatch,
            "settle_secs": settle_secs,
        },
        "errors": errors,
        "http_latency_ms": Percentiles::of(&stats.http),
        "http_service_time_ms": Percentiles::of(&stats.service),
        "vote_to_screen_ms": Percentiles::of(&stats.v2s),
        "viewers": {
            "asked": opts.viewers, "connected_at_end": fleet.connected.get(),
            "failed": fleet.failed.get(), "disconnected": fleet.lost.get(),
            "snapshots_received": fleet.snapshots.get(), "connect_secs": connect_secs,
            "server_rss_kib": {
                "first": rss.first(), "last": rss.last(), "max": rss.iter().max(),
            },
        },
        "phases": {"sending_secs": sent_secs, "answered_secs": answered_secs},
        "trust": {"warnings": warnings},
        "timeline": timeline,
    }))
}

impl Run {
    fn profile_has_votes(&self, duration: f64) -> bool {
        Arrivals::new(self.profile, duration.min(60.0))
            .next()
            .is_some()
    }
}

async fn vote(shared: Rc<Shared>, due: Instant) {
    let r = shared.rng.unit();
    let k = shared.cdf.iter().position(|c| r <= *c).unwrap_or(0);
    let poll = &shared.polls[k];
    let option = &poll.options[(shared.rng.next() % poll.options.len().max(1) as u64) as usize];
    let n = poll.sent.get();
    poll.sent.set(n + 1);
    let body = match shared.tokens.get(n % shared.tokens.len().max(1)) {
        Some(token) => json!({"option_ids": [option], "voter_token": token}),
        None => json!({ "option_ids": [option] }),
    };
    let client = &shared.clients[n % shared.clients.len()];
    let sent = Instant::now();
    {
        let mut s = shared.stats.borrow_mut();
        record(
            &mut s.send_lag,
            sent.saturating_duration_since(due).as_micros() as u64,
        );
        s.second(due).sent += 1;
    }
    let res = client.post(&poll.votes_url).send_json(&body).await;
    let done = Instant::now();
    shared.inflight.set(shared.inflight.get() - 1);
    let outcome = match &res {
        Ok(r) if r.status().as_u16() == 202 => "accepted".to_owned(),
        Ok(r) if r.status().as_u16() == 409 => "already_voted".to_owned(),
        Ok(r) => format!("http_{}", r.status().as_u16()),
        Err(awc::error::SendRequestError::Timeout) => "timeout".to_owned(),
        Err(awc::error::SendRequestError::Connect(_)) => "connect_error".to_owned(),
        Err(_) => "send_error".to_owned(),
    };
    let mut s = shared.stats.borrow_mut();
    s.outcome(&outcome);
    if outcome == "accepted" {
        poll.accepted.set(poll.accepted.get() + 1);
        if k == 0 {
            shared.hot.borrow_mut().at.push(done);
        }
        let total = done.saturating_duration_since(due).as_micros() as u64;
        record(&mut s.http, total);
        record(
            &mut s.service,
            done.saturating_duration_since(sent).as_micros() as u64,
        );
        let sec = s.second(due);
        sec.accepted += 1;
        record(&mut sec.http, total);
    } else {
        s.second(due).errors += 1;
    }
}

async fn sample(shared: Rc<Shared>, fleet: Rc<Fleet>, base: String, running: Rc<Cell<bool>>) {
    let client = target::client(4, None);
    while running.get() {
        actix_web::rt::time::sleep(Duration::from_secs(1)).await;
        let now = Instant::now();
        let rss = shared.opts.server_pid.and_then(target::rss_kib);
        let cpu = target::own_cpu_secs();
        let hot = &shared.polls[0];
        let accepted = hot.accepted.get();
        let counted = target::counted(&client, &base, &shared.opts.target.api_key, &hot.id)
            .await
            .ok();
        let mut s = shared.stats.borrow_mut();
        let sec = s.second(now);
        sec.server_rss_kib = rss;
        sec.loadgen_cpu_secs = cpu;
        sec.viewers = fleet.connected.get();
        sec.tally_lag_votes = counted.map(|c| accepted.saturating_sub(c));
    }
}
