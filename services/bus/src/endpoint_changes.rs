//! How the webhook dispatcher learns what endpoints exist without asking the store for every
//! event. The api writes here around each endpoint change; the dispatcher reads.
//!
//! **Whether anyone wants votes.** Reading every vote only to find that no endpoint wants
//! `vote.created` cost the default deployment about a fifth of its throughput, so each votes
//! shard has a flag ([`Keys::webhook_vote_interest`]):
//! - storing an endpoint that wants `vote.created` first turns every shard's flag on
//!   ([`announce`]), stamped with Redis's time, and only then writes the store and answers:
//!   a vote accepted after the endpoint exists finds the flag on;
//! - the dispatcher, having found no such endpoint in the store, turns a flag off ([`clear`])
//!   only if its last announcement is older than [`LEASE`] (the store write it announced has
//!   ended by then, so the store read saw it) and none came between its look and the clear;
//! - while a flag is off, the dispatcher moves its consumer group past that shard's votes
//!   instead of reading them ([`skip`]), in one script with the flag check, so no vote added
//!   after the flag went on is skipped. A flag never set (a new Redis) counts as on.
//!
//! **Whether the endpoint lists changed.** Every change bumps a generation
//! ([`Keys::webhook_generation`]) after it is stored ([`changed`]); the dispatcher reads it
//! ([`generation`]) before it looks at a batch of events and drops its cached lists when it
//! moved, so an endpoint receives every event accepted after its creation was answered.

use std::sync::LazyLock;
use std::time::Duration;

use pollcast_wire::Keys;
use redis::aio::ConnectionLike;
use redis::{RedisError, Script};

/// How long an announcement holds a flag on: longer than any store write may take (the
/// store's own timeouts are seconds).
pub const LEASE: Duration = Duration::from_secs(60);

static ANNOUNCE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("endpoint_changes/announce.lua")));
static CLEARABLE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("endpoint_changes/clearable.lua")));
static CLEAR: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("endpoint_changes/clear.lua")));
static SKIP: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("endpoint_changes/skip.lua")));

/// Before storing an endpoint that wants `vote.created`: every shard's flag on (one script
/// per shard, each touching one key, as Redis Cluster requires).
pub async fn announce<C: ConnectionLike + Send>(
    conn: &mut C,
    keys: &Keys,
    shards: u32,
) -> Result<(), RedisError> {
    for shard in 0..shards.max(1) {
        let _: i64 = ANNOUNCE
            .key(keys.webhook_vote_interest(shard))
            .invoke_async(conn)
            .await?;
    }
    Ok(())
}

/// The stamp to [`clear`] shard `shard`'s flag with, if it is on and not announced within
/// `lease` ([`LEASE`]); look at the store after this and before clearing.
pub async fn clearable<C: ConnectionLike + Send>(
    conn: &mut C,
    keys: &Keys,
    shard: u32,
    lease: Duration,
) -> Result<Option<String>, RedisError> {
    CLEARABLE
        .key(keys.webhook_vote_interest(shard))
        .arg(lease.as_millis() as u64)
        .invoke_async(conn)
        .await
}

/// Turns shard `shard`'s flag off unless an endpoint was announced since [`clearable`] gave
/// `stamp`; whether it went off.
pub async fn clear<C: ConnectionLike + Send>(
    conn: &mut C,
    keys: &Keys,
    shard: u32,
    stamp: &str,
) -> Result<bool, RedisError> {
    let cleared: i64 = CLEAR
        .key(keys.webhook_vote_interest(shard))
        .arg(stamp)
        .invoke_async(conn)
        .await?;
    Ok(cleared == 1)
}

/// With shard `shard`'s flag off, moves `group` past every vote in its stream and says false;
/// true when the votes must be read.
pub async fn skip<C: ConnectionLike + Send>(
    conn: &mut C,
    keys: &Keys,
    shard: u32,
    group: &str,
) -> Result<bool, RedisError> {
    let read: i64 = SKIP
        .key(keys.webhook_vote_interest(shard))
        .key(keys.votes_stream(shard))
        .arg(group)
        .invoke_async(conn)
        .await?;
    Ok(read == 1)
}

/// After an endpoint change is stored: the generation moves.
pub async fn changed<C: ConnectionLike + Send>(
    conn: &mut C,
    keys: &Keys,
) -> Result<(), RedisError> {
    let _: i64 = redis::cmd("INCR")
        .arg(keys.webhook_generation())
        .query_async(conn)
        .await?;
    Ok(())
}

