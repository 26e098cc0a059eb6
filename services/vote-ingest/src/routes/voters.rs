use actix_web::{HttpResponse, web};
use serde_json::json;

use pollcast_runtime::voter_token;

use crate::IngestState;

/// `POST /v1/voters`: a fresh anonymous voter token.
pub async fn mint(state: web::Data<IngestState>) -> HttpResponse {
    metrics::counter!("voter_tokens_minted_total").increment(1);
    HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({"voter_token": voter_token::mint(&state.context.secret)}))
}
