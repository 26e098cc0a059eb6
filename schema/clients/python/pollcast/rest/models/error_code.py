from enum import StrEnum


class ErrorCode(StrEnum):
    ALREADY_VOTED = "already_voted"
    CHALLENGE_INVALID = "challenge_invalid"
    CHALLENGE_REQUIRED = "challenge_required"
    ENTRY_EMPTY = "entry_empty"
    ENTRY_TOO_LONG = "entry_too_long"
    IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    INSUFFICIENT_SCOPE = "insufficient_scope"
    INTERNAL = "internal"
    INVALID_OPTION = "invalid_option"
    INVALID_VOTER_TOKEN = "invalid_voter_token"
    MALFORMED_JSON = "malformed_json"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_FOUND = "not_found"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    POLL_CLOSED = "poll_closed"
    POLL_HAS_VOTES = "poll_has_votes"
    POLL_NOT_FOUND = "poll_not_found"
    POLL_NOT_OPEN = "poll_not_open"
    RATE_LIMITED = "rate_limited"
    RESULTS_HIDDEN = "results_hidden"
    SERVICE_UNAVAILABLE = "service_unavailable"
    TOO_MANY_ENTRIES = "too_many_entries"
    UNAUTHORIZED = "unauthorized"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    VALIDATION_FAILED = "validation_failed"
    WEBHOOK_LIMIT_REACHED = "webhook_limit_reached"
    WEBHOOK_NOT_FOUND = "webhook_not_found"
    WEBHOOK_URL_FORBIDDEN = "webhook_url_forbidden"

    def __str__(self) -> str:
        return str(self.value)
