//! The workspace: API keys (created with scopes and shown once, revoked), the voter-signing
//! secret for `verified` polls, members and their roles, invitations. Owners only.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use pollcast_api::routes::api_keys::create_key as store_key;
use pollcast_auth::hash_key;
use pollcast_auth::voter_jwt::workspace_voter_secret;
use pollcast_types::ids::random_token;
use pollcast_types::{
    AccountId, ApiKeyId, ApiKeyRecord, Invitation, InvitationId, Role, Scope, Timestamp,
};

use crate::ConsoleState;
use crate::chrome::{self, Chrome, PageError};
use crate::form::Form;
use crate::member::Visit;
use crate::member::{Posted, attempt};

type Page = Result<HttpResponse, PageError>;

/// How long an invitation link works.
const INVITATION_DAYS: i64 = 7;
/// Most keys the page lists.
const KEYS_SHOWN: usize = 200;

pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub created_at: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "console/keys.html")]
struct KeysPage {
    c: Chrome,
    keys: Vec<KeyRow>,
    /// A key just created: shown this once.
    new_key: Option<String>,
    name: String,
    errors: Vec<String>,
    all_scopes: Vec<&'static str>,
    voter_secret: String,
}

fn key_row(k: &ApiKeyRecord) -> KeyRow {
    KeyRow {
        id: k.id.to_string(),
        name: k.name.clone(),
        scopes: k
            .scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        created_at: k.created_at.to_string(),
        revoked: k.revoked_at.is_some(),
    }
}

async fn keys_page(
    state: &ConsoleState,
    visit: &Visit,
    status: StatusCode,
    new_key: Option<String>,
    name: String,
    errors: Vec<String>,
) -> Page {
    let Some(me) = visit.signed_in.as_ref() else {
        return Ok(chrome::redirect("/console/signin"));
    };
    let ws = &me.membership.workspace_id;
    let keys = state.context.store.api_keys(ws, None, KEYS_SHOWN).await?;
    let page = KeysPage {
        c: Chrome::of(visit, "keys"),
        keys: keys.iter().map(key_row).collect(),
        new_key,
        name,
        errors,
        all_scopes: [
            Scope::PollsRead,
            Scope::PollsWrite,
            Scope::VotesRead,
            Scope::WebhooksWrite,
            Scope::Admin,
        ]
        .iter()
        .map(|s| s.as_str())
        .collect(),
        voter_secret: workspace_voter_secret(&state.context.secret, ws),
    };
    Ok(chrome::page(visit, status, &page))
}

pub async fn keys(state: web::Data<ConsoleState>, req: HttpRequest) -> Page {
    let (visit, _) = attempt!(Visit::member_of(&state, &req, Scope::Admin).await?);
    keys_page(
        &state,
        &visit,
        StatusCode::OK,
        None,
        String::new(),
        Vec::new(),
    )
    .await
}

async fn create_key_with(state: &ConsoleState, visit: &Visit, form: &Form) -> Page {
    let Some(me) = visit.signed_in.as_ref() else {
        return Ok(chrome::redirect("/console/signin"));
    };
    let mut scopes = Vec::new();
    let mut errors = Vec::new();
    for raw in form.all("scopes") {
        match Scope::parse(&raw) {
            Some(s) => scopes.push(s),
            None => errors.push(visit.t().get("error-invalid-form")),
        }
    }
    let name = form.get("name").to_owned();
    if errors.is_empty() {
        match store_key(&state.context, &me.membership.workspace_id, &name, scopes).await {
            Ok(issued) => {
                tracing::info!(key = %issued.record.id, "api key created in the console");
                return keys_page(
                    state,
                    visit,
                    StatusCode::CREATED,
                    Some(issued.secret),
                    String::new(),
                    Vec::new(),
                )
                .await;
            }
            Err(e) => errors.extend(chrome::problem_lines(visit.t(), e)?),
        }
    }
    keys_page(
        state,
        visit,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
        name,
        errors,
    )
    .await
}

pub async fn create_key(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Page {
    let Posted { visit, form, .. } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::Admin).await?);
    create_key_with(&state, &visit, &form).await
}

pub async fn revoke_key(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Page {
    let Posted { visit, me, .. } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::Admin).await?);
    let revoked = match ApiKeyId::parse(&path) {
        Some(id) => {
            state
                .context
                .store
                .revoke_api_key(&me.membership.workspace_id, &id, Timestamp::now())
                .await?
        }
        None => false,
    };
    if !revoked {
        return Ok(visit.refusal(StatusCode::NOT_FOUND, "key-not-found"));
    }
    Ok(chrome::redirect("/console/keys"))
}

pub struct MemberRow {
    pub account: String,
    pub email: String,
    pub role: &'static str,
    pub me: bool,
}

pub struct InvitationRow {
    pub id: String,
    pub role: &'static str,
    pub expires_at: String,
}

#[derive(Template)]
#[template(path = "console/members.html")]
struct MembersPage {
    c: Chrome,
    members: Vec<MemberRow>,
    invitations: Vec<InvitationRow>,
    /// An invitation link just made: shown this once.
    new_link: Option<String>,
    roles: Vec<&'static str>,
}

