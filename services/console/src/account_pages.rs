//! Signing up, in and out, and joining a workspace by invitation.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use pollcast_auth::hash_key;
use pollcast_auth::sessions::{self, SESSION_COOKIE};
use pollcast_store::{Join, SignedUp};
use pollcast_types::{Account, AccountId, Membership, Timestamp, Workspace, WorkspaceId};

use crate::chrome::{self, Chrome, PageError};
use crate::form::Form;
use crate::member::{Visit, attempt};
use crate::{ConsoleState, password};
use pollcast_http::rate_limit::FailureThrottle;
use pollcast_runtime::console_setup as setup;

type Page = Result<HttpResponse, PageError>;

/// `/console`: the polls when signed in, else sign-in.
pub async fn home(state: web::Data<ConsoleState>, req: HttpRequest) -> Page {
    let visit = Visit::of(&state, &req).await?;
    Ok(chrome::redirect(if visit.signed_in.is_some() {
        "/console/polls"
    } else {
        "/console/signin"
    }))
}

/// The sign-up, sign-in and join forms: one template, its fields and errors.
#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountPage {
    c: Chrome,
    /// `signup`, `signin` or `join`.
    mode: &'static str,
    action: String,
    email: String,
    workspace: String,
    /// A message for the whole form.
    error: Option<String>,
    email_error: Option<String>,
    password_error: Option<String>,
    /// Sign-up is closed, and why: the page says so instead of showing the form.
    closed: Option<String>,
}

impl AccountPage {
    fn new(visit: &Visit, mode: &'static str, action: String) -> Self {
        AccountPage {
            c: Chrome::of(visit, ""),
            mode,
            action,
            email: String::new(),
            workspace: String::new(),
            error: None,
            email_error: None,
            password_error: None,
            closed: None,
        }
    }
}

fn normalise_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

fn email_problem(email: &str) -> Option<&'static str> {
    let ok = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.contains(char::is_whitespace);
    (!ok).then_some("email-invalid")
}

/// Why sign-up is closed to this visitor, if it is (a message id): by invitation only, or a
/// fresh install whose first account needs the setup link.
async fn signup_closed(
    state: &ConsoleState,
    req: &HttpRequest,
) -> Result<Option<&'static str>, PageError> {
    let context = &state.context;
    if context.settings.open_signup {
        Ok(None)
    } else if setup::needed(context).await? {
        Ok((!setup::carried(&context.secret, req)).then_some("signup-needs-setup"))
    } else {
        Ok(Some("signup-closed"))
    }
}

pub async fn signup_form(state: web::Data<ConsoleState>, req: HttpRequest) -> Page {
    let visit = Visit::of(&state, &req).await?;
    let mut page = AccountPage::new(&visit, "signup", "/console/signup".into());
    page.closed = signup_closed(&state, &req).await?.map(|m| visit.t().get(m));
    Ok(chrome::page(&visit, StatusCode::OK, &page))
}

/// `/console/setup?token=…`: the link printed at first start. A valid token goes into a
/// cookie and the browser on to the sign-up form, so the token leaves the address bar (and
/// the history) at once.
pub async fn setup_link(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    query: web::Query<SetupQuery>,
) -> Page {
    let visit = Visit::of(&state, &req).await?;
    if !setup::needed(&state.context).await? {
        return Ok(chrome::redirect("/console/signin"));
    }
    if !setup::is_valid(&state.context.secret, &query.token) {
        return Ok(visit.refusal(StatusCode::NOT_FOUND, "setup-invalid"));
    }
    let mut res = chrome::redirect("/console/signup");
    res.headers_mut().append(
        header::SET_COOKIE,
        header::HeaderValue::from_str(&visit.setup_cookie(&query.token))
            .map_err(pollcast_http::ApiError::internal)?,
    );
    Ok(res)
}

#[derive(serde::Deserialize)]
pub struct SetupQuery {
    #[serde(default)]
    token: String,
}

