//! Group commit: the votes that arrive while earlier ones are in Redis go to Redis together,
//! one script call per shard, instead of one call each. A vote that finds the committer idle
//! is sent at once (no added latency at low load); under load, votes queue while
//! [`IN_FLIGHT`] groups are in Redis and leave as the next group. Each vote keeps its own
//! checks and its own answer (see `ingest_script.lua`).

use std::collections::BTreeMap;
use std::sync::Arc;

use pollcast_bus::Bus;
use pollcast_bus::redis::{RedisError, Script};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// Groups in Redis at once. More than one lets the next group be built and sent while Redis
/// runs the previous one.
const IN_FLIGHT: usize = 4;
/// Most votes in one script call: bounds how long one call holds Redis (well under a
/// millisecond) and the size of its argument list.
const MAX_GROUP: usize = 128;
/// Most votes waiting for a group. Past it (Redis stalled, or far slower than arrivals) a
/// vote is refused at once as unavailable (`503`, retry) instead of queueing in memory.
const QUEUE: usize = 8192;

/// One vote's part of a script call: its five keys and its arguments, in the script's order.
pub struct Prepared {
    pub shard: u32,
    pub keys: [String; 5],
    pub args: Vec<String>,
}

struct Queued {
    vote: Prepared,
    reply: oneshot::Sender<Result<String, RedisError>>,
}

/// The queue votes wait in; a task started with it sends them.
#[derive(Clone)]
pub struct GroupCommit {
    queue: mpsc::Sender<Queued>,
}

impl GroupCommit {
    /// Starts the committer on the current Tokio runtime; it stops when the last handle goes.
    pub fn start(bus: Bus, script: Script) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(bus, Arc::new(script), rx));
        Self { queue }
    }

    /// Runs `vote` in the next group of its shard; its reply, or the group's error.
    pub async fn submit(&self, vote: Prepared) -> Result<String, RedisError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .try_send(Queued { vote, reply })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => full(),
                mpsc::error::TrySendError::Closed(_) => stopped(),
            })?;
        answer.await.map_err(|_| stopped())?
    }
}

fn full() -> RedisError {
    metrics::counter!("vote_queue_full_total").increment(1);
    RedisError::from((pollcast_bus::redis::ErrorKind::Io, "the vote queue is full"))
}

fn stopped() -> RedisError {
    RedisError::from((
        pollcast_bus::redis::ErrorKind::Io,
        "the vote committer has stopped",
    ))
}

async fn run(bus: Bus, script: Arc<Script>, mut rx: mpsc::Receiver<Queued>) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut arrived = Vec::with_capacity(MAX_GROUP);
    loop {
        // A slot first: while every slot is busy, arrivals wait in the queue and leave together.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        if rx.recv_many(&mut arrived, MAX_GROUP).await == 0 {
            return; // every handle is gone
        }
        let mut by_shard: BTreeMap<u32, Vec<Queued>> = BTreeMap::new();
        for queued in arrived.drain(..) {
            by_shard.entry(queued.vote.shard).or_default().push(queued);
        }
        let mut slot = Some(slot);
        for (shard, group) in by_shard {
            let slot = match slot.take() {
                Some(s) => s,
                None => match slots.clone().acquire_owned().await {
                    Ok(s) => s,
                    Err(_) => return,
                },
            };
            let (bus, script) = (bus.clone(), script.clone());
            tokio::spawn(async move {
                commit(&bus, &script, shard, group).await;
                drop(slot);
            });
        }
    }
}

