//! The vote log: `GET /v1/polls/{id}/votes` (JSON pages) and `/votes.csv` (streamed).

use std::collections::HashSet;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use bytes::Bytes;
use futures_util::stream;
use pollcast_http::ApiError;
use pollcast_http::pagination::Page;
use pollcast_http::pagination::{self, bad_cursor};
use pollcast_runtime::terms;
use pollcast_store::Store;
use pollcast_types::vote::join_option_ids;
use pollcast_types::{Poll, PollKind, Scope, Timestamp, VoteChange, VoteId, VoteRecord};
use serde::{Deserialize, Serialize};

use crate::ApiState;
use pollcast_auth::Caller;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VotesQuery {
    /// Votes received at or after this time.
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<Timestamp>,
    /// Votes received before this time.
    #[param(value_type = Option<String>, format = DateTime)]
    until: Option<Timestamp>,
    /// 1 to 200; 50 when absent (JSON pages only).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// CSV of a poll whose voters may change their minds: `true` lists every ballot, each
    /// with the one it `replaces`; by default each voter's current ballot only. (JSON pages
    /// always list every ballot: they are the log.)
    history: Option<bool>,
}

/// One vote of the vote log.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Vote)]
pub struct VoteView<'a> {
    vote_id: &'a VoteId,
    /// The chosen options (in rank order for ranked polls); absent for rating polls.
    #[serde(skip_serializing_if = "Option::is_none")]
    option_ids: Option<&'a [pollcast_types::OptionId]>,
    /// The score, rating polls only.
    #[serde(skip_serializing_if = "Option::is_none")]
    rating: Option<u8>,
    /// The entries, open_text polls only.
    #[serde(skip_serializing_if = "Option::is_none")]
    entries: Option<&'a [pollcast_types::TextEntry]>,
    /// A per-poll keyed hash of the voter's identity, never the identity.
    voter: Option<&'a str>,
    received_at: Timestamp,
    /// The voter's earlier ballot this one replaced (`vote_change: while_open`).
    #[serde(skip_serializing_if = "Option::is_none")]
    replaces: Option<&'a VoteId>,
}

fn view(v: &VoteRecord) -> VoteView<'_> {
    VoteView {
        vote_id: &v.vote_id,
        option_ids: (v.rating.is_none() && v.entries.is_empty()).then_some(v.option_ids.as_slice()),
        rating: v.rating,
        entries: (!v.entries.is_empty()).then_some(v.entries.as_slice()),
        voter: v.voter.as_deref(),
        received_at: v.received_at,
        replaces: v.replaces.as_ref(),
    }
}

/// The window `[since, until)` and cursor as a vote-id position and an end time.
struct Window {
    after: Option<VoteId>,
    until: Option<Timestamp>,
}

impl Window {
    fn new(q: &VotesQuery) -> Result<Self, ApiError> {
        let cursor = match &q.cursor {
            Some(c) => Some(VoteId::parse(c).ok_or_else(bad_cursor)?),
            None => None,
        };
        // Just below the first id minted at `since`.
        let floor = q.since.map(|t| VoteId::lowest_at(t.as_millis() - 1));
        Ok(Self {
            after: cursor.max(floor),
            until: q.until,
        })
    }

    /// The next page of at most `limit` votes in the window (only the poll's current epoch:
    /// votes cleared by a reset are no longer the poll's), and whether the window ends here.
    async fn next(
        &mut self,
        store: &dyn Store,
        poll: &Poll,
        limit: usize,
    ) -> Result<(Vec<VoteRecord>, bool), pollcast_store::StoreError> {
        let mut page = store
            .votes_page(&poll.id, poll.epoch, self.after.as_ref(), limit)
            .await?;
        let full = page.len() == limit;
        if let Some(last) = page.last() {
            self.after = Some(last.vote_id.clone());
        }
        let before = page.len();
        if let Some(until) = self.until {
            page.retain(|v| v.received_at < until);
        }
        let past_until = page.len() < before;
        Ok((page, !full || past_until))
    }
}

/// `GET /v1/polls/{id}/votes` (votes:read): oldest first.
#[utoipa::path(
    get, path = "/v1/polls/{poll_id}/votes", operation_id = "list_votes", tag = "votes", security(("bearer" = [])),
    params(("poll_id" = String, Path, description = "The poll's id"), VotesQuery),
    responses((status = 200, description = "A page of the vote log, oldest first", body = Page<VoteView>)),
)]
pub async fn list(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<VotesQuery>,
) -> Result<HttpResponse, ApiError> {
    let poll = caller
        .poll_with(Scope::VotesRead, &state.polls, &path)
        .await?;
    let limit = pagination::limit(query.limit)?;
    let mut window = Window::new(&query)?;
    let (votes, ended) = window
        .next(state.context.store.as_ref(), &poll, limit)
        .await?;
    let next_cursor = if ended {
        None
    } else {
        window.after.as_ref().map(VoteId::to_string)
    };
    let data: Vec<VoteView<'_>> = votes.iter().map(view).collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({"data": data, "next_cursor": next_cursor})))
}

const CSV_PAGE: usize = 1000;

