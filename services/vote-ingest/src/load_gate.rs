//! Shedding load before it hurts: when Redis nears its `maxmemory` or tally falls far behind,
//! vote-ingest answers `503` with `Retry-After` (nothing stored) instead of filling Redis to
//! the point where tally itself is refused (`XREADGROUP` and the counting script are writes,
//! and Redis refuses writes with OOM once full: the backlog could then never drain).
//!
//! A background task samples Redis every [`EVERY`]; the request path reads one atomic.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use pollcast_bus::redis::{self, RedisError};
use pollcast_runtime::Context;
use pollcast_wire::TALLY_GROUP;
use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_millis(250);

/// Why votes are being refused, if they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Shedding {
    No = 0,
    /// Redis uses at least `--shed-memory-percent` of its `maxmemory`.
    Memory = 1,
    /// tally has more than `--shed-backlog` votes still to count.
    Backlog = 2,
}

#[derive(Default)]
pub struct LoadGate {
    state: AtomicU8,
}

impl LoadGate {
    pub fn shedding(&self) -> Shedding {
        match self.state.load(Ordering::Relaxed) {
            1 => Shedding::Memory,
            2 => Shedding::Backlog,
            _ => Shedding::No,
        }
    }

    fn set(&self, s: Shedding) {
        let before = self.state.swap(s as u8, Ordering::Relaxed);
        if before != s as u8 {
            tracing::warn!(shedding = ?s, "vote-ingest load gate changed");
            metrics::gauge!("vote_ingest_shedding").set(f64::from(s as u8));
        }
    }
}

/// Samples Redis until `shutdown`, opening and closing the gate.
pub async fn run(context: Context, gate: Arc<LoadGate>, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(EVERY) => {}
        }
        // When Redis does not answer, votes fail on their own; keep the last verdict.
        if let Ok(verdict) = sample(&context).await {
            gate.set(verdict);
        }
    }
}

async fn sample(context: &Context) -> Result<Shedding, RedisError> {
    let settings = &context.settings;
    let mut conn = context.bus.conn();
    // One text from one server; from a Redis Cluster, one per master (any master that is
    // full refuses the votes of its shards, and the gate looks at the fullest).
    let info: redis::Value = redis::cmd("INFO")
        .arg("memory")
        .query_async(&mut conn)
        .await?;
    let texts: Vec<String> = match info {
        redis::Value::Map(nodes) => nodes
            .into_iter()
            .filter_map(|(_, v)| redis::from_redis_value(v).ok())
            .collect(),
        single => redis::from_redis_value(single).into_iter().collect(),
    };
    let nodes: Vec<(u64, u64)> = texts
        .iter()
        .map(|info| {
            let field = |name: &str| -> u64 {
                info.lines()
                    .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0)
            };
            (field("used_memory"), field("maxmemory"))
        })
        .collect();
    let most_used = nodes.iter().map(|&(used, _)| used).max().unwrap_or(0);
    metrics::gauge!("redis_used_memory_bytes").set(most_used as f64);
    let (used, max) = nodes
        .into_iter()
        .filter(|&(_, max)| max > 0)
        .max_by(|a, b| (a.0 as f64 / a.1 as f64).total_cmp(&(b.0 as f64 / b.1 as f64)))
        .unwrap_or((0, 0));
    metrics::gauge!("redis_memory_used_share").set(if max > 0 {
        used as f64 / max as f64
    } else {
        0.0
    });
    let percent = u64::from(settings.shed_memory_percent);
    if max > 0 && percent < 100 && used * 100 >= max * percent {
        return Ok(Shedding::Memory);
    }
    if settings.shed_backlog > 0 {
        let mut backlog = 0;
        for shard in 0..settings.shards {
            backlog += lag(context, shard).await?;
        }
        if backlog > settings.shed_backlog {
            return Ok(Shedding::Backlog);
        }
    }
    Ok(Shedding::No)
}

/// Votes of a shard tally has not read yet (`XINFO GROUPS` lag, Redis 7), plus those it read
/// and has not acknowledged. A shard without a stream or group yet has none it knows of.
async fn lag(context: &Context, shard: u32) -> Result<u64, RedisError> {
    let mut conn = context.bus.conn();
    let groups: Result<Vec<HashMap<String, redis::Value>>, RedisError> = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg(context.bus.keys().votes_stream(shard))
        .query_async(&mut conn)
        .await;
    let groups = match groups {
        Ok(g) => g,
        Err(e) if e.code() == Some("ERR") => return Ok(0), // no such stream yet
        Err(e) => return Err(e),
    };
    let number = |v: Option<&redis::Value>| match v {
        Some(redis::Value::Int(n)) => u64::try_from(*n).unwrap_or(0),
        _ => 0,
    };
    Ok(groups
        .iter()
        .find(|g| {
            matches!(g.get("name"), Some(redis::Value::BulkString(n)) if n == TALLY_GROUP.as_bytes())
        })
        .map_or(0, |g| number(g.get("lag")) + number(g.get("pending"))))
}
