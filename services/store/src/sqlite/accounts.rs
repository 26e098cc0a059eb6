//! [`Accounts`] on SQLite.

use async_trait::async_trait;
use pollcast_types::{
    Account, AccountId, Invitation, InvitationId, Membership, Role, Session, Timestamp, Workspace,
    WorkspaceId,
};
use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::SqliteStore;
use crate::{Accounts, Join, SignedUp, StoreError, StoreResult};

pub(crate) fn ids<T>(parse: fn(&str) -> Option<T>, s: &str) -> StoreResult<T> {
    parse(s).ok_or_else(|| StoreError::Corrupt(format!("bad id {s:?}")))
}

fn role(s: &str) -> StoreResult<Role> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt(format!("bad role {s:?}")))
}

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<StoreResult<Account>> {
    let (id, email, password_hash, created): (String, String, String, i64) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    Ok(ids(AccountId::parse, &id).map(|id| Account {
        id,
        email,
        password_hash,
        created_at: Timestamp::from_millis(created),
    }))
}

const MEMBER_COLUMNS: &str = "m.workspace_id, m.account_id, a.email, m.role, m.created_at
     FROM members m JOIN accounts a ON a.id = m.account_id";

fn member_from_row(r: &Row<'_>) -> rusqlite::Result<StoreResult<Membership>> {
    let (ws, account, email, role_name, created): (String, String, String, String, i64) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
    Ok((|| {
        Ok(Membership {
            workspace_id: ids(WorkspaceId::parse, &ws)?,
            account_id: ids(AccountId::parse, &account)?,
            email,
            role: role(&role_name)?,
            created_at: Timestamp::from_millis(created),
        })
    })())
}

fn invitation_from_row(r: &Row<'_>) -> rusqlite::Result<StoreResult<Invitation>> {
    let (id, token_hash, ws, role_name, created, expires): (
        String,
        String,
        String,
        String,
        i64,
        i64,
    ) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    );
    Ok((|| {
        Ok(Invitation {
            id: ids(InvitationId::parse, &id)?,
            token_hash,
            workspace_id: ids(WorkspaceId::parse, &ws)?,
            role: role(&role_name)?,
            created_at: Timestamp::from_millis(created),
            expires_at: Timestamp::from_millis(expires),
        })
    })())
}

/// Inserts the account; false when its email is taken.
fn insert_account(tx: &Transaction<'_>, a: &Account) -> StoreResult<bool> {
    Ok(tx.execute(
        "INSERT INTO accounts (id, email, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (email) DO NOTHING",
        params![
            a.id.as_str(),
            a.email,
            a.password_hash,
            a.created_at.as_millis()
        ],
    )? == 1)
}

/// Deletes a live invitation and says where it leads: its workspace and role.
fn take_invitation(
    tx: &Transaction<'_>,
    token_hash: &str,
    now: Timestamp,
) -> StoreResult<Option<(WorkspaceId, Role)>> {
    let found = tx
        .query_row(
            "DELETE FROM invitations WHERE token_hash = ?1 AND expires_at > ?2
             RETURNING workspace_id, role",
            params![token_hash, now.as_millis()],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?;
    found
        .map(|(ws, r)| Ok((ids(WorkspaceId::parse, &ws)?, role(&r)?)))
        .transpose()
}

fn insert_workspace(tx: &Transaction<'_>, ws: &Workspace) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO workspaces (id, name, created_at) VALUES (?1, ?2, ?3)",
        params![ws.id.as_str(), ws.name, ws.created_at.as_millis()],
    )?;
    Ok(())
}

fn upsert_member(tx: &Transaction<'_>, m: &Membership) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO members (workspace_id, account_id, role, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (workspace_id, account_id) DO UPDATE SET role = excluded.role",
        params![
            m.workspace_id.as_str(),
            m.account_id.as_str(),
            m.role.as_str(),
            m.created_at.as_millis()
        ],
    )?;
    Ok(())
}

