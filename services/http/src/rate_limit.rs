//! Rate limits (the `governor` crate, GCRA): a keyed limiter per purpose, answering a refusal
//! with `429 rate_limited`, `Retry-After` and `RateLimit-Limit/Remaining/Reset`.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use pollcast_types::ErrorCode;

use crate::ApiError;

type Keyed =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// Past this many tracked keys, keys that are back to full capacity are forgotten (at most
/// once a second, so a check never pays for a scan more often); if that is not enough (a
/// flood of distinct keys), new keys share one of [`OVERFLOW_BUCKETS`] buckets: memory
/// stays bounded and the flood is still limited, only more strictly.
const MAX_KEYS: usize = 100_000;
const OVERFLOW_BUCKETS: u64 = 4096;

pub struct Limiter {
    limiter: Keyed,
    per_second: u32,
    burst: u32,
    /// How many instances share the limit (each request draws that many cells, so N
    /// instances admit about the limit between them): [`Limiter::set_share`].
    share: AtomicU32,
    /// When keys were last swept, in ms since `started`.
    swept_at_ms: AtomicU64,
    started: Instant,
}

/// The `RateLimit-*` numbers of a refusal.
#[derive(Debug, Clone, Copy)]
pub struct RateInfo {
    pub limit: u32,
    pub remaining: u32,
    pub reset_secs: u64,
}

impl Limiter {
    /// `per_second` sustained with bursts of twice that; `None` (no limit) for 0.
    pub fn per_second(per_second: u32) -> Option<Self> {
        let rate = NonZeroU32::new(per_second)?;
        let burst = NonZeroU32::new(per_second.saturating_mul(2)).unwrap_or(rate);
        Some(Self {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
                .with_middleware::<StateInformationMiddleware>(),
            per_second,
            burst: burst.get(),
            share: AtomicU32::new(1),
            swept_at_ms: AtomicU64::new(0),
            started: Instant::now(),
        })
    }

    /// `per_minute` in any minute, all of it at once if need be; `None` (no limit) for 0.
    /// For budgets of failures (sign-in), not of traffic.
    pub fn per_minute(per_minute: u32) -> Option<Self> {
        let rate = NonZeroU32::new(per_minute)?;
        Some(Self {
            limiter: RateLimiter::keyed(Quota::per_minute(rate).allow_burst(rate))
                .with_middleware::<StateInformationMiddleware>(),
            per_second: per_minute.div_ceil(60),
            burst: rate.get(),
            share: AtomicU32::new(1),
            swept_at_ms: AtomicU64::new(0),
            started: Instant::now(),
        })
    }

    /// The key the limiter tracks for `key`: itself, or its overflow bucket when full.
    fn tracked(&self, key: &str) -> String {
        if self.limiter.len() < MAX_KEYS {
            return key.to_owned();
        }
        let now = self.started.elapsed().as_millis() as u64;
        let last = self.swept_at_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= 1000
            && self
                .swept_at_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        if self.limiter.len() < MAX_KEYS {
            return key.to_owned();
        }
        // A stable hash: cheap, and an attacker gains nothing by choosing a bucket.
        let bucket = pollcast_types::hash::fnv1a64(key.as_bytes()) % OVERFLOW_BUCKETS;
        format!("\u{1}overflow:{bucket}")
    }

    /// This limit is shared by `instances` processes that each see part of the traffic
    /// (the live vote-ingest instances): each then admits its share, 1/`instances` of it.
    pub fn set_share(&self, instances: u32) {
        self.share
            .store(instances.clamp(1, self.burst), Ordering::Relaxed);
    }

    /// Admits one request for `key`, or refuses it with a 429 saying when to retry.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        let share = self.share.load(Ordering::Relaxed);
        let cells = NonZeroU32::new(share).unwrap_or(NonZeroU32::MIN);
        let secs = match self.limiter.check_key_n(&self.tracked(key), cells) {
            Ok(Ok(_)) => return Ok(()),
            Ok(Err(not_until)) => retry_secs(not_until.wait_time_from(self.limiter.clock().now())),
            // More cells than the burst: cannot happen (`set_share` clamps); refused if it did.
            Err(_) => 1,
        };
        metrics::counter!("rate_limited_total").increment(1);
        Err(ApiError {
            retry_after_secs: Some(secs),
            rate_limit: Some(RateInfo {
                limit: (self.burst / share).max(1),
                remaining: 0,
                reset_secs: secs,
            }),
            ..ApiError::new(ErrorCode::RateLimited).with_detail(format!(
                "at most {} requests per second here",
                (self.per_second / share).max(1)
            ))
        })
    }
}

/// Throttles failures (failed authentication) per client address: failures draw on a
/// [`Limiter`]; an address that runs out is refused with `429` before its next attempt costs
/// anything, until its budget is back.
pub struct FailureThrottle {
    failures: Limiter,
    blocked: Mutex<HashMap<String, Instant>>,
}

impl FailureThrottle {
    /// `None` (off) for 0.
    pub fn per_second(per_second: u32) -> Option<Self> {
        Some(Self {
            failures: Limiter::per_second(per_second)?,
            blocked: Mutex::new(HashMap::new()),
        })
    }

