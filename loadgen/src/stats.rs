//! What a run records: latency histograms (HdrHistogram, microseconds), outcomes by kind,
//! and a per-second timeline for the report's charts.

use std::collections::BTreeMap;
use std::time::Instant;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Up to a minute, 3 significant digits.
#[allow(clippy::expect_used)] // constant bounds that are valid: it cannot fail
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

pub struct Second {
    pub due: u64,
    pub sent: u64,
    pub accepted: u64,
    pub errors: u64,
    pub dropped: u64,
    pub http: Histogram<u64>,
    pub v2s: Histogram<u64>,
    pub v2s_frame_worst: Histogram<u64>,
    pub server_rss_kib: Option<u64>,
    pub loadgen_cpu_secs: f64,
    pub viewers: u64,
    /// Votes to the hot poll accepted but not yet counted, sampled at the end of the second.
    pub tally_lag_votes: Option<u64>,
}

impl Second {
    fn new() -> Self {
        Self {
            due: 0,
            sent: 0,
            accepted: 0,
            errors: 0,
            dropped: 0,
            http: histogram(),
            v2s: histogram(),
            v2s_frame_worst: histogram(),
            server_rss_kib: None,
            loadgen_cpu_secs: 0.0,
            viewers: 0,
            tally_lag_votes: None,
        }
    }
}

pub struct Stats {
    pub start: Instant,
    /// From the moment each vote was due to its answer: corrected for coordinated omission.
    pub http: Histogram<u64>,
    /// From the moment each vote was actually sent to its answer (what a closed-loop tool
    /// would report); the gap to `http` shows how far the generator or server fell behind.
    pub service: Histogram<u64>,
    /// Vote-to-screen as the issue defines it: per vote and sampled viewer, from the vote's
    /// acceptance to the arrival of the first snapshot that includes it.
    pub v2s: Histogram<u64>,
    /// Per viewer per snapshot, the oldest vote it newly shows: the worst vote of each frame,
    /// an upper bound that always includes up to one coalescing interval.
    pub v2s_frame_worst: Histogram<u64>,
    /// How late the generator queued each vote against its due time: its own health.
    pub schedule_lag: Histogram<u64>,
    /// From due time to the moment a connection took the vote: waiting for a free
    /// connection, which is the server being slow (every connection busy).
    pub queue_wait: Histogram<u64>,
    pub outcomes: BTreeMap<String, u64>,
    pub seconds: Vec<Second>,
}

impl Stats {
    pub fn new(start: Instant) -> Self {
        Self {
            start,
            http: histogram(),
            service: histogram(),
            v2s: histogram(),
            v2s_frame_worst: histogram(),
            schedule_lag: histogram(),
            queue_wait: histogram(),
            outcomes: BTreeMap::new(),
            seconds: Vec::new(),
        }
    }

    /// The timeline entry of the second `at` falls in.
    pub fn second(&mut self, at: Instant) -> &mut Second {
        let i = at.saturating_duration_since(self.start).as_secs() as usize;
        while self.seconds.len() <= i {
            self.seconds.push(Second::new());
        }
        &mut self.seconds[i]
    }

    /// Adds what another thread recorded (with the same start) into this one.
    pub fn merge(&mut self, other: Stats) {
        let _ = self.http.add(&other.http);
        let _ = self.service.add(&other.service);
        let _ = self.v2s.add(&other.v2s);
        let _ = self.v2s_frame_worst.add(&other.v2s_frame_worst);
        let _ = self.schedule_lag.add(&other.schedule_lag);
        let _ = self.queue_wait.add(&other.queue_wait);
        for (k, v) in other.outcomes {
            *self.outcomes.entry(k).or_default() += v;
        }
        for (i, o) in other.seconds.into_iter().enumerate() {
            while self.seconds.len() <= i {
                self.seconds.push(Second::new());
            }
            let s = &mut self.seconds[i];
            s.due += o.due;
            s.sent += o.sent;
            s.accepted += o.accepted;
            s.errors += o.errors;
            s.dropped += o.dropped;
            let _ = s.http.add(&o.http);
            let _ = s.v2s.add(&o.v2s);
            let _ = s.v2s_frame_worst.add(&o.v2s_frame_worst);
            s.server_rss_kib = s.server_rss_kib.or(o.server_rss_kib);
            s.loadgen_cpu_secs = s.loadgen_cpu_secs.max(o.loadgen_cpu_secs);
            s.viewers = s.viewers.max(o.viewers);
            s.tally_lag_votes = s.tally_lag_votes.or(o.tally_lag_votes);
        }
    }

    pub fn outcome(&mut self, kind: &str) {
        *self.outcomes.entry(kind.to_owned()).or_default() += 1;
    }

    pub fn count(&self, kind: &str) -> u64 {
        self.outcomes.get(kind).copied().unwrap_or(0)
    }
}

/// Percentiles of a histogram in milliseconds.
#[derive(Debug, Serialize)]
pub struct Percentiles {
    pub count: u64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

impl Percentiles {
    pub fn of(h: &Histogram<u64>) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            count: h.len(),
            p50: ms(h.value_at_quantile(0.5)),
            p90: ms(h.value_at_quantile(0.9)),
            p99: ms(h.value_at_quantile(0.99)),
            p999: ms(h.value_at_quantile(0.999)),
            max: ms(h.max()),
            mean: h.mean() / 1000.0,
        }
    }
}

/// Records `micros` into `h`, clamped into the histogram's range.
pub fn record(h: &mut Histogram<u64>, micros: u64) {
    let _ = h.record(micros.clamp(1, h.high()));
}

/// A quantile in milliseconds, `None` for an empty histogram.
pub fn quantile_ms(h: &Histogram<u64>, q: f64) -> Option<f64> {
    (!h.is_empty()).then(|| h.value_at_quantile(q) as f64 / 1000.0)
}