pub async fn signup(state: web::Data<ConsoleState>, req: HttpRequest, body: web::Bytes) -> Page {
    let (visit, form) = attempt!(Visit::form_of(&state, &req, &body).await?);
    let mut page = AccountPage::new(&visit, "signup", "/console/signup".into());
    page.email = form.get("email").to_owned();
    page.workspace = form.get("workspace").to_owned();
    if let Some(closed) = signup_closed(&state, &req).await? {
        page.closed = Some(visit.t().get(closed));
        return Ok(chrome::page(&visit, StatusCode::FORBIDDEN, &page));
    }
    let Some(draft) = check_new_account(&state, &req, &visit, &form, &mut page).await else {
        return Ok(chrome::page(
            &visit,
            StatusCode::UNPROCESSABLE_ENTITY,
            &page,
        ));
    };
    let name = match form.get("workspace") {
        "" => visit.t().get("default-workspace-name"),
        n => n.chars().take(100).collect(),
    };
    let workspace = Workspace {
        id: WorkspaceId::generate(),
        name,
        created_at: Timestamp::now(),
    };
    let join = if state.context.settings.open_signup {
        Join::Open(&workspace)
    } else {
        Join::First(&workspace)
    };
    let outcome = state.context.store.sign_up(&draft, join).await?;
    if matches!(outcome, SignedUp::Member(_)) && !state.context.settings.open_signup {
        // The install is set up: the link is dead, its file goes.
        setup::forget(&state.context.settings.data_dir);
    }
    finish_sign_up(&state, &visit, page, outcome).await
}

/// The client address, as the throttles key it.
fn address(state: &ConsoleState, req: &HttpRequest) -> String {
    state
        .context
        .proxies
        .client_ip(req)
        .map(|ip| ip.to_string())
        .unwrap_or_default()
}

/// Checks the email and password of a new account and hashes the password; `None` (with the
/// errors on the page) when they do not do. Every try counts against the address's sign-up
/// budget (a password hash costs real CPU), never against its sign-in budget.
async fn check_new_account(
    state: &ConsoleState,
    req: &HttpRequest,
    visit: &Visit,
    form: &Form,
    page: &mut AccountPage,
) -> Option<Account> {
    if let Some(throttle) = &state.signup_by_address {
        let address = address(state, req);
        if throttle.admit(&address).is_err() {
            page.error = Some(visit.t().get("signin-throttled"));
            return None;
        }
        throttle.failed(&address);
    }
    let email = normalise_email(form.get("email"));
    let raw_password = form.raw("password");
    page.email_error = email_problem(&email).map(|m| visit.t().get(m));
    page.password_error = password::problem(&raw_password).map(|m| visit.t().get(m));
    if page.email_error.is_some() || page.password_error.is_some() {
        return None;
    }
    let Ok(password_hash) = password::hash(raw_password).await else {
        page.error = Some(visit.t().get("console-busy"));
        return None;
    };
    Some(Account {
        id: AccountId::generate(),
        email,
        password_hash,
        created_at: Timestamp::now(),
    })
}

async fn finish_sign_up(
    state: &ConsoleState,
    visit: &Visit,
    mut page: AccountPage,
    outcome: SignedUp,
) -> Page {
    match outcome {
        SignedUp::Member(membership) => {
            tracing::info!(account = %membership.account_id, workspace = %membership.workspace_id,
                role = membership.role.as_str(), "console account created");
            start_session(state, visit, None, &membership).await
        }
        SignedUp::EmailTaken => {
            page.email_error = Some(visit.t().get("email-taken"));
            Ok(chrome::page(visit, StatusCode::CONFLICT, &page))
        }
        SignedUp::Closed => {
            page.closed = Some(visit.t().get("signup-closed"));
            Ok(chrome::page(visit, StatusCode::FORBIDDEN, &page))
        }
        SignedUp::InvitationInvalid => {
            Ok(visit.refusal(StatusCode::NOT_FOUND, "invitation-invalid"))
        }
    }
}

/// Signs the browser in as `membership`: a new session id (any old one is ended: sessions
/// rotate at sign-in), then to the polls.
async fn start_session(
    state: &ConsoleState,
    visit: &Visit,
    old: Option<&str>,
    membership: &Membership,
) -> Page {
    let days = state.context.settings.session_days;
    let (id, session) = sessions::mint(&membership.account_id, &membership.workspace_id, days);
    let store = &state.context.store;
    if let Some(old) = old {
        store.delete_session(&hash_key(old)).await?;
    }
    store.insert_session(&session).await?;
    let mut res = chrome::redirect("/console/polls");
    res.headers_mut().append(
        header::SET_COOKIE,
        header::HeaderValue::from_str(&visit.session_cookie(&id, u64::from(days) * 86_400))
            .map_err(pollcast_http::ApiError::internal)?,
    );
    Ok(res)
}

