//! Webhook endpoints: where an integrator wants events sent, and which.

use serde::{Deserialize, Serialize};

use crate::{FieldError, PollId, Timestamp, WebhookId, WorkspaceId};

/// Most endpoints one workspace may have (a documented limit: past it, `409`).
pub const MAX_WEBHOOKS_PER_WORKSPACE: u64 = 100;
const MAX_URL_CHARS: usize = 2048;
const MAX_DESCRIPTION_CHARS: usize = 500;
const MAX_POLL_FILTER: usize = 100;

/// What happened, as an integrator subscribes to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EventType {
    #[serde(rename = "poll.created")]
    PollCreated,
    #[serde(rename = "poll.updated")]
    PollUpdated,
    #[serde(rename = "poll.opened")]
    PollOpened,
    #[serde(rename = "poll.closed")]
    PollClosed,
    #[serde(rename = "poll.reset")]
    PollReset,
    #[serde(rename = "poll.deleted")]
    PollDeleted,
    #[serde(rename = "vote.created")]
    VoteCreated,
    /// A voter replaced their ballot (`vote_change: while_open`).
    #[serde(rename = "vote.changed")]
    VoteChanged,
    /// An owner hid an open-text term.
    #[serde(rename = "entry.hidden")]
    EntryHidden,
    #[serde(rename = "results.updated")]
    ResultsUpdated,
}

impl EventType {
    pub const ALL: [EventType; 10] = [
        EventType::PollCreated,
        EventType::PollUpdated,
        EventType::PollOpened,
        EventType::PollClosed,
        EventType::PollReset,
        EventType::PollDeleted,
        EventType::VoteCreated,
        EventType::VoteChanged,
        EventType::EntryHidden,
        EventType::ResultsUpdated,
    ];

    /// The events that need the votes streams read (each `vote.*`).
    pub const VOTES: [EventType; 2] = [EventType::VoteCreated, EventType::VoteChanged];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::PollCreated => "poll.created",
            EventType::PollUpdated => "poll.updated",
            EventType::PollOpened => "poll.opened",
            EventType::PollClosed => "poll.closed",
            EventType::PollReset => "poll.reset",
            EventType::PollDeleted => "poll.deleted",
            EventType::VoteCreated => "vote.created",
            EventType::VoteChanged => "vote.changed",
            EventType::EntryHidden => "entry.hidden",
            EventType::ResultsUpdated => "results.updated",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// An endpoint as stored. Its signing secrets are sealed (encrypted with the server's key):
/// never kept, logged or shown in clear after the answer that created or rotated them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: WebhookId,
    pub workspace_id: WorkspaceId,
    pub url: String,
    pub events: Vec<EventType>,
    /// Only these polls' events; `None`: every poll of the workspace.
    pub poll_ids: Option<Vec<PollId>>,
    pub description: String,
    /// Set by the owner.
    pub enabled: bool,
    /// Set by pollcast when it stopped delivering (a `410`, or failing for 5 days).
    pub disabled_reason: Option<String>,
    pub secret_sealed: String,
    /// The secret before the last rotation, which signs too until `previous_until`.
    pub previous_secret_sealed: Option<String>,
    pub previous_until: Option<Timestamp>,
    /// Since when every attempt to it has failed (cleared by a success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An endpoint whose every attempt has failed this long is disabled.
pub const DISABLE_FAILING_AFTER_MS: i64 = 5 * 86_400_000;

impl Webhook {
    /// `active` when it receives events, else `disabled`.
    pub fn state(&self) -> &'static str {
        if self.enabled && self.disabled_reason.is_none() {
            "active"
        } else {
            "disabled"
        }
    }

    /// Whether the endpoint, as it is, wants any vote event (of any poll).
    pub fn wants_votes(&self) -> bool {
        EventType::VOTES.into_iter().any(|e| self.wants(e, None))
    }

    /// Whether `event` about `poll` goes to this endpoint.
    pub fn wants(&self, event: EventType, poll: Option<&PollId>) -> bool {
        self.state() == "active"
            && self.events.contains(&event)
            && match (&self.poll_ids, poll) {
                (Some(ids), Some(poll)) => ids.contains(poll),
                _ => true,
            }
    }

    /// Checks the fields an integrator sets (the URL's target is checked by the caller,
    /// which can resolve names).
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.url.chars().count() > MAX_URL_CHARS {
            errors.push(FieldError::new(
                "url",
                format!("at most {MAX_URL_CHARS} characters"),
            ));
        }
        if self.events.is_empty() {
            errors.push(FieldError::new("events", "name at least one event"));
        }
        if self.description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.push(FieldError::new(
                "description",
                format!("at most {MAX_DESCRIPTION_CHARS} characters"),
            ));
        }
        if self.description.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "description",
                "must not contain control characters",
            ));
        }
        if let Some(ids) = &self.poll_ids
            && (ids.is_empty() || ids.len() > MAX_POLL_FILTER)
        {
            errors.push(FieldError::new(
                "poll_ids",
                format!("null, or 1 to {MAX_POLL_FILTER} poll ids"),
            ));
        }
        errors
    }
}

/// One attempt to deliver an event to an endpoint, as the delivery log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookAttempt {
    pub id: String,
    #[schema(value_type = String)]
    pub webhook_id: WebhookId,
    /// The delivery, and its `webhook-id` header: the same on every attempt and replay.
    pub delivery_id: String,
    pub event_id: String,
    pub event: EventType,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// `succeeded` or `failed`.
    pub status: String,
    /// The receiver's HTTP status, if it answered.
    pub http_status: Option<u16>,
    pub latency_ms: u64,
    /// `timeout`, `dns`, `connect`, `tls`, `forbidden_target` or `http_status`.
    pub error: Option<String>,
    /// The first 1 KiB of the receiver's answer.
    pub response_excerpt: String,
    pub attempted_at: Timestamp,
    /// When it is tried again, if it is.
    pub next_attempt_at: Option<Timestamp>,
}

/// What the api and the console ask the webhook dispatcher to do, wherever it runs (through
/// Redis: `pollcast_bus::calls`). The endpoint is named by id: the asker has checked that the
/// caller owns it, and the dispatcher reads it from the store again.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum DispatcherCall {
    /// Send a sample of `event` to the endpoint now and say what the receiver answered.
    Test {
        workspace_id: WorkspaceId,
        webhook_id: WebhookId,
        event: EventType,
    },
    /// Queue these kept deliveries of the endpoint again, now.
    Replay {
        workspace_id: WorkspaceId,
        webhook_id: WebhookId,
        delivery_ids: Vec<String>,
    },
}

/// The dispatcher's answer to a [`DispatcherCall`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum DispatcherAnswer {
    Tested(TestResult),
    /// The deliveries queued again (those the store no longer keeps are left out).
    Replayed {
        replayed: Vec<String>,
    },
    /// The endpoint is gone (deleted since the asker looked).
    NoSuchWebhook,
}

/// What a test delivery found: the receiver's answer, or why there was none.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TestResult {
    pub delivered: bool,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    pub latency_ms: u64,
    pub error: Option<String>,
    pub response_excerpt: String,
}
