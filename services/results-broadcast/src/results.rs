use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use pollcast_http::{ApiError, etag};
use pollcast_types::{KindResults, PollStatus, Timestamp};
use serde::Serialize;

use crate::BroadcastState;
use crate::counts::{Current, current};
use crate::visibility::{self, Seen, Viewer, ViewerHeaders};
use pollcast_auth::MaybeCaller;

/// A poll's results.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Results)]
pub struct ResultsBody<'a> {
    poll_id: &'a str,
    status: PollStatus,
    seq: u64,
    total_votes: u64,
    options: Vec<OptionResult<'a>>,
    updated_at: Timestamp,
    /// Present (`true`) only when Redis could not answer and these are the last results
    /// saved to the store: possibly behind, never wrong for their `seq`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stale: bool,
    /// `rounds` for ranked polls, `distribution` and `mean` for rating polls, `terms` and
    /// `total_entries` for open-text polls.
    #[serde(flatten)]
    detail: &'a KindResults,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OptionResult<'a> {
    id: &'a str,
    label: &'a str,
    votes: u64,
    /// Fraction of all votes (of first preferences, for ranked polls), 0..1, rounded to 4
    /// places. In a multiple-choice poll the shares add up to more than 1.
    share: f64,
}

/// `GET /v1/polls/{id}/results`, from the live counts.
#[utoipa::path(
    get, path = "/v1/polls/{poll_id}/results", operation_id = "get_results", tag = "results", security((), ("bearer" = [])),
    params(("poll_id" = String, Path, description = "The poll's id"), ViewerHeaders),
    responses(
        (status = 200, description = "The current results", body = ResultsBody,
         headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
    ),
)]
pub async fn results(
    state: web::Data<BroadcastState>,
    path: web::Path<String>,
    caller: MaybeCaller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let poll = state.polls.find_public(&path).await?;
    let ip = state.context.proxies.client_ip(&req);
    let viewer = Viewer::new(&poll, &caller, visibility::voter_token_of(&req), ip);
    let seen = visibility::check(&state, &poll, &viewer).await?;
    let Current {
        snapshot,
        status,
        stale,
    } = current(&state, &poll).await?;
    let etag = format!(
        "\"{}-{}{}\"",
        snapshot.seq,
        status.as_str(),
        if stale { "-stale" } else { "" }
    );
    // Results shown because of who asked never go to a shared cache.
    let (cache, vary) = match seen {
        Seen::ByAnyone => ("public, max-age=1", None),
        Seen::ByThisViewer => (
            "private, max-age=1",
            Some("Authorization, Cookie, Voter-Token"),
        ),
    };
    if let Some(mut not_modified) = etag::not_modified(&req, &etag, cache) {
        if let Some(vary) = vary {
            not_modified
                .headers_mut()
                .insert(header::VARY, header::HeaderValue::from_static(vary));
        }
        return Ok(not_modified);
    }
    let total = snapshot.total_votes;
    let options = poll
        .options
        .iter()
        .map(|o| {
            let votes = snapshot.votes_for(&o.id);
            let share = pollcast_types::share(votes, total);
            OptionResult {
                id: o.id.as_str(),
                label: &o.label,
                votes,
                share,
            }
        })
        .collect();
    let mut ok = etag::ok(&etag, cache);
    if let Some(vary) = vary {
        ok.insert_header((header::VARY, vary));
    }
    Ok(ok.json(ResultsBody {
        poll_id: poll.id.as_str(),
        status,
        seq: snapshot.seq,
        total_votes: total,
        options,
        updated_at: snapshot.updated_at,
        stale,
        detail: &snapshot.detail,
    }))
}
