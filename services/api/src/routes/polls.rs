use actix_web::http::header;
use actix_web::{HttpResponse, web};
use pollcast_http::ApiError;
use pollcast_types::{ErrorCode, NewPoll, PollStatus, Scope, Timestamp};

use crate::ApiState;
use crate::auth::{Caller, MaybeCaller};
use crate::poll_view::PollView;
use crate::polls::create_poll;

/// `POST /v1/polls` (polls:write).
pub async fn create(
    state: web::Data<ApiState>,
    caller: Caller,
    body: web::Json<NewPoll>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PollsWrite)?;
    let poll = create_poll(
        &state.context,
        caller.workspace_id.clone(),
        body.into_inner(),
    )
    .await?;
    let now = Timestamp::now();
    let base = &state.context.settings.public_url;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/polls/{}", poll.id)))
        .json(PollView::new(&poll, true, base, now)))
}

/// `GET /v1/polls/{id}`: the owner view with the owner's credentials, the public view
/// without any. Other workspaces' polls, and drafts seen anonymously, are 404.
pub async fn get(
    state: web::Data<ApiState>,
    caller: MaybeCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let poll = state.polls.find(&path).await?;
    let owner = match &caller.0 {
        Some(c) if c.workspace_id == poll.workspace_id => {
            c.require(Scope::PollsRead)?;
            true
        }
        Some(_) => return Err(ErrorCode::PollNotFound.into()),
        None if poll.status == PollStatus::Draft => return Err(ErrorCode::PollNotFound.into()),
        None => false,
    };
    let base = &state.context.settings.public_url;
    let mut res = HttpResponse::Ok();
    if owner {
        res.insert_header((header::CACHE_CONTROL, "private, no-store"));
    } else {
        res.insert_header((header::CACHE_CONTROL, "public, max-age=5"));
    }
    Ok(res.json(PollView::new(&poll, owner, base, Timestamp::now())))
}
