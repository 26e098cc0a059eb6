//! The vote sender of one thread: a fixed set of keep-alive HTTP/1.1 connections (hyper's
//! client connection, nothing pooled or retried behind our back) fed from one queue of due
//! votes. A vote waiting for a free connection is late, and its latency, counted from its
//! due time, says so; a vote due while `--max-inflight` wait is dropped and counted.
//!
//! awc does the setup and the WebSockets; it is too costly per request to outrun the server
//! on a machine the generator shares with it (one thread tops out near 12,000 requests/s
//! against a minimal endpoint, where this sender does several times that).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use serde_json::json;
use tokio::sync::Notify;

use crate::engine::Plan;
use crate::profile::Arrivals;
use crate::stats::{Stats, record};
use crate::target::source_addr;

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

struct Queue {
    due: RefCell<VecDeque<Instant>>,
    /// Votes taken off the queue and not answered yet.
    busy: Cell<usize>,
    wake: Notify,
    closed: Cell<bool>,
}

/// Runs sender thread `j` of `--threads` on its own single-threaded runtime; returns what it
/// recorded.
pub fn run_thread(plan: Arc<Plan>, j: usize, server: SocketAddr) -> Stats {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("loadgen: cannot start a sender thread: {e}");
            return Stats::new(Instant::now());
        }
    };
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, send(plan, j, server))
}

async fn send(plan: Arc<Plan>, j: usize, server: SocketAddr) -> Stats {
    let threads = plan.opts.threads.max(1);
    let start = plan.load_start.get().copied().unwrap_or_else(Instant::now);
    let stats = Rc::new(RefCell::new(Stats::new(start)));
    let queue = Rc::new(Queue {
        due: RefCell::new(VecDeque::new()),
        busy: Cell::new(0),
        wake: Notify::new(),
        closed: Cell::new(false),
    });
    let connections = (plan.opts.connections / threads).max(1);
    let addrs = plan.opts.source_addrs.max(1);
    let rng = Rc::new(Cell::new(0x9e37_79b9_7f4a_7c15 ^ (j as u64 + 1)));
    let mut workers = Vec::new();
    for c in 0..connections {
        let local = source_addr(j * connections + c, addrs);
        workers.push(tokio::task::spawn_local(connection(
            plan.clone(),
            queue.clone(),
            stats.clone(),
            rng.clone(),
            server,
            local,
        )));
    }
    let cap = (plan.opts.max_inflight / threads).max(1);
    for (i, due) in Arrivals::new(plan.profile, plan.duration).enumerate() {
        if i % threads != j {
            continue;
        }
        let due_at = start + Duration::from_secs_f64(due);
        if due_at > Instant::now() + Duration::from_micros(500) {
            tokio::time::sleep_until(due_at.into()).await;
        }
        let mut s = stats.borrow_mut();
        // How late the generator itself is: a saturated generator shows here first.
        record(
            &mut s.schedule_lag,
            Instant::now().saturating_duration_since(due_at).as_micros() as u64,
        );
        s.second(due_at).due += 1;
        if queue.due.borrow().len() + queue.busy.get() >= cap {
            s.second(due_at).dropped += 1;
            s.outcome("dropped_arrival");
            continue;
        }
        queue.due.borrow_mut().push_back(due_at);
        queue.wake.notify_one();
    }
    queue.closed.set(true);
    queue.wake.notify_waiters();
    for w in workers {
        let _ = w.await;
    }
    stats.replace(Stats::new(start))
}

