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

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use pollcast_testkit::{TestEnv, eventually, vote_log};
use serde_json::{Value, json};

/// How long a client waits for any answer: a request that takes longer has hung.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(8);
const PAUSE: Duration = Duration::from_secs(2);

/// One `pollcast serve --services <services>` process, restartable on the same port.
struct Proc {
    name: String,
    services: &'static str,
    port: u16,
    dir: PathBuf,
    redis_url: String,
    /// The store flags of the test's environment (none for SQLite).
    store_args: Vec<String>,
    child: Option<std::process::Child>,
    starts: u32,
}

impl Proc {
    fn start(&mut self) {
        self.starts += 1;
        let log =
            std::fs::File::create(self.dir.join(format!("{}-{}.log", self.name, self.starts)))
                .unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_pollcast"))
            .args(["serve", "--services", self.services])
            .args(["--listen", &format!("127.0.0.1:{}", self.port)])
            .arg("--data-dir")
            .arg(&self.dir)
            .args(["--redis-url", &self.redis_url])
            .args(&self.store_args)
            .args([
                "--claim-idle-ms",
                "1000",
                "--workers",
                "1",
                "--log-format",
                "json",
            ])
            .args(["--rate-votes-per-ip", "0", "--rate-votes-per-poll", "0"])
            .args([
                "--rate-api-per-key",
                "0",
                "--rate-auth-failures-per-ip",
                "0",
            ])
            .args([
                "--live-per-ip",
                "0",
                "--ws-ping-secs",
                "2",
                "--ws-idle-secs",
                "30",
            ])
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
    }

    fn sigkill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.sigkill();
    }
}

