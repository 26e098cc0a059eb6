//! [`Accounts`] on CQL. What SQLite decides in one transaction is decided here by a
//! lightweight transaction on the one row that must be unique (the email, the install's first
//! account, an invitation's token), and the other rows follow in a logged batch.

use async_trait::async_trait;
use pollcast_types::{
    Account, AccountId, Invitation, InvitationId, Membership, Role, Session, Timestamp, Workspace,
    WorkspaceId,
};
use scylla::statement::batch::{Batch, BatchType};

use super::{ScyllaStore, id};
use crate::{Accounts, Join, SignedUp, StoreError, StoreResult, Workspaces};

fn role(s: &str) -> StoreResult<Role> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt(format!("bad role {s:?}")))
}

/// The TTL that ends a row at `expires` (at least a second).
fn ttl_until(expires: Timestamp, now: Timestamp) -> i32 {
    ((expires.as_millis() - now.as_millis()) / 1000).clamp(1, i32::MAX as i64) as i32
}

type InvitationRow = (String, String, String, String, i64, i64);

impl ScyllaStore {
    /// Claims the email for the account; false when another account has it.
    async fn claim_email(&self, account: &Account) -> StoreResult<bool> {
        self.lwt(
            "INSERT INTO accounts_by_email (email, id) VALUES (?, ?) IF NOT EXISTS",
            (&account.email, account.id.as_str()),
        )
        .await
    }

    async fn release_email(&self, account: &Account) -> StoreResult<()> {
        self.lwt(
            "DELETE FROM accounts_by_email WHERE email = ? IF id = ?",
            (&account.email, account.id.as_str()),
        )
        .await
        .map(|_| ())
    }

    /// Marks the install as having accounts; false when it already had.
    async fn claim_first(&self, account: &Account) -> StoreResult<bool> {
        self.lwt(
            "INSERT INTO meta (key, value) VALUES ('first_account', ?) IF NOT EXISTS",
            (account.id.as_str(),),
        )
        .await
    }

    async fn write_account(&self, a: &Account) -> StoreResult<()> {
        self.exec(
            "INSERT INTO accounts (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)",
            (
                a.id.as_str(),
                &a.email,
                &a.password_hash,
                a.created_at.as_millis(),
            ),
        )
        .await
        .map(|_| ())
    }

    async fn write_member(&self, m: &Membership) -> StoreResult<()> {
        let mut batch = Batch::new(BatchType::Logged);
        batch.append_statement(
            self.prepared(
                "INSERT INTO members (workspace_id, account_id, role, created_at) VALUES (?, ?, ?, ?)",
            )
            .await?,
        );
        batch.append_statement(
            self.prepared(
                "INSERT INTO members_by_account (account_id, workspace_id, role, created_at) VALUES (?, ?, ?, ?)",
            )
            .await?,
        );
        let (ws, acc, r, at) = (
            m.workspace_id.as_str(),
            m.account_id.as_str(),
            m.role.as_str(),
            m.created_at.as_millis(),
        );
        self.session()
            .batch(&batch, ((ws, acc, r, at), (acc, ws, r, at)))
            .await
            .map_err(super::map_err)?;
        Ok(())
    }

