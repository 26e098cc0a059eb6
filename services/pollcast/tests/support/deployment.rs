//! What the multi-process tests share: `pollcast serve --services ...` processes that can be
//! killed and restarted, a load of votes that records every 202, viewers that watch for a
//! total going down, the final exactly-once check, and a real nginx with `deploy/nginx/`'s
//! routes in front of pools of instances. Included by `chaos.rs`, `redis_cluster.rs` and
//! `nginx.rs` (`#[path]`); each uses part of it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use pollcast_testkit::{eventually, vote_log};
use serde_json::{Value, json};

pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(8);
pub const PAUSE: Duration = Duration::from_secs(2);

/// One `pollcast serve --services <services>` process, restartable on the same port.
pub struct Proc {
    pub name: String,
    pub services: &'static str,
    pub port: u16,
    pub dir: PathBuf,
    pub redis_url: String,
    /// The store flags of the test's environment (none for SQLite), and any more.
    pub store_args: Vec<String>,
    pub child: Option<std::process::Child>,
    pub starts: u32,
}

impl Proc {
    pub fn start(&mut self) {
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

    pub fn sigkill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.sigkill();
    }
}

pub fn signal(pid: u32, sig: &str) {
    let _ = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status();
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A small deterministic generator, so a failing run can be replayed from its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

pub fn client() -> awc::Client {
    awc::Client::builder().timeout(CLIENT_TIMEOUT).finish()
}

/// What the load saw.
#[derive(Default)]
pub struct Ledger {
    /// Idempotency key → (poll, option, vote id) of every vote answered 202.
    pub accepted: HashMap<String, (String, String, String)>,
    /// Keys given up on after every retry was refused.
    pub abandoned: Vec<String>,
    pub hung: u64,
    pub answers: HashMap<u16, u64>,
    pub worst_latency: Duration,
}

/// Sends one vote, retrying the same `Idempotency-Key` on the other ingest instances until
/// it is answered 202 (or 20 s have passed).
pub async fn cast(
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
            .send_json(&ballot(option))
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
pub async fn view(
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

pub async fn total_of(base: &str, poll: &str) -> Option<Value> {
    let mut res = client()
        .get(format!("{base}/v1/polls/{poll}/results"))
        .send()
        .await
        .ok()?;
    (res.status().as_u16() == 200).then_some(())?;
    res.json().await.ok()
}

pub fn workspace_key(dir: &Path, store_args: &[String]) -> String {
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

pub fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

pub fn start_nginx(
    binary: &Path,
    dir: &Path,
    port: u16,
    api: &[u16],
    ingest: &[u16],
    broadcast: &[u16],
) -> Nginx {
    // Pools: a server that refuses or fails is left out for 2 s, and a request it could not
    // take goes to the next (nginx never resends a request a server may have received).
    let pool = |ports: &[u16]| -> String {
        ports
            .iter()
            .map(|p| format!("server 127.0.0.1:{p} max_fails=1 fail_timeout=2s; "))
            .collect()
    };
    let (api, ingest, broadcast) = (pool(api), pool(ingest), pool(broadcast));
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nginx");
    for file in [
        "pollcast-routes.conf",
        "pollcast-proxy-headers.conf",
        "pollcast-maps.conf",
    ] {
        std::fs::copy(deploy.join(file), dir.join(file)).unwrap();
    }
    let d = dir.display();
    let conf = format!(
        "worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 512; }}\n\
         http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  \
         proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  \
         scgi_temp_path {d}/scgi;\n  include pollcast-maps.conf;\n  \
         upstream pollcast_api {{ {api}keepalive 8; }}\n  \
         upstream pollcast_ingest {{ {ingest}keepalive 8; }}\n  \
         upstream pollcast_broadcast {{ {broadcast}keepalive 8; }}\n  \
         server {{\n    listen 127.0.0.1:{port};\n    include pollcast-routes.conf;\n  }}\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let check = std::process::Command::new(binary)
        .arg("-t")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "nginx -t: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    // Its output goes nowhere: a worker that outlived its master would otherwise hold the
    // test runner's pipes open.
    let nginx = Nginx(
        std::process::Command::new(binary)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let until = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "nginx never listened");
        std::thread::sleep(Duration::from_millis(20));
    }
    nginx
}

/// nginx, stopped with SIGTERM (its master then stops the workers; SIGKILL would orphan
/// them) when the test ends, however it ends.
pub struct Nginx(std::process::Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// Waits until every process answers `/readyz`; a process that exited or never got ready
/// fails the test with its log.
pub async fn wait_ready(procs: &mut [Proc]) {
    for p in procs {
        let url = format!("{}/readyz", p.base());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ok = client()
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ok {
                break;
            }
            let exited = p
                .child
                .as_mut()
                .is_some_and(|c| matches!(c.try_wait(), Ok(Some(_))));
            if exited || Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(p.dir.join(format!("{}-{}.log", p.name, p.starts)))
                        .unwrap_or_default();
                panic!("{} not ready (exited: {exited}); its log:\n{log}", p.name);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The body of a vote for `option`: an option id, or, prefixed `w:`, an open-text entry.
fn ballot(option: &str) -> Value {
    match option.strip_prefix(WORD) {
        Some(word) => json!({"entries": [word]}),
        None => json!({"option_ids": [option]}),
    }
}

/// What starts an "option" of an open-text poll in the ledger: the entry that follows.
const WORD: &str = "w:";

/// Creates an open-text poll whose "options" are the entries `alpha`, `beta`, `gamma`
/// (prefixed [`WORD`]): its id and those.
pub async fn create_word_poll(api: &str, key: &str) -> (String, Vec<String>) {
    let mut res = client()
        .post(format!("{api}/v1/polls"))
        .bearer_auth(key)
        .send_json(
            &json!({"question": "chaos words", "dedupe": "none", "kind": "open_text",
            "moderation": "none", "max_entries_per_voter": 1}),
        )
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let poll: Value = res.json().await.unwrap();
    let words = ["alpha", "beta", "gamma"].map(|w| format!("{WORD}{w}"));
    (poll["id"].as_str().unwrap().to_owned(), words.to_vec())
}

/// Creates a poll with options a, b, c: its id and option ids.
pub async fn create_poll(api: &str, key: &str) -> (String, Vec<String>) {
    let mut res = client()
        .post(format!("{api}/v1/polls"))
        .bearer_auth(key)
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
    (poll["id"].as_str().unwrap().to_owned(), options)
}

/// Compares every poll's counts (read from `results`, once they reach the accepted number)
/// and vote log with what the ledger saw accepted: (lost, doubled) votes; fails if a poll's
/// vote log is not exactly its accepted votes.
pub async fn lost_and_doubled(
    ledger: &Ledger,
    polls: &[(String, Vec<String>)],
    results: &str,
    store: &dyn pollcast_store::Store,
) -> (i64, i64) {
    let mut lost = 0i64;
    let mut doubled = 0i64;
    for (poll, options) in polls {
        let mut expected: HashMap<&str, u64> = HashMap::new();
        let mut ids = HashSet::new();
        for (p, option, vote_id) in ledger.accepted.values() {
            if p == poll {
                *expected.entry(option.as_str()).or_default() += 1;
                ids.insert(vote_id.clone());
            }
        }
        let want: u64 = expected.values().sum();
        let counted = eventually(Duration::from_secs(60), "the counts to settle", || async {
            total_of(results, poll)
                .await
                .filter(|r| r["total_votes"].as_u64() >= Some(want))
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let counted = total_of(results, poll).await.unwrap_or(counted);
        for option in options {
            // An open-text poll's "option" is its entry's term, counted in `terms`.
            let (list, field, value, count) = match option.strip_prefix(WORD) {
                Some(word) => ("terms", "text", word, "count"),
                None => ("options", "id", option.as_str(), "votes"),
            };
            let votes = counted[list]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o[field] == value)
                .map_or(0, |o| o[count].as_u64().unwrap());
            let accepted = expected.get(option.as_str()).copied().unwrap_or(0);
            lost += (accepted as i64 - votes as i64).max(0);
            doubled += (votes as i64 - accepted as i64).max(0);
        }
        let logged: HashSet<String> = vote_log(store, poll)
            .await
            .into_iter()
            .map(|v| v.vote_id.to_string())
            .collect();
        assert_eq!(
            logged, ids,
            "poll {poll}: the vote log is exactly the accepted votes"
        );
    }
    (lost, doubled)
}

/// The split deployment both multi-process runs start: the api, and two instances of each
/// pipeline service.
pub const SPLIT: [(&str, &str); 7] = [
    ("api", "api"),
    ("ingest-a", "vote-ingest"),
    ("ingest-b", "vote-ingest"),
    ("tally-a", "tally"),
    ("tally-b", "tally"),
    ("broadcast-a", "results-broadcast"),
    ("broadcast-b", "results-broadcast"),
];

/// Starts one `pollcast serve --services <services>` process per `(name, services)`, each on a
/// free port over `dir`, `redis_url` and `args`, and waits until all are ready.
pub async fn start_procs(
    specs: &[(&str, &'static str)],
    dir: &Path,
    redis_url: &str,
    args: &[String],
) -> Vec<Proc> {
    let mut procs: Vec<Proc> = specs
        .iter()
        .map(|&(name, services)| Proc {
            name: name.into(),
            services,
            port: free_port(),
            dir: dir.to_owned(),
            redis_url: redis_url.to_owned(),
            store_args: args.to_vec(),
            child: None,
            starts: 0,
        })
        .collect();
    for p in &mut procs {
        p.start();
    }
    wait_ready(&mut procs).await;
    procs
}

/// A load of votes and viewers: senders that each cast a vote every `pause` (with its own
/// idempotency key, retried until accepted) on the polls in turn, spread over the ingest
/// addresses, and viewers that record any total going down.
pub struct Load {
    pub ledger: Rc<RefCell<Ledger>>,
    pub violations: Rc<RefCell<Vec<String>>>,
    stop: Rc<RefCell<bool>>,
    senders: Vec<actix_web::rt::task::JoinHandle<()>>,
    viewers: Vec<actix_web::rt::task::JoinHandle<()>>,
}

impl Load {
    pub fn start(
        polls: &[(String, Vec<String>)],
        ingests: &[String],
        senders: usize,
        pause: Duration,
        keys: &str,
    ) -> Self {
        let ledger = Rc::new(RefCell::new(Ledger::default()));
        let stop = Rc::new(RefCell::new(false));
        let senders = (0..senders)
            .map(|w| {
                let (ledger, stop) = (ledger.clone(), stop.clone());
                let (ingests, polls, keys) = (ingests.to_vec(), polls.to_vec(), keys.to_owned());
                actix_web::rt::spawn(async move {
                    let mut i = 0usize;
                    while !*stop.borrow() {
                        let (poll, options) = &polls[(w + i) % polls.len()];
                        let option = &options[(w * 7 + i * 3) % options.len()];
                        let key = format!("{keys}-{w}-{i}");
                        cast(&ledger, &ingests, w + i, poll, option, key).await;
                        i += 1;
                        tokio::time::sleep(pause).await;
                    }
                })
            })
            .collect();
        Self {
            ledger,
            violations: Rc::default(),
            stop,
            senders,
            viewers: Vec::new(),
        }
    }

    /// A viewer of `poll` on `base`, until the load ends.
    pub fn watch(&mut self, base: &str, poll: &str) {
        self.viewers.push(actix_web::rt::spawn(view(
            base.to_owned(),
            poll.to_owned(),
            self.stop.clone(),
            self.violations.clone(),
        )));
    }

    /// Stops the senders (each finishes its vote) and the viewers; what the load saw.
    pub async fn finish(self) -> (Ledger, Vec<String>) {
        *self.stop.borrow_mut() = true;
        for s in self.senders {
            s.await.unwrap();
        }
        for v in self.viewers {
            v.abort();
        }
        let ledger = std::mem::take(&mut *self.ledger.borrow_mut());
        let violations = std::mem::take(&mut *self.violations.borrow_mut());
        (ledger, violations)
    }
}
