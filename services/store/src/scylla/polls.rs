//! [`Polls`] on CQL. A change and its outbox event go in one logged batch (both or neither).
//!
//! The outbox: events are partitioned by the hour of their `seq` (the writer's clock in
//! microseconds, times 256, plus random bits) and read oldest first from the oldest hour that
//! may still hold one. A writer whose clock lags, or whose batch lands late, may add an event
//! below events already read: so readers do not keep a cursor, they read what is still there
//! and delete exactly what they turned into deliveries. Hours behind the current one by more
//! than [`SETTLED_HOURS`] and found empty are skipped from then on.

use std::sync::atomic::Ordering;

use async_trait::async_trait;
use pollcast_types::{EventType, Poll, PollId, Timestamp, WorkspaceId};
use scylla::statement::batch::{Batch, BatchType};

use super::{FOREVER, ScyllaStore, corrupt};
use crate::webhooks::event_type;
use crate::{After, PollChange, PollEvent, Polls, StoreResult};

const HOUR_SEQ: i64 = 3_600_000_000 * 256;
/// How long after its hour a bucket may still receive an event (a lagging clock, a late batch).
const SETTLED_HOURS: i64 = 2;
/// How far back a fresh process looks for events left over: the table's TTL.
const KEPT_HOURS: i64 = 7 * 24;

fn bucket_of(seq: i64) -> i64 {
    seq.div_euclid(HOUR_SEQ)
}

fn new_seq(at: Timestamp) -> i64 {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(at.as_millis() * 1000, |d| d.as_micros() as i64);
    let mut r = [0u8; 1];
    // Random low bits only break ties between two writers in the same microsecond; without
    // them the order of such a tie is still stable.
    let _ = getrandom::fill(&mut r);
    micros * 256 + i64::from(r[0])
}

/// An outbox row's values: bucket, seq, event, at, the poll as JSON.
type EventRow<'a> = (i64, i64, &'static str, i64, &'a str);

impl ScyllaStore {
    /// Adds a change's outbox row to `batch`; the values it takes.
    async fn add_event<'a>(
        &self,
        batch: &mut Batch,
        event: EventType,
        at: Timestamp,
        poll_json: &'a str,
    ) -> StoreResult<EventRow<'a>> {
        batch.append_statement(
            self.prepared(
                "INSERT INTO poll_events (bucket, seq, event, at, poll) VALUES (?, ?, ?, ?, ?)",
            )
            .await?,
        );
        let seq = new_seq(at);
        Ok((
            bucket_of(seq),
            seq,
            event.as_str(),
            at.as_millis(),
            poll_json,
        ))
    }

    async fn exists(&self, poll: &PollId) -> StoreResult<bool> {
        Ok(self
            .first::<(String,)>("SELECT id FROM polls WHERE id = ?", (poll.as_str(),))
            .await?
            .is_some())
    }

    /// Writes a poll (and, with `event`, its outbox row) in one logged batch.
    async fn write_poll(
        &self,
        poll: &Poll,
        event: Option<(EventType, Timestamp)>,
    ) -> StoreResult<()> {
        let mut batch = Batch::new(BatchType::Logged);
        batch.append_statement(
            self.prepared(
                "INSERT INTO polls (id, workspace_id, created_at, body) VALUES (?, ?, ?, ?)",
            )
            .await?,
        );
        batch.append_statement(
            self.prepared(
                "INSERT INTO polls_by_workspace (workspace_id, created_at, id, body) VALUES (?, ?, ?, ?)",
            )
            .await?,
        );
        let body = serde_json::to_string(poll).map_err(corrupt)?;
        let (pid, ws, created) = (
            poll.id.as_str(),
            poll.workspace_id.as_str(),
            poll.created_at.as_millis(),
        );
        let row = (pid, ws, created, body.as_str());
        let by_ws = (ws, created, pid, body.as_str());
        match event {
            Some((event, at)) => {
                let ev = self.add_event(&mut batch, event, at, &body).await?;
                self.session().batch(&batch, (row, by_ws, ev)).await
            }
            None => self.session().batch(&batch, (row, by_ws)).await,
        }
        .map_err(super::map_err)?;
        Ok(())
    }

    /// Deletes a poll for good (see [`FOREVER`]) with its snapshot (and, with `event`, writes
    /// its outbox row), then drops its vote log's partitions.
    async fn remove_poll(
        &self,
        poll: &Poll,
        event: Option<(EventType, Timestamp)>,
    ) -> StoreResult<()> {
        let mut batch = Batch::new(BatchType::Logged);
        batch.append_statement(
            self.prepared("DELETE FROM polls USING TIMESTAMP ? WHERE id = ?")
                .await?,
        );
        batch.append_statement(
            self.prepared(
                "DELETE FROM polls_by_workspace USING TIMESTAMP ?
                 WHERE workspace_id = ? AND created_at = ? AND id = ?",
            )
            .await?,
        );
        batch.append_statement(
            self.prepared("DELETE FROM results_snapshots USING TIMESTAMP ? WHERE poll_id = ?")
                .await?,
        );
        let pid = poll.id.as_str();
        let row = (FOREVER, pid);
        let by_ws = (
            FOREVER,
            poll.workspace_id.as_str(),
            poll.created_at.as_millis(),
            pid,
        );
        let snap = (FOREVER, pid);
        match event {
            Some((event, at)) => {
                let body = serde_json::to_string(poll).map_err(corrupt)?;
                let ev = self.add_event(&mut batch, event, at, &body).await?;
                self.session().batch(&batch, (row, by_ws, snap, ev)).await
            }
            None => self.session().batch(&batch, (row, by_ws, snap)).await,
        }
        .map_err(super::map_err)?;
        self.drop_vote_log(&poll.id, None).await
    }
}

