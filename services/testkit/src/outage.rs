//! A store that can be taken down and brought back, for the graceful-degradation tests: the
//! real SQLite store behind a switch. (Stopping SQLite itself is not possible: it is a file.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use pollcast_store::{
    Accounts, After, AttemptFilter, Idempotency, IdempotentEntry, Join, KeptDelivery, PollChange,
    PollEvent, Polls, SignedUp, Store, StoreError, StoreResult, VoteLog, WebhookHealth, Webhooks,
    Workspaces,
};
use pollcast_types::{
    Account, AccountId, ApiKeyId, ApiKeyRecord, Invitation, InvitationId, Membership, Poll, PollId,
    ResultsSnapshot, Session, Timestamp, VoteId, VoteRecord, Webhook, WebhookAttempt, WebhookId,
    Workspace, WorkspaceId,
};

pub struct SwitchableStore {
    inner: Arc<dyn Store>,
    down: AtomicBool,
}

impl SwitchableStore {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            down: AtomicBool::new(false),
        }
    }

    /// From now on every call fails as an unreachable store's would.
    pub fn take_down(&self) {
        self.down.store(true, Ordering::SeqCst);
    }

    pub fn bring_back(&self) {
        self.down.store(false, Ordering::SeqCst);
    }

    fn up(&self) -> StoreResult<&dyn Store> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::Unavailable(
                "the test took the store down".into(),
            ))
        } else {
            Ok(self.inner.as_ref())
        }
    }
}

#[async_trait]
impl Store for SwitchableStore {
    async fn ping(&self) -> StoreResult<()> {
        self.up()?.ping().await
    }
    async fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        self.up()?.meta(key).await
    }
    async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        self.up()?.set_meta(key, value).await
    }
    fn unsettled_window(&self) -> Option<std::time::Duration> {
        self.inner.unsettled_window()
    }
}