fn signal(pid: u32, sig: &str) {
    let _ = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A small deterministic generator, so a failing run can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

fn client() -> awc::Client {
    awc::Client::builder().timeout(CLIENT_TIMEOUT).finish()
}

/// What the load saw.
#[derive(Default)]
struct Ledger {
    /// Idempotency key → (poll, option, vote id) of every vote answered 202.
    accepted: HashMap<String, (String, String, String)>,
    /// Keys given up on after every retry was refused.
    abandoned: Vec<String>,
    hung: u64,
    answers: HashMap<u16, u64>,
    worst_latency: Duration,
}

/// Sends one vote, retrying the same `Idempotency-Key` on the other ingest instances until
/// it is answered 202 (or 20 s have passed).
async fn cast(
    ledger: &RefCell<Ledger>,
    ingests: &[String],
    first: usize,
    poll: &str,
    option: &str,
    key: String,
) {
    let started = Instant::now();
    let mut attempt = first;
    while started.elapsed() < Duration::from_secs(20) {
        let url = format!("{}/v1/polls/{poll}/votes", ingests[attempt % ingests.len()]);
        attempt += 1;
        let sent = Instant::now();
        let res = client()
            .post(&url)
            .insert_header(("Idempotency-Key", key.as_str()))
            .send_json(&json!({"option_ids": [option]}))
            .await;
        {
            let mut l = ledger.borrow_mut();
            l.worst_latency = l.worst_latency.max(sent.elapsed());
            match &res {
                Ok(r) => *l.answers.entry(r.status().as_u16()).or_default() += 1,
                Err(awc::error::SendRequestError::Timeout) => l.hung += 1,
                Err(_) => {} // the process was down: connection refused or reset
            }
        }
        if let Ok(mut r) = res {
            let status = r.status().as_u16();
            if status == 202 {
                let body: Value = r.json().await.unwrap_or_default();
                let vote_id = body["vote_id"].as_str().unwrap_or_default().to_owned();
                ledger
                    .borrow_mut()
                    .accepted
                    .insert(key, (poll.to_owned(), option.to_owned(), vote_id));
                return;
            }
            assert!(
                status == 503 || status == 502,
                "a vote answered {status}: only 202 or 503 are expected"
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ledger.borrow_mut().abandoned.push(key);
}

/// A viewer of one poll on one broadcast instance; reconnects when the instance goes away.
/// Records a violation whenever a total goes down.
async fn view(
    base: String,
    poll: String,
    stop: Rc<RefCell<bool>>,
    violations: Rc<RefCell<Vec<String>>>,
) {
    let url = format!("{}/v1/polls/{poll}/live", base.replacen("http", "ws", 1));
    let mut last_total = 0u64;
    while !*stop.borrow() {
        let Ok((_, mut ws)) = client().ws(&url).connect().await else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        while !*stop.borrow() {
            let frame = match tokio::time::timeout(Duration::from_secs(1), ws.next()).await {
                Err(_) => continue, // quiet: look at `stop` again
                Ok(Some(Ok(frame))) => frame,
                Ok(_) => break, // closed or broken: reconnect
            };
            match frame {
                awc::ws::Frame::Ping(p) => {
                    let _ = ws.send(awc::ws::Message::Pong(p)).await;
                }
                awc::ws::Frame::Text(t) => {
                    let msg: Value = serde_json::from_slice(&t).unwrap_or_default();
                    if msg["type"] == "results" {
                        let total = msg["total_votes"].as_u64().unwrap_or(0);
                        if total < last_total {
                            violations
                                .borrow_mut()
                                .push(format!("{poll} on {base}: total {last_total} -> {total}"));
                        }
                        if msg["status"] != "open" {
                            violations
                                .borrow_mut()
                                .push(format!("{poll}: status {}", msg["status"]));
                        }
                        last_total = last_total.max(total);
                    }
                }
                awc::ws::Frame::Close(_) => break,
                _ => {}
            }
        }
    }
}

async fn total_of(base: &str, poll: &str) -> Option<Value> {
    let mut res = client()
        .get(format!("{base}/v1/polls/{poll}/results"))
        .send()
        .await
        .ok()?;
    (res.status().as_u16() == 200).then_some(())?;
    res.json().await.ok()
}

fn workspace_key(dir: &Path, store_args: &[String]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pollcast"))
        .args(["workspace", "create", "--name", "chaos", "--data-dir"])
        .arg(dir)
        .args(store_args)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("api_key:"))
        .unwrap()
        .trim()
        .to_owned()
}

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
    let mut procs: Vec<Proc> = [
        ("api", "api"),
        ("ingest-a", "vote-ingest"),
        ("ingest-b", "vote-ingest"),
        ("tally-a", "tally"),
        ("tally-b", "tally"),
        ("broadcast-a", "results-broadcast"),
        ("broadcast-b", "results-broadcast"),
    ]
    .into_iter()
    .map(|(name, services)| Proc {
        name: name.into(),
        services,
        port: free_port(),
        dir: dir.clone(),
        redis_url: env.redis.url(),
        store_args: env.store_args(),
        child: None,
        starts: 0,
    })
    .collect();
    for p in &mut procs {
        p.start();
    }
    for p in &mut procs {
        let url = format!("{}/readyz", p.base());
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let ok = client()
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ok {
                break;
            }
            // A process that exited, or never got ready, says why in its log.
            let exited = p
                .child
                .as_mut()
                .is_some_and(|c| matches!(c.try_wait(), Ok(Some(_))));
            if exited || std::time::Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(p.dir.join(format!("{}-{}.log", p.name, p.starts)))
                        .unwrap_or_default();
                panic!("{} not ready (exited: {exited}); its log:\n{log}", p.name);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let api = procs[0].base();
    let ingests: Vec<String> = procs[1..3].iter().map(Proc::base).collect();
    let broadcasts: Vec<String> = procs[5..7].iter().map(Proc::base).collect();

    let mut polls = Vec::new();
    for _ in 0..3 {
        let mut res = client()
            .post(format!("{api}/v1/polls"))
            .bearer_auth(&key)
            .send_json(&json!({"question": "chaos", "dedupe": "none",
                "options": [{"label": "a"}, {"label": "b"}, {"label": "c"}]}))
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let poll: Value = res.json().await.unwrap();
        let options: Vec<String> = poll["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect();
        polls.push((poll["id"].as_str().unwrap().to_owned(), options));
    }
    let (probe_poll, probe_options) = polls.pop().unwrap();

    // Load: 6 senders, each a vote every 25 ms or so; viewers on both broadcast instances.
    let ledger = Rc::new(RefCell::new(Ledger::default()));
    let stop = Rc::new(RefCell::new(false));
    let violations = Rc::new(RefCell::new(Vec::new()));
    let mut senders = Vec::new();
    for w in 0..6 {
        let (ledger, stop, ingests, polls) =
            (ledger.clone(), stop.clone(), ingests.clone(), polls.clone());
        senders.push(actix_web::rt::spawn(async move {
            let mut i = 0usize;
            while !*stop.borrow() {
                let (poll, options) = &polls[(w + i) % polls.len()];
                let option = &options[(w * 7 + i * 3) % options.len()];
                cast(
                    &ledger,
                    &ingests,
                    w + i,
                    poll,
                    option,
                    format!("chaos-{w}-{i}"),
                )
                .await;
                i += 1;
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }));
    }
    let mut viewers = Vec::new();
    for base in &broadcasts {
        for (poll, _) in &polls {
            viewers.push(actix_web::rt::spawn(view(
                base.clone(),
                poll.clone(),
                stop.clone(),
                violations.clone(),
            )));
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
            &ledger,
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
    *stop.borrow_mut() = true;
    for s in senders {
        s.await.unwrap();
    }

    // Every 202 counted exactly once, per option, and the vote log is the accepted set.
    polls.push((probe_poll, probe_options));
    let ledger = std::mem::take(&mut *ledger.borrow_mut());
    let mut lost = 0i64;
    let mut doubled = 0i64;
    for (poll, options) in &polls {
        let mut expected: HashMap<&str, u64> = HashMap::new();
        let mut ids = HashSet::new();
        for (p, option, vote_id) in ledger.accepted.values() {
            if p == poll {
                *expected.entry(option.as_str()).or_default() += 1;
                ids.insert(vote_id.clone());
            }
        }
        let want: u64 = expected.values().sum();
        let results = eventually(Duration::from_secs(60), "the counts to settle", || async {
            total_of(&broadcasts[0], poll)
                .await
                .filter(|r| r["total_votes"].as_u64() >= Some(want))
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let results = total_of(&broadcasts[0], poll).await.unwrap_or(results);
        for option in options {
            let counted = results["options"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["id"] == option.as_str())
                .unwrap()["votes"]
                .as_u64()
                .unwrap();
            let accepted = expected.get(option.as_str()).copied().unwrap_or(0);
            lost += (accepted as i64 - counted as i64).max(0);
            doubled += (counted as i64 - accepted as i64).max(0);
        }
        let store = env.store();
        let logged: HashSet<String> = vote_log(store.as_ref(), poll)
            .await
            .into_iter()
            .map(|v| v.vote_id.to_string())
            .collect();
        assert_eq!(
            logged, ids,
            "poll {poll}: the vote log is exactly the accepted votes"
        );
    }
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
        violations.borrow().len()
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
    assert!(violations.borrow().is_empty(), "{:?}", violations.borrow());
    assert!(ledger.accepted.len() > 100, "the load ran");
    for v in viewers {
        v.abort();
    }
    env.finish().await;
}
