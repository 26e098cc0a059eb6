//! Request-body and URL limits, and the error handlers that turn actix's extractor errors
//! into problem+json instead of plain-text 400s.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};
use pollcast_types::{ErrorCode, FieldError};

use crate::ApiError;

/// Largest JSON body any endpoint accepts. A poll with 50 options of 200 characters and full
/// metadata fits in well under this.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_JSON_BYTES)
        .content_type_required(true)
        .error_handler(|err, _req: &HttpRequest| json_error(err).into())
}

pub fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(ErrorCode::PayloadTooLarge)
                .with_detail(format!("the limit is {MAX_JSON_BYTES} bytes"))
        }
        JsonPayloadError::ContentType => ApiError::new(ErrorCode::UnsupportedMediaType)
            .with_detail("send Content-Type: application/json"),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::validation(vec![FieldError::new("body", e.to_string())])
        }
        JsonPayloadError::Deserialize(e) => {
            ApiError::new(ErrorCode::MalformedJson).with_detail(e.to_string())
        }
        other => ApiError::new(ErrorCode::MalformedJson).with_detail(other.to_string()),
    }
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req| {
        ApiError::new(ErrorCode::NotFound)
            .with_detail(err.to_string())
            .into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        ApiError::validation(vec![FieldError::new("query", err.to_string())]).into()
    })
}

/// Registers the limits and error handlers on an app or scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(json_config())
        .app_data(path_config())
        .app_data(query_config())
        .app_data(web::PayloadConfig::default().limit(MAX_JSON_BYTES))
        .app_data(web::FormConfig::default().limit(MAX_JSON_BYTES));
}

/// The fallback for unknown paths: a problem+json 404.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::new(ErrorCode::NotFound))
}
