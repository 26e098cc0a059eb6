//! Webhook endpoints and their delivery log.

use async_trait::async_trait;
use pollcast_types::{EventType, Timestamp, Webhook, WebhookAttempt, WebhookId, WorkspaceId};

use crate::{After, StoreError, StoreResult};

/// Which attempts of the delivery log to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptFilter {
    pub status: Option<String>,
    pub event: Option<String>,
    /// Only attempts made at or after this.
    pub since: Option<Timestamp>,
}

impl AttemptFilter {
    pub fn admits(&self, a: &WebhookAttempt) -> bool {
        self.status.as_ref().is_none_or(|s| *s == a.status)
            && self.event.as_ref().is_none_or(|e| e == a.event.as_str())
            && self.since.is_none_or(|t| a.attempted_at >= t)
    }
}

/// What pollcast learns about an endpoint by delivering to it. Written alone, never as the
/// whole endpoint: an edit made meanwhile (a rotated secret, a new URL) is never written
/// back over by the dispatcher's cached copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookHealth {
    /// Since when every attempt has failed; `None` after a success.
    Failing(Option<Timestamp>),
    /// pollcast stopped delivering, and why (a `410 Gone`, failing for 5 days).
    Disabled(String),
}

/// A delivery as the log keeps it for replays: what was sent, without its attempts. Kept as
/// long as the attempts (`--webhook-log-days`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptDelivery {
    pub webhook_id: WebhookId,
    /// Also its `webhook-id`.
    pub delivery_id: String,
    pub event_id: String,
    pub event: EventType,
    /// The JSON body, exactly as signed.
    pub body: String,
    pub created_at: Timestamp,
}

/// A kept delivery as both backends store it: event id, event type, body, created (ms).
pub(crate) type KeptRow = (String, String, String, i64);

impl KeptDelivery {
    pub(crate) fn from_row(
        webhook: &WebhookId,
        delivery_id: &str,
        (event_id, event, body, at): KeptRow,
    ) -> StoreResult<Self> {
        Ok(Self {
            webhook_id: webhook.clone(),
            delivery_id: delivery_id.to_owned(),
            event_id,
            event: event_type(&event)?,
            body,
            created_at: Timestamp::from_millis(at),
        })
    }
}

/// A stored event type; anything else is a damaged row.
pub(crate) fn event_type(stored: &str) -> StoreResult<EventType> {
    EventType::parse(stored).ok_or_else(|| StoreError::Corrupt("an event type".into()))
}

#[async_trait]
pub trait Webhooks: Send + Sync {
    /// Adds an endpoint unless its workspace has `max_per_workspace` already (false).
    async fn insert_webhook(&self, webhook: &Webhook, max_per_workspace: u64) -> StoreResult<bool>;
    async fn webhook(&self, id: &WebhookId) -> StoreResult<Option<Webhook>>;
    /// A workspace's endpoints, newest first, after the cursor.
    async fn webhooks(
        &self,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<Webhook>>;
    /// Replaces a stored endpoint; false when there is none.
    async fn update_webhook(&self, webhook: &Webhook) -> StoreResult<bool>;
    /// Changes only `health` of a stored endpoint (`webhook` names it); false when there is
    /// none.
    async fn set_webhook_health(
        &self,
        webhook: &Webhook,
        health: &WebhookHealth,
    ) -> StoreResult<bool>;
    async fn delete_webhook(&self, id: &WebhookId) -> StoreResult<bool>;
    /// Whether any active endpoint of any workspace wants `event` (of some poll): the
    /// webhook dispatcher reads the votes streams only while one wants `vote.created`.
    async fn any_webhook_wants(&self, event: EventType) -> StoreResult<bool>;

    /// Adds attempts to the delivery log (adding one again changes nothing).
    async fn insert_webhook_attempts(&self, attempts: &[WebhookAttempt]) -> StoreResult<()>;
    /// An endpoint's attempts, newest first, after the cursor; only those with `status`
    /// (`succeeded`/`failed`) and `event` when given.
    async fn webhook_attempts(
        &self,
        webhook: &WebhookId,
        filter: &AttemptFilter,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<WebhookAttempt>>;
    /// Keeps deliveries for replays (keeping the same one again is harmless).
    async fn keep_webhook_deliveries(&self, deliveries: &[KeptDelivery]) -> StoreResult<()>;
    /// A kept delivery of `webhook`.
    async fn kept_webhook_delivery(
        &self,
        webhook: &WebhookId,
        delivery_id: &str,
    ) -> StoreResult<Option<KeptDelivery>>;
    /// Forgets attempts made and deliveries kept before `before`; returns how many attempts
    /// (a store that expires them by itself may say 0).
    async fn purge_webhook_attempts(&self, before: Timestamp) -> StoreResult<u64>;
}
