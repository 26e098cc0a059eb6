//! The viewers of one poll on one HTTP worker, and the one task that sends them each new frame.
//!
//! Frames cost CPU per viewer (a WebSocket send each), and the viewers share their worker with
//! every other request it serves, votes included. Waking a task per viewer on every snapshot
//! queued a vote that arrived mid-fan-out behind the whole crowd (HTTP p99 344 ms at 5,000
//! votes/s with 10,000 viewers, `docs/benchmarks.md`). Here one task per poll and worker
//! sends a slice of viewers at a time and yields between slices, so waiting requests get in
//! after at most one slice. A send never waits for its viewer: a viewer whose queue is full
//! skips the frame (the next one is newer anyway), and one that keeps refusing frames is
//! dropped by its own task.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::rt;
use actix_ws::Session;
use futures_util::FutureExt;
use pollcast_types::PollId;
use tokio::sync::{Notify, watch};
use tokio::task::coop::unconstrained;

use crate::BroadcastState;
use crate::hub::Frame;

/// Viewers sent to between two yields: about 3 ms of sends on the benchmark machine.
const SLICE: usize = 256;

thread_local! {
    /// This worker's crowds. Each HTTP worker is one thread, and its viewers stay on it.
    static CROWDS: RefCell<HashMap<PollId, Rc<Crowd>>> = RefCell::default();
}

/// One viewer's place in a crowd: its session and what it has been sent.
pub struct Seat {
    session: RefCell<Session>,
    last_seq: Cell<Option<u64>>,
    refusing_since: Cell<Option<Instant>>,
}

impl Seat {
    /// Sends `frame` unless this viewer already has it or a newer one. Never waits: a full
    /// queue skips the frame. Returns the messages sent.
    fn offer(&self, frame: &Frame) -> u64 {
        if self.last_seq.get().is_some_and(|seq| frame.seq <= seq) {
            return 0;
        }
        let Ok(mut session) = self.session.try_borrow_mut() else {
            return 0;
        };
        let mut sent = 0;
        for text in frame.status.iter().chain([&frame.text]) {
            // Outside tokio's per-poll budget: within it, the 129th send of a slice would be
            // refused as if that viewer's queue were full. Fairness comes from the slices.
            match unconstrained(session.text(text.clone())).now_or_never() {
                Some(Ok(())) => sent += 1,
                // Closed: its task sees the connection end and leaves.
                Some(Err(_)) => return sent,
                None => {
                    if self.refusing_since.get().is_none() {
                        self.refusing_since.set(Some(Instant::now()));
                    }
                    return sent;
                }
            }
        }
        self.last_seq.set(Some(frame.seq));
        self.refusing_since.set(None);
        sent
    }

    /// How long this viewer has been refusing frames (its queue full), if it is.
    pub fn refusing_for(&self) -> Option<Duration> {
        self.refusing_since.get().map(|since| since.elapsed())
    }
}

struct Crowd {
    seats: RefCell<Vec<Rc<Seat>>>,
    /// Wakes the fan-out task to end once the last viewer has left.
    emptied: Notify,
}

/// Seats a viewer in its poll's crowd on this worker (starting the crowd's fan-out task with
/// `rx` if there is none) and sends it the newest frame.
pub fn join(
    state: &Arc<BroadcastState>,
    poll: &PollId,
    rx: watch::Receiver<Option<Frame>>,
    session: Session,
) -> Rc<Seat> {
    let seat = Rc::new(Seat {
        session: RefCell::new(session),
        last_seq: Cell::new(None),
        refusing_since: Cell::new(None),
    });
    let current = rx.borrow().clone();
    let crowd = CROWDS.with_borrow_mut(|crowds| {
        if let Some(crowd) = crowds.get(poll) {
            return crowd.clone();
        }
        let crowd = Rc::new(Crowd {
            seats: RefCell::default(),
            emptied: Notify::new(),
        });
        crowds.insert(poll.clone(), crowd.clone());
        rt::spawn(fan_out(
            state.clone(),
            poll.clone(),
            crowd.clone(),
            rx.clone(),
        ));
        crowd
    });
    drop(rx);
    state.hub.release(poll);
    crowd.seats.borrow_mut().push(seat.clone());
    if let Some(frame) = current {
        sent(seat.offer(&frame));
    }
    seat
}

/// Gives up a viewer's seat; the last one out ends the crowd's task.
pub fn leave(poll: &PollId, seat: &Rc<Seat>) {
    CROWDS.with_borrow_mut(|crowds| {
        let Some(crowd) = crowds.get(poll) else {
            return;
        };
        let mut seats = crowd.seats.borrow_mut();
        if let Some(i) = seats.iter().position(|s| Rc::ptr_eq(s, seat)) {
            seats.swap_remove(i);
        }
        if seats.is_empty() {
            drop(seats);
            crowd.emptied.notify_one();
            crowds.remove(poll);
        }
    });
}

/// Sends every new frame to the crowd, a slice at a time.
async fn fan_out(
    state: Arc<BroadcastState>,
    poll: PollId,
    crowd: Rc<Crowd>,
    mut rx: watch::Receiver<Option<Frame>>,
) {
    loop {
        tokio::select! {
            changed = rx.changed() => if changed.is_err() { break },
            _ = crowd.emptied.notified() => break,
        }
        let mut frame = rx.borrow_and_update().clone();
        let seats = crowd.seats.borrow().clone();
        for slice in seats.chunks(SLICE) {
            // A newer frame goes to the rest at once; the change stays marked, so the next
            // round brings it to those served before (the others skip it by seq).
            if rx.has_changed().unwrap_or(false) {
                frame = rx.borrow().clone();
            }
            if let Some(frame) = &frame {
                sent(slice.iter().map(|seat| seat.offer(frame)).sum());
            }
            tokio::task::yield_now().await;
        }
    }
    drop(rx);
    state.hub.release(&poll);
}

fn sent(messages: u64) {
    if messages > 0 {
        metrics::counter!("ws_messages_sent_total").increment(messages);
    }
}
