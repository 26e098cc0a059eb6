//! The all-in-one `pollcast` binary's library: which services a process runs, and the demo
//! poll a fresh install starts with.

pub mod demo;

use std::sync::Arc;

use pollcast_api::Api;
use pollcast_console::Console;
use pollcast_results_broadcast::ResultsBroadcast;
use pollcast_runtime::{Context, Service};
use pollcast_tally::Tally;
use pollcast_vote_ingest::VoteIngest;
use pollcast_web::Web;
use pollcast_webhook_dispatcher::WebhookDispatcher;

/// The services named in the settings (`--services`), built over one context.
pub fn services(context: &Context) -> Vec<Arc<dyn Service>> {
    let settings = &context.settings;
    let mut out: Vec<Arc<dyn Service>> = Vec::new();
    // vote-ingest first: routes are tried in this order, one regex each for a path with a
    // `{param}`, and a vote came after the whole management API (16 regex searches a vote,
    // a tenth of the HTTP worker's instructions).
    if settings.runs("vote-ingest") {
        out.push(VoteIngest::new(context).into_service());
    }
    if settings.runs("api") {
        out.push(Api::new(context).into_service());
    }
    if settings.runs("tally") {
        out.push(Tally::new(context).into_service());
    }
    if settings.runs("results-broadcast") {
        out.push(ResultsBroadcast::new(context).into_service());
    }
    if settings.runs("web") {
        out.push(Web::new(context).into_service());
    }
    if settings.runs("webhook-dispatcher") {
        out.push(WebhookDispatcher::new(context).into_service());
    }
    if settings.runs("console") {
        out.push(Console::new(context).into_service());
    }
    if settings.runs("mcp") {
        out.push(pollcast_mcp::Mcp::new(context).into_service());
    }
    out
}