#[async_trait]
impl Workspaces for SwitchableStore {
    async fn insert_workspace(&self, w: &Workspace) -> StoreResult<()> {
        self.up()?.insert_workspace(w).await
    }
    async fn workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>> {
        self.up()?.workspace(id).await
    }
    async fn insert_api_key(&self, k: &ApiKeyRecord) -> StoreResult<()> {
        self.up()?.insert_api_key(k).await
    }
    async fn api_key_by_hash(&self, h: &str) -> StoreResult<Option<ApiKeyRecord>> {
        self.up()?.api_key_by_hash(h).await
    }
    async fn api_key(&self, id: &ApiKeyId) -> StoreResult<Option<ApiKeyRecord>> {
        self.up()?.api_key(id).await
    }
    async fn api_keys(
        &self,
        w: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<ApiKeyRecord>> {
        self.up()?.api_keys(w, after, limit).await
    }
    async fn revoke_api_key(
        &self,
        w: &WorkspaceId,
        id: &ApiKeyId,
        at: Timestamp,
    ) -> StoreResult<bool> {
        self.up()?.revoke_api_key(w, id, at).await
    }
}

#[async_trait]
impl Polls for SwitchableStore {
    async fn insert_poll(&self, p: &Poll) -> StoreResult<()> {
        self.up()?.insert_poll(p).await
    }
    async fn poll(&self, id: &PollId) -> StoreResult<Option<Poll>> {
        self.up()?.poll(id).await
    }
    async fn update_poll(&self, p: &Poll) -> StoreResult<bool> {
        self.up()?.update_poll(p).await
    }
    async fn delete_poll(&self, id: &PollId) -> StoreResult<bool> {
        self.up()?.delete_poll(id).await
    }
    async fn polls(
        &self,
        w: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<Poll>> {
        self.up()?.polls(w, after, limit).await
    }
    async fn change_poll(
        &self,
        change: PollChange<'_>,
        event: pollcast_types::EventType,
        at: Timestamp,
    ) -> StoreResult<bool> {
        self.up()?.change_poll(change, event, at).await
    }
    async fn poll_events(&self, limit: usize) -> StoreResult<Vec<PollEvent>> {
        self.up()?.poll_events(limit).await
    }
    async fn forget_poll_events(&self, events: &[PollEvent]) -> StoreResult<()> {
        self.up()?.forget_poll_events(events).await
    }
}

#[async_trait]
impl VoteLog for SwitchableStore {
    async fn append_votes(&self, v: &[VoteRecord]) -> StoreResult<()> {
        self.up()?.append_votes(v).await
    }
    async fn rewrite_votes(&self, v: &[VoteRecord]) -> StoreResult<()> {
        self.up()?.rewrite_votes(v).await
    }
    async fn votes_page(
        &self,
        p: &PollId,
        epoch: u32,
        after: Option<&VoteId>,
        limit: usize,
    ) -> StoreResult<Vec<VoteRecord>> {
        self.up()?.votes_page(p, epoch, after, limit).await
    }
    async fn delete_votes_before_epoch(&self, p: &PollId, epoch: u32) -> StoreResult<()> {
        self.up()?.delete_votes_before_epoch(p, epoch).await
    }
    async fn save_results(&self, s: &ResultsSnapshot) -> StoreResult<()> {
        self.up()?.save_results(s).await
    }
    async fn results(&self, p: &PollId) -> StoreResult<Option<ResultsSnapshot>> {
        self.up()?.results(p).await
    }
}

#[async_trait]
impl Idempotency for SwitchableStore {
    async fn reserve_idempotency_key(
        &self,
        w: &WorkspaceId,
        key: &str,
        hash: &str,
        at: Timestamp,
    ) -> StoreResult<Option<IdempotentEntry>> {
        self.up()?.reserve_idempotency_key(w, key, hash, at).await
    }
    async fn purge_idempotency_keys(&self, before: Timestamp) -> StoreResult<u64> {
        self.up()?.purge_idempotency_keys(before).await
    }
    async fn finish_idempotency_key(
        &self,
        w: &WorkspaceId,
        key: &str,
        response: Option<(u16, String)>,
    ) -> StoreResult<()> {
        self.up()?.finish_idempotency_key(w, key, response).await
    }
}

#[async_trait]
impl Webhooks for SwitchableStore {
    async fn insert_webhook(&self, w: &Webhook, max: u64) -> StoreResult<bool> {
        self.up()?.insert_webhook(w, max).await
    }
    async fn webhook(&self, id: &WebhookId) -> StoreResult<Option<Webhook>> {
        self.up()?.webhook(id).await
    }
    async fn webhooks(
        &self,
        w: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<Webhook>> {
        self.up()?.webhooks(w, after, limit).await
    }
    async fn any_webhook_wants(&self, event: pollcast_types::EventType) -> StoreResult<bool> {
        self.up()?.any_webhook_wants(event).await
    }
    async fn update_webhook(&self, w: &Webhook) -> StoreResult<bool> {
        self.up()?.update_webhook(w).await
    }
    async fn set_webhook_health(&self, w: &Webhook, h: &WebhookHealth) -> StoreResult<bool> {
        self.up()?.set_webhook_health(w, h).await
    }
    async fn delete_webhook(&self, id: &WebhookId) -> StoreResult<bool> {
        self.up()?.delete_webhook(id).await
    }
    async fn keep_webhook_deliveries(&self, d: &[KeptDelivery]) -> StoreResult<()> {
        self.up()?.keep_webhook_deliveries(d).await
    }
    async fn kept_webhook_delivery(
        &self,
        w: &WebhookId,
        id: &str,
    ) -> StoreResult<Option<KeptDelivery>> {
        self.up()?.kept_webhook_delivery(w, id).await
    }
    async fn insert_webhook_attempts(&self, a: &[WebhookAttempt]) -> StoreResult<()> {
        self.up()?.insert_webhook_attempts(a).await
    }
    async fn webhook_attempts(
        &self,
        w: &WebhookId,
        filter: &AttemptFilter,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<WebhookAttempt>> {
        self.up()?.webhook_attempts(w, filter, after, limit).await
    }
    async fn purge_webhook_attempts(&self, before: Timestamp) -> StoreResult<u64> {
        self.up()?.purge_webhook_attempts(before).await
    }
}

#[async_trait]
impl Accounts for SwitchableStore {
    async fn sign_up(&self, a: &Account, join: Join<'_>) -> StoreResult<SignedUp> {
        self.up()?.sign_up(a, join).await
    }
    async fn accept_invitation(
        &self,
        h: &str,
        a: &Account,
        now: Timestamp,
    ) -> StoreResult<Option<Membership>> {
        self.up()?.accept_invitation(h, a, now).await
    }
    async fn has_accounts(&self) -> StoreResult<bool> {
        self.up()?.has_accounts().await
    }
    async fn insert_account(&self, a: &Account) -> StoreResult<bool> {
        self.up()?.insert_account(a).await
    }
    async fn account(&self, id: &AccountId) -> StoreResult<Option<Account>> {
        self.up()?.account(id).await
    }
    async fn account_by_email(&self, email: &str) -> StoreResult<Option<Account>> {
        self.up()?.account_by_email(email).await
    }
    async fn set_password(&self, id: &AccountId, hash: &str) -> StoreResult<bool> {
        self.up()?.set_password(id, hash).await
    }
    async fn set_member(&self, m: &Membership) -> StoreResult<()> {
        self.up()?.set_member(m).await
    }
    async fn membership(&self, w: &WorkspaceId, a: &AccountId) -> StoreResult<Option<Membership>> {
        self.up()?.membership(w, a).await
    }
    async fn memberships_of(&self, a: &AccountId) -> StoreResult<Vec<Membership>> {
        self.up()?.memberships_of(a).await
    }
    async fn members(&self, w: &WorkspaceId) -> StoreResult<Vec<Membership>> {
        self.up()?.members(w).await
    }
    async fn remove_member(&self, w: &WorkspaceId, a: &AccountId) -> StoreResult<bool> {
        self.up()?.remove_member(w, a).await
    }
    async fn insert_session(&self, s: &Session) -> StoreResult<()> {
        self.up()?.insert_session(s).await
    }
    async fn session(&self, h: &str, now: Timestamp) -> StoreResult<Option<Session>> {
        self.up()?.session(h, now).await
    }
    async fn delete_session(&self, h: &str) -> StoreResult<()> {
        self.up()?.delete_session(h).await
    }
    async fn insert_invitation(&self, i: &Invitation) -> StoreResult<()> {
        self.up()?.insert_invitation(i).await
    }
    async fn invitations(&self, w: &WorkspaceId, now: Timestamp) -> StoreResult<Vec<Invitation>> {
        self.up()?.invitations(w, now).await
    }
    async fn delete_invitation(&self, w: &WorkspaceId, id: &InvitationId) -> StoreResult<bool> {
        self.up()?.delete_invitation(w, id).await
    }
}
