//! `Idempotency-Key` on creating POSTs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pollcast_testkit::{TestApp, TestEnv, simple_poll};
use serde_json::{Value, json};

async fn post(
    app: &TestApp,
    path: &str,
    key: &str,
    idem: Option<&str>,
    body: &Value,
) -> (u16, Value, bool) {
    let mut req = pollcast_testkit::client()
        .post(app.url(path))
        .bearer_auth(key);
    if let Some(k) = idem {
        req = req.insert_header(("Idempotency-Key", k));
    }
    let mut res = req.send_json(body).await.unwrap();
    let replayed = res.headers().get("idempotent-replayed").is_some();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
        replayed,
    )
}

#[actix_web::test]
async fn a_retry_replays_the_first_response_and_another_body_is_refused() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), |ctx| {
        vec![pollcast_api::Api::new(ctx).into_service()]
    });
    let key = app.admin_key().await;
    let body = simple_poll(2, "none");
    let (s1, first, r1) = post(&app, "/v1/polls", &key, Some("order-42"), &body).await;
    let (s2, second, r2) = post(&app, "/v1/polls", &key, Some("order-42"), &body).await;
    assert_eq!((s1, s2, r1, r2), (201, 201, false, true));
    assert_eq!(first["id"], second["id"], "the same poll, not a second one");
    let mut res = pollcast_testkit::client()
        .get(app.url("/v1/polls"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    let listed: Value = res.json().await.unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);

    let (status, problem, _) = post(
        &app,
        "/v1/polls",
        &key,
        Some("order-42"),
        &simple_poll(3, "none"),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str().unwrap()),
        (422, "idempotency_key_reused")
    );
    // Keys belong to a workspace: another one may use the same key for its own request.
    let other = app.admin_key().await;
    let (status, third, replayed) = post(&app, "/v1/polls", &other, Some("order-42"), &body).await;
    assert_eq!((status, replayed), (201, false));
    assert_ne!(third["id"], first["id"]);
    // A failed request does not use up its key.
    let bad = json!({"question": "", "options": []});
    assert_eq!(
        post(&app, "/v1/polls", &key, Some("retry-me"), &bad)
            .await
            .0,
        422
    );
    assert_eq!(
        post(&app, "/v1/polls", &key, Some("retry-me"), &body)
            .await
            .0,
        201
    );
    // Without the header every POST creates.
    let a = post(&app, "/v1/polls", &key, None, &body).await.1;
    let b = post(&app, "/v1/polls", &key, None, &body).await.1;
    assert_ne!(a["id"], b["id"]);
    app.stop().await;
}

#[actix_web::test]
async fn a_replayed_api_key_creation_never_stores_the_key() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), |ctx| {
        vec![pollcast_api::Api::new(ctx).into_service()]
    });
    let admin = app.admin_key().await;
    let body = json!({"name": "ci", "scopes": ["polls:read"]});
    let (_, first, _) = post(&app, "/v1/api-keys", &admin, Some("k-1"), &body).await;
    let (status, replay, replayed) = post(&app, "/v1/api-keys", &admin, Some("k-1"), &body).await;
    assert_eq!((status, replayed), (201, true));
    assert_eq!(replay["id"], first["id"]);
    assert!(
        replay.get("key").is_none(),
        "the key is shown once: {replay}"
    );
    let secret = first["key"].as_str().unwrap();
    let db = std::fs::read(env.data_path().join("pollcast.sqlite3")).unwrap();
    let wal = std::fs::read(env.data_path().join("pollcast.sqlite3-wal")).unwrap_or_default();
    let found = |hay: &[u8]| hay.windows(secret.len()).any(|w| w == secret.as_bytes());
    assert!(
        !found(&db) && !found(&wal),
        "a plaintext key reached the store"
    );
    app.stop().await;
}