async fn commit(bus: &Bus, script: &Script, shard: u32, group: Vec<Queued>) {
    metrics::histogram!("vote_group_size").record(group.len() as f64);
    let keys = bus.keys();
    let (stream, schedule) = (keys.votes_stream(shard), keys.schedule(shard));
    let now = pollcast_types::Timestamp::now().as_millis().to_string();
    let mut call_keys = vec![stream.as_str(), schedule.as_str()];
    let mut call_args = vec![now.as_str()];
    for queued in &group {
        call_keys.extend(queued.vote.keys.iter().map(String::as_str));
        call_args.extend(queued.vote.args.iter().map(String::as_str));
    }
    let mut conn = bus.votes_conn();
    let replies = match bus.wait_replicas() {
        0 => {
            let mut invocation = script.prepare_invoke();
            invocation.key(&call_keys).arg(&call_args);
            invocation.invoke_async::<String>(&mut conn).await
        }
        n => replicated(&mut conn, script, &call_keys, &call_args, n).await,
    }
    .and_then(|replies| {
        let lines: Vec<String> = replies.split('\n').map(str::to_owned).collect();
        if lines.len() == group.len() {
            Ok(lines)
        } else {
            Err(RedisError::from((
                pollcast_bus::redis::ErrorKind::Parse,
                "the ingest script answered for another number of votes",
                format!("{} replies for {} votes", lines.len(), group.len()),
            )))
        }
    });
    match replies {
        Ok(lines) => {
            for (queued, reply) in group.into_iter().zip(lines) {
                let _ = queued.reply.send(Ok(reply));
            }
        }
        Err(e) => {
            for queued in group {
                let _ = queued.reply.send(Err(e.clone()));
            }
        }
    }
}

/// How long a group waits for its replicas (`--redis-wait-replicas`) before its votes are
/// answered 503: within the handler's own bound on a vote's answer.
const REPLICA_WAIT_MS: u64 = 1000;

/// The ingest script, then `WAIT` on the same connection (one pipeline, which a cluster routes
/// by the script's keys to the shard's master): its reply only once `replicas` replicas have
/// the group's writes. Otherwise an error: the votes are on the master and may be lost with
/// it, so they are answered 503 (a retry with the same `Idempotency-Key`, or a voter already
/// recorded, tells which).
async fn replicated(
    conn: &mut pollcast_bus::Conn,
    script: &Script,
    keys: &[&str],
    args: &[&str],
    replicas: u32,
) -> Result<String, RedisError> {
    let mut pipe = pollcast_bus::redis::pipe();
    pipe.cmd("EVALSHA")
        .arg(script.get_hash())
        .arg(keys.len())
        .arg(keys)
        .arg(args)
        .cmd("WAIT")
        .arg(replicas)
        .arg(REPLICA_WAIT_MS);
    let (reply, acked): (String, u32) = match pipe.query_async(conn).await {
        Err(e) if e.code() == Some("NOSCRIPT") => {
            script.prepare_invoke().load_async(conn).await?;
            pipe.query_async(conn).await?
        }
        other => other?,
    };
    if acked < replicas {
        metrics::counter!("vote_groups_unreplicated_total").increment(1);
        return Err(RedisError::from((
            pollcast_bus::redis::ErrorKind::Io,
            "the votes were not confirmed by enough replicas in time",
            format!("{acked} of {replicas}"),
        )));
    }
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Redis that accepts connections and never answers: every group stays in flight.
    async fn silent_redis() -> (String, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("redis://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        (url, task)
    }

    fn vote(n: usize) -> Prepared {
        Prepared {
            shard: 0,
            keys: std::array::from_fn(|k| format!("k{n}.{k}")),
            args: vec![n.to_string()],
        }
    }

    /// With Redis stalled, the queue holds at most [`QUEUE`] votes beyond those in flight;
    /// the rest are refused at once as unavailable, never kept in memory.
    #[tokio::test]
    async fn a_stalled_redis_fills_a_bounded_queue_then_refuses_at_once() {
        let (url, server) = silent_redis().await;
        let committer = GroupCommit::start(
            Bus::connect(&url, "test").unwrap(),
            Script::new("return ''"),
        );
        let extra = 100;
        let total = QUEUE + IN_FLIGHT * MAX_GROUP + extra;
        let mut pending = tokio::task::JoinSet::new();
        for n in 0..total {
            let committer = committer.clone();
            pending.spawn(async move { committer.submit(vote(n)).await });
            if n % 1024 == 0 {
                // Let the committer take groups into flight as they arrive.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
        let mut refused = 0;
        while let Ok(Some(done)) =
            tokio::time::timeout(std::time::Duration::from_secs(2), pending.join_next()).await
        {
            let err = done.unwrap().unwrap_err();
            assert!(pollcast_bus::is_unavailable(&err), "{err}");
            assert!(err.to_string().contains("full"), "{err}");
            refused += 1;
        }
        assert!(
            (extra..=extra + MAX_GROUP).contains(&refused),
            "{refused} refused of {total}"
        );
        assert!(pending.len() >= QUEUE, "the rest wait: {}", pending.len());
        pending.abort_all();
        server.abort();
    }
}