#[async_trait]
impl Accounts for SqliteStore {
    async fn sign_up(&self, account: &Account, join: Join<'_>) -> StoreResult<SignedUp> {
        let account = account.clone();
        let (workspace, first, invitation) = match join {
            Join::First(ws) => (Some(ws.clone()), true, None),
            Join::Open(ws) => (Some(ws.clone()), false, None),
            Join::Invitation { token_hash, now } => {
                (None, false, Some((token_hash.to_owned(), now)))
            }
        };
        self.run(move |c| {
            // One write transaction: two first sign-ups cannot both find no account.
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            if first {
                let n: i64 = tx.query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0))?;
                if n > 0 {
                    return Ok(SignedUp::Closed);
                }
            }
            let (workspace_id, role) = match (&workspace, &invitation) {
                (Some(ws), _) => (ws.id.clone(), Role::Owner),
                (None, Some((token_hash, now))) => match take_invitation(&tx, token_hash, *now)? {
                    Some(taken) => taken,
                    None => return Ok(SignedUp::InvitationInvalid),
                },
                (None, None) => return Ok(SignedUp::Closed),
            };
            if !insert_account(&tx, &account)? {
                return Ok(SignedUp::EmailTaken);
            }
            if let Some(ws) = &workspace {
                insert_workspace(&tx, ws)?;
            }
            let membership = Membership {
                workspace_id,
                account_id: account.id.clone(),
                email: account.email.clone(),
                role,
                created_at: account.created_at,
            };
            upsert_member(&tx, &membership)?;
            tx.commit()?;
            Ok(SignedUp::Member(membership))
        })
        .await
    }

    async fn accept_invitation(
        &self,
        token_hash: &str,
        account: &Account,
        now: Timestamp,
    ) -> StoreResult<Option<Membership>> {
        let (token_hash, account) = (token_hash.to_owned(), account.clone());
        self.run(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let Some((workspace_id, role)) = take_invitation(&tx, &token_hash, now)? else {
                return Ok(None);
            };
            // A member already keeps their role: an invitation never demotes anyone.
            tx.execute(
                "INSERT INTO members (workspace_id, account_id, role, created_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (workspace_id, account_id) DO NOTHING",
                params![
                    workspace_id.as_str(),
                    account.id.as_str(),
                    role.as_str(),
                    now.as_millis()
                ],
            )?;
            let membership = tx.query_row(
                &format!("SELECT {MEMBER_COLUMNS} WHERE m.workspace_id = ?1 AND m.account_id = ?2"),
                params![workspace_id.as_str(), account.id.as_str()],
                member_from_row,
            )??;
            tx.commit()?;
            Ok(Some(membership))
        })
        .await
    }

    async fn has_accounts(&self) -> StoreResult<bool> {
        self.run(|c| {
            Ok(
                c.query_row("SELECT EXISTS (SELECT 1 FROM accounts)", [], |r| {
                    r.get::<_, bool>(0)
                })?,
            )
        })
        .await
    }

    async fn insert_account(&self, account: &Account) -> StoreResult<bool> {
        let account = account.clone();
        self.run(move |c| {
            let tx = c.transaction()?;
            let inserted = insert_account(&tx, &account)?;
            tx.commit()?;
            Ok(inserted)
        })
        .await
    }

    async fn account(&self, id: &AccountId) -> StoreResult<Option<Account>> {
        let id = id.to_string();
        self.run(move |c| {
            c.query_row(
                "SELECT id, email, password_hash, created_at FROM accounts WHERE id = ?1",
                [id],
                account_from_row,
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn account_by_email(&self, email: &str) -> StoreResult<Option<Account>> {
        let email = email.to_owned();
        self.run(move |c| {
            c.query_row(
                "SELECT id, email, password_hash, created_at FROM accounts WHERE email = ?1",
                [email],
                account_from_row,
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn set_password(&self, id: &AccountId, password_hash: &str) -> StoreResult<bool> {
        let (id, hash) = (id.to_string(), password_hash.to_owned());
        self.run(move |c| {
            let tx = c.transaction()?;
            let changed = tx.execute(
                "UPDATE accounts SET password_hash = ?2 WHERE id = ?1",
                params![id, hash],
            )? == 1;
            tx.execute("DELETE FROM sessions WHERE account_id = ?1", [&id])?;
            tx.commit()?;
            Ok(changed)
        })
        .await
    }

    async fn set_member(&self, membership: &Membership) -> StoreResult<()> {
        let m = membership.clone();
        self.run(move |c| {
            let tx = c.transaction()?;
            upsert_member(&tx, &m)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn membership(
        &self,
        workspace: &WorkspaceId,
        account: &AccountId,
    ) -> StoreResult<Option<Membership>> {
        let (ws, account) = (workspace.to_string(), account.to_string());
        self.run(move |c| {
            c.query_row(
                &format!("SELECT {MEMBER_COLUMNS} WHERE m.workspace_id = ?1 AND m.account_id = ?2"),
                params![ws, account],
                member_from_row,
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn memberships_of(&self, account: &AccountId) -> StoreResult<Vec<Membership>> {
        let account = account.to_string();
        self.run(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {MEMBER_COLUMNS} WHERE m.account_id = ?1 ORDER BY m.created_at"
            ))?;
            let rows = stmt.query_map([account], member_from_row)?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn members(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Membership>> {
        let ws = workspace.to_string();
        self.run(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {MEMBER_COLUMNS} WHERE m.workspace_id = ?1 ORDER BY m.created_at, a.email"
            ))?;
            let rows = stmt.query_map([ws], member_from_row)?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn remove_member(
        &self,
        workspace: &WorkspaceId,
        account: &AccountId,
    ) -> StoreResult<bool> {
        let (ws, account) = (workspace.to_string(), account.to_string());
        self.run(move |c| {
            let tx = c.transaction()?;
            let removed = tx.execute(
                "DELETE FROM members WHERE workspace_id = ?1 AND account_id = ?2",
                params![ws, account],
            )? == 1;
            tx.execute(
                "DELETE FROM sessions WHERE workspace_id = ?1 AND account_id = ?2",
                params![ws, account],
            )?;
            tx.commit()?;
            Ok(removed)
        })
        .await
    }

    async fn insert_session(&self, session: &Session) -> StoreResult<()> {
        let s = session.clone();
        self.run(move |c| {
            // Expired sessions go as new ones come: the table stays as large as the live ones.
            c.execute(
                "DELETE FROM sessions WHERE expires_at <= ?1",
                [s.created_at.as_millis()],
            )?;
            c.execute(
                "INSERT INTO sessions (id_hash, account_id, workspace_id, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    s.id_hash,
                    s.account_id.as_str(),
                    s.workspace_id.as_str(),
                    s.created_at.as_millis(),
                    s.expires_at.as_millis()
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn session(&self, id_hash: &str, now: Timestamp) -> StoreResult<Option<Session>> {
        let id_hash = id_hash.to_owned();
        self.run(move |c| {
            c.query_row(
                "SELECT id_hash, account_id, workspace_id, created_at, expires_at FROM sessions
                 WHERE id_hash = ?1 AND expires_at > ?2",
                params![id_hash, now.as_millis()],
                |r| {
                    let (h, account, ws, created, expires): (String, String, String, i64, i64) =
                        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
                    Ok((|| {
                        Ok(Session {
                            id_hash: h,
                            account_id: ids(AccountId::parse, &account)?,
                            workspace_id: ids(WorkspaceId::parse, &ws)?,
                            created_at: Timestamp::from_millis(created),
                            expires_at: Timestamp::from_millis(expires),
                        })
                    })())
                },
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        let id_hash = id_hash.to_owned();
        self.run(move |c| {
            c.execute("DELETE FROM sessions WHERE id_hash = ?1", [id_hash])?;
            Ok(())
        })
        .await
    }

    async fn insert_invitation(&self, invitation: &Invitation) -> StoreResult<()> {
        let i = invitation.clone();
        self.run(move |c| {
            c.execute(
                "INSERT INTO invitations (id, token_hash, workspace_id, role, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    i.id.as_str(),
                    i.token_hash,
                    i.workspace_id.as_str(),
                    i.role.as_str(),
                    i.created_at.as_millis(),
                    i.expires_at.as_millis()
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn invitations(
        &self,
        workspace: &WorkspaceId,
        now: Timestamp,
    ) -> StoreResult<Vec<Invitation>> {
        let ws = workspace.to_string();
        self.run(move |c| {
            let mut stmt = c.prepare(
                "SELECT id, token_hash, workspace_id, role, created_at, expires_at FROM invitations
                 WHERE workspace_id = ?1 AND expires_at > ?2 ORDER BY created_at DESC",
            )?;
            let rows = stmt.query_map(params![ws, now.as_millis()], invitation_from_row)?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn delete_invitation(
        &self,
        workspace: &WorkspaceId,
        id: &InvitationId,
    ) -> StoreResult<bool> {
        let (ws, id) = (workspace.to_string(), id.to_string());
        self.run(move |c| {
            Ok(c.execute(
                "DELETE FROM invitations WHERE workspace_id = ?1 AND id = ?2",
                params![ws, id],
            )? == 1)
        })
        .await
    }
}
