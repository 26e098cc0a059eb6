//! Forgets what the api keeps for a while only: idempotency keys older than a day, hourly
//! (a store that expires them by itself, such as CQL with its TTLs, has nothing to do).

use std::sync::Arc;
use std::time::Duration;

use pollcast_store::IDEMPOTENCY_KEEP_MILLIS;
use pollcast_types::Timestamp;
use tokio_util::sync::CancellationToken;

use crate::ApiState;

const EVERY: Duration = Duration::from_secs(3600);

pub async fn run(state: Arc<ApiState>, shutdown: CancellationToken) {
    loop {
        let before = Timestamp::from_millis(Timestamp::now().as_millis() - IDEMPOTENCY_KEEP_MILLIS);
        match state.context.store.purge_idempotency_keys(before).await {
            Ok(n) if n > 0 => tracing::info!(removed = n, "expired idempotency keys purged"),
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "idempotency keys not purged"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
}
