//! Arrival profiles: the rate votes are due at, second by second, whatever the server does.

use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Profile {
    Constant {
        rate: f64,
    },
    /// `base`, then a climb to `peak` over one second from `at`, held for `hold` seconds,
    /// then `base` again.
    Spike {
        base: f64,
        peak: f64,
        at: f64,
        hold: f64,
    },
}

impl Profile {
    /// Votes per second due at `t` seconds into the run.
    pub fn rate_at(&self, t: f64) -> f64 {
        match *self {
            Self::Constant { rate } => rate,
            Self::Spike {
                base,
                peak,
                at,
                hold,
            } => {
                if t < at || t >= at + 1.0 + hold {
                    base
                } else if t < at + 1.0 {
                    base + (peak - base) * (t - at)
                } else {
                    peak
                }
            }
        }
    }
}

/// The due times of arrivals, in seconds from the start, one after another.
pub struct Arrivals {
    profile: Profile,
    next: f64,
    end: f64,
}

impl Arrivals {
    pub fn new(profile: Profile, duration: f64) -> Self {
        Self {
            profile,
            next: 0.0,
            end: duration,
        }
    }
}

impl Iterator for Arrivals {
    type Item = f64;

    fn next(&mut self) -> Option<f64> {
        loop {
            if self.next >= self.end {
                return None;
            }
            let rate = self.profile.rate_at(self.next);
            if rate <= 0.0 {
                // Nothing due now; look again a millisecond later.
                self.next += 0.001;
                continue;
            }
            let due = self.next;
            self.next += 1.0 / rate;
            return Some(due);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_rate_schedules_rate_times_duration_arrivals() {
        let n = Arrivals::new(Profile::Constant { rate: 500.0 }, 2.0).count();
        assert!((999..=1001).contains(&n), "{n}");
        assert_eq!(
            Arrivals::new(Profile::Constant { rate: 0.0 }, 2.0).count(),
            0
        );
    }

    #[test]
    fn a_spike_climbs_in_one_second_and_comes_back() {
        let p = Profile::Spike {
            base: 100.0,
            peak: 1000.0,
            at: 2.0,
            hold: 3.0,
        };
        assert_eq!(p.rate_at(1.9), 100.0);
        assert_eq!(p.rate_at(2.5), 550.0);
        assert_eq!(p.rate_at(4.0), 1000.0);
        assert_eq!(p.rate_at(6.1), 100.0);
        let in_peak = Arrivals::new(p, 10.0)
            .filter(|t| (3.0..6.0).contains(t))
            .count();
        assert!((2990..=3010).contains(&in_peak), "{in_peak}");
    }
}