/// One keep-alive connection: takes the oldest due vote, sends it, records the answer;
/// reconnects when the server closes.
async fn connection(
    plan: Arc<Plan>,
    queue: Rc<Queue>,
    stats: Rc<RefCell<Stats>>,
    rng: Rc<Cell<u64>>,
    server: SocketAddr,
    local: IpAddr,
) {
    let mut sender: Option<SendRequest<Full<Bytes>>> = None;
    loop {
        let next = queue.due.borrow_mut().pop_front();
        let Some(due) = next else {
            if queue.closed.get() {
                return;
            }
            let woken = queue.wake.notified();
            // Checked again: a vote queued between the pop and here would otherwise wait.
            if queue.due.borrow().is_empty() && !queue.closed.get() {
                woken.await;
            }
            continue;
        };
        queue.busy.set(queue.busy.get() + 1);
        if sender.as_ref().is_none_or(|s| s.is_closed()) {
            sender = open(server, local).await.ok();
        }
        let outcome = match sender.as_mut() {
            Some(s) => vote(&plan, s, &stats, &rng, due).await,
            None => Outcome::failed(&stats, due, "connect_error"),
        };
        if outcome.broken {
            sender = None;
        }
        queue.busy.set(queue.busy.get() - 1);
    }
}

async fn open(server: SocketAddr, local: IpAddr) -> std::io::Result<SendRequest<Full<Bytes>>> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(local, 0))?;
    let stream = socket.connect(server).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(std::io::Error::other)?;
    tokio::task::spawn_local(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

struct Outcome {
    broken: bool,
}

impl Outcome {
    fn failed(stats: &RefCell<Stats>, due: Instant, kind: &str) -> Self {
        let mut s = stats.borrow_mut();
        s.outcome(kind);
        s.second(due).errors += 1;
        Self { broken: true }
    }
}

fn next_random(rng: &Cell<u64>) -> u64 {
    let mut x = rng.get();
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng.set(x);
    x.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

async fn vote(
    plan: &Plan,
    sender: &mut SendRequest<Full<Bytes>>,
    stats: &RefCell<Stats>,
    rng: &Cell<u64>,
    due: Instant,
) -> Outcome {
    let r = (next_random(rng) >> 11) as f64 / (1u64 << 53) as f64;
    let k = plan.cdf.iter().position(|c| r <= *c).unwrap_or(0);
    let poll = &plan.polls[k];
    let option = &poll.options[(next_random(rng) % poll.options.len().max(1) as u64) as usize];
    let n = poll.sent.fetch_add(1, Ordering::Relaxed);
    let body = match plan.tokens.get(n % plan.tokens.len().max(1)) {
        Some(token) => json!({"option_ids": [option], "voter_token": token}),
        None => json!({ "option_ids": [option] }),
    };
    let request = hyper::Request::post(poll.votes_path.as_str())
        .header(hyper::header::HOST, plan.host.as_str())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body.to_string())));
    let Ok(request) = request else {
        return Outcome::failed(stats, due, "send_error");
    };
    let sent = Instant::now();
    {
        let mut s = stats.borrow_mut();
        record(
            &mut s.queue_wait,
            sent.saturating_duration_since(due).as_micros() as u64,
        );
        s.second(due).sent += 1;
    }
    let answer = tokio::time::timeout(REQUEST_TIMEOUT, async {
        let res = sender.send_request(request).await?;
        let status = res.status().as_u16();
        // Read the body to the end, so the connection can carry the next request.
        res.into_body().collect().await?;
        Ok::<u16, hyper::Error>(status)
    })
    .await;
    let done = Instant::now();
    let status = match answer {
        Ok(Ok(status)) => status,
        Ok(Err(_)) => return Outcome::failed(stats, due, "send_error"),
        Err(_) => return Outcome::failed(stats, due, "timeout"),
    };
    let mut s = stats.borrow_mut();
    if status == 202 {
        s.outcome("accepted");
        poll.accepted.fetch_add(1, Ordering::Relaxed);
        if k == 0
            && let Ok(mut hot) = plan.hot_accepted.lock()
        {
            hot.push(done);
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
        s.outcome(&match status {
            409 => "already_voted".to_owned(),
            other => format!("http_{other}"),
        });
        s.second(due).errors += 1;
    }
    Outcome { broken: false }
}