    /// Takes a live invitation (once: of two takers, one gets it) and says where it leads.
    async fn take_invitation(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(WorkspaceId, Role)>> {
        let row: Option<(String, String, String, i64)> = self
            .first(
                "SELECT id, workspace_id, role, expires_at FROM invitations_by_token WHERE token_hash = ?",
                (token_hash,),
            )
            .await?;
        let Some((iid, ws, r, expires)) = row else {
            return Ok(None);
        };
        if expires <= now.as_millis() {
            return Ok(None);
        }
        if !self
            .lwt(
                "DELETE FROM invitations_by_token WHERE token_hash = ? IF EXISTS",
                (token_hash,),
            )
            .await?
        {
            return Ok(None);
        }
        self.exec(
            "DELETE FROM invitations WHERE workspace_id = ? AND id = ?",
            (ws.as_str(), iid.as_str()),
        )
        .await?;
        Ok(Some((id(WorkspaceId::parse, &ws)?, role(&r)?)))
    }

    async fn email_of(&self, account: &str) -> StoreResult<String> {
        let row: Option<(String,)> = self
            .first("SELECT email FROM accounts WHERE id = ?", (account,))
            .await?;
        Ok(row.map(|(e,)| e).unwrap_or_default())
    }

    async fn members_from(
        &self,
        rows: Vec<(String, String, String, i64)>,
    ) -> StoreResult<Vec<Membership>> {
        let mut out = self
            .fan_out(rows, |(ws, acc, r, created)| async move {
                Ok(Membership {
                    workspace_id: id(WorkspaceId::parse, &ws)?,
                    email: self.email_of(&acc).await?,
                    account_id: id(AccountId::parse, &acc)?,
                    role: role(&r)?,
                    created_at: Timestamp::from_millis(created),
                })
            })
            .await?;
        out.sort_by(|a, b| (a.created_at, &a.email).cmp(&(b.created_at, &b.email)));
        Ok(out)
    }

    /// Ends sessions of an account (in one workspace, or all).
    async fn end_sessions(&self, account: &str, workspace: Option<&str>) -> StoreResult<()> {
        let rows: Vec<(String, String)> = self
            .rows(
                "SELECT workspace_id, id_hash FROM sessions_by_account WHERE account_id = ?",
                (account,),
            )
            .await?;
        let doomed: Vec<(String, String)> = rows
            .into_iter()
            .filter(|(ws, _)| workspace.is_none_or(|w| w == ws))
            .collect();
        self.fan_out(doomed, |(ws, hash)| async move {
            self.exec("DELETE FROM sessions WHERE id_hash = ?", (hash.as_str(),))
                .await?;
            self.exec(
                "DELETE FROM sessions_by_account WHERE account_id = ? AND workspace_id = ? AND id_hash = ?",
                (account, ws.as_str(), hash.as_str()),
            )
            .await
        })
        .await
        .map(|_| ())
    }
}

#[async_trait]
impl Accounts for ScyllaStore {
    async fn sign_up(&self, account: &Account, join: Join<'_>) -> StoreResult<SignedUp> {
        if let Join::First(_) = join
            && !self.claim_first(account).await?
        {
            return Ok(SignedUp::Closed);
        }
        if !self.claim_email(account).await? {
            return Ok(SignedUp::EmailTaken);
        }
        let (workspace, role): (Option<&Workspace>, Role) = match join {
            Join::First(ws) | Join::Open(ws) => (Some(ws), Role::Owner),
            Join::Invitation { token_hash, now } => {
                match self.take_invitation(token_hash, now).await? {
                    Some((ws_id, role)) => {
                        self.write_account(account).await?;
                        let m = Membership {
                            workspace_id: ws_id,
                            account_id: account.id.clone(),
                            email: account.email.clone(),
                            role,
                            created_at: account.created_at,
                        };
                        self.write_member(&m).await?;
                        return Ok(SignedUp::Member(m));
                    }
                    None => {
                        self.release_email(account).await?;
                        return Ok(SignedUp::InvitationInvalid);
                    }
                }
            }
        };
        if let Some(ws) = workspace {
            self.insert_workspace(ws).await?;
        }
        self.write_account(account).await?;
        let m = Membership {
            workspace_id: workspace
                .map(|w| w.id.clone())
                .unwrap_or_else(WorkspaceId::generate),
            account_id: account.id.clone(),
            email: account.email.clone(),
            role,
            created_at: account.created_at,
        };
        self.write_member(&m).await?;
        Ok(SignedUp::Member(m))
    }

    async fn has_accounts(&self) -> StoreResult<bool> {
        Ok(self
            .first::<(String,)>("SELECT id FROM accounts LIMIT 1", ())
            .await?
            .is_some())
    }

    async fn accept_invitation(
        &self,
        token_hash: &str,
        account: &Account,
        now: Timestamp,
    ) -> StoreResult<Option<Membership>> {
        let Some((ws, r)) = self.take_invitation(token_hash, now).await? else {
            return Ok(None);
        };
        // A member already keeps their role: an invitation never demotes anyone.
        if let Some(m) = self.membership(&ws, &account.id).await? {
            return Ok(Some(m));
        }
        let m = Membership {
            workspace_id: ws,
            account_id: account.id.clone(),
            email: account.email.clone(),
            role: r,
            created_at: now,
        };
        self.write_member(&m).await?;
        Ok(Some(m))
    }

    async fn insert_account(&self, account: &Account) -> StoreResult<bool> {
        if !self.claim_email(account).await? {
            return Ok(false);
        }
        // The install has an account now: a later "first" sign-up is closed.
        self.claim_first(account).await?;
        self.write_account(account).await?;
        Ok(true)
    }

