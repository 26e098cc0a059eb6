use std::sync::Arc;
use std::time::{Duration, Instant};

use pollcast_bus::Conn;
use pollcast_bus::entry_fields;
use pollcast_bus::group_read;
use pollcast_bus::redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamReadOptions, StreamReadReply,
};
use pollcast_bus::redis::{AsyncCommands, RedisError};
use pollcast_wire::TALLY_GROUP;
use tokio_util::sync::CancellationToken;

use crate::TallyInner;
use crate::commit::Delivered;

/// How long one XREADGROUP waits for new votes.
const BLOCK: Duration = Duration::from_millis(1000);

/// Reads new votes from `shards` (one group of `Bus::shard_groups`), commits them, and
/// periodically reclaims votes left pending by consumers that died.
pub async fn run(tally: Arc<TallyInner>, shards: Vec<u32>, shutdown: CancellationToken) {
    let settings = tally.context.settings.clone();
    let streams: Vec<String> = shards
        .iter()
        .map(|&s| tally.context.bus.keys().votes_stream(s))
        .collect();
    let claim_every = Duration::from_millis((settings.claim_idle_ms / 2).clamp(100, 5_000));
    let mut last_claim = Instant::now() - claim_every;
    let mut conn: Option<Conn> = None;
    let mut backoff = Duration::from_millis(100);

    while !shutdown.is_cancelled() {
        let step = async {
            let c = match conn.as_mut() {
                Some(c) => c,
                None => {
                    let mut c = tally.context.bus.dedicated(BLOCK).await?;
                    ensure_groups(&mut c, &streams).await?;
                    conn.insert(c)
                }
            };
            if last_claim.elapsed() >= claim_every {
                last_claim = Instant::now();
                let claimed = reclaim(&tally, c, &shards, &streams).await?;
                if !claimed.is_empty() {
                    tracing::info!(
                        count = claimed.len(),
                        "reclaimed votes left pending by another consumer"
                    );
                    metrics::counter!("tally_reclaimed_total").increment(claimed.len() as u64);
                    return Ok::<_, RedisError>(claimed);
                }
            }
            read_new(&tally, c, &shards, &streams).await
        };
        let batch = tokio::select! {
            _ = shutdown.cancelled() => break,
            res = step => res,
        };
        match batch {
            Ok(batch) => {
                backoff = Duration::from_millis(100);
                if tally
                    .commit
                    .commit(batch, &tally.dirty, &shutdown)
                    .await
                    .is_err()
                {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading the votes streams failed; reconnecting");
                conn = None;
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
        }
    }
    tracing::info!(consumer = %tally.consumer, "tally consumer stopped");
}

/// Creates the consumer group on every shard, from the start of the stream, so votes
/// accepted before any tally ran are counted too.
async fn ensure_groups(conn: &mut Conn, streams: &[String]) -> Result<(), RedisError> {
    for stream in streams {
        let res: Result<(), RedisError> =
            conn.xgroup_create_mkstream(stream, TALLY_GROUP, "0").await;
        match res {
            Ok(()) => {}
            Err(e) if e.code() == Some("BUSYGROUP") => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// New entries for this consumer: first through `read_batch.lua`, which hands over what is
/// there as one string (the Redis client spent ~3,000 instructions on each value it parsed,
/// five or more per vote); when nothing is waiting, a blocking XREADGROUP waits for more.
async fn read_new(
    tally: &TallyInner,
    conn: &mut Conn,
    shards: &[u32],
    streams: &[String],
) -> Result<Vec<Delivered>, RedisError> {
    let waiting = group_read::read_new(
        conn,
        streams,
        TALLY_GROUP,
        &tally.consumer,
        tally.context.settings.tally_batch,
    )
    .await?;
    if !waiting.is_empty() {
        return Ok(waiting
            .into_iter()
            .map(|e| Delivered {
                shard: shards[e.stream],
                entry_id: e.id,
                fields: e.fields,
            })
            .collect());
    }
    let opts = StreamReadOptions::default()
        .group(TALLY_GROUP, &tally.consumer)
        .count(tally.context.settings.tally_batch)
        .block(BLOCK.as_millis() as usize);
    let ids = vec![">"; streams.len()];
    let reply: Option<StreamReadReply> = conn.xread_options(streams, &ids, &opts).await?;
    let mut batch = Vec::new();
    for key in reply.map(|r| r.keys).unwrap_or_default() {
        let Some(index) = streams.iter().position(|s| *s == key.key) else {
            continue;
        };
        for entry in key.ids {
            batch.push(Delivered {
                shard: shards[index],
                entry_id: entry.id,
                fields: entry_fields(&entry.map),
            });
        }
    }
    Ok(batch)
}

/// Claims entries another consumer has held unacknowledged for longer than `claim_idle_ms`
/// (it crashed, or hangs). If it was merely slow, both commit: the vote log append is
/// idempotent and only one acknowledgement counts.
async fn reclaim(
    tally: &TallyInner,
    conn: &mut Conn,
    shards: &[u32],
    streams: &[String],
) -> Result<Vec<Delivered>, RedisError> {
    let limit = tally.context.settings.tally_batch;
    let mut batch = Vec::new();
    for (&shard, stream) in shards.iter().zip(streams) {
        let mut start = "0-0".to_owned();
        loop {
            let reply: StreamAutoClaimReply = conn
                .xautoclaim_options(
                    stream,
                    TALLY_GROUP,
                    &tally.consumer,
                    tally.context.settings.claim_idle_ms,
                    &start,
                    StreamAutoClaimOptions::default().count(limit),
                )
                .await?;
            for entry in reply.claimed {
                batch.push(Delivered {
                    shard,
                    entry_id: entry.id,
                    fields: entry_fields(&entry.map),
                });
            }
            if reply.next_stream_id == "0-0" || batch.len() >= limit {
                break;
            }
            start = reply.next_stream_id;
        }
        if batch.len() >= limit {
            break;
        }
    }
    Ok(batch)
}
