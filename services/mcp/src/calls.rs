//! What each tool does, through the same functions as the HTTP API: the same checks, the
//! same lifecycle, the same "another workspace's poll does not exist".

use std::fmt::Write as _;

use pollcast_api::poll_view::PollView;
use pollcast_auth::Caller;
use pollcast_http::ApiError;
use pollcast_runtime::lifecycle;
use pollcast_types::{FieldError, KindResults, NewPoll, Poll, PollStatus, Scope, Timestamp, share};
use rmcp::model::JsonObject;
use serde_json::{Value, json};

use crate::PollcastMcp;

/// What a tool answers: data, or words.
pub enum Answer {
    Data(Value),
    Text(String),
}

pub async fn call(
    mcp: &PollcastMcp,
    caller: &Caller,
    name: &str,
    args: JsonObject,
) -> Result<Answer, ApiError> {
    let ctx = &mcp.context;
    let now = Timestamp::now();
    let base = ctx.settings.public_url.trim_end_matches('/');
    match name {
        "list_polls" => {
            caller.require(Scope::PollsRead)?;
            let limit = args
                .get("limit")
                .and_then(Value::as_u64)
                .map_or(20, |n| n.clamp(1, 100)) as usize;
            let status = args
                .get("status")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let (polls, _) = pollcast_api::polls::list_polls(
                ctx.store.as_ref(),
                &caller.workspace_id,
                None,
                limit,
                |p| {
                    status
                        .as_deref()
                        .is_none_or(|s| p.status_at(now).as_str() == s)
                },
            )
            .await?;
            let totals = lifecycle::totals(ctx, &polls).await;
            let rows: Vec<Value> = polls
                .iter()
                .zip(totals)
                .map(|(p, votes)| {
                    json!({
                        "id": p.id, "question": p.question, "kind": p.kind,
                        "status": p.status_at(now), "total_votes": votes,
                        "created_at": p.created_at,
                    })
                })
                .collect();
            Ok(Answer::Data(json!({ "polls": rows })))
        }
        "get_poll" => {
            let poll = poll_arg(mcp, caller, &args, Scope::PollsRead).await?;
            let (results, _) = lifecycle::live_snapshot(ctx, &poll).await?;
            Ok(Answer::Data(json!({
                "poll": PollView::new(&poll, true, base, now),
                "results": results,
            })))
        }
        "poll_summary" => {
            let poll = poll_arg(mcp, caller, &args, Scope::PollsRead).await?;
            let (results, status) = lifecycle::live_snapshot(ctx, &poll).await?;
            Ok(Answer::Text(summary(&poll, status, &results)))
        }
        "create_poll" => {
            caller.require(Scope::PollsWrite)?;
            let request: NewPoll = serde_json::from_value(Value::Object(args)).map_err(|e| {
                ApiError::validation(vec![FieldError::new("arguments", e.to_string())])
            })?;
            let poll =
                pollcast_api::polls::create_poll(ctx, caller.workspace_id.clone(), request).await?;
            Ok(Answer::Data(json!(PollView::new(&poll, true, base, now))))
        }
        "open_poll" | "close_poll" | "reset_poll" => {
            let mut poll = poll_arg(mcp, caller, &args, Scope::PollsWrite).await?;
            let done = match name {
                "open_poll" => lifecycle::open(ctx, &mut poll).await.map(|_| ()),
                "close_poll" => lifecycle::close(ctx, &mut poll).await.map(|_| ()),
                _ => lifecycle::reset(ctx, &mut poll).await,
            };
            mcp.polls.invalidate(&poll.id);
            done?;
            Ok(Answer::Data(json!(PollView::new(
                &poll,
                true,
                base,
                Timestamp::now()
            ))))
        }
        _ => Err(ApiError::new(pollcast_types::ErrorCode::NotFound).with_detail("no such tool")),
    }
}

async fn poll_arg(
    mcp: &PollcastMcp,
    caller: &Caller,
    args: &JsonObject,
    scope: Scope,
) -> Result<Poll, ApiError> {
    let id = args.get("poll_id").and_then(Value::as_str).ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("poll_id", "the poll's id is needed")])
    })?;
    Ok((*caller.poll_with(scope, &mcp.polls, id).await?).clone())
}

/// The results in a few lines of plain text.
fn summary(poll: &Poll, status: PollStatus, r: &pollcast_types::ResultsSnapshot) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", poll.question);
    let _ = writeln!(
        out,
        "{} poll, {}; {} votes as of {}.",
        poll.kind.as_str(),
        status.as_str(),
        r.total_votes,
        r.updated_at
    );
    match &r.detail {
        KindResults::OpenText {
            terms,
            total_entries,
        } => {
            let _ = writeln!(out, "{total_entries} answers. Most frequent:");
            for t in terms.iter().take(10) {
                let _ = writeln!(out, "- {}: {}", t.text, t.count);
            }
        }
        KindResults::Rating { mean, .. } => {
            let _ = writeln!(
                out,
                "Mean score {} of {}.",
                mean.map_or_else(|| "-".to_owned(), |m| format!("{m:.2}")),
                poll.rating_scale()
            );
        }
        _ => {
            let mut rows: Vec<(&str, u64)> = poll
                .options
                .iter()
                .map(|o| (o.label.as_str(), r.votes_for(&o.id)))
                .collect();
            rows.sort_by_key(|r| std::cmp::Reverse(r.1));
            for (label, votes) in rows {
                let _ = writeln!(
                    out,
                    "- {label}: {votes} ({:.0}%)",
                    share(votes, r.total_votes) * 100.0
                );
            }
            if let KindResults::Ranked { rounds } = &r.detail
                && let Some(winner) = rounds.last().and_then(|l| l.winner.as_ref())
                && let Some(o) = poll.option(winner)
            {
                let _ = writeln!(out, "Instant-runoff winner: {}.", o.label);
            }
        }
    }
    out
}
