//! results-broadcast: every instance follows the results stream and fans each snapshot out
//! to the viewers of its poll. A snapshot is serialised once (by tally) and shared by
//! reference with every connection. On each HTTP worker one task per poll sends new frames
//! to that worker's viewers a slice at a time (`crowd`), never waiting for a viewer: a slow
//! one skips ahead instead of slowing anyone down.

mod counts;
mod crowd;
mod hub;
pub mod live;
pub mod live_messages;
mod reader;
pub mod results;
mod seats;
mod sse;
mod viewers;
pub mod visibility;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use pollcast_auth::Authenticator;
use pollcast_http::routes::{Access, Register, RouteSink};
use pollcast_runtime::{Context, PollCache, Service};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use hub::Hub;

/// results-broadcast's routes, each declared once (see `pollcast_http::routes`).
pub fn broadcast_routes(r: &mut impl RouteSink) {
    r.route::<live::__path_live, _, _>(Access::SameOrigin, live::live);
    r.route::<results::__path_results, _, _>(Access::Public, results::results);
}

pub struct BroadcastState {
    pub context: Context,
    pub polls: PollCache,
    pub hub: Hub,
    pub seats: Arc<seats::Seats>,
    pub viewers: Arc<viewers::Viewers>,
}

#[derive(Clone)]
pub struct ResultsBroadcast {
    state: web::Data<BroadcastState>,
    auth: web::Data<Authenticator>,
}

impl ResultsBroadcast {
    pub fn new(context: &Context) -> Self {
        Self {
            state: web::Data::new(BroadcastState {
                context: context.clone(),
                polls: PollCache::new(context.store.clone(), Duration::from_secs(1)),
                hub: Hub::default(),
                seats: Arc::new(seats::Seats::new(context.settings.live_per_ip)),
                viewers: Arc::default(),
            }),
            auth: web::Data::new(Authenticator::new(context)),
        }
    }

    pub fn into_service(self) -> Arc<dyn Service> {
        Arc::new(self)
    }
}

impl Service for ResultsBroadcast {
    fn name(&self) -> &'static str {
        "results-broadcast"
    }

    fn routes(&self, routes: &mut Register) {
        broadcast_routes(routes);
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.state.clone()).app_data(self.auth.clone());
    }

    fn spawn_background(&self, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
        let state = self.state.clone().into_inner();
        let mut tasks: Vec<JoinHandle<()>> = state
            .context
            .bus
            .shard_groups(state.context.settings.shards)
            .into_iter()
            .map(|shards| tokio::spawn(reader::run(state.clone(), shards, shutdown.clone())))
            .collect();
        tasks.push(tokio::spawn(viewers::run(state, shutdown)));
        tasks
    }
}
