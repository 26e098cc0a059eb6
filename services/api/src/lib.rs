//! api: what integrators and site owners talk to: workspaces and API keys, poll management
//! and the hosted poll page. Votes and live results are other services' routes.

mod idempotency;
mod page;
pub mod poll_view;
pub mod polls;
pub mod routes;
mod scheduler;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use pollcast_auth::Authenticator;
use pollcast_runtime::{Context, PollCache, Service};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The OpenAPI document, as checked in; `pollcast-openapi`'s tests keep it equal to the one
/// the handlers' annotations generate (this crate cannot depend on that one: it is an input).
const OPENAPI_DOCUMENT: &str = include_str!("../../../schema/openapi.json");

async fn openapi_document() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(OPENAPI_DOCUMENT)
}

pub struct ApiState {
    pub context: Context,
    pub polls: PollCache,
}

#[derive(Clone)]
pub struct Api {
    state: web::Data<ApiState>,
    auth: web::Data<Authenticator>,
}

impl Api {
    pub fn new(context: &Context) -> Self {
        Self {
            state: web::Data::new(ApiState {
                context: context.clone(),
                polls: PollCache::new(context.store.clone(), Duration::from_secs(1)),
            }),
            auth: web::Data::new(Authenticator::new(context)),
        }
    }

    pub fn into_service(self) -> Arc<dyn Service> {
        Arc::new(self)
    }
}

impl Service for Api {
    fn name(&self) -> &'static str {
        "api"
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.state.clone())
            .app_data(self.auth.clone())
            .route("/v1/api-keys", web::post().to(routes::api_keys::create))
            .route("/v1/api-keys", web::get().to(routes::api_keys::list))
            .route(
                "/v1/api-keys/{key_id}",
                web::delete().to(routes::api_keys::revoke),
            )
            .route("/v1/auth/token", web::post().to(routes::tokens::issue))
            .route(
                "/v1/workspace/voter-secret",
                web::get().to(routes::tokens::voter_secret),
            )
            .route("/v1/polls", web::post().to(routes::polls::create))
            .route("/v1/polls", web::get().to(routes::polls::list))
            .service(
                // CORS for the public view (GET); PATCH and DELETE are refused by it in
                // browsers of other origins, as management calls should be.
                web::resource("/v1/polls/{poll_id}")
                    .wrap(pollcast_http::cors::public())
                    .route(web::get().to(routes::polls::get))
                    .route(web::patch().to(routes::lifecycle::patch))
                    .route(web::delete().to(routes::lifecycle::delete)),
            )
            .route(
                "/v1/polls/{poll_id}/open",
                web::post().to(routes::lifecycle::open),
            )
            .route(
                "/v1/polls/{poll_id}/close",
                web::post().to(routes::lifecycle::close),
            )
            .route(
                "/v1/polls/{poll_id}/reset",
                web::post().to(routes::lifecycle::reset),
            )
            .route(
                "/v1/polls/{poll_id}/votes",
                web::get().to(routes::votes::list),
            )
            .route(
                "/v1/polls/{poll_id}/votes.csv",
                web::get().to(routes::votes::csv),
            )
            .service(
                web::resource("/v1/openapi.json")
                    .wrap(pollcast_http::cors::public())
                    .route(web::get().to(openapi_document)),
            )
            .route("/p/{poll_id}", web::get().to(page::poll_page))
            .route("/docs/errors", web::get().to(page::errors_page))
            .route("/static/{file}", web::get().to(page::asset));
    }

    fn spawn_background(&self, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
        vec![tokio::spawn(scheduler::run(
            self.state.clone().into_inner(),
            shutdown,
        ))]
    }
}
