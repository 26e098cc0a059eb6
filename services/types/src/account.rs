//! People who use the console: accounts (email and password), their membership of
//! workspaces with a role, their sessions and the invitations that let others join.

use serde::{Deserialize, Serialize};

use crate::{Scope, Timestamp, WorkspaceId};

crate::ids::string_id!(
    /// A person with a console account.
    AccountId, "acc_", 16
);
crate::ids::string_id!(
    /// An invitation to join a workspace (the link's secret is another value).
    InvitationId, "inv_", 16
);

/// What a member of a workspace may do in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, the workspace's keys, members and webhooks included.
    Owner,
    /// Polls: create, edit, open, close, reset, delete; exports.
    Editor,
    /// Reads only.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Editor, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The API scopes the role amounts to: the console checks these exactly as the API
    /// checks a key's.
    pub fn scopes(self) -> &'static [Scope] {
        match self {
            Role::Owner => &[Scope::Admin],
            Role::Editor => &[Scope::PollsRead, Scope::PollsWrite, Scope::VotesRead],
            Role::Viewer => &[Scope::PollsRead, Scope::VotesRead],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    /// Lower-cased and trimmed: one account per address however it is typed.
    pub email: String,
    /// An argon2id PHC string; never the password.
    pub password_hash: String,
    pub created_at: Timestamp,
}

/// An account's place in a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub workspace_id: WorkspaceId,
    pub account_id: AccountId,
    pub email: String,
    pub role: Role,
    pub created_at: Timestamp,
}

/// A signed-in browser. Only the SHA-256 of the cookie's random id is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub account_id: AccountId,
    pub workspace_id: WorkspaceId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A link that lets whoever holds it join a workspace once, with a role, until it expires.
/// Only the SHA-256 of the link's token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: InvitationId,
    pub token_hash: String,
    pub workspace_id: WorkspaceId,
    pub role: Role,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}
