//! Webhook endpoints over the API: creation and its one-time secret, the SSRF checks, tenancy,
//! rotation, limits and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pollcast_testkit::{TestApp, TestEnv, assert_not_stored, client, post_json};
use serde_json::{Value, json};

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let req = client()
        .request(method.parse().unwrap(), app.url(path))
        .bearer_auth(key);
    let mut res = match body {
        Some(b) => req.send_json(&b).await.unwrap(),
        None => req.send().await.unwrap(),
    };
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// An app that allows loopback http targets, as the tests' receivers are.
fn allow_loopback(env: &TestEnv) -> TestApp {
    let mut opts = env.opts();
    opts.webhook_allow_private = Some(vec!["127.0.0.0/8".into(), "::1".into()]);
    opts.webhook_allow_http = Some(true);
    env.spawn_app(opts, pollcast::services)
}

#[actix_web::test]
async fn private_targets_are_refused_by_default_as_addresses_names_or_ipv4_in_ipv6() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    for url in [
        "https://127.0.0.1/hook",
        "https://localhost:8443/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/hook",
        "https://[::ffff:192.168.1.1]/hook",
        // 6to4 and Teredo carrying loopback and private IPv4 addresses
        "https://[2002:7f00:1::1]/hook",
        "https://[2001:0:a00:1::f7f7:f7f7]/hook",
        "http://example.com/hook",
        "https://user:pass@example.com/hook",
        "file:///etc/passwd",
    ] {
        let (status, body) = post_json(
            &app.url("/v1/webhooks"),
            Some(&key),
            &json!({"url": url, "events": ["vote.created"]}),
        )
        .await;
        assert_eq!(status, 422, "{url}: {body}");
        assert_eq!(body["code"], "webhook_url_forbidden", "{url}: {body}");
    }
    let (status, body) = post_json(
        &app.url("/v1/webhooks"),
        Some(&key),
        &json!({"url": "not a url", "events": ["vote.created"]}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("validation_failed"))
    );
}

#[actix_web::test]
async fn an_endpoint_is_created_with_a_secret_shown_once_and_stored_sealed() {
    let env = TestEnv::new().await;
    let app = allow_loopback(&env);
    let key = app.admin_key().await;
    let other = app.admin_key().await;
    let (status, created) = post_json(
        &app.url("/v1/webhooks"),
        Some(&key),
        &json!({"url": "http://127.0.0.1:9/hook", "events": ["vote.created", "poll.closed", "vote.created"],
                "description": "CRM sync"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    assert_eq!(raw.len(), 32);
    assert_eq!(created["state"], "active");
    assert_eq!(created["enabled"], true);
    assert_eq!(created["events"], json!(["poll.closed", "vote.created"]));
    assert_not_stored(&app.context.settings.data_dir, &secret);
    assert_not_stored(
        &app.context.settings.data_dir,
        secret.strip_prefix("whsec_").unwrap(),
    );

    let (status, got) = call(&app, "GET", &format!("/v1/webhooks/{id}"), &key, None).await;
    assert_eq!(status, 200);
    assert!(got.get("secret").is_none(), "{got}");
    let (status, page) = call(&app, "GET", "/v1/webhooks", &key, None).await;
    assert_eq!(status, 200);
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert!(page["data"][0].get("secret").is_none());

    // Another workspace sees nothing of it.
    for (method, path, body) in [
        ("GET", format!("/v1/webhooks/{id}"), None),
        (
            "PATCH",
            format!("/v1/webhooks/{id}"),
            Some(json!({"enabled": false})),
        ),
        ("DELETE", format!("/v1/webhooks/{id}"), None),
        ("POST", format!("/v1/webhooks/{id}/rotate-secret"), None),
    ] {
        let (status, body) = call(&app, method, &path, &other, body).await;
        assert_eq!(status, 404, "{method} {path}: {body}");
        assert_eq!(body["code"], "webhook_not_found");
    }
    let (_, page) = call(&app, "GET", "/v1/webhooks", &other, None).await;
    assert!(page["data"].as_array().unwrap().is_empty());

    let (status, patched) = call(
        &app,
        "PATCH",
        &format!("/v1/webhooks/{id}"),
        &key,
        Some(json!({"events": ["results.updated"], "enabled": false, "poll_ids": ["abc123"]})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["state"], "disabled");
    assert_eq!(patched["poll_ids"], json!(["abc123"]));

    let (status, rotated) = call(
        &app,
        "POST",
        &format!("/v1/webhooks/{id}/rotate-secret"),
        &key,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let new_secret = rotated["secret"].as_str().unwrap();
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);
    assert_not_stored(&app.context.settings.data_dir, new_secret);
    // Both sign during the overlap, newest first.
    let signing = pollcast_testkit::signing_secrets(&app, &id).await;
    assert_eq!(signing, vec![new_secret.to_owned(), secret.clone()]);

    let (status, _) = call(&app, "DELETE", &format!("/v1/webhooks/{id}"), &key, None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&app, "GET", &format!("/v1/webhooks/{id}"), &key, None).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn bad_input_and_too_many_endpoints_get_clear_problems() {
    let env = TestEnv::new().await;
    let app = allow_loopback(&env);
    let key = app.admin_key().await;
    let url = app.url("/v1/webhooks");
    for (body, field) in [
        (
            json!({"url": "http://127.0.0.1/h", "events": ["vote.deleted"]}),
            "body",
        ),
        (json!({"url": "http://127.0.0.1/h", "events": []}), "events"),
        (
            json!({"url": "http://127.0.0.1/h", "events": ["vote.created"], "description": "x".repeat(501)}),
            "description",
        ),
        (
            json!({"url": "http://127.0.0.1/h", "events": ["vote.created"], "poll_ids": ["../x"]}),
            "poll_ids[0]",
        ),
        (
            json!({"url": "http://127.0.0.1/h", "events": ["vote.created"], "poll_ids": []}),
            "poll_ids",
        ),
        (
            json!({"url": format!("http://127.0.0.1/{}", "a".repeat(3000)), "events": ["vote.created"]}),
            "url",
        ),
        (
            json!({"url": "http://127.0.0.1/h", "events": ["vote.created"], "secret": "mine"}),
            "body",
        ),
    ] {
        let (status, problem) = post_json(&url, Some(&key), &body).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(problem["code"], "validation_failed");
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{field}: {problem}"
        );
    }
    // The limit per workspace (documented: 100) is a 409, never a 500 or an endless list.
    for i in 0..pollcast_types::MAX_WEBHOOKS_PER_WORKSPACE {
        let (status, body) = post_json(
            &url,
            Some(&key),
            &json!({"url": format!("http://127.0.0.1:9/{i}"), "events": ["vote.created"]}),
        )
        .await;
        assert_eq!(status, 201, "{i}: {body}");
    }
    let (status, problem) = post_json(
        &url,
        Some(&key),
        &json!({"url": "http://127.0.0.1:9/one-more", "events": ["vote.created"]}),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("webhook_limit_reached"))
    );
    // A key without `webhooks:write` may not touch them.
    let (status, limited) = post_json(
        &app.url("/v1/api-keys"),
        Some(&key),
        &json!({"name": "reader", "scopes": ["polls:read"]}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, problem) = call(
        &app,
        "GET",
        "/v1/webhooks",
        limited["key"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("insufficient_scope"))
    );
}
