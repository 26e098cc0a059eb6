//! A fleet of WebSocket viewers on one poll, spread over several source addresses, timing
//! how long accepted votes take to reach their screens.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;

use crate::engine::{Plan, sample};
use crate::stats::{Stats, record};
use crate::target::{source_addr, ws_base};

/// What the fleet went through, for the report.
pub struct FleetSummary {
    /// Viewers that time every vote they are shown (the rest time each frame's oldest).
    pub sampled: u64,
    pub connected: u64,
    pub failed: u64,
    pub lost: u64,
    pub snapshots: u64,
}

/// The viewer thread: connects the fleet to the hot poll, says so on `ready` (with the
/// seconds it took), then samples once a second until the run stops.
pub async fn run(plan: Arc<Plan>, ready: Sender<f64>) -> (Stats, FleetSummary) {
    let t0 = Instant::now();
    let stats = Rc::new(RefCell::new(Stats::new(t0)));
    let live_base = plan.opts.live_base.as_deref().unwrap_or(&plan.base);
    let url = format!(
        "{}/v1/polls/{}/live",
        ws_base(live_base.trim_end_matches('/')),
        plan.polls[0].id
    );
    eprintln!("loadgen: connecting {} viewers", plan.opts.viewers);
    let fleet = connect(
        plan.opts.viewers,
        plan.opts.source_addrs,
        &url,
        stats.clone(),
        plan.clone(),
    )
    .await;
    let _ = ready.send(t0.elapsed().as_secs_f64());
    // The timeline counts from the first vote's due time.
    let start = loop {
        if let Some(t) = plan.load_start.get() {
            break *t;
        }
        actix_web::rt::time::sleep(Duration::from_millis(1)).await;
    };
    stats.borrow_mut().start = start;
    sample(plan.clone(), stats.clone(), fleet.clone()).await;
    let summary = FleetSummary {
        sampled: fleet.timing_votes.get(),
        connected: fleet.connected.get(),
        failed: fleet.failed.get(),
        lost: fleet.lost.get(),
        snapshots: fleet.snapshots.get(),
    };
    (stats.replace(Stats::new(start)), summary)
}

/// Viewers that time every vote they are shown, at most. Timing all of them would cost
/// viewers x votes/s histogram records (50 million a second at 10,000 viewers and 5,000
/// votes/s) and measure the generator; every k-th connection is an even sample of the fan-out.
const VOTE_TIMED_VIEWERS: usize = 100;

fn vote_timing_stride(viewers: usize) -> usize {
    viewers.div_ceil(VOTE_TIMED_VIEWERS).max(1)
}

#[derive(Default)]
pub struct Fleet {
    pub connected: Cell<u64>,
    /// Connected viewers that time every vote they are shown.
    pub timing_votes: Cell<u64>,
    pub failed: Cell<u64>,
    /// Viewers whose connection ended before the run did.
    pub lost: Cell<u64>,
    pub snapshots: Cell<u64>,
}

#[derive(Deserialize)]
struct Snapshot {
    #[serde(default)]
    total_votes: Option<u64>,
}

/// Connects `n` viewers to `url`, 256 at a time, and leaves each reading in its own task.
pub async fn connect(
    n: usize,
    addrs: u8,
    url: &str,
    stats: Rc<RefCell<Stats>>,
    plan: Arc<Plan>,
) -> Rc<Fleet> {
    let fleet = Rc::new(Fleet::default());
    // One client per source address; no pool limit (upgraded sockets leave the pool).
    let clients: Vec<awc::Client> = (0..usize::from(addrs.max(1)))
        .map(|k| {
            awc::Client::builder()
                .connector(
                    awc::Connector::new()
                        .limit(0)
                        .local_address(source_addr(k, addrs)),
                )
                .finish()
        })
        .collect();
    let stride = vote_timing_stride(n);
    futures_util::stream::iter(0..n)
        .for_each_concurrent(256, |i| {
            let client = &clients[i % clients.len()];
            let (fleet, stats, plan) = (fleet.clone(), stats.clone(), plan.clone());
            async move {
                match client.ws(url).connect().await {
                    Ok((_, ws)) => {
                        fleet.connected.set(fleet.connected.get() + 1);
                        let times_votes = i % stride == 0;
                        if times_votes {
                            fleet.timing_votes.set(fleet.timing_votes.get() + 1);
                        }
                        actix_web::rt::spawn(watch(ws, fleet, stats, plan, times_votes));
                    }
                    Err(e) => {
                        if fleet.failed.get() == 0 {
                            eprintln!("loadgen: a viewer could not connect: {e}");
                        }
                        fleet.failed.set(fleet.failed.get() + 1);
                    }
                }
            }
        })
        .await;
    fleet
}

async fn watch(
    mut ws: actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>,
    fleet: Rc<Fleet>,
    stats: Rc<RefCell<Stats>>,
    plan: Arc<Plan>,
    times_votes: bool,
) {
    let mut seen: Option<u64> = None;
    while let Some(Ok(frame)) = ws.next().await {
        match frame {
            awc::ws::Frame::Text(bytes) => {
                let Ok(Snapshot {
                    total_votes: Some(total),
                }) = serde_json::from_slice::<Snapshot>(&bytes)
                else {
                    continue;
                };
                let now = Instant::now();
                fleet.snapshots.set(fleet.snapshots.get() + 1);
                if let Some(prev) = seen
                    && total > prev
                {
                    shown(
                        &plan,
                        &stats,
                        prev as usize..total as usize,
                        now,
                        times_votes,
                    );
                }
                seen = Some(seen.map_or(total, |p| p.max(total)));
            }
            // A browser answers pings; a silent viewer is dropped by the server.
            awc::ws::Frame::Ping(p) => {
                let Ok(()) = ws.send(awc::ws::Message::Pong(p)).await else {
                    break;
                };
            }
            awc::ws::Frame::Close(_) => break,
            _ => {}
        }
    }
    fleet.lost.set(fleet.lost.get() + 1);
    fleet.connected.set(fleet.connected.get().saturating_sub(1));
}

/// Records the latency of the votes a snapshot newly shows (the `shown` range of the hot
/// poll's acceptance order): its oldest for every viewer, each of them for vote-timing ones.
/// Votes whose 202 the sender has not yet read are left out.
fn shown(
    plan: &Plan,
    stats: &RefCell<Stats>,
    shown: std::ops::Range<usize>,
    now: Instant,
    times_votes: bool,
) {
    let Ok(accepted) = plan.hot_accepted.lock() else {
        return;
    };
    let upto = shown.end.min(accepted.len());
    let Some(newly) = accepted.get(shown.start..upto) else {
        return;
    };
    let age = |t0: &Instant| now.saturating_duration_since(*t0).as_micros() as u64;
    let mut s = stats.borrow_mut();
    if let Some(oldest) = newly.first() {
        let us = age(oldest);
        record(&mut s.v2s_frame_worst, us);
        record(&mut s.second(now).v2s_frame_worst, us);
    }
    if times_votes {
        for t0 in newly {
            let us = age(t0);
            record(&mut s.v2s, us);
            record(&mut s.second(now).v2s, us);
        }
    }
}
