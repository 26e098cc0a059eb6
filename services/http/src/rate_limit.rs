//! Rate limits (the `governor` crate, GCRA): a keyed limiter per purpose, answering a refusal
//! with `429 rate_limited`, `Retry-After` and `RateLimit-Limit/Remaining/Reset`.

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use pollcast_types::ErrorCode;

use crate::ApiError;

type Keyed =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// Past this many tracked keys, keys that are back to full capacity are forgotten.
const MAX_KEYS: usize = 100_000;

pub struct Limiter {
    limiter: Keyed,
    per_second: u32,
    burst: u32,
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
        })
    }

    /// Admits one request for `key`, or refuses it with a 429 saying when to retry.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        if self.limiter.len() > MAX_KEYS {
            self.limiter.retain_recent();
        }
        match self.limiter.check_key(&key.to_owned()) {
            Ok(_) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.limiter.clock().now());
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                metrics::counter!("rate_limited_total").increment(1);
                Err(ApiError {
                    retry_after_secs: Some(secs.max(1)),
                    rate_limit: Some(RateInfo {
                        limit: self.burst,
                        remaining: 0,
                        reset_secs: secs.max(1),
                    }),
                    ..ApiError::new(ErrorCode::RateLimited).with_detail(format!(
                        "at most {} requests per second here",
                        self.per_second
                    ))
                })
            }
        }
    }
}

/// Checks an optional limiter: `None` admits everything.
pub fn check(limiter: &Option<Limiter>, key: &str) -> Result<(), ApiError> {
    limiter.as_ref().map_or(Ok(()), |l| l.check(key))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
