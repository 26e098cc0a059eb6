use serde::Serialize;

/// Every error pollcast answers with has one of these codes. They are part of the public
/// contract: never rename one; add new ones instead. `docs/api.md` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MalformedJson,
    ValidationFailed,
    PayloadTooLarge,
    UnsupportedMediaType,
    Unauthorized,
    InsufficientScope,
    NotFound,
    MethodNotAllowed,
    PollNotFound,
    PollNotOpen,
    PollClosed,
    AlreadyVoted,
    PollHasVotes,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InvalidOption,
    InvalidVoterToken,
    ResultsHidden,
    RateLimited,
    ServiceUnavailable,
    InternalError,
}

impl ErrorCode {
    pub const ALL: &'static [ErrorCode] = &[
        Self::MalformedJson,
        Self::ValidationFailed,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::Unauthorized,
        Self::InsufficientScope,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::PollNotFound,
        Self::PollNotOpen,
        Self::PollClosed,
        Self::AlreadyVoted,
        Self::PollHasVotes,
        Self::IdempotencyKeyInUse,
        Self::IdempotencyKeyReused,
        Self::InvalidOption,
        Self::InvalidVoterToken,
        Self::ResultsHidden,
        Self::RateLimited,
        Self::ServiceUnavailable,
        Self::InternalError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MalformedJson => "malformed_json",
            Self::ValidationFailed => "validation_failed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Unauthorized => "unauthorized",
            Self::InsufficientScope => "insufficient_scope",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::PollNotFound => "poll_not_found",
            Self::PollNotOpen => "poll_not_open",
            Self::PollClosed => "poll_closed",
            Self::AlreadyVoted => "already_voted",
            Self::PollHasVotes => "poll_has_votes",
            Self::IdempotencyKeyInUse => "idempotency_key_in_use",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::InvalidOption => "invalid_option",
            Self::InvalidVoterToken => "invalid_voter_token",
            Self::ResultsHidden => "results_hidden",
            Self::RateLimited => "rate_limited",
            Self::ServiceUnavailable => "service_unavailable",
            Self::InternalError => "internal_error",
        }
    }

    /// The HTTP status that always goes with the code.
    pub fn status(self) -> u16 {
        match self {
            Self::MalformedJson => 400,
            Self::Unauthorized => 401,
            Self::InsufficientScope
            | Self::PollNotOpen
            | Self::PollClosed
            | Self::ResultsHidden => 403,
            Self::NotFound | Self::PollNotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::AlreadyVoted | Self::PollHasVotes | Self::IdempotencyKeyInUse => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::ValidationFailed
            | Self::InvalidOption
            | Self::InvalidVoterToken
            | Self::IdempotencyKeyReused => 422,
            Self::RateLimited => 429,
            Self::InternalError => 500,
            Self::ServiceUnavailable => 503,
        }
    }

    /// A short, human title for the problem document.
    pub fn title(self) -> &'static str {
        match self {
            Self::MalformedJson => "The request body is not valid JSON",
            Self::ValidationFailed => "The request is not valid",
            Self::PayloadTooLarge => "The request body is too large",
            Self::UnsupportedMediaType => "The request body must be JSON",
            Self::Unauthorized => "Missing or invalid credentials",
            Self::InsufficientScope => "The credentials lack a required scope",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::PollNotFound => "Poll not found",
            Self::PollNotOpen => "The poll is not open for votes",
            Self::PollClosed => "The poll is closed",
            Self::AlreadyVoted => "This voter has already voted in this poll",
            Self::PollHasVotes => "The poll has votes, so this change is not allowed",
            Self::IdempotencyKeyInUse => "A request with this Idempotency-Key is still running",
            Self::IdempotencyKeyReused => "This Idempotency-Key was used with another request",
            Self::InvalidOption => "The vote names options this poll does not have",
            Self::InvalidVoterToken => "The voter token is missing or invalid",
            Self::ResultsHidden => "Results are not visible yet",
            Self::RateLimited => "Too many requests",
            Self::ServiceUnavailable => "A dependency is unavailable; retry later",
            Self::InternalError => "Internal error",
        }
    }
}

/// One field-level problem in a `validation_failed` error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_str_matches_serde_name() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str());
        }
    }
}
