//! Console sessions: a browser signed in as a member of one workspace. The cookie holds only
//! a random id (240 bits from the OS CSPRNG); the store holds its SHA-256, so a copy of the
//! store signs nobody in. A session is revoked by deleting its row (sign-out, a password
//! reset, removal from the workspace), and rotated at every sign-in.
//!
//! For reads (`GET`, `HEAD`) of the API a session also counts as a [`Caller`] with the
//! role's read scopes, so the console's pages use the API's own live results, results and
//! export as the owner, and nothing a session could be tricked into sending changes anything.

use actix_web::HttpRequest;
use pollcast_runtime::Context;
use pollcast_store::StoreResult;
use pollcast_types::ids::random_token;
use pollcast_types::{AccountId, ApiKeyId, Membership, Scope, Session, Timestamp, WorkspaceId};

use crate::{Caller, hash_key};

/// The session cookie: HttpOnly, SameSite=Lax, `Secure` behind https.
pub const SESSION_COOKIE: &str = "pollcast_session";

/// A signed-in member as a request sees them.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Session,
    pub membership: Membership,
}

impl SignedIn {
    /// What the member may do, in the API's terms.
    pub fn scopes(&self) -> &'static [Scope] {
        self.membership.role.scopes()
    }

    pub fn can(&self, scope: Scope) -> bool {
        scope.is_granted_by(self.scopes())
    }

    /// The member as an API caller with only the read scopes of their role.
    pub fn reader(&self) -> Caller {
        Caller {
            workspace_id: self.membership.workspace_id.clone(),
            key_id: credential_id(&self.membership.account_id),
            scopes: [Scope::PollsRead, Scope::VotesRead]
                .into_iter()
                .filter(|s| self.can(*s))
                .collect(),
            via_token: false,
        }
    }

    /// The member as an API caller with every scope of their role (for the console's own
    /// forms, which are CSRF-checked).
    pub fn caller(&self) -> Caller {
        Caller {
            workspace_id: self.membership.workspace_id.clone(),
            key_id: credential_id(&self.membership.account_id),
            scopes: self.scopes().to_vec(),
            via_token: false,
        }
    }
}

/// A Caller's credential id for a person: the account (rate limits count per credential).
fn credential_id(account: &AccountId) -> ApiKeyId {
    ApiKeyId::parse(account.as_str()).unwrap_or_else(ApiKeyId::generate)
}

/// A new session for a member: the cookie's value and the row to store.
pub fn mint(account: &AccountId, workspace: &WorkspaceId, lifetime_days: u32) -> (String, Session) {
    let id = random_token(40);
    let now = Timestamp::now();
    let session = Session {
        id_hash: hash_key(&id),
        account_id: account.clone(),
        workspace_id: workspace.clone(),
        created_at: now,
        expires_at: Timestamp::from_millis(now.as_millis() + i64::from(lifetime_days) * 86_400_000),
    };
    (id, session)
}

/// The session of the request's cookie, if it is live and its member still belongs to the
/// workspace.
pub async fn resolve(context: &Context, req: &HttpRequest) -> StoreResult<Option<SignedIn>> {
    let Some(id) = pollcast_http::cookie::get(req, SESSION_COOKIE) else {
        return Ok(None);
    };
    if id.is_empty() || id.len() > 64 {
        return Ok(None);
    }
    let store = &context.store;
    let Some(session) = store.session(&hash_key(&id), Timestamp::now()).await? else {
        return Ok(None);
    };
    let Some(membership) = store
        .membership(&session.workspace_id, &session.account_id)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(SignedIn {
        session,
        membership,
    }))
}
