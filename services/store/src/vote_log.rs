//! The vote log and the count snapshots.

use async_trait::async_trait;
use pollcast_types::{PollId, ResultsSnapshot, VoteId, VoteRecord};

use crate::StoreResult;

#[async_trait]
pub trait VoteLog: Send + Sync {
    /// Appends votes to the vote log. Idempotent: appending a vote again (a redelivered
    /// batch) leaves the log as it was.
    async fn append_votes(&self, votes: &[VoteRecord]) -> StoreResult<()>;
    /// Appends votes again, every write made anew: what tally does when the store may have
    /// lost writes it acknowledged ([`crate::Store::unsettled_window`]). A store that skips
    /// writes it believes done must not skip them here.
    async fn rewrite_votes(&self, votes: &[VoteRecord]) -> StoreResult<()> {
        self.append_votes(votes).await
    }
    /// A poll's votes of one epoch in vote-id (time) order, after the cursor `after`.
    async fn votes_page(
        &self,
        poll: &PollId,
        epoch: u32,
        after: Option<&VoteId>,
        limit: usize,
    ) -> StoreResult<Vec<VoteRecord>>;
    /// The ballots of a poll's epoch that a later ballot of their voter replaced
    /// (`vote_change: while_open`): read page by page, so memory grows with the number of
    /// changes only. The others are each voter's current ballot.
    async fn replaced_ballots(
        &self,
        poll: &PollId,
        epoch: u32,
    ) -> StoreResult<std::collections::HashSet<VoteId>> {
        let mut replaced = std::collections::HashSet::new();
        let mut cursor: Option<VoteId> = None;
        loop {
            let page = self.votes_page(poll, epoch, cursor.as_ref(), 1000).await?;
            let Some(last) = page.last() else {
                return Ok(replaced);
            };
            cursor = Some(last.vote_id.clone());
            replaced.extend(page.into_iter().filter_map(|v| v.replaces));
        }
    }
    /// Drops the votes of epochs before `epoch` (after a reset).
    async fn delete_votes_before_epoch(&self, poll: &PollId, epoch: u32) -> StoreResult<()>;

    /// Keeps the newest snapshot of a poll's counts; an older `seq` never replaces a newer.
    async fn save_results(&self, snapshot: &ResultsSnapshot) -> StoreResult<()>;
    async fn results(&self, poll: &PollId) -> StoreResult<Option<ResultsSnapshot>>;
}

/// An open-text ballot's entries as both stores keep them: JSON, or nothing for other kinds.
pub(crate) fn entries_to_text(entries: &[pollcast_types::TextEntry]) -> Option<String> {
    if entries.is_empty() {
        None
    } else {
        serde_json::to_string(entries).ok()
    }
}

/// The inverse of [`entries_to_text`]; `None` if the column is not such JSON.
pub(crate) fn entries_from_text(text: Option<&str>) -> Option<Vec<pollcast_types::TextEntry>> {
    match text {
        None | Some("") => Some(Vec::new()),
        Some(t) => serde_json::from_str(t).ok(),
    }
}