    async fn account(&self, aid: &AccountId) -> StoreResult<Option<Account>> {
        let row: Option<(String, String, String, i64)> = self
            .first(
                "SELECT id, email, password_hash, created_at FROM accounts WHERE id = ?",
                (aid.as_str(),),
            )
            .await?;
        row.map(|(i, email, password_hash, created)| {
            Ok(Account {
                id: id(AccountId::parse, &i)?,
                email,
                password_hash,
                created_at: Timestamp::from_millis(created),
            })
        })
        .transpose()
    }

    async fn account_by_email(&self, email: &str) -> StoreResult<Option<Account>> {
        let row: Option<(String,)> = self
            .first("SELECT id FROM accounts_by_email WHERE email = ?", (email,))
            .await?;
        match row {
            Some((i,)) => self.account(&id(AccountId::parse, &i)?).await,
            None => Ok(None),
        }
    }

    async fn set_password(&self, aid: &AccountId, password_hash: &str) -> StoreResult<bool> {
        if self.account(aid).await?.is_none() {
            return Ok(false);
        }
        self.exec(
            "UPDATE accounts SET password_hash = ? WHERE id = ?",
            (password_hash, aid.as_str()),
        )
        .await?;
        self.end_sessions(aid.as_str(), None).await?;
        Ok(true)
    }

    async fn set_member(&self, membership: &Membership) -> StoreResult<()> {
        // The membership's first date stays, as SQLite's upsert keeps it.
        let created = match self
            .membership(&membership.workspace_id, &membership.account_id)
            .await?
        {
            Some(m) => m.created_at,
            None => membership.created_at,
        };
        self.write_member(&Membership {
            created_at: created,
            ..membership.clone()
        })
        .await
    }

    async fn membership(
        &self,
        workspace: &WorkspaceId,
        account: &AccountId,
    ) -> StoreResult<Option<Membership>> {
        let row: Option<(String, String, String, i64)> = self
            .first(
                "SELECT workspace_id, account_id, role, created_at FROM members
                 WHERE workspace_id = ? AND account_id = ?",
                (workspace.as_str(), account.as_str()),
            )
            .await?;
        Ok(self.members_from(row.into_iter().collect()).await?.pop())
    }

    async fn memberships_of(&self, account: &AccountId) -> StoreResult<Vec<Membership>> {
        let rows: Vec<(String, String, String, i64)> = self
            .rows(
                "SELECT workspace_id, account_id, role, created_at FROM members_by_account
                 WHERE account_id = ?",
                (account.as_str(),),
            )
            .await?;
        self.members_from(rows).await
    }

