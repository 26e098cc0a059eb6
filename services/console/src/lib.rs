//! console: the owner console at `/console`, server-rendered (askama) and usable without
//! JavaScript. People sign up and in (argon2id passwords, server-side sessions, CSRF-checked
//! forms), then do what the API allows: polls (create, edit, open, close, reset, delete),
//! a poll's live results, chart, share panel and present mode, API keys, members and
//! invitations, webhooks. Every action goes through the same functions as the API's routes,
//! with the member's role as the caller's scopes, so the rules (validation, tenancy, scopes)
//! are the API's.
//!
//! Templates are `web/templates/console/`, messages `web/locales/console/`, assets
//! `web/static/console.*` and `web/static/vendor/`.

mod account_pages;
mod chrome;
mod csrf;
mod form;
mod member;
mod password;
mod poll_form;
mod poll_pages;
mod qr;
mod webhook_pages;
mod workspace_pages;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use pollcast_http::rate_limit::FailureThrottle;
use pollcast_runtime::{Context, PollCache, Service};

pub use password::{
    MAX_LEN as PASSWORD_MAX_LEN, MIN_LEN as PASSWORD_MIN_LEN, hash as hash_password,
    problem as password_problem,
};

pub struct ConsoleState {
    pub context: Context,
    pub polls: PollCache,
    /// Failed sign-ins per (account, client address): past it, that address is refused for
    /// that account.
    pub signin_by_pair: Option<FailureThrottle>,
    /// Failed sign-ins per client address, whatever the account: past it, refused.
    pub signin_by_address: Option<FailureThrottle>,
    /// Failed sign-ins per account, from anywhere: past it, every sign-in to it is slowed,
    /// none refused (a stranger who knows an owner's email cannot lock the owner out).
    pub signin_by_account: Option<FailureThrottle>,
    /// Sign-ups and invitation joins per client address (each costs a password hash); a
    /// budget of their own, so a team joining from behind one NAT keeps its sign-ins.
    pub signup_by_address: Option<FailureThrottle>,
}

#[derive(Clone)]
pub struct Console {
    state: web::Data<ConsoleState>,
}

impl Console {
    pub fn new(context: &Context) -> Self {
        let per_minute = context.settings.signin_failures_per_minute;
        Self {
            state: web::Data::new(ConsoleState {
                context: context.clone(),
                polls: PollCache::new(context.store.clone(), Duration::from_secs(1)),
                signin_by_pair: FailureThrottle::per_minute(per_minute),
                signin_by_address: FailureThrottle::per_minute(per_minute.saturating_mul(4)),
                signin_by_account: FailureThrottle::per_minute(per_minute.saturating_mul(4)),
                signup_by_address: FailureThrottle::per_minute(per_minute.saturating_mul(12)),
            }),
        }
    }

    pub fn into_service(self) -> Arc<dyn Service> {
        Arc::new(self)
    }
}

impl Service for Console {
    fn name(&self) -> &'static str {
        "console"
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        use account_pages as a;
        use poll_pages as p;
        use webhook_pages as h;
        use workspace_pages as w;
        cfg.app_data(self.state.clone()).service(
            web::scope("/console")
                .route("", web::get().to(a::home))
                .route("/signup", web::get().to(a::signup_form))
                .route("/signup", web::post().to(a::signup))
                .route("/setup", web::get().to(a::setup_link))
                .route("/signin", web::get().to(a::signin_form))
                .route("/signin", web::post().to(a::signin))
                .route("/signout", web::post().to(a::signout))
                .route("/join/{token}", web::get().to(a::join_form))
                .route("/join/{token}", web::post().to(a::join))
                .route("/workspaces", web::get().to(a::workspaces))
                .route("/workspaces/{id}", web::post().to(a::switch_workspace))
                .route("/polls", web::get().to(p::list))
                .route("/polls", web::post().to(p::create))
                .route("/polls/new", web::get().to(p::new_form))
                .route("/polls/{id}", web::get().to(p::show))
                .route("/polls/{id}/edit", web::get().to(p::edit_form))
                .route("/polls/{id}/edit", web::post().to(p::edit))
                .route("/polls/{id}/present", web::get().to(p::present))
                .route("/polls/{id}/terms", web::post().to(p::moderate))
                .route("/polls/{id}/qr.svg", web::get().to(p::qr_svg))
                .route("/polls/{id}/timeline", web::get().to(p::timeline))
                .route("/polls/{id}/{action}", web::get().to(p::confirm))
                .route("/polls/{id}/{action}", web::post().to(p::act))
                .route("/keys", web::get().to(w::keys))
                .route("/keys", web::post().to(w::create_key))
                .route("/keys/{id}/revoke", web::post().to(w::revoke_key))
                .route("/members", web::get().to(w::members))
                .route("/members/invite", web::post().to(w::invite))
                .route("/members/{account}/role", web::post().to(w::set_role))
                .route("/members/{account}/remove", web::post().to(w::remove))
                .route(
                    "/invitations/{id}/revoke",
                    web::post().to(w::revoke_invitation),
                )
                .route("/webhooks", web::get().to(h::list))
                .route("/webhooks", web::post().to(h::create))
                .route("/webhooks/{id}", web::get().to(h::show))
                .route("/webhooks/{id}", web::post().to(h::update))
                .route("/webhooks/{id}/delete", web::post().to(h::delete))
                .route("/webhooks/{id}/test", web::post().to(h::test))
                .route(
                    "/webhooks/{id}/replay/{delivery}",
                    web::post().to(h::replay),
                ),
        );
    }
}