async fn members_page(
    state: &ConsoleState,
    visit: &Visit,
    status: StatusCode,
    new_link: Option<String>,
) -> Page {
    let Some(me) = visit.signed_in.as_ref() else {
        return Ok(chrome::redirect("/console/signin"));
    };
    let ws = &me.membership.workspace_id;
    let store = &state.context.store;
    let members = store.members(ws).await?;
    let invitations = store.invitations(ws, Timestamp::now()).await?;
    let page = MembersPage {
        c: Chrome::of(visit, "members"),
        members: members
            .iter()
            .map(|m| MemberRow {
                account: m.account_id.to_string(),
                email: m.email.clone(),
                role: m.role.as_str(),
                me: m.account_id == me.membership.account_id,
            })
            .collect(),
        invitations: invitations
            .iter()
            .map(|i| InvitationRow {
                id: i.id.to_string(),
                role: i.role.as_str(),
                expires_at: i.expires_at.to_string(),
            })
            .collect(),
        new_link,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
    };
    Ok(chrome::page(visit, status, &page))
}

pub async fn members(state: web::Data<ConsoleState>, req: HttpRequest) -> Page {
    let (visit, _) = attempt!(Visit::member_of(&state, &req, Scope::Admin).await?);
    members_page(&state, &visit, StatusCode::OK, None).await
}

pub async fn invite(state: web::Data<ConsoleState>, req: HttpRequest, body: web::Bytes) -> Page {
    let Posted { visit, form, me } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::Admin).await?);
    let Some(role) = Role::parse(form.get("role")) else {
        return Ok(visit.refusal(StatusCode::UNPROCESSABLE_ENTITY, "error-invalid-form"));
    };
    let token = random_token(40);
    let now = Timestamp::now();
    let invitation = Invitation {
        id: InvitationId::generate(),
        token_hash: hash_key(&token),
        workspace_id: me.membership.workspace_id.clone(),
        role,
        created_at: now,
        expires_at: Timestamp::from_millis(now.as_millis() + INVITATION_DAYS * 86_400_000),
    };
    state.context.store.insert_invitation(&invitation).await?;
    let base = state.context.settings.public_url.trim_end_matches('/');
    let link = format!("{base}/console/join/{token}");
    members_page(&state, &visit, StatusCode::CREATED, Some(link)).await
}

/// Whether changing `account` would leave the workspace without an owner.
async fn last_owner(
    state: &ConsoleState,
    visit: &Visit,
    account: &AccountId,
) -> Result<bool, PageError> {
    let Some(me) = visit.signed_in.as_ref() else {
        return Ok(false);
    };
    let members = state
        .context
        .store
        .members(&me.membership.workspace_id)
        .await?;
    let owners: Vec<_> = members.iter().filter(|m| m.role == Role::Owner).collect();
    Ok(owners.len() == 1 && &owners[0].account_id == account)
}

pub async fn set_role(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Page {
    let Posted { visit, form, me } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::Admin).await?);
    let (Some(account), Some(role)) = (AccountId::parse(&path), Role::parse(form.get("role")))
    else {
        return Ok(visit.refusal(StatusCode::UNPROCESSABLE_ENTITY, "error-invalid-form"));
    };
    let store = &state.context.store;
    let Some(mut membership) = store
        .membership(&me.membership.workspace_id, &account)
        .await?
    else {
        return Ok(visit.refusal(StatusCode::NOT_FOUND, "member-not-found"));
    };
    if role != Role::Owner && last_owner(&state, &visit, &account).await? {
        return Ok(visit.refusal(StatusCode::CONFLICT, "error-last-owner"));
    }
    membership.role = role;
    store.set_member(&membership).await?;
    Ok(chrome::redirect("/console/members"))
}

pub async fn remove(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Page {
    let Posted { visit, me, .. } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::Admin).await?);
    let Some(account) = AccountId::parse(&path) else {
        return Ok(visit.refusal(StatusCode::NOT_FOUND, "member-not-found"));
    };
    if last_owner(&state, &visit, &account).await? {
        return Ok(visit.refusal(StatusCode::CONFLICT, "error-last-owner"));
    }
    if !state
        .context
        .store
        .remove_member(&me.membership.workspace_id, &account)
        .await?
    {
        return Ok(visit.refusal(StatusCode::NOT_FOUND, "member-not-found"));
    }
    Ok(chrome::redirect("/console/members"))
}

pub async fn revoke_invitation(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Page {
    let Posted { visit, me, .. } =
        attempt!(Visit::member_form_of(&state, &req, &body, Scope::Admin).await?);
    let deleted = match InvitationId::parse(&path) {
        Some(id) => {
            state
                .context
                .store
                .delete_invitation(&me.membership.workspace_id, &id)
                .await?
        }
        None => false,
    };
    if !deleted {
        return Ok(visit.refusal(StatusCode::NOT_FOUND, "invitation-invalid"));
    }
    Ok(chrome::redirect("/console/members"))
}
