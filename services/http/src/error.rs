use std::fmt;
use std::sync::OnceLock;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use pollcast_types::{ErrorCode, FieldError};
use serde::Serialize;

static PROBLEM_BASE: OnceLock<String> = OnceLock::new();

/// Sets the `{BASE}` of problem `type` URLs (the public URL); first call wins.
pub fn set_problem_base(base: &str) {
    let _ = PROBLEM_BASE.set(base.trim_end_matches('/').to_owned());
}

/// The one error type of every handler: rendered as an RFC 9457 `application/problem+json`
/// document carrying a stable `code`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    pub retry_after_secs: Option<u64>,
    /// `RateLimit-*` headers of a 429.
    pub rate_limit: Option<crate::rate_limit::RateInfo>,
    /// With `internal`: the id under which the cause was logged.
    pub error_id: Option<String>,
}

/// An RFC 9457 problem document: every error pollcast answers with.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem<'a> {
    /// `{BASE}/problems/<code>`, a page describing the problem.
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    /// Stable: clients branch on this, never on `title` or `detail`.
    #[schema(value_type = ErrorCode)]
    code: &'static str,
    /// With `validation_failed`: every invalid field at once.
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
    /// With `internal`: quote it to the operator, who finds the cause in the log under it.
    #[serde(skip_serializing_if = "Option::is_none")]
    error_id: Option<&'a str>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            detail: None,
            errors: Vec::new(),
            retry_after_secs: None,
            rate_limit: None,
            error_id: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self {
            errors,
            ..Self::new(ErrorCode::ValidationFailed)
        }
    }

    /// A dependency (Redis, the store) cannot serve now; the client should retry.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self {
            retry_after_secs: Some(1),
            ..Self::new(ErrorCode::ServiceUnavailable).with_detail(detail)
        }
    }

    /// Logs the cause (which may hold internals) and answers a bare 500.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(ErrorCode::Internal)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code.as_str())?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

/// The one conversion from store errors: down is 503, anything else a logged 500.
impl From<pollcast_store::StoreError> for ApiError {
    fn from(e: pollcast_store::StoreError) -> Self {
        match e {
            pollcast_store::StoreError::Unavailable(cause) => {
                metrics::counter!("store_errors_total", "kind" => "unavailable").increment(1);
                tracing::warn!(error = %cause, "store unavailable; answering 503");
                Self::unavailable("the store is unavailable; retry")
            }
            other => {
                metrics::counter!("store_errors_total", "kind" => "other").increment(1);
                Self::internal(other)
            }
        }
    }
}

/// The one conversion from Redis errors: unreachable, timed out or overloaded is 503,
/// anything else (a bug in what we sent) a logged 500.
impl From<pollcast_bus::redis::RedisError> for ApiError {
    fn from(e: pollcast_bus::redis::RedisError) -> Self {
        if pollcast_bus::is_unavailable(&e) {
            tracing::warn!(error = %e, "redis unavailable; answering 503");
            Self::unavailable("the message bus is unavailable; retry")
        } else {
            Self::internal(e)
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let base = PROBLEM_BASE.get().map_or("", String::as_str);
        let problem = Problem {
            kind: format!("{base}/docs/errors#{}", self.code.as_str()),
            title: self.code.title(),
            status: self.code.status(),
            detail: self.detail.as_deref(),
            code: self.code.as_str(),
            errors: &self.errors,
            error_id: self.error_id.as_deref(),
        };
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        res.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        if let Some(secs) = self.retry_after_secs {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(r) = self.rate_limit {
            res.insert_header(("RateLimit-Limit", r.limit.to_string()));
            res.insert_header(("RateLimit-Remaining", r.remaining.to_string()));
            res.insert_header(("RateLimit-Reset", r.reset_secs.to_string()));
        }
        res.json(problem)
    }
}
