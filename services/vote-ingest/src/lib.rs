//! vote-ingest: the public write path. It checks a vote against its poll, then, in one atomic
//! Redis script, marks the voter as having voted and appends the vote to its shard's votes
//! stream. A 202 means both happened; a refusal means neither did.

mod ballot;
mod counted;
mod difficulty;
mod group_commit;
mod ingest_script;
mod load_gate;
mod proof;
pub mod routes;
mod shares;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use pollcast_auth::Authenticator;
use pollcast_http::rate_limit::Limiter;
use pollcast_http::routes::{Access, Register, RouteSink};
use pollcast_runtime::{Context, PollCache, Service};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use ingest_script::{Idempotency, IngestOutcome, IngestScript};
pub use load_gate::{LoadGate, Shedding};
pub use proof::SolvedChallenge;

/// vote-ingest's routes, each declared once (see `pollcast_http::routes`).
pub fn ingest_routes(r: &mut impl RouteSink) {
    use routes::{challenge, voters, votes};
    r.route::<votes::__path_cast, _, _>(Access::Public, votes::cast);
    r.route::<challenge::__path_issue, _, _>(Access::Public, challenge::issue);
    r.route::<voters::__path_mint, _, _>(Access::Public, voters::mint);
}

/// The shared state of the vote-ingest handlers.
pub struct IngestState {
    pub context: Context,
    pub polls: PollCache,
    pub script: IngestScript,
    pub limits: Limits,
    pub gate: Arc<LoadGate>,
    pub counted: counted::CountedCheck,
    pub challenges: proof::Challenges,
}

/// The rate limits of the public write path (`None`: off).
pub struct Limits {
    pub votes_per_ip: Option<Limiter>,
    pub votes_per_poll: Option<Limiter>,
    pub voters_per_ip: Option<Limiter>,
    /// Form votes (which cannot solve a challenge) on a protected poll, per poll.
    pub form_votes_protected: Option<Limiter>,
    /// Form votes on a protected poll, per poll and client address.
    pub form_votes_protected_per_ip: Option<Limiter>,
}

#[derive(Clone)]
pub struct VoteIngest {
    state: web::Data<IngestState>,
    /// API keys vouch for votes on protected polls (`proof`).
    auth: web::Data<Authenticator>,
}

impl VoteIngest {
    pub fn new(context: &Context) -> Self {
        let polls = PollCache::new(context.store.clone(), Duration::from_secs(1));
        Self {
            state: web::Data::new(IngestState {
                context: context.clone(),
                polls,
                script: IngestScript::new(context.bus.clone()),
                counted: counted::CountedCheck::new(context.bus.clone()),
                limits: Limits {
                    votes_per_ip: Limiter::per_second(context.settings.rate_votes_per_ip),
                    votes_per_poll: Limiter::per_second(context.settings.rate_votes_per_poll),
                    voters_per_ip: Limiter::per_second(context.settings.rate_voters_per_ip),
                    form_votes_protected: Limiter::per_minute(
                        context.settings.rate_form_votes_protected,
                    ),
                    form_votes_protected_per_ip: Limiter::per_minute(1),
                },
                gate: Arc::default(),
                challenges: proof::Challenges::new(
                    &context.secret,
                    context.settings.bot_difficulty,
                ),
            }),
            auth: web::Data::new(Authenticator::new(context)),
        }
    }

    pub fn into_service(self) -> Arc<dyn Service> {
        Arc::new(self)
    }
}

impl Service for VoteIngest {
    fn name(&self) -> &'static str {
        "vote-ingest"
    }

    fn routes(&self, routes: &mut Register) {
        ingest_routes(routes);
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.state.clone())
            .app_data(self.auth.clone())
            .route("/p/{poll_id}/vote", web::post().to(routes::form::form_vote));
    }

    fn spawn_background(&self, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
        vec![
            tokio::spawn(load_gate::run(
                self.state.context.clone(),
                self.state.gate.clone(),
                shutdown.clone(),
            )),
            tokio::spawn(shares::run(self.state.clone().into_inner(), shutdown)),
        ]
    }
}
