use actix_web::{HttpRequest, HttpResponse, web};
use pollcast_http::{ApiError, rate_limit};
use serde_json::json;

use pollcast_runtime::voter_token;

use crate::IngestState;

/// `POST /v1/voters`: a fresh anonymous voter token.
pub async fn mint(
    state: web::Data<IngestState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ip = state.context.proxies.client_ip(&req);
    rate_limit::check(
        &state.limits.voters_per_ip,
        &ip.map(|i| i.to_string()).unwrap_or_default(),
    )?;
    metrics::counter!("voter_tokens_minted_total").increment(1);
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({"voter_token": voter_token::mint(&state.context.secret)})))
}
