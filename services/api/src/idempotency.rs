//! `Idempotency-Key` on creating POSTs: the first response to a key is stored and replayed
//! to every retry with the same request; another request under the same key is refused.

use std::future::Future;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use pollcast_auth::Caller;
use pollcast_http::ApiError;
use pollcast_runtime::hex;
use pollcast_types::{ErrorCode, FieldError, Timestamp};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::ApiState;

/// What a creating handler produced: `201`, its body and its `Location`.
pub struct Created {
    pub body: Value,
    pub location: Option<String>,
    /// Body fields never stored for replays (secrets are shown once, and stored hashed only).
    pub secret_fields: &'static [&'static str],
}

impl Created {
    fn respond(self, status: StatusCode, replayed: bool) -> HttpResponse {
        let mut res = HttpResponse::build(status);
        res.insert_header(("Cache-Control", "no-store"));
        if let Some(location) = self.location {
            res.insert_header(("Location", location));
        }
        if replayed {
            res.insert_header(("Idempotent-Replayed", "true"));
        }
        res.json(self.body)
    }
}

/// Runs `handle` at most once per `Idempotency-Key` (when the request has one).
pub async fn once<F, Fut>(
    state: &ApiState,
    caller: &Caller,
    req: &HttpRequest,
    body: &Value,
    handle: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Created, ApiError>>,
{
    let Some(key) = pollcast_http::idempotency_key::from_request(req)? else {
        return Ok(handle().await?.respond(StatusCode::CREATED, false));
    };
    // serde_json's maps are ordered, so equal bodies hash equal however their keys were sent.
    let request_hash = hex(&Sha256::digest(
        format!("{} {}\n{}", req.method(), req.path(), body).as_bytes(),
    ));
    let store = &state.context.store;
    let existing = store
        .reserve_idempotency_key(&caller.workspace_id, key, &request_hash, Timestamp::now())
        .await?;
    match existing {
        Some(e) if e.request_hash != request_hash => Err(ErrorCode::IdempotencyKeyReused.into()),
        Some(e) if e.status == 0 => Err(ApiError {
            retry_after_secs: Some(1),
            ..ApiError::new(ErrorCode::IdempotencyKeyInUse)
        }),
        Some(e) => {
            let stored: Value = serde_json::from_str(&e.response).map_err(ApiError::internal)?;
            let created = Created {
                body: stored["body"].clone(),
                location: stored["location"].as_str().map(str::to_owned),
                secret_fields: &[],
            };
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::CREATED);
            Ok(created.respond(status, true))
        }
        None => match handle().await {
            Ok(created) => {
                let mut kept = created.body.clone();
                if let Some(map) = kept.as_object_mut() {
                    for field in created.secret_fields {
                        map.remove(*field);
                    }
                }
                let stored = json!({"body": kept, "location": created.location});
                store
                    .finish_idempotency_key(
                        &caller.workspace_id,
                        key,
                        Some((201, stored.to_string())),
                    )
                    .await?;
                Ok(created.respond(StatusCode::CREATED, false))
            }
            Err(e) => {
                // A failed request does not use up its key: the client may retry it.
                let _ = store
                    .finish_idempotency_key(&caller.workspace_id, key, None)
                    .await;
                Err(e)
            }
        },
    }
}

/// A JSON body that does not fit the request type, as the JSON extractor would report it.
pub fn parse<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    serde_json::from_value(body)
        .map_err(|e| ApiError::validation(vec![FieldError::new("body", e.to_string())]))
}
