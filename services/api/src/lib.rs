//! api: what integrators and site owners talk to: workspaces and API keys, poll management
//! and the hosted poll page. Votes and live results are other services' routes.

mod expiry;
mod idempotency;
mod page;
pub mod poll_view;
pub mod polls;
mod reference;
pub mod routes;
mod scheduler;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use pollcast_auth::Authenticator;
use pollcast_http::routes::{Access, Register, RouteSink};
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

/// The api's routes, each declared once (see `pollcast_http::routes`).
pub fn api_routes(r: &mut impl RouteSink) {
    use Access::{Public, SameOrigin};
    use routes::{
        api_keys, audit, lifecycle, polls, terms, tokens, votes, webhook_deliveries, webhooks,
    };
    r.route::<api_keys::__path_create, _, _>(SameOrigin, api_keys::create);
    r.route::<api_keys::__path_list, _, _>(SameOrigin, api_keys::list);
    r.route::<api_keys::__path_revoke, _, _>(SameOrigin, api_keys::revoke);
    r.route::<tokens::__path_issue, _, _>(SameOrigin, tokens::issue);
    r.route::<tokens::__path_voter_secret, _, _>(SameOrigin, tokens::voter_secret);
    r.route::<polls::__path_create, _, _>(SameOrigin, polls::create);
    r.route::<polls::__path_list, _, _>(SameOrigin, polls::list);
    // The public view is CORS-enabled; PATCH and DELETE on the same resource are then refused
    // by browsers of other origins, as management calls should be.
    r.route::<polls::__path_get, _, _>(Public, polls::get);
    r.route::<lifecycle::__path_patch, _, _>(SameOrigin, lifecycle::patch);
    r.route::<lifecycle::__path_delete, _, _>(SameOrigin, lifecycle::delete);
    r.route::<lifecycle::__path_open, _, _>(SameOrigin, lifecycle::open);
    r.route::<lifecycle::__path_close, _, _>(SameOrigin, lifecycle::close);
    r.route::<lifecycle::__path_reset, _, _>(SameOrigin, lifecycle::reset);
    r.route::<audit::__path_audit, _, _>(SameOrigin, audit::audit);
    r.route::<terms::__path_list, _, _>(SameOrigin, terms::list);
    r.route::<terms::__path_moderate, _, _>(SameOrigin, terms::moderate);
    r.route::<votes::__path_list, _, _>(SameOrigin, votes::list);
    r.route::<votes::__path_csv, _, _>(SameOrigin, votes::csv);
    r.route::<webhooks::__path_create, _, _>(SameOrigin, webhooks::create);
    r.route::<webhooks::__path_list, _, _>(SameOrigin, webhooks::list);
    r.route::<webhooks::__path_get, _, _>(SameOrigin, webhooks::get);
    r.route::<webhooks::__path_patch, _, _>(SameOrigin, webhooks::patch);
    r.route::<webhooks::__path_delete, _, _>(SameOrigin, webhooks::delete);
    r.route::<webhooks::__path_rotate_secret, _, _>(SameOrigin, webhooks::rotate_secret);
    use webhook_deliveries as deliveries;
    r.route::<deliveries::__path_deliveries, _, _>(SameOrigin, deliveries::deliveries);
    r.route::<deliveries::__path_replay_one, _, _>(SameOrigin, deliveries::replay_one);
    r.route::<deliveries::__path_replay_many, _, _>(SameOrigin, deliveries::replay_many);
    r.route::<deliveries::__path_test, _, _>(SameOrigin, deliveries::test);
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

    fn routes(&self, routes: &mut Register) {
        api_routes(routes);
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.state.clone())
            .app_data(self.auth.clone())
            .service(
                web::resource("/v1/openapi.json")
                    .wrap(pollcast_http::cors::public())
                    .route(web::get().to(openapi_document)),
            )
            .route("/docs/errors", web::get().to(page::errors_page))
            .route("/docs/api", web::get().to(reference::reference_page));
    }

    fn spawn_background(&self, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
        vec![
            tokio::spawn(scheduler::run(
                self.state.clone().into_inner(),
                shutdown.clone(),
            )),
            tokio::spawn(expiry::run(self.state.clone().into_inner(), shutdown)),
        ]
    }
}
