//! How many live connections (WebSocket and SSE) each client address holds in this process,
//! bounded by `--live-per-ip`: one address cannot take all of a process's sockets.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use pollcast_http::ApiError;
use pollcast_types::ErrorCode;

#[derive(Default)]
pub struct Seats {
    limit: u32,
    held: Mutex<HashMap<IpAddr, u32>>,
}

/// One live connection's seat; given back when dropped (the connection ended).
pub struct Seat {
    seats: Arc<Seats>,
    ip: Option<IpAddr>,
}

impl Seats {
    /// `limit` 0: no bound.
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            held: Mutex::default(),
        }
    }

    /// A seat for a new connection from `ip`, or `429` when the address holds its limit.
    pub fn take(self: &Arc<Self>, ip: Option<IpAddr>) -> Result<Seat, ApiError> {
        let tracked = ip.filter(|_| self.limit > 0);
        if let Some(ip) = tracked
            && let Ok(mut held) = self.held.lock()
        {
            let n = held.entry(ip).or_insert(0);
            if *n >= self.limit {
                metrics::counter!("live_refused_per_ip_total").increment(1);
                return Err(ApiError {
                    retry_after_secs: Some(5),
                    ..ApiError::new(ErrorCode::RateLimited).with_detail(format!(
                        "at most {} live connections per address",
                        self.limit
                    ))
                });
            }
            *n += 1;
        }
        Ok(Seat {
            seats: self.clone(),
            ip: tracked,
        })
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        if let Some(ip) = self.ip
            && let Ok(mut held) = self.seats.held.lock()
            && let Some(n) = held.get_mut(&ip)
        {
            *n -= 1;
            if *n == 0 {
                held.remove(&ip);
            }
        }
    }
}
