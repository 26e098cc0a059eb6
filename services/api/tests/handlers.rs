//! Fast in-process handler tests: the api's routes mounted in an actix test service over a
//! real SQLite file, with no server process and no Redis (what they check never reaches it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::{App, test, web};
use pollcast_http::limits;
use pollcast_runtime::{Service, mount};
use serde_json::{Value, json};

/// Sends a request through the test service: (status, content type, JSON body or null).
macro_rules! call {
    ($app:expr, $req:expr) => {{
        let res = test::call_service($app, $req.to_request()).await;
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = test::read_body(res).await;
        (
            status,
            content_type,
            serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null),
        )
    }};
}

#[actix_web::test]
async fn requests_are_checked_before_any_dependency_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = pollcast_testkit::offline_context(dir.path());
    let (_, key) = pollcast_testkit::create_workspace(ctx.store.as_ref()).await;
    let api: std::sync::Arc<dyn Service> = pollcast_api::Api::new(&ctx).into_service();
    let app = test::init_service(
        App::new()
            .configure(|cfg| mount(cfg, &[api], Vec::new()))
            .default_service(web::to(limits::not_found)),
    )
    .await;
    let problem = Some("application/problem+json".to_owned());

    // Credentials.
    let (status, ct, body) = call!(&app, test::TestRequest::get().uri("/v1/polls"));
    assert_eq!(
        (status, &ct, body["code"].as_str()),
        (401, &problem, Some("unauthorized"))
    );
    let wrong = test::TestRequest::get()
        .uri("/v1/polls")
        .insert_header(("Authorization", "Bearer pk_nothing"));
    assert_eq!(call!(&app, wrong).0, 401);

    // Bodies: not JSON, unknown fields, invalid values, all as problems with their codes.
    let post = |body: &str| {
        test::TestRequest::post()
            .uri("/v1/polls")
            .insert_header(("Authorization", format!("Bearer {key}")))
            .insert_header(("Content-Type", "application/json"))
            .set_payload(body.to_owned())
    };
    let (status, ct, body) = call!(&app, post("{not json"));
    assert_eq!(
        (status, &ct, body["code"].as_str()),
        (400, &problem, Some("malformed_json"))
    );
    let (status, _, body) = call!(&app, post(r#"{"question": "q", "nope": 1}"#));
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("validation_failed"))
    );
    let (status, _, body) = call!(
        &app,
        post(r#"{"question": "", "options": [{"label": "a"}]}"#)
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("validation_failed"))
    );
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"question") && fields.contains(&"options"),
        "{fields:?}"
    );

    // A bad Idempotency-Key is refused before anything is stored.
    let req = post(r#"{"question": "q", "options": [{"label": "a"}, {"label": "b"}]}"#)
        .insert_header(("Idempotency-Key", ""));
    assert_eq!(call!(&app, req).0, 422);

    // Store-only routes work without Redis: keys are created, listed and revoked.
    let create = test::TestRequest::post()
        .uri("/v1/api-keys")
        .insert_header(("Authorization", format!("Bearer {key}")))
        .set_json(json!({"name": "ci", "scopes": ["polls:read"]}));
    let (status, _, created) = call!(&app, create);
    assert_eq!(status, 201, "{created}");
    assert!(created["key"].as_str().unwrap().starts_with("pk_"));
    let list = test::TestRequest::get()
        .uri("/v1/api-keys")
        .insert_header(("Authorization", format!("Bearer {key}")));
    let (status, _, listed) = call!(&app, list);
    assert_eq!((status, listed["data"].as_array().unwrap().len()), (200, 2));

    // Unknown routes and the errors page.
    let (status, _, body) = call!(&app, test::TestRequest::get().uri("/v1/nowhere"));
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let res = test::call_service(
        &app,
        test::TestRequest::get().uri("/docs/errors").to_request(),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
}
