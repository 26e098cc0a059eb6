//! The chaos suite: a multi-process deployment on this machine (its own Redis with AOF and
//! `appendfsync always`, 2 vote-ingest, 2 tally, 2 results-broadcast and the api, each a real
//! `pollcast serve --services ...` process) under load with live viewers, while round after
//! round a random process (Redis included) is SIGKILLed and restarted, or paused with
//! SIGSTOP for 2 s. At the end: every 202 counted exactly once, per option; the vote log is the
//! accepted set; no viewer saw a total go down; no request hung; and how long each recovery
//! took.
//!
//! `CHAOS_ROUNDS` (default 4, the CI run) sets the rounds; `CHAOS_SEED` replays a run. Round
//! 0 always SIGKILLs Redis; later rounds alternate SIGKILL and SIGSTOP on a random process.
//! The long run's figures are in `docs/reliability.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/deployment.rs"]
mod deployment;

use std::time::{Duration, Instant};

use deployment::{
    CLIENT_TIMEOUT, Load, PAUSE, Proc, Rng, SPLIT, cast, create_poll, create_word_poll,
    lost_and_doubled, signal, start_procs, total_of, workspace_key,
};
use pollcast_testkit::TestEnv;

#[actix_web::test]
async fn every_accepted_vote_is_counted_once_through_kills_and_pauses() {
    let rounds: usize = std::env::var("CHAOS_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(4);
    chaos(TestEnv::new().await, rounds).await;
}

/// The same seven processes on the ScyllaDB store: a short round (`CHAOS_ROUNDS` sets it too).
#[actix_web::test]
async fn every_accepted_vote_is_counted_once_through_kills_and_pauses_on_scylla() {
    let rounds: usize = std::env::var("CHAOS_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(2);
    if let Some(env) = TestEnv::scylla("chaos").await {
        chaos(env, rounds).await;
    }
}

/// One chaos run at a time: the runs pick their processes' ports with `free_port`, which two
/// runs at once could pick twice (one process then never listens), and each wants the cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn chaos(mut env: TestEnv, rounds: usize) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let seed: u64 = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(7, |d| d.as_nanos() as u64)
        });
    eprintln!("chaos: {rounds} rounds, CHAOS_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = env.data_path();
    let key = workspace_key(&dir, &env.store_args());
    let mut procs = start_procs(&SPLIT, &dir, &env.redis.url(), &env.store_args()).await;
    let api = procs[0].base();
    let ingests: Vec<String> = procs[1..3].iter().map(Proc::base).collect();
    let broadcasts: Vec<String> = procs[5..7].iter().map(Proc::base).collect();

    let mut polls = Vec::new();
    for _ in 0..3 {
        polls.push(create_poll(&api, &key).await);
    }
    let (probe_poll, probe_options) = polls.pop().unwrap();
    // Open-text entries ride the same pipeline and must come through as exactly.
    polls.push(create_word_poll(&api, &key).await);

    // Load: 6 senders, each a vote every 25 ms or so; viewers on both broadcast instances.
    let mut load = Load::start(&polls, &ingests, 6, Duration::from_millis(25), "chaos");
    for base in &broadcasts {
        for (poll, _) in &polls {
            load.watch(base, poll);
        }
    }

    // The faults.
    let mut recoveries = Vec::new();
    let mut probe_key = 0;
    for round in 0..rounds {
        tokio::time::sleep(Duration::from_secs(2)).await;
        // Round 0 always kills Redis (the fault that matters most); then kills and pauses
        // alternate, on a random process.
        let victim = if round == 0 {
            procs.len()
        } else {
            rng.below(procs.len() + 1)
        };
        let kill = round % 2 == 0;
        let name = if victim == procs.len() {
            "redis".to_owned()
        } else {
            procs[victim].name.clone()
        };
        match (victim == procs.len(), kill) {
            (true, true) => {
                env.redis.server.kill();
                tokio::time::sleep(Duration::from_millis(500)).await;
                env.redis.server.restart().await.unwrap();
            }
            (true, false) => {
                let pid = env.redis.server.pid().unwrap();
                signal(pid, "-STOP");
                tokio::time::sleep(PAUSE).await;
                signal(pid, "-CONT");
            }
            (false, true) => {
                procs[victim].sigkill();
                tokio::time::sleep(Duration::from_millis(500)).await;
                procs[victim].start();
            }
            (false, false) => {
                let pid = procs[victim].pid();
                signal(pid, "-STOP");
                tokio::time::sleep(PAUSE).await;
                signal(pid, "-CONT");
            }
        }
        // Recovered: a new vote is accepted and shows in the results.
        let fault_ended = Instant::now();
        let before = loop {
            if let Some(r) = total_of(&broadcasts[round % 2], &probe_poll).await {
                break r["total_votes"].as_u64().unwrap();
            }
            assert!(
                fault_ended.elapsed() < Duration::from_secs(60),
                "round {round}: results never came back"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        probe_key += 1;
        cast(
            &load.ledger,
            &ingests,
            probe_key,
            &probe_poll,
            &probe_options[0],
            format!("probe-{probe_key}"),
        )
        .await;
        loop {
            let now = total_of(&broadcasts[round % 2], &probe_poll).await;
            if now.is_some_and(|r| r["total_votes"].as_u64().unwrap() > before) {
                break;
            }
            assert!(
                fault_ended.elapsed() < Duration::from_secs(60),
                "round {round}: never recovered"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let recovery = fault_ended.elapsed();
        eprintln!(
            "chaos round {round}: {} {name}, recovered in {} ms",
            if kill { "SIGKILL" } else { "SIGSTOP" },
            recovery.as_millis()
        );
        recoveries.push(recovery);
    }
    let (ledger, violations) = load.finish().await;

    // Every 202 counted exactly once, per option, and the vote log is the accepted set.
    polls.push((probe_poll, probe_options));
    let (lost, doubled) =
        lost_and_doubled(&ledger, &polls, &broadcasts[0], env.store().as_ref()).await;
    let worst_recovery = recoveries.iter().max().copied().unwrap_or_default();
    eprintln!(
        "chaos summary: rounds {rounds}, votes accepted {}, lost {lost}, doubled {doubled}, \
         abandoned {}, hung {}, answers {:?}, worst request {} ms, worst recovery {} ms, \
         viewer violations {}",
        ledger.accepted.len(),
        ledger.abandoned.len(),
        ledger.hung,
        ledger.answers,
        ledger.worst_latency.as_millis(),
        worst_recovery.as_millis(),
        violations.len()
    );
    assert_eq!((lost, doubled), (0, 0), "every 202 counted exactly once");
    assert_eq!(
        ledger.hung, 0,
        "no request may hang past {CLIENT_TIMEOUT:?}"
    );
    assert!(
        ledger.abandoned.is_empty(),
        "votes never accepted: {:?}",
        ledger.abandoned
    );
    assert!(violations.is_empty(), "{violations:?}");
    assert!(ledger.accepted.len() > 100, "the load ran");
    env.finish().await;
}
