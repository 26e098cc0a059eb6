//! vote-ingest's rate limits hold across its instances: each instance beats in Redis
//! (`pollcast_bus::instances`) and admits 1/N of every limit, N being the live instances.
//! Behind a balancer that spreads an address's requests evenly, the instances admit about the
//! limit between them; behind one that keeps an address on one instance, that address gets
//! 1/N of it (stricter, never looser). While Redis cannot be reached the last share stays.

use std::sync::Arc;
use std::time::Duration;

use pollcast_bus::instances;
use tokio_util::sync::CancellationToken;

use crate::IngestState;

/// How often an instance beats, and how long a silent one still counts.
const EVERY: Duration = Duration::from_secs(5);
const LEASE: Duration = Duration::from_secs(15);
const SERVICE: &str = "vote-ingest";

pub async fn run(state: Arc<IngestState>, shutdown: CancellationToken) {
    let me = format!("ingest-{}", pollcast_types::ids::random_token(10));
    let keys = state.context.bus.keys().clone();
    let mut shown = 1;
    loop {
        let mut conn = state.context.bus.conn();
        match instances::beat(&mut conn, &keys, SERVICE, &me, LEASE).await {
            Ok(n) => {
                let n = n.max(1);
                for limit in [
                    &state.limits.votes_per_ip,
                    &state.limits.votes_per_poll,
                    &state.limits.voters_per_ip,
                ]
                .into_iter()
                .flatten()
                {
                    limit.set_share(n);
                }
                if n != shown {
                    tracing::info!(
                        instances = n,
                        "vote-ingest: rate limits shared by {n} instances"
                    );
                    shown = n;
                }
                metrics::gauge!("vote_ingest_instances").set(f64::from(n));
            }
            Err(e) => tracing::debug!(error = %e, "vote-ingest: no heartbeat; the share stays"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
    let mut conn = state.context.bus.conn();
    let _ = instances::leave(&mut conn, &keys, SERVICE, &me).await;
}
