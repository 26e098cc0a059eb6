use serde::Serialize;

/// Declares every error code once: its variant, wire name, HTTP status, title and when it
/// happens. The enum, `ALL`, the `docs/api.md` table (checked by a test), the OpenAPI enum and
/// the `/docs/errors` page all derive from this one list.
macro_rules! error_codes {
    ($( $variant:ident = $code:literal, $status:literal, $title:literal, $when:literal; )*) => {
        /// Every error pollcast answers with has one of these codes. They are part of the
        /// public contract: never rename one; add new ones instead.
        /// (The wire name is the variant in snake_case, which serde and the OpenAPI
        /// schema both derive; a test checks it is `$code`.)
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $( $variant, )*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[ $( Self::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( Self::$variant => $code, )* }
            }

            /// The HTTP status that always goes with the code.
            pub fn status(self) -> u16 {
                match self { $( Self::$variant => $status, )* }
            }

            /// A short, human title for the problem document.
            pub fn title(self) -> &'static str {
                match self { $( Self::$variant => $title, )* }
            }

            /// When a client meets it (the documentation's words, Markdown).
            pub fn when(self) -> &'static str {
                match self { $( Self::$variant => $when, )* }
            }
        }
    };
}

error_codes! {
    MalformedJson = "malformed_json", 400, "The request body is not valid JSON",
        "the body is not JSON";
    Unauthorized = "unauthorized", 401, "Missing or invalid credentials",
        "missing, malformed, unknown or revoked credentials";
    InsufficientScope = "insufficient_scope", 403, "The credentials lack a required scope",
        "the key lacks the scope the call needs";
    PollNotOpen = "poll_not_open", 403, "The poll is not open for votes",
        "the poll is scheduled and not open yet";
    PollClosed = "poll_closed", 403, "The poll is closed",
        "the poll is closed";
    ChallengeRequired = "challenge_required", 403,
        "This poll needs a solved proof-of-work challenge",
        "the poll has `bot_protection: proof_of_work` and the vote carries no `proof`: get one from `GET /v1/polls/{id}/challenge`";
    ChallengeInvalid = "challenge_invalid", 403, "The proof-of-work solution is not valid",
        "the `proof` is forged, malformed, expired, already used, or for another poll: solve a new challenge";
    ResultsHidden = "results_hidden", 403, "Results are not visible yet",
        "`results_visibility` hides results from this caller now";
    NotFound = "not_found", 404, "Not found",
        "no such route or resource";
    PollNotFound = "poll_not_found", 404, "Poll not found",
        "no such poll, another workspace's poll, or a draft seen anonymously";
    MethodNotAllowed = "method_not_allowed", 405, "Method not allowed",
        "the route exists but not with this method";
    AlreadyVoted = "already_voted", 409, "This voter has already voted in this poll",
        "this voter (token, address or verified user) already voted in the poll";
    IdempotencyKeyInUse = "idempotency_key_in_use", 409,
        "A request with this Idempotency-Key is still running",
        "a request with this `Idempotency-Key` is still being handled";
    PollHasVotes = "poll_has_votes", 409, "The poll has votes, so this change is not allowed",
        "the edit would remove an option with votes, or change the kind after the first vote";
    PayloadTooLarge = "payload_too_large", 413, "The request body is too large",
        "body over 64 KiB";
    UnsupportedMediaType = "unsupported_media_type", 415, "The request body must be JSON",
        "a JSON body sent without `Content-Type: application/json`";
    ValidationFailed = "validation_failed", 422, "The request is not valid",
        "a field is invalid or unknown; `errors` lists `{field, message}`";
    IdempotencyKeyReused = "idempotency_key_reused", 422,
        "This Idempotency-Key was used with another request",
        "this `Idempotency-Key` was used with another request";
    InvalidOption = "invalid_option", 422, "The vote names options this poll does not have",
        "the vote names an option the poll does not have (or no longer has)";
    EntryTooLong = "entry_too_long", 422, "An entry is longer than the poll allows",
        "an `open_text` entry has more characters than the poll's `max_length`";
    EntryEmpty = "entry_empty", 422, "An entry is empty",
        "an `open_text` entry has nothing left once trimmed of whitespace and punctuation";
    TooManyEntries = "too_many_entries", 422, "The ballot has more entries than the poll allows",
        "an `open_text` ballot has no entries, or more than the poll's `max_entries_per_voter`";
    WebhookUrlForbidden = "webhook_url_forbidden", 422,
        "The webhook URL is not allowed",
        "the URL is not `https` (unless the operator allows `http`), carries credentials, or its host resolves to a loopback, private, link-local or otherwise non-public address";
    WebhookLimitReached = "webhook_limit_reached", 409,
        "The workspace has as many webhook endpoints as it may",
        "the workspace already has 100 webhook endpoints; delete one first";
    WebhookNotFound = "webhook_not_found", 404, "Webhook endpoint not found",
        "no such endpoint, or another workspace's";
    InvalidVoterToken = "invalid_voter_token", 422, "The voter token is missing or invalid",
        "the voter token is missing (where needed), forged, expired or malformed";
    RateLimited = "rate_limited", 429, "Too many requests",
        "a rate limit was reached; see `Retry-After` and `RateLimit-*`";
    Internal = "internal", 500, "Internal error",
        "a bug; the cause is logged under the answer's `error_id`, never shown";
    ServiceUnavailable = "service_unavailable", 503, "A dependency is unavailable; retry later",
        "Redis or the store cannot answer, or the server sheds load; nothing was stored: retry after `Retry-After`";
}

impl ErrorCode {
    /// The row of the `docs/api.md` table for this code.
    pub fn doc_row(self) -> String {
        format!(
            "| `{}` | {} | {} |",
            self.as_str(),
            self.status(),
            self.when()
        )
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

    /// `docs/api.md` lists exactly the declared codes, in order, with their status and words.
    #[test]
    fn docs_table_is_the_declaration() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let table: Vec<&str> = doc
            .lines()
            .skip_while(|l| *l != "| code | status | when |")
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .collect();
        let declared: Vec<String> = ErrorCode::ALL.iter().map(|c| c.doc_row()).collect();
        assert_eq!(
            table, declared,
            "regenerate the table in docs/api.md from ErrorCode"
        );
    }
}
