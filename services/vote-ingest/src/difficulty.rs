//! Adaptive proof-of-work difficulty, per protected poll: while a poll's votes look scripted
//! (many refused, many failed solutions, many votes from few addresses) its challenges get
//! harder, a step per window, and after a calm minute they ease off again, a step per minute.
//!
//! Each vote-ingest instance judges from the votes it sees. Behind a load balancer every
//! instance sees the same mix, so they reach the same level within a window or two; the
//! challenge itself carries its difficulty, so a solution is valid whichever instance checks it.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pollcast_types::PollId;

/// How much harder each level is than the base (the expected work grows with `maxnumber`).
/// The top is bounded so a phone, ~4× slower than a laptop core, still solves it in ~5 s
/// (docs/bot-protection.md has the measured hash rates).
pub const LEVELS: [u64; 3] = [1, 4, 16];
/// The window the signals are counted over.
const WINDOW: Duration = Duration::from_secs(10);
/// How long a raised level holds while things are calm before it eases one step.
const CALM: Duration = Duration::from_secs(60);
/// Fewer events than this in a window say nothing either way.
const MIN_EVENTS: u32 = 20;
/// Distinct addresses remembered per window and poll (memory bound).
const MAX_ADDRESSES: usize = 1024;
/// Bound on the polls tracked; past it the map starts over (every poll back at the base).
const MAX_POLLS: usize = 100_000;

/// What one vote on a protected poll says about who is voting.
pub enum Signal {
    Accepted(Option<IpAddr>),
    /// Refused as a repeat, over a per-address limit, or without a valid solution.
    Suspicious,
}

pub struct Difficulty {
    base: u64,
    polls: Mutex<HashMap<PollId, Pressure>>,
}

struct Pressure {
    level: usize,
    changed_at: Instant,
    window_start: Instant,
    accepted: u32,
    suspicious: u32,
    addresses: HashSet<IpAddr>,
}

impl Pressure {
    fn new(now: Instant) -> Self {
        Self {
            level: 0,
            changed_at: now,
            window_start: now,
            accepted: 0,
            suspicious: 0,
            addresses: HashSet::new(),
        }
    }

    /// Closes the window if it has run out, and moves the level by what it held.
    fn roll(&mut self, now: Instant) -> bool {
        if now.duration_since(self.window_start) < WINDOW {
            return false;
        }
        let before = self.level;
        let total = self.accepted + self.suspicious;
        let refused_often = self.suspicious * 10 >= total * 3;
        // One address per ten votes or fewer: a handful of machines voting a lot.
        let few_addresses =
            self.accepted >= 50 && self.addresses.len() * 10 <= self.accepted as usize;
        if total >= MIN_EVENTS && (refused_often || few_addresses) {
            self.level = (self.level + 1).min(LEVELS.len() - 1);
            self.changed_at = now;
        } else if self.level > 0 && self.suspicious * 10 < total.max(1) {
            let calm_steps =
                (now.duration_since(self.changed_at).as_secs() / CALM.as_secs()) as usize;
            if calm_steps > 0 {
                self.level = self.level.saturating_sub(calm_steps);
                self.changed_at = now;
            }
        } else if self.level > 0 {
            // Still under pressure: the calm minute starts again.
            self.changed_at = now;
        }
        self.window_start = now;
        self.accepted = 0;
        self.suspicious = 0;
        self.addresses.clear();
        self.level != before
    }
}

impl Difficulty {
    /// `base`: the `maxnumber` of a poll under no pressure.
    pub fn new(base: u64) -> Self {
        Self {
            base: base.max(1),
            polls: Mutex::new(HashMap::new()),
        }
    }

    /// The `maxnumber` a new challenge for `poll` gets now.
    pub fn maxnumber(&self, poll: &PollId, now: Instant) -> u64 {
        self.base.saturating_mul(LEVELS[self.level(poll, now)])
    }

