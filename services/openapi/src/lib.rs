//! The OpenAPI 3.1 document of the public HTTP API, assembled from the `#[utoipa::path]`
//! annotations on the handlers of every service and the schemas of the types they read and
//! write. The document is checked in at `schema/openapi.json`, which is what the api service
//! serves at `/v1/openapi.json`; a test fails when the code and the file disagree (run it
//! with `POLLCAST_UPDATE_OPENAPI=1` to rewrite the file after an intended change).

use pollcast_api::poll_view::{Embed, PollView};
use pollcast_api::routes::webhook_deliveries as deliveries;
use pollcast_api::routes::{api_keys, audit, lifecycle, polls, terms, tokens, votes, webhooks};
use pollcast_http::error::Problem;
use pollcast_results_broadcast::live_messages::{LiveMessage, LiveResults, LiveStatus};
use pollcast_results_broadcast::{live, results};
use pollcast_types::open_text::{HiddenTerm, TermDecision, TermView};
use pollcast_types::poll::NewOption;
use pollcast_types::{
    Audit, AuditLine, BotProtection, Dedupe, ErrorCode, EventType, FieldError, KindResults,
    Moderation, NewPoll, OptionCount, PollKind, PollOption, PollStatus, ResultsVisibility,
    RunoffRound, Scope, ScoreCount, TermCount, TermState, TextEntry, TextLanguage, WebhookAttempt,
};
use pollcast_vote_ingest::routes::{challenge, voters, votes as cast};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Document, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "pollcast",
        description = "Real-time polls: create and run them, take votes, and follow the results live. \
                       Errors are `application/problem+json` documents with a stable `code`; see docs/api.md.",
        license(name = "AGPL-3.0-only"),
    ),
    paths(
        api_keys::create, api_keys::list, api_keys::revoke,
        tokens::issue, tokens::voter_secret,
        polls::create, polls::list, polls::get,
        lifecycle::patch, lifecycle::delete, lifecycle::open, lifecycle::close, lifecycle::reset,
        audit::audit, terms::list, terms::moderate,
        votes::list, votes::csv,
        webhooks::create, webhooks::list, webhooks::get, webhooks::patch, webhooks::delete,
        webhooks::rotate_secret,
        deliveries::deliveries, deliveries::replay_one, deliveries::replay_many, deliveries::test,
        cast::cast, challenge::issue, voters::mint,
        results::results, live::live,
    ),
    components(schemas(
        Problem, ErrorCode, FieldError, Scope, NewPoll, NewOption, PollView, Embed, PollOption,
        PollKind, PollStatus, ResultsVisibility, Dedupe, BotProtection, OptionCount, KindResults, RunoffRound,
        ScoreCount, EventType, WebhookAttempt, Audit, AuditLine, TermCount, TextEntry, TermView,
        TermState, TermDecision, Moderation, TextLanguage, HiddenTerm, LiveMessage, LiveResults,
        LiveStatus,
    )),
    modifiers(&Conventions),
    tags(
        (name = "keys", description = "API keys, access tokens and the voter-signing secret"),
        (name = "polls", description = "Creating and running polls"),
        (name = "votes", description = "Casting votes, voter tokens, and the vote log"),
        (name = "results", description = "Results, and following them live"),
        (name = "webhooks", description = "Endpoints that receive signed events"),
    ),
)]
struct ApiDoc;

/// What every operation shares: the bearer scheme, and the problem responses any of them can
/// give, added here once instead of on each handler.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.security_schemes.insert(
            "bearer".into(),
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.responses.insert(
            "Problem".into(),
            RefOr::T(
                ResponseBuilder::new()
                    .description("A problem document; `code` says which")
                    .content(
                        "application/problem+json",
                        Content::new(Some(Ref::from_schema_name("Problem"))),
                    )
                    .build(),
            ),
        );
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                add_problems(op);
            }
        }
    }
}

fn add_problems(op: &mut Operation) {
    // Every operation: a bad query or path (400/422), an unknown or hidden resource (404),
    // the rate limits (429), and a dependency down (503) or a bug (500).
    let mut statuses = vec!["400", "404", "422", "429", "500", "503"];
    if op.request_body.is_some() {
        statuses.extend(["413", "415"]);
    }
    if op.security.is_some() {
        // Credentials that are wrong, or lack the scope (or the results are hidden).
        statuses.extend(["401", "403"]);
    }
    if op.operation_id.as_deref() == Some("cast_vote") {
        statuses.push("403"); // poll_not_open, poll_closed
    }
    for status in statuses {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name("Problem")));
    }
}

/// The document, as a value.
pub fn document() -> Document {
    let mut doc = ApiDoc::openapi();
    doc.info.version = "1".into();
    doc
}

/// The document as pretty JSON with a trailing newline: the form `schema/openapi.json` keeps.
pub fn to_json() -> String {
    let mut json = document().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}
