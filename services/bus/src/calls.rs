//! Asking a service that may run in another process, and waiting for its answer: the api and
//! the console ask the webhook dispatcher to send a test delivery or replay one, wherever it
//! runs. A call is an entry in the service's calls stream, which its instances read as one
//! consumer group (one of them takes each call); the answer is pushed to a list named after
//! the entry, which the asker waits on. A call nobody takes within its time is answered by
//! nobody: the asker gets `None` (and says the service is unavailable), and an instance that
//! finds it later leaves it unanswered.

use std::future::Future;
use std::time::Duration;

use redis::streams::{StreamReadOptions, StreamReadReply};
use redis::{AsyncCommands, RedisError};
use tokio_util::sync::CancellationToken;

use crate::{Bus, entry_fields};

/// The consumer group of every calls stream.
const GROUP: &str = "calls";
/// Calls kept in a stream (answered ones are deleted; this bounds the unanswered).
const KEEP: usize = 1000;
/// How long an answer waits to be read.
const ANSWER_TTL_MS: u64 = 60_000;

/// Sends `request` to one instance of `service`; its answer, or `None` when none answered
/// within `within`.
pub async fn ask(
    bus: &Bus,
    service: &str,
    request: &str,
    within: Duration,
) -> Result<Option<String>, RedisError> {
    let keys = bus.keys();
    let deadline = now_ms()? + within.as_millis() as u64;
    let mut conn = bus.conn();
    let id: String = redis::cmd("XADD")
        .arg(keys.calls(service))
        .arg("MAXLEN")
        .arg("~")
        .arg(KEEP)
        .arg("*")
        .arg("deadline")
        .arg(deadline)
        .arg("request")
        .arg(request)
        .query_async(&mut conn)
        .await?;
    let mut waiting = bus.dedicated(within).await?;
    let answer: Option<(String, String)> = waiting
        .blpop(keys.call_answer(&id), within.as_secs_f64())
        .await?;
    Ok(answer.map(|(_, body)| body))
}

/// Answers the calls to `service` with `handle` until `shutdown`, as `consumer` of the
/// service's group; each call on a task of its own.
pub async fn serve<F, Fut>(
    bus: Bus,
    service: &'static str,
    consumer: String,
    shutdown: CancellationToken,
    handle: F,
) where
    F: Fn(String) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = String> + Send,
{
    let block = Duration::from_secs(1);
    let stream = bus.keys().calls(service);
    while !shutdown.is_cancelled() {
        let mut conn = match bus.dedicated(block).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(service, error = %e, "calls: cannot reach redis");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(block) => continue,
                }
            }
        };
        // From now: a call made while no instance ran has been given up by its asker.
        let created: Result<(), RedisError> =
            conn.xgroup_create_mkstream(&stream, GROUP, "$").await;
        if let Err(e) = created
            && e.code() != Some("BUSYGROUP")
        {
            tracing::warn!(service, error = %e, "calls: cannot create the group");
            continue;
        }
        let opts = StreamReadOptions::default()
            .group(GROUP, &consumer)
            .count(16)
            .block(block.as_millis() as usize);
        let streams = [stream.as_str()];
        loop {
            let read = conn.xread_options::<_, _, Option<StreamReadReply>>(&streams, &[">"], &opts);
            let reply = tokio::select! {
                _ = shutdown.cancelled() => return,
                r = read => r,
            };
            let Ok(reply) = reply else {
                break; // reconnect
            };
            for entry in reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids) {
                let fields = entry_fields(&entry.map);
                let (bus, stream, handle) = (bus.clone(), stream.clone(), handle.clone());
                tokio::spawn(async move {
                    let due = fields
                        .get("deadline")
                        .and_then(|d| d.parse::<u64>().ok())
                        .unwrap_or(0);
                    let answer = match fields.get("request") {
                        Some(request) if now_ms().is_ok_and(|now| now < due) => {
                            Some(handle(request.clone()).await)
                        }
                        _ => None,
                    };
                    let mut pipe = redis::pipe();
                    if let Some(answer) = answer {
                        let key = bus.keys().call_answer(&entry.id);
                        pipe.rpush(&key, answer)
                            .ignore()
                            .pexpire(&key, ANSWER_TTL_MS as i64)
                            .ignore();
                    }
                    pipe.xack(&stream, GROUP, &[&entry.id])
                        .ignore()
                        .xdel(&stream, &[&entry.id])
                        .ignore();
                    if let Err(e) = pipe.query_async::<()>(&mut bus.conn()).await {
                        tracing::warn!(error = %e, "calls: could not answer");
                    }
                });
            }
        }
    }
}

fn now_ms() -> Result<u64, RedisError> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .map_err(|_| RedisError::from((redis::ErrorKind::Io, "the clock is before 1970")))
}
