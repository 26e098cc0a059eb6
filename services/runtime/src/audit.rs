//! Recounting a poll from its vote log and comparing with the live counts: exactness as
//! something an owner can check (`pollcast audit POLL`, `GET /v1/polls/{id}/audit`).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use pollcast_bus::redis::{self, AsyncCommands};
use pollcast_store::StoreError;
use pollcast_types::{Audit, AuditLine, Poll, PollKind, VoteChange, VoteId};
use pollcast_wire::{SEQ_FIELD, TOTAL_FIELD, UPDATED_FIELD, counted_term, increments};

/// Where the audit keeps an open-text term's count: `term:<term>`, whatever its spellings.
const TERM_KEY: &str = "term:";

use crate::Context;

/// Votes read from the log per page.
const PAGE: usize = 5_000;
/// A count that moves while the log is read is read again, this many times at most.
const ATTEMPTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
}

/// Recounts `poll`'s current epoch from the vote log and compares it, field by field, with
/// the live counts. Votes still on their way (in the log, not yet counted) make the counts
/// move: the audit then reads again, and reports what it saw last if they never settle.
pub async fn audit(ctx: &Context, poll: &Poll) -> Result<Audit, AuditError> {
    let mut attempt = 1;
    loop {
        let before = live_counts(ctx, poll).await?;
        let log = recount(ctx, poll).await?;
        let after = live_counts(ctx, poll).await?;
        let report = compare(poll, &log, &after);
        // Counts that stayed still through a second look have settled: what differs is real.
        let settled = before == after && attempt > 1;
        if report.consistent || settled || attempt == ATTEMPTS {
            return Ok(report);
        }
        attempt += 1;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The live counts hash, without the fields that are not counts.
async fn live_counts(ctx: &Context, poll: &Poll) -> Result<BTreeMap<String, u64>, AuditError> {
    let hash: HashMap<String, String> = ctx
        .bus
        .conn()
        .hgetall(ctx.bus.keys().counts(poll.shard, &poll.id))
        .await?;
    let mut counts: BTreeMap<String, u64> = hash
        .into_iter()
        .filter(|(k, _)| k != SEQ_FIELD && k != UPDATED_FIELD)
        .filter_map(|(k, v)| v.parse::<u64>().ok().map(|n| (k, n)))
        .filter(|(_, n)| *n > 0)
        .collect();
    if poll.kind == PollKind::OpenText {
        let terms: Vec<(String, f64)> = redis::cmd("ZRANGE")
            .arg(ctx.bus.keys().terms(poll.shard, &poll.id))
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .query_async(&mut ctx.bus.conn())
            .await?;
        for (term, n) in terms {
            if n >= 1.0 {
                counts.insert(format!("{TERM_KEY}{term}"), n as u64);
            }
        }
    }
    Ok(counts)
}

/// The counts hash the vote log adds up to: every voter's current ballot (one no later ballot
/// replaced), read page by page (memory grows with the number of changes only).
async fn recount(ctx: &Context, poll: &Poll) -> Result<BTreeMap<String, u64>, StoreError> {
    // Only where voters may change their minds can a ballot have been replaced: other
    // polls' logs are not read twice.
    let replaced = match poll.vote_change {
        VoteChange::WhileOpen => ctx.store.replaced_ballots(&poll.id, poll.epoch).await?,
        VoteChange::Never => Default::default(),
    };
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut cursor: Option<VoteId> = None;
    loop {
        let page = ctx
            .store
            .votes_page(&poll.id, poll.epoch, cursor.as_ref(), PAGE)
            .await?;
        let Some(last) = page.last() else {
            return Ok(counts);
        };
        cursor = Some(last.vote_id.clone());
        for vote in page.iter().filter(|v| !replaced.contains(&v.vote_id)) {
            *counts.entry(TOTAL_FIELD.to_owned()).or_default() += 1;
            for (field, n) in increments(poll.kind, vote) {
                // An open-text term counts once whatever its spelling or moderation.
                let field = match counted_term(&field) {
                    Some(term) => format!("{TERM_KEY}{term}"),
                    None => field,
                };
                *counts.entry(field).or_default() += n.max(0) as u64;
            }
        }
    }
}

fn compare(poll: &Poll, log: &BTreeMap<String, u64>, live: &BTreeMap<String, u64>) -> Audit {
    let get = |m: &BTreeMap<String, u64>, k: &str| m.get(k).copied().unwrap_or(0);
    let options = match poll.kind {
        PollKind::Rating => (1..=poll.rating_scale())
            .map(|s| {
                let field = format!("r:{s}");
                AuditLine {
                    id: s.to_string(),
                    log: get(log, &field),
                    live: get(live, &field),
                }
            })
            .collect(),
        PollKind::OpenText => Vec::new(),
        _ => poll
            .options
            .iter()
            .map(|o| {
                let field = pollcast_wire::option_field(o.id.as_str());
                AuditLine {
                    id: o.id.to_string(),
                    log: get(log, &field),
                    live: get(live, &field),
                }
            })
            .collect(),
    };
    // The fields of one prefix (whole rankings, or terms) whose log and live counts differ.
    let differing = |prefix: &str| {
        let keys: std::collections::BTreeSet<&String> = log
            .keys()
            .chain(live.keys())
            .filter(|k| k.starts_with(prefix))
            .collect();
        keys.into_iter()
            .filter(|k| get(log, k) != get(live, k))
            .count() as u64
    };
    let ballots_differing = (poll.kind == PollKind::Ranked).then(|| differing("b:"));
    let terms_differing = (poll.kind == PollKind::OpenText).then(|| differing(TERM_KEY));
    Audit {
        terms_differing,
        consistent: log == live,
        log_total: get(log, TOTAL_FIELD),
        live_total: get(live, TOTAL_FIELD),
        options,
        ballots_differing,
    }
}

impl From<AuditError> for pollcast_http::ApiError {
    fn from(e: AuditError) -> Self {
        match e {
            AuditError::Store(e) => e.into(),
            AuditError::Redis(e) => e.into(),
        }
    }
}
