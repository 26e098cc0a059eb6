//! [`VoteLog`] on CQL. See `schema/scylla/0001_init.cql` for the partitioning: (poll, epoch,
//! bucket), the bucket being the vote id's minute times [`SLOTS`] plus a slot from its random
//! bits, and `votes_by_poll_by_bucket` listing the partitions a poll has, in order.

use std::collections::BTreeMap;

use async_trait::async_trait;
use pollcast_types::vote::{join_option_ids, split_option_ids};
use pollcast_types::{PollId, ResultsSnapshot, Timestamp, VoteId, VoteRecord};
use scylla::statement::batch::{Batch, BatchType};

use super::{FOREVER, ScyllaStore, corrupt, id};
use crate::{StoreError, StoreResult, VoteLog};

/// Partitions a minute of one poll's votes is spread over.
pub const SLOTS: i64 = 16;
const MINUTE_MS: i64 = 60_000;
/// Rows per unlogged batch: one partition each, small enough for the server's batch limits.
const BATCH_ROWS: usize = 32;

/// The bucket a vote lives in: its id's minute, and a slot from its id's last (random) hex
/// digit. A vote always lands in the same partition, however often it is written.
pub fn bucket_of(vote: &VoteId) -> i64 {
    let slot = vote
        .as_str()
        .chars()
        .last()
        .and_then(|c| c.to_digit(16))
        .map_or(0, i64::from)
        % SLOTS;
    vote.timestamp_ms().div_euclid(MINUTE_MS) * SLOTS + slot
}

type VoteRow = (
    String,
    Option<String>,
    Option<i32>,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
);

/// A vote-log partition: poll, epoch, bucket.
type PartitionKey<'a> = (&'a str, u32, i64);

fn vote_from_row(poll: &PollId, epoch: u32, r: VoteRow) -> StoreResult<VoteRecord> {
    Ok(VoteRecord {
        vote_id: id(VoteId::parse, &r.0)?,
        poll_id: poll.clone(),
        option_ids: split_option_ids(r.1.as_deref().unwrap_or(""))
            .ok_or_else(|| StoreError::Corrupt(format!("vote {}", r.0)))?,
        rating: r.2.map(|v| v as u8),
        voter: r.3,
        received_at: Timestamp::from_millis(r.4),
        epoch,
        replaces: match r.5 {
            Some(prev) => Some(id(VoteId::parse, &prev)?),
            None => None,
        },
        entries: crate::vote_log::entries_from_text(r.6.as_deref())
            .ok_or_else(|| StoreError::Corrupt(format!("vote {}", r.0)))?,
    })
}

