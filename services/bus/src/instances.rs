//! How many instances of a service are alive: each beats every few seconds into a sorted set
//! (instance → Redis time of its last beat), and a beat answers how many beat within the
//! lease. vote-ingest divides its rate limits by it, so N instances admit about one limit
//! between them (`docs/scaling.md`).

use std::sync::LazyLock;
use std::time::Duration;

use pollcast_wire::Keys;
use redis::aio::ConnectionLike;
use redis::{RedisError, Script};

static BEAT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS[1] the service's instances; ARGV[1] this instance, ARGV[2] the lease (ms)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - lease)
redis.call('PEXPIRE', KEYS[1], lease * 4)
return redis.call('ZCARD', KEYS[1])
",
    )
});

/// Records that `instance` of `service` is alive for `lease`; how many are.
pub async fn beat<C: ConnectionLike + Send>(
    conn: &mut C,
    keys: &Keys,
    service: &str,
    instance: &str,
    lease: Duration,
) -> Result<u32, RedisError> {
    BEAT.key(keys.instances(service))
        .arg(instance)
        .arg(lease.as_millis() as u64)
        .invoke_async(conn)
        .await
}

/// `instance` has stopped: the others' count drops at once instead of after the lease.
pub async fn leave<C: ConnectionLike + Send>(
    conn: &mut C,
    keys: &Keys,
    service: &str,
    instance: &str,
) -> Result<(), RedisError> {
    redis::cmd("ZREM")
        .arg(keys.instances(service))
        .arg(instance)
        .query_async(conn)
        .await
}