/// The endpoints' generation (0 before any change).
pub async fn generation<C: ConnectionLike + Send>(
    conn: &mut C,
    keys: &Keys,
) -> Result<i64, RedisError> {
    let g: Option<i64> = redis::cmd("GET")
        .arg(keys.webhook_generation())
        .query_async(conn)
        .await?;
    Ok(g.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EmbeddedRedis, EmbeddedRedisOptions};
    use redis::AsyncCommands;
    use redis::streams::StreamReadReply;

    const GROUP: &str = "webhooks";

    async fn add(conn: &mut redis::aio::MultiplexedConnection, stream: &str, n: &str) -> String {
        conn.xadd(stream, "*", &[("v", n)]).await.unwrap()
    }

    async fn read(conn: &mut redis::aio::MultiplexedConnection, stream: &str) -> Vec<String> {
        let opts = redis::streams::StreamReadOptions::default().group(GROUP, "c");
        let reply: Option<StreamReadReply> =
            conn.xread_options(&[stream], &[">"], &opts).await.unwrap();
        reply
            .map(|r| {
                r.keys
                    .into_iter()
                    .flat_map(|k| k.ids)
                    .map(|e| e.id)
                    .collect()
            })
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn votes_are_skipped_only_while_nobody_can_want_them() {
        let dir = tempfile::tempdir().unwrap();
        let opts = EmbeddedRedisOptions {
            persistent: false,
            ..Default::default()
        };
        let redis = EmbeddedRedis::start(dir.path(), opts).await.unwrap();
        let client = redis::Client::open(redis.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let keys = Keys::new("t");
        let stream = keys.votes_stream(0);
        let _: () = conn
            .xgroup_create_mkstream(&stream, GROUP, "0")
            .await
            .unwrap();

        // A flag never set is on: the votes are read.
        add(&mut conn, &stream, "1").await;
        assert!(skip(&mut conn, &keys, 0, GROUP).await.unwrap());
        assert_eq!(read(&mut conn, &stream).await.len(), 1);

        // Announced within the lease: not clearable.
        announce(&mut conn, &keys, 2).await.unwrap();
        assert_eq!(clearable(&mut conn, &keys, 0, LEASE).await.unwrap(), None);
        // An announcement between the look and the clear keeps it on.
        let stamp = clearable(&mut conn, &keys, 0, Duration::ZERO)
            .await
            .unwrap()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
        announce(&mut conn, &keys, 1).await.unwrap();
        assert!(!clear(&mut conn, &keys, 0, &stamp).await.unwrap());
        assert!(skip(&mut conn, &keys, 0, GROUP).await.unwrap());

        // Cleared: the group moves past the votes without delivering them.
        let stamp = clearable(&mut conn, &keys, 0, Duration::ZERO)
            .await
            .unwrap()
            .unwrap();
        assert!(clear(&mut conn, &keys, 0, &stamp).await.unwrap());
        assert_eq!(
            clearable(&mut conn, &keys, 0, Duration::ZERO)
                .await
                .unwrap(),
            None
        );
        add(&mut conn, &stream, "2").await;
        add(&mut conn, &stream, "3").await;
        assert!(!skip(&mut conn, &keys, 0, GROUP).await.unwrap());
        assert!(read(&mut conn, &stream).await.is_empty());

        // On again: what came after the last skip is read, nothing before it.
        let missed = add(&mut conn, &stream, "4").await;
        announce(&mut conn, &keys, 1).await.unwrap();
        let after = add(&mut conn, &stream, "5").await;
        assert!(skip(&mut conn, &keys, 0, GROUP).await.unwrap());
        assert_eq!(read(&mut conn, &stream).await, vec![missed, after]);
        // Shard 1's flag was announced too; shard 2 was not asked about.
        let on: Option<String> = conn
            .hget(keys.webhook_vote_interest(1), "on")
            .await
            .unwrap();
        assert_eq!(on.as_deref(), Some("1"));

        assert_eq!(generation(&mut conn, &keys).await.unwrap(), 0);
        changed(&mut conn, &keys).await.unwrap();
        changed(&mut conn, &keys).await.unwrap();
        assert_eq!(generation(&mut conn, &keys).await.unwrap(), 2);
    }
}
