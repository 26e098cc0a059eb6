//! `/v1/openapi.json` serves the checked-in document (which `pollcast-openapi`'s tests keep
//! equal to the one the code generates).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pollcast_testkit::{TestEnv, get_json};

#[actix_web::test]
async fn the_api_serves_the_checked_in_openapi_document() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let (status, served) = get_json(&app.url("/v1/openapi.json")).await;
    assert_eq!(status, 200);
    let checked_in: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../schema/openapi.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(served, checked_in);
    assert!(served["paths"]["/v1/polls/{poll_id}/votes"]["post"].is_object());
}