/// `GET /v1/polls/{id}/votes.csv` (votes:read): the whole window, streamed page by page, so
/// memory stays flat whatever the poll's size.
#[utoipa::path(
    get, path = "/v1/polls/{poll_id}/votes.csv", operation_id = "export_votes_csv", tag = "votes", security(("bearer" = [])),
    params(("poll_id" = String, Path, description = "The poll's id"), VotesQuery),
    responses((status = 200, description = "The vote log as CSV (`vote_id,received_at,option_ids,rating,voter`, and `replaces` for polls whose voters may change their minds), streamed", content_type = "text/csv", body = String)),
)]
pub async fn csv(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<VotesQuery>,
) -> Result<HttpResponse, ApiError> {
    let poll = caller
        .poll_with(Scope::VotesRead, &state.polls, &path)
        .await?;
    if query.cursor.is_some() || query.limit.is_some() {
        return Err(ApiError::validation(vec![pollcast_types::FieldError::new(
            "query",
            "the CSV export takes since and until only",
        )]));
    }
    let window = Window::new(&query)?;
    let store = state.context.store.clone();
    let poll_id: Poll = (*poll).clone();
    // Where voters may change their minds: a `replaces` column, and by default only each
    // voter's current ballot (the replaced ones are known before the first row goes).
    let changes = poll.vote_change == VoteChange::WhileOpen;
    let replaced = Arc::new(if changes && query.history != Some(true) {
        store.replaced_ballots(&poll.id, poll.epoch).await?
    } else {
        HashSet::new()
    });
    // Open text: a row per entry, with its term and its moderation state now.
    let decisions = Arc::new(if poll.kind == PollKind::OpenText {
        Some(terms::decisions(&state.context, &poll).await?)
    } else {
        None
    });
    let header_row = Bytes::from_static(match (decisions.is_some(), changes) {
        (true, true) => b"vote_id,received_at,entry,term,state,voter,replaces\n",
        (true, false) => b"vote_id,received_at,entry,term,state,voter\n",
        (false, true) => b"vote_id,received_at,option_ids,rating,voter,replaces\n",
        (false, false) => b"vote_id,received_at,option_ids,rating,voter\n",
    });
    let body = stream::unfold(
        (Some(header_row), window, false),
        move |(first, mut window, done)| {
            let store = store.clone();
            let poll_id = poll_id.clone();
            let replaced = replaced.clone();
            let decisions = decisions.clone();
            async move {
                if let Some(h) = first {
                    return Some((Ok(h), (None, window, done)));
                }
                if done {
                    return None;
                }
                match window.next(store.as_ref(), &poll_id, CSV_PAGE).await {
                    Ok((votes, ended)) => {
                        let mut chunk = String::with_capacity(votes.len() * 96);
                        for v in votes.iter().filter(|v| !replaced.contains(&v.vote_id)) {
                            match decisions.as_ref() {
                                Some(decisions) => entry_rows(&mut chunk, v, decisions, changes),
                                None => csv_row(&mut chunk, v, changes),
                            }
                        }
                        Some((Ok(Bytes::from(chunk)), (None, window, ended)))
                    }
                    Err(e) => {
                        // Headers are gone already: end the body early; the client sees a
                        // truncated transfer rather than a silently short file.
                        tracing::error!(error = %e, "vote export failed mid-stream");
                        Some((
                            Err(actix_web::error::ErrorServiceUnavailable(
                                "export interrupted",
                            )),
                            (None, window, true),
                        ))
                    }
                }
            }
        },
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"votes-{}.csv\"", poll.id),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// Ids, hex hashes and timestamps hold no commas, quotes or newlines: no quoting needed.
fn csv_row(out: &mut String, v: &VoteRecord, replaces_column: bool) {
    use std::fmt::Write;
    let options = join_option_ids(&v.option_ids).replace(',', ";");
    let rating = v.rating.map(|r| r.to_string()).unwrap_or_default();
    let _ = write!(
        out,
        "{},{},{},{},{}",
        v.vote_id,
        v.received_at,
        options,
        rating,
        v.voter.as_deref().unwrap_or("")
    );
    if replaces_column {
        let _ = write!(out, ",{}", v.replaces.as_ref().map_or("", VoteId::as_str));
    }
    out.push('\n');
}

/// An open-text ballot's rows: one per entry, its text and term quoted (they are anyone's
/// words), and a cell a spreadsheet would take for a formula made text with a leading `'`.
fn entry_rows(
    out: &mut String,
    v: &VoteRecord,
    decisions: &std::collections::HashMap<String, pollcast_types::TermState>,
    replaces_column: bool,
) {
    use std::fmt::Write;
    for e in &v.entries {
        let _ = write!(
            out,
            "{},{},{},{},{},{}",
            v.vote_id,
            v.received_at,
            csv_text(&e.text),
            csv_text(e.term.as_deref().unwrap_or("")),
            terms::entry_state(e, decisions),
            v.voter.as_deref().unwrap_or("")
        );
        if replaces_column {
            let _ = write!(out, ",{}", v.replaces.as_ref().map_or("", VoteId::as_str));
        }
        out.push('\n');
    }
}

fn csv_text(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}
