//! `schema/openapi.json` (what `/v1/openapi.json` serves) must be the document the code
//! generates, so the published API description can never drift from the handlers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

fn checked_in_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema/openapi.json")
}

#[test]
fn the_checked_in_document_is_the_generated_one() {
    let generated = pollcast_openapi::to_json();
    let path = checked_in_path();
    // A developer's switch to rewrite the file after an intended API change. CI never sets
    // it (`.ci/run` unsets it, and under `CI` it is refused): there the test only compares.
    if std::env::var_os("POLLCAST_UPDATE_OPENAPI").is_some() {
        assert!(
            std::env::var_os("CI").is_none(),
            "POLLCAST_UPDATE_OPENAPI is set under CI: the check would pass by rewriting"
        );
        std::fs::write(&path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "schema/openapi.json differs from the code; after an intended API change run \
         `POLLCAST_UPDATE_OPENAPI=1 cargo test -p pollcast-openapi` and commit the file"
    );
}

#[test]
fn the_document_is_openapi_3_1_and_describes_every_operation() {
    let doc: serde_json::Value = serde_json::from_str(&pollcast_openapi::to_json()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations.push(format!("{} {path}", method.to_uppercase()));
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2') || s == "101"),
                "{method} {path} documents no success"
            );
            assert!(responses.contains_key("404") && responses.contains_key("500"));
        }
    }
    operations.sort();
    let expected = [
        "DELETE /v1/api-keys/{key_id}",
        "DELETE /v1/polls/{poll_id}",
        "DELETE /v1/webhooks/{webhook_id}",
        "GET /v1/api-keys",
        "GET /v1/polls",
        "GET /v1/polls/{poll_id}",
        "GET /v1/polls/{poll_id}/audit",
        "GET /v1/polls/{poll_id}/challenge",
        "GET /v1/polls/{poll_id}/live",
        "GET /v1/polls/{poll_id}/results",
        "GET /v1/polls/{poll_id}/terms",
        "GET /v1/polls/{poll_id}/votes",
        "GET /v1/polls/{poll_id}/votes.csv",
        "GET /v1/webhooks",
        "GET /v1/webhooks/{webhook_id}",
        "GET /v1/webhooks/{webhook_id}/deliveries",
        "GET /v1/workspace/voter-secret",
        "PATCH /v1/polls/{poll_id}",
        "PATCH /v1/webhooks/{webhook_id}",
        "POST /v1/api-keys",
        "POST /v1/auth/token",
        "POST /v1/polls",
        "POST /v1/polls/{poll_id}/close",
        "POST /v1/polls/{poll_id}/open",
        "POST /v1/polls/{poll_id}/reset",
        "POST /v1/polls/{poll_id}/terms/moderate",
        "POST /v1/polls/{poll_id}/votes",
        "POST /v1/voters",
        "POST /v1/webhooks",
        "POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
        "POST /v1/webhooks/{webhook_id}/replay",
        "POST /v1/webhooks/{webhook_id}/rotate-secret",
        "POST /v1/webhooks/{webhook_id}/test",
    ];
    assert_eq!(operations, expected);
    // Every schema a document refers to is in it.
    let text = doc.to_string();
    for name in text.split("#/components/schemas/").skip(1) {
        let name = name.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{name} is referred to but not defined"
        );
    }
}

/// The problem document's `code` enum is the declared list of error codes, in order.
#[test]
fn the_error_code_enum_is_the_declaration() {
    let doc: serde_json::Value = serde_json::from_str(&pollcast_openapi::to_json()).unwrap();
    let listed: Vec<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let declared: Vec<&str> = pollcast_types::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(listed, declared);
}

/// The operations documented are exactly the routes the services serve (their route lists).
#[test]
fn every_served_route_is_documented_and_every_documented_one_served() {
    use pollcast_http::routes::Listing;
    let mut served = Listing::default();
    pollcast_api::api_routes(&mut served);
    pollcast_vote_ingest::ingest_routes(&mut served);
    pollcast_results_broadcast::broadcast_routes(&mut served);
    let mut served = served.0;
    served.sort();
    let doc: serde_json::Value = serde_json::from_str(&pollcast_openapi::to_json()).unwrap();
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    documented.sort();
    assert_eq!(served, documented);
}