    /// A budget of `per_minute` failures a minute (`None`, off, for 0).
    pub fn per_minute(per_minute: u32) -> Option<Self> {
        Some(Self {
            failures: Limiter::per_minute(per_minute)?,
            blocked: Mutex::new(HashMap::new()),
        })
    }

    /// Refuses an address that failed too often, without looking at what it sends.
    pub fn admit(&self, key: &str) -> Result<(), ApiError> {
        let Ok(mut blocked) = self.blocked.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        match blocked.get(key) {
            Some(until) if *until > now => {
                metrics::counter!("rate_limited_total").increment(1);
                Err(ApiError {
                    retry_after_secs: Some(retry_secs(*until - now)),
                    ..ApiError::new(ErrorCode::RateLimited)
                        .with_detail("too many failed attempts from this address")
                })
            }
            Some(_) => {
                blocked.remove(key);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Records a failure; past the budget, the address is refused until it has recovered.
    pub fn failed(&self, key: &str) {
        if let Err(refused) = self.failures.check(key) {
            let secs = refused.retry_after_secs.unwrap_or(1);
            if let Ok(mut blocked) = self.blocked.lock() {
                if blocked.len() >= MAX_KEYS {
                    let now = Instant::now();
                    blocked.retain(|_, until| *until > now);
                }
                if blocked.len() < MAX_KEYS {
                    blocked.insert(key.to_owned(), Instant::now() + Duration::from_secs(secs));
                }
            }
        }
    }
}

/// `Retry-After` for a wait: whole seconds, rounded up, at least 1.
fn retry_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// Checks an optional limiter: `None` admits everything.
pub fn check(limiter: &Option<Limiter>, key: &str) -> Result<(), ApiError> {
    limiter.as_ref().map_or(Ok(()), |l| l.check(key))
}

/// Checks an optional limiter keyed by client address (unknown addresses share one key); the
/// key is only written out when there is a limit.
pub fn check_ip(limiter: &Option<Limiter>, ip: Option<std::net::IpAddr>) -> Result<(), ApiError> {
    limiter.as_ref().map_or(Ok(()), |l| {
        l.check(&ip.map(|i| i.to_string()).unwrap_or_default())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shared by 4 instances, each admits a quarter of the burst; alone again, all of it.
    #[test]
    fn a_limit_shared_by_instances_admits_its_share() {
        let admitted = |limiter: &Limiter, key: &str| {
            (0..100).take_while(|_| limiter.check(key).is_ok()).count()
        };
        let limiter = Limiter::per_second(10).unwrap();
        assert_eq!(admitted(&limiter, "alone"), 20);
        limiter.set_share(4);
        assert_eq!(admitted(&limiter, "shared"), 5);
        let refused = limiter.check("shared").unwrap_err();
        assert!(
            refused
                .detail
                .as_deref()
                .is_some_and(|d| d.contains("at most 2 ")),
            "{refused:?}"
        );
        limiter.set_share(1000); // more instances than the burst: one cell's worth each
        assert_eq!(admitted(&limiter, "many"), 1);
        limiter.set_share(1);
        assert_eq!(admitted(&limiter, "again"), 20);
    }

    #[test]
    fn refuses_past_the_burst_per_key_and_says_when_to_retry() {
        let limiter = Limiter::per_second(2).unwrap();
        for _ in 0..4 {
            assert!(limiter.check("a").is_ok());
        }
        let refused = limiter.check("a").unwrap_err();
        assert_eq!(refused.code, ErrorCode::RateLimited);
        assert_eq!(refused.retry_after_secs, Some(1));
        assert_eq!(
            refused.rate_limit.map(|r| (r.limit, r.remaining)),
            Some((4, 0))
        );
        assert!(limiter.check("b").is_ok(), "keys are limited separately");
        assert!(Limiter::per_second(0).is_none());
    }

    #[test]
    fn a_flood_of_distinct_keys_stays_bounded_and_limited() {
        let limiter = Limiter::per_second(1).unwrap();
        for i in 0..(MAX_KEYS + 50_000) {
            let _ = limiter.check(&format!("k{i}"));
        }
        assert!(limiter.limiter.len() <= MAX_KEYS + OVERFLOW_BUCKETS as usize);
        // Past the cap, a new key shares a bucket that the flood has used up.
        let refused = (0..100).filter(|i| limiter.check(&format!("new{i}")).is_err());
        assert!(refused.count() > 0);
    }

    #[test]
    fn failures_block_an_address_until_its_budget_is_back() {
        let throttle = FailureThrottle::per_second(1).unwrap();
        for _ in 0..2 {
            assert!(throttle.admit("10.0.0.1").is_ok());
            throttle.failed("10.0.0.1");
        }
        throttle.failed("10.0.0.1");
        let refused = throttle.admit("10.0.0.1").unwrap_err();
        assert_eq!(refused.code, ErrorCode::RateLimited);
        assert!(refused.retry_after_secs.is_some());
        assert!(throttle.admit("10.0.0.2").is_ok(), "per address");
    }
}
