//! [`Polls`] on SQLite: a change and its outbox row in one transaction.

use async_trait::async_trait;
use pollcast_types::{EventType, Poll, PollId, Timestamp, WorkspaceId};
use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, Table, corrupt};
use crate::webhooks::event_type;
use crate::{After, PollChange, PollEvent, Polls, StoreResult};

/// A poll's row, new (`insert`), replaced (`update`: false when there is none) or gone with
/// its vote log and snapshot (`delete`: false when there was none); one statement set each,
/// shared by the plain writes and `change_poll`.
fn insert_poll_row(
    c: &rusqlite::Connection,
    id: &str,
    ws: &str,
    created: i64,
    body: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO polls (id, workspace_id, created_at, body) VALUES (?1, ?2, ?3, ?4)",
        params![id, ws, created, body],
    )?;
    Ok(())
}

fn update_poll_row(c: &rusqlite::Connection, id: &str, body: &str) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "UPDATE polls SET body = ?1 WHERE id = ?2",
        params![body, id],
    )? == 1)
}

fn delete_poll_rows(c: &rusqlite::Connection, id: &str) -> rusqlite::Result<bool> {
    let n = c.execute("DELETE FROM polls WHERE id = ?1", [id])?;
    c.execute("DELETE FROM votes_by_poll WHERE poll_id = ?1", [id])?;
    c.execute("DELETE FROM results_snapshots WHERE poll_id = ?1", [id])?;
    Ok(n == 1)
}

#[async_trait]
impl Polls for SqliteStore {
    async fn insert_poll(&self, poll: &Poll) -> StoreResult<()> {
        let body = serde_json::to_string(poll).map_err(corrupt)?;
        let (id, ws, created) = (
            poll.id.to_string(),
            poll.workspace_id.to_string(),
            poll.created_at.as_millis(),
        );
        self.run(move |c| Ok(insert_poll_row(c, &id, &ws, created, &body)?))
            .await
    }

    async fn poll(&self, id: &PollId) -> StoreResult<Option<Poll>> {
        let id = id.to_string();
        let body: Option<String> = self
            .run(move |c| {
                Ok(
                    c.query_row("SELECT body FROM polls WHERE id = ?1", [id], |r| r.get(0))
                        .optional()?,
                )
            })
            .await?;
        body.map(|b| serde_json::from_str(&b).map_err(corrupt))
            .transpose()
    }

    async fn update_poll(&self, poll: &Poll) -> StoreResult<bool> {
        let body = serde_json::to_string(poll).map_err(corrupt)?;
        let id = poll.id.to_string();
        self.run(move |c| Ok(update_poll_row(c, &id, &body)?)).await
    }

    async fn delete_poll(&self, id: &PollId) -> StoreResult<bool> {
        let id = id.to_string();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let deleted = delete_poll_rows(&tx, &id)?;
            tx.commit()?;
            Ok(deleted)
        })
        .await
    }

    async fn polls(
        &self,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<Poll>> {
        self.page_of_bodies(Table::Polls, workspace, after, limit)
            .await
    }

    async fn change_poll(
        &self,
        change: PollChange<'_>,
        event: EventType,
        at: Timestamp,
    ) -> StoreResult<bool> {
        let poll = match change {
            PollChange::Create(p) | PollChange::Update(p) | PollChange::Delete(p) => p,
        };
        let body = serde_json::to_string(poll).map_err(corrupt)?;
        let (id, ws, created) = (
            poll.id.to_string(),
            poll.workspace_id.to_string(),
            poll.created_at.as_millis(),
        );
        let kind = match change {
            PollChange::Create(_) => 0,
            PollChange::Update(_) => 1,
            PollChange::Delete(_) => 2,
        };
        let (event, at) = (event.as_str(), at.as_millis());
        self.run(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let changed = match kind {
                0 => insert_poll_row(&tx, &id, &ws, created, &body).map(|()| true)?,
                1 => update_poll_row(&tx, &id, &body)?,
                _ => delete_poll_rows(&tx, &id)?,
            };
            if changed {
                tx.execute(
                    "INSERT INTO poll_events (event, at, poll) VALUES (?1, ?2, ?3)",
                    params![event, at, body],
                )?;
            }
            tx.commit()?;
            Ok(changed)
        })
        .await
    }

    async fn poll_events(&self, limit: usize) -> StoreResult<Vec<PollEvent>> {
        let limit = limit.min(1000) as i64;
        let rows: Vec<(i64, String, i64, String)> = self
            .run(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT seq, event, at, poll FROM poll_events ORDER BY seq LIMIT ?1",
                )?;
                let rows = stmt.query_map(params![limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await?;
        rows.into_iter()
            .map(|(seq, event, at, poll)| {
                Ok(PollEvent {
                    seq,
                    event: event_type(&event)?,
                    at: Timestamp::from_millis(at),
                    poll: serde_json::from_str(&poll).map_err(corrupt)?,
                })
            })
            .collect()
    }

    async fn forget_poll_events(&self, events: &[PollEvent]) -> StoreResult<()> {
        let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
        self.run(move |c| {
            let tx = c.transaction()?;
            {
                let mut stmt = tx.prepare_cached("DELETE FROM poll_events WHERE seq = ?1")?;
                for seq in seqs {
                    stmt.execute([seq])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }
}
