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

/// One vote's part of a script call: its four keys and its arguments, in the script's order.
pub struct Prepared {
    pub shard: u32,
    pub keys: [String; 4],
    pub args: Vec<String>,
}

struct Queued {
    vote: Prepared,
    reply: oneshot::Sender<Result<String, RedisError>>,
}

/// The queue votes wait in; a task started with it sends them.
#[derive(Clone)]
pub struct GroupCommit {
    queue: mpsc::UnboundedSender<Queued>,
}

impl GroupCommit {
    /// Starts the committer on the current Tokio runtime; it stops when the last handle goes.
    pub fn start(bus: Bus, script: Script) -> Self {
        let (queue, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(bus, Arc::new(script), rx));
        Self { queue }
    }

    /// Runs `vote` in the next group of its shard; its reply, or the group's error.
    pub async fn submit(&self, vote: Prepared) -> Result<String, RedisError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Queued { vote, reply })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> RedisError {
    RedisError::from((
        pollcast_bus::redis::ErrorKind::Io,
        "the vote committer has stopped",
    ))
}

async fn run(bus: Bus, script: Arc<Script>, mut rx: mpsc::UnboundedReceiver<Queued>) {
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
    let mut invocation = script.prepare_invoke();
    invocation
        .key(keys.votes_stream(shard))
        .key(keys.schedule(shard))
        .arg(pollcast_types::Timestamp::now().as_millis());
    for queued in &group {
        for key in &queued.vote.keys {
            invocation.key(key);
        }
        for arg in &queued.vote.args {
            invocation.arg(arg);
        }
    }
    let mut conn = bus.votes_conn();
    let replies = invocation
        .invoke_async::<String>(&mut conn)
        .await
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