pub async fn signin_form(state: web::Data<ConsoleState>, req: HttpRequest) -> Page {
    let visit = Visit::of(&state, &req).await?;
    if visit.signed_in.is_some() {
        return Ok(chrome::redirect("/console/polls"));
    }
    let page = AccountPage::new(&visit, "signin", "/console/signin".into());
    Ok(chrome::page(&visit, StatusCode::OK, &page))
}

pub async fn signin(state: web::Data<ConsoleState>, req: HttpRequest, body: web::Bytes) -> Page {
    let (visit, form) = attempt!(Visit::form_of(&state, &req, &body).await?);
    let email = normalise_email(form.get("email"));
    let address = address(&state, &req);
    let mut page = AccountPage::new(&visit, "signin", "/console/signin".into());
    page.email = form.get("email").to_owned();
    let account = match check_password(&state, &email, &address, form.raw("password")).await? {
        Checked::Right(account) => account,
        refused => return Ok(refused.page(&visit, page, "signin-failed")),
    };
    let Some(membership) = first_membership(&state, &account).await? else {
        page.error = Some(visit.t().get("signin-failed"));
        return Ok(chrome::page(&visit, StatusCode::UNAUTHORIZED, &page));
    };
    let old = pollcast_http::cookie::get(&req, SESSION_COOKIE);
    start_session(&state, &visit, old.as_deref(), &membership).await
}

pub async fn signout(state: web::Data<ConsoleState>, req: HttpRequest, body: web::Bytes) -> Page {
    let (visit, _) = attempt!(Visit::form_of(&state, &req, &body).await?);
    if let Some(me) = &visit.signed_in {
        state
            .context
            .store
            .delete_session(&me.session.id_hash)
            .await?;
    }
    let mut res = chrome::redirect("/console/signin");
    res.headers_mut().append(
        header::SET_COOKIE,
        header::HeaderValue::from_str(&visit.clear_session_cookie())
            .map_err(pollcast_http::ApiError::internal)?,
    );
    Ok(res)
}

