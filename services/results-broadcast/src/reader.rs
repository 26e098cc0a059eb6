use std::sync::Arc;
use std::time::Duration;

use pollcast_bus::entry_fields;
use pollcast_bus::redis::AsyncCommands;
use pollcast_bus::redis::streams::{StreamReadOptions, StreamReadReply};
use pollcast_wire::ResultsEntry;
use tokio_util::sync::CancellationToken;

use crate::BroadcastState;
use crate::hub::Frame;

const BLOCK: Duration = Duration::from_millis(1000);

/// Follows the results streams of `shards` (one group of `Bus::shard_groups`; no consumer
/// group: every instance needs every entry) and hands each snapshot to the hub.
pub async fn run(state: Arc<BroadcastState>, shards: Vec<u32>, shutdown: CancellationToken) {
    // `$` on first connect: viewers get their initial state from the counts hash. After a
    // reconnect, go on from the last entry seen so nothing published meanwhile is missed.
    let streams: Vec<String> = shards
        .iter()
        .map(|&s| state.context.bus.keys().results_stream(s))
        .collect();
    let mut last_ids: Vec<String> = vec!["$".to_owned(); streams.len()];
    let mut backoff = Duration::from_millis(100);
    'connect: while !shutdown.is_cancelled() {
        let mut conn = match state.context.bus.dedicated(BLOCK).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "cannot reach redis for the results stream");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(2));
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        let opts = StreamReadOptions::default()
            .count(1000)
            .block(BLOCK.as_millis() as usize);
        loop {
            let read =
                conn.xread_options::<_, _, Option<StreamReadReply>>(&streams, &last_ids, &opts);
            let reply = tokio::select! {
                _ = shutdown.cancelled() => break 'connect,
                r = read => r,
            };
            let reply = match reply {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the results stream failed; reconnecting");
                    continue 'connect;
                }
            };
            for key in reply.map(|r| r.keys).unwrap_or_default() {
                let Some(slot) = streams.iter().position(|s| *s == key.key) else {
                    continue;
                };
                for entry in key.ids {
                    last_ids[slot] = entry.id.clone();
                    match ResultsEntry::from_fields(&entry_fields(&entry.map)) {
                        Some(e) => {
                            let frame = Frame {
                                seq: e.seq,
                                text: e.msg.into(),
                                status: e.status.map(Into::into),
                            };
                            state
                                .hub
                                .offer(&e.poll_id, state.viewers.stamp(&e.poll_id, frame));
                        }
                        None => {
                            tracing::warn!(entry = %entry.id, "malformed results entry skipped")
                        }
                    }
                }
            }
        }
    }
}