    async fn members(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Membership>> {
        let rows: Vec<(String, String, String, i64)> = self
            .rows(
                "SELECT workspace_id, account_id, role, created_at FROM members WHERE workspace_id = ?",
                (workspace.as_str(),),
            )
            .await?;
        self.members_from(rows).await
    }

    async fn remove_member(
        &self,
        workspace: &WorkspaceId,
        account: &AccountId,
    ) -> StoreResult<bool> {
        if self.membership(workspace, account).await?.is_none() {
            return Ok(false);
        }
        let mut batch = Batch::new(BatchType::Logged);
        batch.append_statement(
            self.prepared("DELETE FROM members WHERE workspace_id = ? AND account_id = ?")
                .await?,
        );
        batch.append_statement(
            self.prepared(
                "DELETE FROM members_by_account WHERE account_id = ? AND workspace_id = ?",
            )
            .await?,
        );
        let (ws, acc) = (workspace.as_str(), account.as_str());
        self.session()
            .batch(&batch, ((ws, acc), (acc, ws)))
            .await
            .map_err(super::map_err)?;
        self.end_sessions(acc, Some(ws)).await?;
        Ok(true)
    }

    async fn insert_session(&self, s: &Session) -> StoreResult<()> {
        let ttl = ttl_until(s.expires_at, s.created_at);
        self.exec(
            "INSERT INTO sessions_by_account (account_id, workspace_id, id_hash) VALUES (?, ?, ?) USING TTL ?",
            (s.account_id.as_str(), s.workspace_id.as_str(), &s.id_hash, ttl),
        )
        .await?;
        self.exec(
            "INSERT INTO sessions (id_hash, account_id, workspace_id, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?) USING TTL ?",
            (
                &s.id_hash,
                s.account_id.as_str(),
                s.workspace_id.as_str(),
                s.created_at.as_millis(),
                s.expires_at.as_millis(),
                ttl,
            ),
        )
        .await
        .map(|_| ())
    }

    async fn session(&self, id_hash: &str, now: Timestamp) -> StoreResult<Option<Session>> {
        let row: Option<(String, String, String, i64, i64)> = self
            .first(
                "SELECT id_hash, account_id, workspace_id, created_at, expires_at FROM sessions
                 WHERE id_hash = ?",
                (id_hash,),
            )
            .await?;
        match row {
            Some((h, acc, ws, created, expires)) if expires > now.as_millis() => {
                Ok(Some(Session {
                    id_hash: h,
                    account_id: id(AccountId::parse, &acc)?,
                    workspace_id: id(WorkspaceId::parse, &ws)?,
                    created_at: Timestamp::from_millis(created),
                    expires_at: Timestamp::from_millis(expires),
                }))
            }
            _ => Ok(None),
        }
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        let row: Option<(String, String)> = self
            .first(
                "SELECT account_id, workspace_id FROM sessions WHERE id_hash = ?",
                (id_hash,),
            )
            .await?;
        self.exec("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))
            .await?;
        if let Some((acc, ws)) = row {
            self.exec(
                "DELETE FROM sessions_by_account WHERE account_id = ? AND workspace_id = ? AND id_hash = ?",
                (acc.as_str(), ws.as_str(), id_hash),
            )
            .await?;
        }
        Ok(())
    }

    async fn insert_invitation(&self, i: &Invitation) -> StoreResult<()> {
        let ttl = ttl_until(i.expires_at, Timestamp::now());
        let mut batch = Batch::new(BatchType::Logged);
        batch.append_statement(
            self.prepared(
                "INSERT INTO invitations (workspace_id, id, token_hash, role, created_at, expires_at)
                 VALUES (?, ?, ?, ?, ?, ?) USING TTL ?",
            )
            .await?,
        );
        batch.append_statement(
            self.prepared(
                "INSERT INTO invitations_by_token (token_hash, id, workspace_id, role, created_at, expires_at)
                 VALUES (?, ?, ?, ?, ?, ?) USING TTL ?",
            )
            .await?,
        );
        let (ws, iid, r) = (i.workspace_id.as_str(), i.id.as_str(), i.role.as_str());
        let (c, e) = (i.created_at.as_millis(), i.expires_at.as_millis());
        self.session()
            .batch(
                &batch,
                (
                    (ws, iid, &i.token_hash, r, c, e, ttl),
                    (&i.token_hash, iid, ws, r, c, e, ttl),
                ),
            )
            .await
            .map_err(super::map_err)?;
        Ok(())
    }

    async fn invitations(
        &self,
        workspace: &WorkspaceId,
        now: Timestamp,
    ) -> StoreResult<Vec<Invitation>> {
        let rows: Vec<InvitationRow> = self
            .rows(
                "SELECT id, token_hash, workspace_id, role, created_at, expires_at FROM invitations
                 WHERE workspace_id = ?",
                (workspace.as_str(),),
            )
            .await?;
        let mut out = Vec::new();
        for (iid, token_hash, ws, r, created, expires) in rows {
            if expires <= now.as_millis() {
                continue;
            }
            out.push(Invitation {
                id: id(InvitationId::parse, &iid)?,
                token_hash,
                workspace_id: id(WorkspaceId::parse, &ws)?,
                role: role(&r)?,
                created_at: Timestamp::from_millis(created),
                expires_at: Timestamp::from_millis(expires),
            });
        }
        out.sort_by_key(|i| std::cmp::Reverse(i.created_at));
        Ok(out)
    }

    async fn delete_invitation(
        &self,
        workspace: &WorkspaceId,
        iid: &InvitationId,
    ) -> StoreResult<bool> {
        let row: Option<(String,)> = self
            .first(
                "SELECT token_hash FROM invitations WHERE workspace_id = ? AND id = ?",
                (workspace.as_str(), iid.as_str()),
            )
            .await?;
        let Some((token_hash,)) = row else {
            return Ok(false);
        };
        self.exec(
            "DELETE FROM invitations WHERE workspace_id = ? AND id = ?",
            (workspace.as_str(), iid.as_str()),
        )
        .await?;
        self.exec(
            "DELETE FROM invitations_by_token WHERE token_hash = ?",
            (token_hash.as_str(),),
        )
        .await?;
        Ok(true)
    }
}