    /// Counts one vote's signal for `poll`.
    pub fn record(&self, poll: &PollId, signal: Signal, now: Instant) {
        self.update(poll, now, true, |p| match signal {
            Signal::Accepted(ip) => {
                p.accepted += 1;
                if let Some(ip) = ip
                    && p.addresses.len() < MAX_ADDRESSES
                {
                    p.addresses.insert(ip);
                }
            }
            Signal::Suspicious => p.suspicious += 1,
        });
    }

    /// Counts a refusal for `poll` only if it is a protected poll already tracked (refusals
    /// that come before the poll is read, such as the per-address limit).
    pub fn record_if_tracked(&self, poll: &str, now: Instant) {
        if let Some(id) = PollId::parse(poll) {
            self.update(&id, now, false, |p| p.suspicious += 1);
        }
    }

    /// The level `poll` is at now: 0 for a poll no vote was counted for.
    pub fn level(&self, poll: &PollId, now: Instant) -> usize {
        self.update(poll, now, false, |_| {})
    }

    /// Rolls `poll`'s window and applies `f`; tracks the poll first if `track` and it is
    /// not yet. Its level after.
    fn update(
        &self,
        poll: &PollId,
        now: Instant,
        track: bool,
        f: impl FnOnce(&mut Pressure),
    ) -> usize {
        let Ok(mut polls) = self.polls.lock() else {
            return 0;
        };
        if track && !polls.contains_key(poll) {
            if polls.len() >= MAX_POLLS {
                polls.clear();
            }
            polls.insert(poll.clone(), Pressure::new(now));
        }
        let Some(p) = polls.get_mut(poll) else {
            return 0;
        };
        if p.roll(now) {
            publish(poll, p.level);
        }
        f(p);
        p.level
    }
}

fn publish(poll: &PollId, level: usize) {
    metrics::gauge!("bot_challenge_level", "poll_id" => poll.to_string()).set(level as f64);
    tracing::info!(poll_id = %poll, level, "proof-of-work difficulty changed");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pressure_raises_the_level_a_step_a_window_and_calm_lowers_it() {
        let d = Difficulty::new(1000);
        let poll = PollId::generate();
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert_eq!(d.maxnumber(&poll, t0), 1000);
        // Honest traffic from many addresses: no change.
        for i in 0..100u8 {
            d.record(
                &poll,
                Signal::Accepted(Some(IpAddr::from([10, 0, 0, i]))),
                at(1),
            );
        }
        assert_eq!(d.level(&poll, at(11)), 0);
        // Scripted: most votes refused. One step per window, up to the top.
        for window in 1..=4u64 {
            for _ in 0..30 {
                d.record(&poll, Signal::Suspicious, at(11 * window + 1));
            }
            d.record(&poll, Signal::Accepted(None), at(11 * window + 1));
        }
        assert_eq!(d.level(&poll, at(60)), LEVELS.len() - 1);
        assert_eq!(d.maxnumber(&poll, at(60)), 1000 * LEVELS[LEVELS.len() - 1]);
        // Then calm: a step down per calm minute.
        assert_eq!(d.level(&poll, at(60 + 61)), LEVELS.len() - 2);
        assert_eq!(d.level(&poll, at(60 + 61 + 130)), 0);
    }

    #[test]
    fn many_votes_from_few_addresses_raise_the_level() {
        let d = Difficulty::new(10);
        let poll = PollId::generate();
        let t0 = Instant::now();
        for i in 0..100u8 {
            d.record(
                &poll,
                Signal::Accepted(Some(IpAddr::from([10, 0, 0, i % 3]))),
                t0,
            );
        }
        assert_eq!(d.level(&poll, t0 + WINDOW), 1);
        // Refusals before the poll is read count for a tracked poll only.
        d.record_if_tracked("p_not_tracked", t0);
        assert_eq!(d.polls.lock().unwrap().len(), 1);
    }
}