impl ScyllaStore {
    /// Writes votes with their partitions' index entries (all of them when `rewrite`).
    async fn write_votes(&self, votes: &[VoteRecord], rewrite: bool) -> StoreResult<()> {
        let mut partitions: BTreeMap<PartitionKey<'_>, Vec<&VoteRecord>> = BTreeMap::new();
        for v in votes {
            partitions
                .entry((v.poll_id.as_str(), v.epoch, bucket_of(&v.vote_id)))
                .or_default()
                .push(v);
        }
        // The partition's entry in the index first: a vote is never in a partition the
        // readers cannot find. An entry this process wrote before is not written again, but
        // for a rewrite (the first write may be what a crash lost).
        let keys: Vec<PartitionKey<'_>> = partitions
            .keys()
            .copied()
            .filter(|k| rewrite || !self.indexed(k))
            .collect();
        let keys_ref = &keys;
        self.fan_out((0..keys.len()).collect(), |i: usize| async move {
            let (poll, epoch, bucket) = keys_ref[i];
            self.exec(
                "INSERT INTO votes_by_poll_by_bucket (poll_id, bucket, epoch) VALUES (?, ?, ?)",
                (poll, bucket, epoch as i32),
            )
            .await
        })
        .await?;
        self.remember_indexed(&keys);
        let insert = self
            .prepared(
                "INSERT INTO votes_by_poll
                 (poll_id, epoch, bucket, vote_id, option_ids, rating, voter, received_at,
                  replaces, entries_json)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?",
            )
            .await?;
        let chunks: Vec<(PartitionKey<'_>, &[&VoteRecord])> = partitions
            .iter()
            .flat_map(|(k, vs)| vs.chunks(BATCH_ROWS).map(move |c| (*k, c)))
            .collect();
        let chunks_ref = &chunks;
        self.fan_out((0..chunks.len()).collect(), |i: usize| {
            let insert = insert.clone();
            async move {
                let ((poll, epoch, bucket), chunk) = chunks_ref[i];
                // One partition per batch: unlogged is atomic within a partition, and the
                // write timestamp is the vote's, so a rewrite changes nothing.
                let mut batch = Batch::new(BatchType::Unlogged);
                batch.set_is_idempotent(true);
                let mut values = Vec::with_capacity(chunk.len());
                for v in chunk {
                    batch.append_statement(insert.clone());
                    values.push((
                        poll,
                        epoch as i32,
                        bucket,
                        v.vote_id.as_str(),
                        join_option_ids(&v.option_ids),
                        v.rating.map(i32::from),
                        v.voter.as_deref(),
                        v.received_at.as_millis(),
                        v.replaces.as_ref().map(VoteId::as_str),
                        crate::vote_log::entries_to_text(&v.entries),
                        v.vote_id.timestamp_ms() * 1000,
                    ));
                }
                self.session()
                    .batch(&batch, values)
                    .await
                    .map_err(super::map_err)
            }
        })
        .await
        .map(|_| ())
    }

    /// Whether this process wrote the index entry of this partition.
    fn indexed(&self, key: &PartitionKey<'_>) -> bool {
        self.inner
            .indexed
            .lock()
            .is_ok_and(|set| set.contains(&(key.0.to_owned(), key.1, key.2)))
    }

    fn remember_indexed(&self, keys: &[PartitionKey<'_>]) {
        if let Ok(mut set) = self.inner.indexed.lock() {
            // A minute's partitions are written for a minute: a small set, started over
            // rather than grown.
            if set.len() > 100_000 {
                set.clear();
            }
            set.extend(keys.iter().map(|k| (k.0.to_owned(), k.1, k.2)));
        }
    }

    /// The first `want` votes after `cursor` of these partitions, in vote-id order: a k-way
    /// merge that reads each partition a chunk at a time (about its share of `want`), so a
    /// page reads little more than it returns.
    async fn merge_partitions(
        &self,
        poll: &PollId,
        epoch: u32,
        buckets: &[i64],
        cursor: &str,
        want: usize,
    ) -> StoreResult<Vec<VoteRecord>> {
        struct Part {
            bucket: i64,
            rows: std::collections::VecDeque<VoteRecord>,
            after: String,
            done: bool,
        }
        let chunk = (want / buckets.len().max(1) * 3 / 2 + 16).min(5_000);
        let mut parts: Vec<Part> = buckets
            .iter()
            .map(|b| Part {
                bucket: *b,
                rows: Default::default(),
                after: cursor.to_owned(),
                done: false,
            })
            .collect();
        let mut out = Vec::with_capacity(want.min(10_000));
        while out.len() < want {
            // Every partition with nothing buffered and more to read is read first (at once):
            // its next vote may be the smallest.
            let empty: Vec<usize> = (0..parts.len())
                .filter(|&i| parts[i].rows.is_empty() && !parts[i].done)
                .collect();
            let parts_ref = &parts;
            let fetched = self
                .fan_out(empty.clone(), |i: usize| async move {
                    let p = &parts_ref[i];
                    self.rows::<VoteRow>(
                        "SELECT vote_id, option_ids, rating, voter, received_at, replaces, entries_json FROM votes_by_poll
                         WHERE poll_id = ? AND epoch = ? AND bucket = ? AND vote_id > ? LIMIT ?",
                        (
                            poll.as_str(),
                            epoch as i32,
                            p.bucket,
                            p.after.as_str(),
                            chunk as i32,
                        ),
                    )
                    .await
                })
                .await?;
            for (i, rows) in empty.into_iter().zip(fetched) {
                let part = &mut parts[i];
                part.done = rows.len() < chunk;
                for row in rows {
                    part.rows.push_back(vote_from_row(poll, epoch, row)?);
                }
                if let Some(last) = part.rows.back() {
                    part.after = last.vote_id.to_string();
                }
            }
            // Take the smallest heads while every partition that may have more has some.
            loop {
                if out.len() >= want || parts.iter().any(|p| p.rows.is_empty() && !p.done) {
                    break;
                }
                let Some(next) = parts
                    .iter_mut()
                    .filter(|p| !p.rows.is_empty())
                    .min_by(|a, b| a.rows[0].vote_id.cmp(&b.rows[0].vote_id))
                else {
                    return Ok(out);
                };
                if let Some(v) = next.rows.pop_front() {
                    out.push(v);
                }
            }
            if parts.iter().all(|p| p.rows.is_empty() && p.done) {
                break;
            }
        }
        Ok(out)
    }

    /// Drops whole partitions of a poll's log: those of epochs before `before`, or all.
    pub(crate) async fn drop_vote_log(
        &self,
        poll: &PollId,
        before: Option<u32>,
    ) -> StoreResult<()> {
        let doomed: Vec<(i64, i32)> = self
            .rows(
                "SELECT bucket, epoch FROM votes_by_poll_by_bucket WHERE poll_id = ?",
                (poll.as_str(),),
            )
            .await?
            .into_iter()
            .filter(|(_, e)| before.is_none_or(|b| (*e as u32) < b))
            .collect();
        self.fan_out(doomed, |(bucket, epoch)| async move {
            self.exec(
                "DELETE FROM votes_by_poll WHERE poll_id = ? AND epoch = ? AND bucket = ?",
                (poll.as_str(), epoch, bucket),
            )
            .await?;
            self.exec(
                "DELETE FROM votes_by_poll_by_bucket WHERE poll_id = ? AND bucket = ? AND epoch = ?",
                (poll.as_str(), bucket, epoch),
            )
            .await
        })
        .await
        .map(|_| ())
    }
}

#[async_trait]
impl VoteLog for ScyllaStore {
    async fn append_votes(&self, votes: &[VoteRecord]) -> StoreResult<()> {
        self.write_votes(votes, false).await
    }

    async fn rewrite_votes(&self, votes: &[VoteRecord]) -> StoreResult<()> {
        self.write_votes(votes, true).await
    }

    async fn votes_page(
        &self,
        poll: &PollId,
        epoch: u32,
        after: Option<&VoteId>,
        limit: usize,
    ) -> StoreResult<Vec<VoteRecord>> {
        let limit = limit.clamp(1, 10_000);
        let (from, mut cursor) = match after {
            Some(v) => (bucket_of(v) - bucket_of(v).rem_euclid(SLOTS), v.to_string()),
            None => (i64::MIN, String::new()),
        };
        // Partitions are read from the index a chunk at a time, whole minutes only, then
        // merged in groups of whole minutes up to SLOTS partitions: every vote of a later
        // group is after every vote of an earlier one, so the groups' merges, one after the
        // other, are the log in order.
        let mut out: Vec<VoteRecord> = Vec::with_capacity(limit.min(1024));
        let mut from = from;
        let chunk = (limit as i64 + SLOTS).min(5_000);
        loop {
            let listed: Vec<(i64, i32)> = self
                .rows(
                    "SELECT bucket, epoch FROM votes_by_poll_by_bucket
                     WHERE poll_id = ? AND bucket >= ? LIMIT ?",
                    (poll.as_str(), from, chunk as i32),
                )
                .await?;
            let exhausted = (listed.len() as i64) < chunk;
            let mut minutes: Vec<Vec<i64>> = Vec::new();
            for (bucket, e) in &listed {
                if *e as u32 != epoch {
                    continue;
                }
                match minutes.last_mut() {
                    Some(m) if m[0].div_euclid(SLOTS) == bucket.div_euclid(SLOTS) => {
                        m.push(*bucket)
                    }
                    _ => minutes.push(vec![*bucket]),
                }
            }
            let next_from = listed.last().map(|(b, _)| b.div_euclid(SLOTS) * SLOTS);
            let last_is_partial = !exhausted
                && minutes.len() > 1
                && minutes
                    .last()
                    .is_some_and(|m| Some(m[0].div_euclid(SLOTS) * SLOTS) == next_from);
            if last_is_partial {
                // The last minute may go on in the next chunk: it is read whole from there.
                minutes.pop();
            }
            let mut groups: Vec<Vec<i64>> = Vec::new();
            for m in minutes {
                match groups.last_mut() {
                    Some(g) if g.len() + m.len() <= SLOTS as usize => g.extend(m),
                    _ => groups.push(m),
                }
            }
            for group in groups {
                if out.len() >= limit {
                    break;
                }
                let want = limit - out.len();
                let rows = self
                    .merge_partitions(poll, epoch, &group, &cursor, want)
                    .await?;
                if let Some(last) = rows.last() {
                    cursor = last.vote_id.to_string();
                }
                out.extend(rows);
            }
            match next_from {
                Some(next) if !exhausted && out.len() < limit && next > from => from = next,
                Some(next) if !exhausted && out.len() < limit => from = next + SLOTS,
                _ => break,
            }
        }
        Ok(out)
    }

    async fn delete_votes_before_epoch(&self, poll: &PollId, epoch: u32) -> StoreResult<()> {
        self.drop_vote_log(poll, Some(epoch)).await
    }

    async fn save_results(&self, snapshot: &ResultsSnapshot) -> StoreResult<()> {
        let body = serde_json::to_string(snapshot).map_err(corrupt)?;
        let seq = snapshot.seq.min(FOREVER as u64 - 1) as i64;
        // The write timestamp is the snapshot's seq: of two snapshots the higher seq wins
        // wherever and in whatever order they land, with no read before the write.
        self.exec(
            "INSERT INTO results_snapshots (poll_id, seq, body) VALUES (?, ?, ?) USING TIMESTAMP ?",
            (snapshot.poll_id.as_str(), seq, body, seq),
        )
        .await
        .map(|_| ())
    }

    async fn results(&self, poll: &PollId) -> StoreResult<Option<ResultsSnapshot>> {
        let row: Option<(Option<String>,)> = self
            .first(
                "SELECT body FROM results_snapshots WHERE poll_id = ?",
                (poll.as_str(),),
            )
            .await?;
        row.and_then(|(b,)| b)
            .map(|b| serde_json::from_str(&b).map_err(corrupt))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::HashMap;

    use super::*;

    /// A vote id minted at `ms`, random bits as `VoteId::generate` makes them.
    fn vote_at(ms: i64) -> VoteId {
        let ts = uuid::Timestamp::from_unix(
            uuid::NoContext,
            (ms / 1000) as u64,
            ((ms % 1000) * 1_000_000) as u32,
        );
        VoteId::parse(&uuid::Uuid::new_v7(ts).to_string()).unwrap()
    }

    /// The largest partition a poll's log gets when it takes `votes` votes spread evenly over
    /// `minutes` minutes (each minute counted, the busiest partition reported).
    fn largest_partition(votes: usize, minutes: i64) -> usize {
        let start = 1_780_000_000_000i64;
        let mut sizes: HashMap<i64, usize> = HashMap::new();
        let step = (minutes * MINUTE_MS) as f64 / votes as f64;
        for i in 0..votes {
            let ms = start + (i as f64 * step) as i64;
            *sizes.entry(bucket_of(&vote_at(ms))).or_default() += 1;
        }
        sizes.values().copied().max().unwrap_or(0)
    }

    /// 10,000,000 votes within an hour: no partition near 100,000 rows. Simulated as one
    /// minute of the worst case the per-poll rate limit allows (20,000/s, 1,200,000 a minute,
    /// more than the 166,667 a minute of an even hour), since minutes never share partitions.
    #[test]
    fn a_viral_poll_keeps_every_partition_under_100k_rows() {
        let worst_minute = largest_partition(1_200_000, 1);
        assert!(worst_minute < 80_000, "{worst_minute}");
        // An even hour of 10,000,000: about 10,400 a partition.
        let even = largest_partition(166_667, 1);
        assert!(even < 12_000, "{even}");
        eprintln!(
            "largest partition: {worst_minute} rows at 20,000 votes/s; {even} rows for 10M votes in an even hour"
        );
    }

    #[test]
    fn a_vote_always_lands_in_the_same_partition_of_its_minute() {
        let v = vote_at(1_780_000_123_456);
        assert_eq!(bucket_of(&v), bucket_of(&v.clone()));
        assert_eq!(
            bucket_of(&v).div_euclid(SLOTS),
            1_780_000_123_456 / MINUTE_MS
        );
    }
}
