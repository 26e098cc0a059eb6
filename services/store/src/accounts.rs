//! The console's people, kept beside the rest of the store: accounts, memberships, sessions
//! and invitations. A supertrait of [`crate::Store`], so every store has them.

use async_trait::async_trait;
use pollcast_types::{
    Account, AccountId, Invitation, InvitationId, Membership, Session, Timestamp, Workspace,
    WorkspaceId,
};

use crate::StoreResult;

/// How a new account joins a workspace.
#[derive(Debug, Clone, Copy)]
pub enum Join<'a> {
    /// As the owner of this new workspace, only if there is no account yet (a fresh install).
    First(&'a Workspace),
    /// As the owner of this new workspace (the operator opened sign-up).
    Open(&'a Workspace),
    /// With the role of the invitation whose token hashes to this, used up by joining.
    Invitation { token_hash: &'a str, now: Timestamp },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedUp {
    Member(Membership),
    EmailTaken,
    /// Not the first account, and sign-up is by invitation.
    Closed,
    InvitationInvalid,
}

#[async_trait]
pub trait Accounts: Send + Sync {
    /// Creates the account and its membership in one transaction (or neither).
    async fn sign_up(&self, account: &Account, join: Join<'_>) -> StoreResult<SignedUp>;
    /// Whether any account exists (a fresh install has none).
    async fn has_accounts(&self) -> StoreResult<bool>;
    /// Uses up the invitation whose token hashes to this (if live) to make an existing
    /// account a member; `None` when there is no such invitation.
    async fn accept_invitation(
        &self,
        token_hash: &str,
        account: &Account,
        now: Timestamp,
    ) -> StoreResult<Option<Membership>>;
    /// Creates an account with no membership; false when the email is taken.
    async fn insert_account(&self, account: &Account) -> StoreResult<bool>;
    async fn account(&self, id: &AccountId) -> StoreResult<Option<Account>>;
    async fn account_by_email(&self, email: &str) -> StoreResult<Option<Account>>;
    /// Replaces the password and ends every session of the account; false when none.
    async fn set_password(&self, id: &AccountId, password_hash: &str) -> StoreResult<bool>;

    /// Adds a member or changes their role.
    async fn set_member(&self, membership: &Membership) -> StoreResult<()>;
    async fn membership(
        &self,
        workspace: &WorkspaceId,
        account: &AccountId,
    ) -> StoreResult<Option<Membership>>;
    /// The workspaces of an account, oldest membership first.
    async fn memberships_of(&self, account: &AccountId) -> StoreResult<Vec<Membership>>;
    /// A workspace's members, oldest first.
    async fn members(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Membership>>;
    /// Removes a member and ends their sessions in the workspace; false when none.
    async fn remove_member(
        &self,
        workspace: &WorkspaceId,
        account: &AccountId,
    ) -> StoreResult<bool>;

    async fn insert_session(&self, session: &Session) -> StoreResult<()>;
    /// The unexpired session whose id hashes to this.
    async fn session(&self, id_hash: &str, now: Timestamp) -> StoreResult<Option<Session>>;
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;

    async fn insert_invitation(&self, invitation: &Invitation) -> StoreResult<()>;
    /// A workspace's unexpired invitations, newest first.
    async fn invitations(
        &self,
        workspace: &WorkspaceId,
        now: Timestamp,
    ) -> StoreResult<Vec<Invitation>>;
    async fn delete_invitation(
        &self,
        workspace: &WorkspaceId,
        id: &InvitationId,
    ) -> StoreResult<bool>;
}
