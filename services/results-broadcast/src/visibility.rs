//! Who may see a poll's results now (`results_visibility`): the owner always; others per the
//! poll's setting, `after_vote` meaning this very voter has voted.

use std::net::IpAddr;

use pollcast_auth::voter_token;
use pollcast_auth::{MaybeCaller, voter_jwt};
use pollcast_bus::redis::AsyncCommands;
use pollcast_http::ApiError;
use pollcast_types::{
    Dedupe, ErrorCode, Poll, PollStatus, ResultsVisibility, Scope, Timestamp, VoteChange,
};
use serde::Deserialize;

use crate::BroadcastState;

/// The header that says who is asking, for `after_vote` polls: the voter token the vote was
/// cast with. Never a query parameter, so it never reaches an access log. A WebSocket, which
/// browsers cannot give headers, sends it in its first message instead ([`Hello`]).
pub const VOTER_TOKEN_HEADER: &str = "Voter-Token";

/// The header, as an OpenAPI parameter.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct ViewerHeaders {
    /// Who is asking, for `after_vote` polls: the voter token the vote was cast with.
    #[param(rename = "Voter-Token")]
    pub voter_token: Option<String>,
}

/// The first message of a WebSocket viewer of an `after_vote` poll:
/// `{"type": "hello", "voter_token": "..."}`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename = "hello")]
pub struct Hello {
    pub voter_token: String,
}

/// The voter token of a request's [`VOTER_TOKEN_HEADER`].
pub fn voter_token_of(req: &actix_web::HttpRequest) -> Option<String> {
    req.headers()
        .get(VOTER_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.is_empty() && t.len() <= 2048)
        .map(str::to_owned)
}

pub struct Viewer {
    owner: bool,
    voter_token: Option<String>,
    ip: Option<IpAddr>,
}

impl Viewer {
    pub fn new(
        poll: &Poll,
        caller: &MaybeCaller,
        voter_token: Option<String>,
        ip: Option<IpAddr>,
    ) -> Self {
        let owner = caller.0.as_ref().is_some_and(|c| {
            c.workspace_id == poll.workspace_id && Scope::PollsRead.is_granted_by(&c.scopes)
        });
        Self {
            owner,
            voter_token,
            ip,
        }
    }
}

/// Who may be shown what a viewer was shown: decides how long and where it may be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Anyone may see these results now (a shared cache may keep them).
    ByAnyone,
    /// Shown because of who asked (an owner's key or session, a voter's token or address):
    /// no shared cache may keep them.
    ByThisViewer,
}

pub async fn check(state: &BroadcastState, poll: &Poll, viewer: &Viewer) -> Result<Seen, ApiError> {
    let closed = poll.status_at(Timestamp::now()) == PollStatus::Closed;
    let public = match poll.results_visibility {
        ResultsVisibility::Always => true,
        ResultsVisibility::AfterClose | ResultsVisibility::AfterVote => closed,
        ResultsVisibility::OwnerOnly => false,
    };
    if public {
        Ok(Seen::ByAnyone)
    } else if viewer.owner
        || (poll.results_visibility == ResultsVisibility::AfterVote
            && has_voted(state, poll, viewer).await?)
    {
        Ok(Seen::ByThisViewer)
    } else {
        Err(ErrorCode::ResultsHidden.into())
    }
}

async fn has_voted(state: &BroadcastState, poll: &Poll, viewer: &Viewer) -> Result<bool, ApiError> {
    let secret = &state.context.secret;
    let identity = match poll.dedupe {
        Dedupe::Browser => viewer
            .voter_token
            .as_deref()
            .and_then(|t| voter_token::verify(secret, t))
            .map(voter_token::browser_identity),
        Dedupe::Ip => viewer.ip.map(voter_token::address_identity),
        Dedupe::Verified => viewer
            .voter_token
            .as_deref()
            .and_then(|t| voter_jwt::verify(secret, &poll.workspace_id, &poll.id, t))
            .map(|sub| voter_token::verified_identity(&sub)),
        Dedupe::None => None,
    };
    let Some(identity) = identity else {
        return Ok(false);
    };
    let hash = voter_token::voter_hash(secret, &poll.id, &identity);
    let key = state.context.bus.keys().voted_set(poll.shard, &poll.id);
    let mut conn = state.context.bus.conn();
    // Where voters may change their minds, the poll keeps each voter's ballot in a hash.
    Ok(match poll.vote_change {
        VoteChange::WhileOpen => conn.hexists(key, hash).await?,
        VoteChange::Never => conn.sismember(key, hash).await?,
    })
}
