use actix_web::{HttpRequest, HttpResponse, web};
use pollcast_http::{ApiError, rate_limit};
use serde::Serialize;

use pollcast_auth::voter_token;

use crate::IngestState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct VoterToken {
    /// Keep it (the widget uses `localStorage`) and send it with every vote.
    voter_token: String,
}

/// `POST /v1/voters`: a fresh anonymous voter token.
#[utoipa::path(
    post, path = "/v1/voters", operation_id = "create_voter_token", tag = "votes",
    responses((status = 201, description = "A signed anonymous voter token", body = VoterToken)),
)]
pub async fn mint(
    state: web::Data<IngestState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ip = state.context.proxies.client_ip(&req);
    rate_limit::check_ip(&state.limits.voters_per_ip, ip)?;
    metrics::counter!("voter_tokens_minted_total").increment(1);
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(VoterToken {
            voter_token: voter_token::mint(&state.context.secret),
        }))
}