#[async_trait]
impl Polls for ScyllaStore {
    async fn insert_poll(&self, poll: &Poll) -> StoreResult<()> {
        self.write_poll(poll, None).await
    }

    async fn poll(&self, pid: &PollId) -> StoreResult<Option<Poll>> {
        let row: Option<(String,)> = self
            .first("SELECT body FROM polls WHERE id = ?", (pid.as_str(),))
            .await?;
        row.map(|(b,)| serde_json::from_str(&b).map_err(corrupt))
            .transpose()
    }

    async fn update_poll(&self, poll: &Poll) -> StoreResult<bool> {
        if !self.exists(&poll.id).await? {
            return Ok(false);
        }
        self.write_poll(poll, None).await?;
        Ok(true)
    }

    async fn delete_poll(&self, pid: &PollId) -> StoreResult<bool> {
        let Some(poll) = self.poll(pid).await? else {
            return Ok(false);
        };
        self.remove_poll(&poll, None).await?;
        Ok(true)
    }

    async fn polls(
        &self,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<Poll>> {
        let bodies: Vec<(String,)> = self
            .newest_first(
                "SELECT body FROM polls_by_workspace
                 WHERE workspace_id = ? AND (created_at, id) < (?, ?) LIMIT ?",
                workspace,
                after,
                limit,
            )
            .await?;
        bodies
            .iter()
            .map(|(b,)| serde_json::from_str(b).map_err(corrupt))
            .collect()
    }

    async fn change_poll(
        &self,
        change: PollChange<'_>,
        event: EventType,
        at: Timestamp,
    ) -> StoreResult<bool> {
        match change {
            PollChange::Create(p) => self.write_poll(p, Some((event, at))).await.map(|()| true),
            PollChange::Update(p) => {
                // A deletion racing this write wins (it is final), so checking first is enough.
                if !self.exists(&p.id).await? {
                    return Ok(false);
                }
                self.write_poll(p, Some((event, at))).await.map(|()| true)
            }
            PollChange::Delete(p) => {
                if !self.exists(&p.id).await? {
                    return Ok(false);
                }
                self.remove_poll(p, Some((event, at))).await.map(|()| true)
            }
        }
    }

    async fn poll_events(&self, limit: usize) -> StoreResult<Vec<PollEvent>> {
        let now = bucket_of(new_seq(Timestamp::now()));
        let from = self
            .inner
            .events_from
            .load(Ordering::Relaxed)
            .max(now - KEPT_HOURS);
        let mut out = Vec::new();
        let mut settled_up_to = from;
        for bucket in from..=now {
            let want = limit.saturating_sub(out.len());
            if want == 0 {
                break;
            }
            let rows: Vec<(i64, String, i64, String)> = self
                .rows(
                    "SELECT seq, event, at, poll FROM poll_events WHERE bucket = ? LIMIT ?",
                    (bucket, want as i32),
                )
                .await?;
            if rows.is_empty() && bucket == settled_up_to && bucket < now - SETTLED_HOURS {
                settled_up_to = bucket + 1;
            }
            for (seq, event, at, poll) in rows {
                out.push(PollEvent {
                    seq,
                    event: event_type(&event)?,
                    at: Timestamp::from_millis(at),
                    poll: serde_json::from_str(&poll).map_err(corrupt)?,
                });
            }
        }
        self.inner
            .events_from
            .fetch_max(settled_up_to, Ordering::Relaxed);
        Ok(out)
    }

    async fn forget_poll_events(&self, events: &[PollEvent]) -> StoreResult<()> {
        let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
        self.fan_out(seqs, |seq| async move {
            self.exec(
                "DELETE FROM poll_events WHERE bucket = ? AND seq = ?",
                (bucket_of(seq), seq),
            )
            .await
        })
        .await
        .map(|_| ())
    }
}
