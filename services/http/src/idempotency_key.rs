//! The `Idempotency-Key` request header, read the same way by every route that honours it.

use actix_web::HttpRequest;
use pollcast_types::FieldError;

use crate::ApiError;

/// The request's `Idempotency-Key`: `None` without one, `422` when it is not 1 to 255
/// visible ASCII characters.
pub fn from_request(req: &HttpRequest) -> Result<Option<&str>, ApiError> {
    let Some(key) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    key.to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .map(Some)
        .ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )])
        })
}
