//! [`VoteLog`] on SQLite.

use async_trait::async_trait;
use pollcast_types::vote::{join_option_ids, split_option_ids};
use pollcast_types::{PollId, ResultsSnapshot, Timestamp, VoteId, VoteRecord};
use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteStore, corrupt};
use crate::{StoreError, StoreResult, VoteLog};

fn vote_from_row(row: &Row<'_>) -> rusqlite::Result<Result<VoteRecord, StoreError>> {
    let vote_id: String = row.get(0)?;
    let poll_id: String = row.get(1)?;
    let option_ids: String = row.get(2)?;
    let rating: Option<u8> = row.get(3)?;
    let voter: Option<String> = row.get(4)?;
    let received_at: i64 = row.get(5)?;
    let epoch: u32 = row.get(6)?;
    let replaces: Option<String> = row.get(7)?;
    let entries: Option<String> = row.get(8)?;
    let parsed = (|| {
        Some(VoteRecord {
            vote_id: VoteId::parse(&vote_id)?,
            poll_id: PollId::parse(&poll_id)?,
            option_ids: split_option_ids(&option_ids)?,
            rating,
            voter,
            received_at: Timestamp::from_millis(received_at),
            epoch,
            replaces: match replaces {
                Some(r) => Some(VoteId::parse(&r)?),
                None => None,
            },
            entries: crate::vote_log::entries_from_text(entries.as_deref())?,
        })
    })();
    Ok(parsed.ok_or_else(|| StoreError::Corrupt(format!("vote {vote_id}"))))
}

#[async_trait]
impl VoteLog for SqliteStore {
    async fn append_votes(&self, votes: &[VoteRecord]) -> StoreResult<()> {
        if votes.is_empty() {
            return Ok(());
        }
        let votes = votes.to_vec();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT OR IGNORE INTO votes_by_poll
                     (poll_id, bucket, vote_id, option_ids, rating, voter, received_at, epoch,
                      replaces, entries_json)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )?;
                for v in &votes {
                    let opts = join_option_ids(&v.option_ids);
                    stmt.execute(params![
                        v.poll_id.as_str(),
                        v.bucket(),
                        v.vote_id.as_str(),
                        opts,
                        v.rating,
                        v.voter,
                        v.received_at.as_millis(),
                        v.epoch,
                        v.replaces.as_ref().map(VoteId::as_str),
                        crate::vote_log::entries_to_text(&v.entries)
                    ])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn votes_page(
        &self,
        poll: &PollId,
        epoch: u32,
        after: Option<&VoteId>,
        limit: usize,
    ) -> StoreResult<Vec<VoteRecord>> {
        let poll = poll.to_string();
        // The cursor is a vote id; its bucket follows from its timestamp, so the (bucket,
        // vote_id) position is the same key ScyllaDB pages by.
        let (bucket, vote_id) = match after {
            Some(v) => (pollcast_types::vote::bucket_of(v), v.to_string()),
            None => (i64::MIN, String::new()),
        };
        let limit = limit.min(10_000) as i64;
        self.run(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT vote_id, poll_id, option_ids, rating, voter, received_at, epoch, replaces,
                        entries_json
                 FROM votes_by_poll
                 WHERE poll_id = ?1 AND epoch = ?5 AND (bucket, vote_id) > (?2, ?3)
                 ORDER BY bucket, vote_id LIMIT ?4",
            )?;
            let rows =
                stmt.query_map(params![poll, bucket, vote_id, limit, epoch], vote_from_row)?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row??);
            }
            Ok(out)
        })
        .await
    }

    async fn delete_votes_before_epoch(&self, poll: &PollId, epoch: u32) -> StoreResult<()> {
        let poll = poll.to_string();
        self.run(move |c| {
            c.execute(
                "DELETE FROM votes_by_poll WHERE poll_id = ?1 AND epoch < ?2",
                params![poll, epoch],
            )?;
            Ok(())
        })
        .await
    }

    async fn save_results(&self, snapshot: &ResultsSnapshot) -> StoreResult<()> {
        let body = serde_json::to_string(snapshot).map_err(corrupt)?;
        let (poll, seq) = (snapshot.poll_id.to_string(), snapshot.seq as i64);
        self.run(move |c| {
            c.execute(
                "INSERT INTO results_snapshots (poll_id, seq, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (poll_id) DO UPDATE SET seq = excluded.seq, body = excluded.body
                 WHERE excluded.seq > results_snapshots.seq",
                params![poll, seq, body],
            )?;
            Ok(())
        })
        .await
    }

    async fn results(&self, poll: &PollId) -> StoreResult<Option<ResultsSnapshot>> {
        let poll = poll.to_string();
        let body: Option<String> = self
            .run(move |c| {
                Ok(c.query_row(
                    "SELECT body FROM results_snapshots WHERE poll_id = ?1",
                    [poll],
                    |r| r.get(0),
                )
                .optional()?)
            })
            .await?;
        body.map(|b| serde_json::from_str(&b).map_err(corrupt))
            .transpose()
    }
}