pub async fn join_form(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Page {
    let visit = Visit::of(&state, &req).await?;
    let page = AccountPage::new(&visit, "join", format!("/console/join/{}", path.as_str()));
    Ok(chrome::page(&visit, StatusCode::OK, &page))
}

pub async fn join(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Page {
    let (visit, form) = attempt!(Visit::form_of(&state, &req, &body).await?);
    let mut page = AccountPage::new(&visit, "join", format!("/console/join/{}", path.as_str()));
    page.email = form.get("email").to_owned();
    let Some(draft) = check_new_account(&state, &req, &visit, &form, &mut page).await else {
        return Ok(chrome::page(
            &visit,
            StatusCode::UNPROCESSABLE_ENTITY,
            &page,
        ));
    };
    let token_hash = hash_key(path.as_str());
    let store = &state.context.store;
    let outcome = store
        .sign_up(
            &draft,
            Join::Invitation {
                token_hash: &token_hash,
                now: Timestamp::now(),
            },
        )
        .await?;
    if outcome != SignedUp::EmailTaken {
        return finish_sign_up(&state, &visit, page, outcome).await;
    }
    // Someone with an account joins with it: their password, not a new one (checked and
    // throttled as a sign-in is).
    let address = address(&state, &req);
    match check_password(&state, &draft.email, &address, form.raw("password")).await? {
        Checked::Right(account) => match store
            .accept_invitation(&token_hash, &account, Timestamp::now())
            .await?
        {
            Some(membership) => start_session(&state, &visit, None, &membership).await,
            None => Ok(visit.refusal(StatusCode::NOT_FOUND, "invitation-invalid")),
        },
        refused => Ok(refused.page(&visit, page, "join-existing-failed")),
    }
}

/// How a password check went.
enum Checked {
    Right(Account),
    /// Wrong password, or no such account: the same answer either way.
    Wrong,
    /// Refused unread: this address failed too often (for this account, or for many).
    Throttled,
    /// Every core is hashing passwords: try again shortly.
    Busy,
}

impl Checked {
    /// The form again, saying why the check did not let the person in (`wrong`: the message
    /// for a wrong password).
    fn page(&self, visit: &Visit, mut page: AccountPage, wrong: &'static str) -> HttpResponse {
        let (status, message) = match self {
            Checked::Throttled => (StatusCode::TOO_MANY_REQUESTS, "signin-throttled"),
            Checked::Busy => (StatusCode::SERVICE_UNAVAILABLE, "console-busy"),
            Checked::Right(_) | Checked::Wrong => (StatusCode::UNAUTHORIZED, wrong),
        };
        page.error = Some(visit.t().get(message));
        let mut res = chrome::page(visit, status, &page);
        if status != StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        }
        res
    }
}

/// How long each sign-in to an account under a distributed guessing attack is held.
const SLOWED: std::time::Duration = std::time::Duration::from_secs(2);

/// Checks `email`'s password from `address`. An address that keeps failing for an account,
/// or for many, is refused unread, and the answer is the same whether the account exists or
/// not. An account failing from many addresses is only slowed: its owner, from an address
/// that has not been failing, still gets in.
async fn check_password(
    state: &ConsoleState,
    email: &str,
    address: &str,
    password: String,
) -> Result<Checked, PageError> {
    let pair = format!("{email}\x1f{address}");
    let blocked = |throttle: &Option<FailureThrottle>, key: &str| {
        throttle.as_ref().is_some_and(|t| t.admit(key).is_err())
    };
    if blocked(&state.signin_by_pair, &pair) || blocked(&state.signin_by_address, address) {
        return Ok(Checked::Throttled);
    }
    if blocked(&state.signin_by_account, email) {
        tokio::time::sleep(SLOWED).await;
    }
    let account = state.context.store.account_by_email(email).await?;
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    match (password::verify(password, stored).await, account) {
        (Err(password::Busy), _) => Ok(Checked::Busy),
        (Ok(true), Some(account)) => Ok(Checked::Right(account)),
        _ => {
            let failed = [
                (&state.signin_by_pair, pair.as_str()),
                (&state.signin_by_address, address),
                (&state.signin_by_account, email),
            ];
            for (throttle, key) in failed {
                if let Some(t) = throttle {
                    t.failed(key);
                }
            }
            tracing::info!("console sign-in failed");
            Ok(Checked::Wrong)
        }
    }
}

/// The workspace an account signs in to (its first membership).
async fn first_membership(
    state: &ConsoleState,
    account: &Account,
) -> Result<Option<Membership>, PageError> {
    Ok(state
        .context
        .store
        .memberships_of(&account.id)
        .await?
        .into_iter()
        .next())
}

pub struct WorkspaceRow {
    pub id: String,
    pub name: String,
    pub role: &'static str,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "console/workspaces.html")]
struct WorkspacesPage {
    c: Chrome,
    workspaces: Vec<WorkspaceRow>,
}

/// `/console/workspaces`: the workspaces the person belongs to, to switch between.
pub async fn workspaces(state: web::Data<ConsoleState>, req: HttpRequest) -> Page {
    let visit = Visit::of(&state, &req).await?;
    let me = attempt!(visit.member());
    let store = &state.context.store;
    let mut rows = Vec::new();
    for m in store.memberships_of(&me.membership.account_id).await? {
        let name = store
            .workspace(&m.workspace_id)
            .await?
            .map(|w| w.name)
            .unwrap_or_default();
        rows.push(WorkspaceRow {
            current: m.workspace_id == me.membership.workspace_id,
            id: m.workspace_id.to_string(),
            name,
            role: m.role.as_str(),
        });
    }
    let page = WorkspacesPage {
        c: Chrome::of(&visit, "workspaces"),
        workspaces: rows,
    };
    Ok(chrome::page(&visit, StatusCode::OK, &page))
}

/// `POST /console/workspaces/{id}`: a new session in another workspace of the person's.
pub async fn switch_workspace(
    state: web::Data<ConsoleState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Page {
    let (visit, _) = attempt!(Visit::form_of(&state, &req, &body).await?);
    let me = attempt!(visit.member()).clone();
    let membership = match WorkspaceId::parse(&path) {
        Some(ws) => {
            state
                .context
                .store
                .membership(&ws, &me.membership.account_id)
                .await?
        }
        None => None,
    };
    let Some(membership) = membership else {
        return Ok(visit.refusal(StatusCode::NOT_FOUND, "page-not-found"));
    };
    let old = pollcast_http::cookie::get(&req, SESSION_COOKIE);
    start_session(&state, &visit, old.as_deref(), &membership).await
}
