//! Credentials: API keys with scopes, revocation at once, access tokens and every way a
//! token can be wrong, and workspaces that never see each other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use pollcast_testkit::{TestApp, TestEnv, create_poll, simple_poll};
use serde_json::{Value, json};

fn start(env: &TestEnv) -> TestApp {
    env.spawn_app(env.opts(), |ctx| {
        vec![pollcast_api::Api::new(ctx).into_service()]
    })
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let client = pollcast_testkit::client();
    let mut req = client.request(method.parse().unwrap(), app.url(path));
    if let Some(b) = bearer {
        req = req.insert_header(("Authorization", format!("Bearer {b}")));
    }
    let mut res = match body {
        Some(b) => req.send_json(&b).await.unwrap(),
        None => req.send().await.unwrap(),
    };
    let status = res.status().as_u16();
    let bytes = res.body().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[actix_web::test]
async fn keys_have_scopes_list_newest_first_and_revoke_at_once() {
    let env = TestEnv::new().await;
    let app = start(&env);
    let admin = app.admin_key().await;
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;

    let (status, reader) = call(
        &app,
        "POST",
        "/v1/api-keys",
        Some(&admin),
        Some(json!({"name": "reader", "scopes": ["polls:read"]})),
    )
    .await;
    assert_eq!(status, 201, "{reader}");
    let reader_key = reader["key"].as_str().unwrap().to_owned();
    assert!(reader_key.starts_with("pk_"));
    assert_eq!(reader["scopes"], json!(["polls:read"]));

    // Scopes: a polls:read key cannot create polls or manage keys.
    let (status, problem) = call(
        &app,
        "POST",
        "/v1/polls",
        Some(&reader_key),
        Some(simple_poll(2, "none")),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str().unwrap()),
        (403, "insufficient_scope")
    );
    let (status, _) = call(&app, "GET", "/v1/api-keys", Some(&reader_key), None).await;
    assert_eq!(status, 403);
    let poll = create_poll(&app, &admin, simple_poll(2, "none")).await;
    let poll_path = format!("/v1/polls/{}", poll["id"].as_str().unwrap());
    let (status, owner_view) = call(&app, "GET", &poll_path, Some(&reader_key), None).await;
    assert_eq!(status, 200);
    assert!(owner_view["workspace_id"].is_string());

    // Listing: newest first, paged, and never the key itself.
    for i in 0..3 {
        call(
            &app,
            "POST",
            "/v1/api-keys",
            Some(&admin),
            Some(json!({"name": format!("k{i}"), "scopes": ["votes:read"]})),
        )
        .await;
        // Distinct creation times, so "newest first" has one right answer.
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    let (status, page1) = call(&app, "GET", "/v1/api-keys?limit=2", Some(&admin), None).await;
    assert_eq!(status, 200);
    assert_eq!(page1["data"].as_array().unwrap().len(), 2);
    assert_eq!(page1["data"][0]["name"], "k2");
    assert!(page1["data"][0].get("key").is_none());
    let cursor = page1["next_cursor"].as_str().unwrap();
    let (_, page2) = call(
        &app,
        "GET",
        &format!("/v1/api-keys?limit=2&cursor={cursor}"),
        Some(&admin),
        None,
    )
    .await;
    let (_, page3) = call(
        &app,
        "GET",
        &format!(
            "/v1/api-keys?limit=2&cursor={}",
            page2["next_cursor"].as_str().unwrap()
        ),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(page3["next_cursor"], Value::Null);
    let names: Vec<&str> = [&page1, &page2, &page3]
        .iter()
        .flat_map(|p| p["data"].as_array().unwrap())
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["k2", "k1", "k0", "reader", "first key"]);
    for bad in [
        "limit=0",
        "limit=201",
        "cursor=garbage",
        "limit=abc",
        "unknown=1",
    ] {
        let (status, p) = call(
            &app,
            "GET",
            &format!("/v1/api-keys?{bad}"),
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(
            (status, p["code"].as_str().unwrap()),
            (422, "validation_failed"),
            "{bad}"
        );
    }

    // A token minted from the reader key dies with it.
    let (status, token) = call(&app, "POST", "/v1/auth/token", Some(&reader_key), None).await;
    assert_eq!(status, 200);
    let token = token["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        call(&app, "GET", &poll_path, Some(&token), None).await.0,
        200
    );
    let (status, _) = call(
        &app,
        "DELETE",
        &format!("/v1/api-keys/{}", reader["id"].as_str().unwrap()),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        call(&app, "GET", &poll_path, Some(&reader_key), None)
            .await
            .0,
        401
    );
    assert_eq!(
        call(&app, "GET", &poll_path, Some(&token), None).await.0,
        401
    );
    let (status, _) = call(
        &app,
        "DELETE",
        &format!("/v1/api-keys/{}", reader["id"].as_str().unwrap()),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 404, "revoking twice");

    // Validation.
    let (status, p) = call(
        &app,
        "POST",
        "/v1/api-keys",
        Some(&admin),
        Some(json!({"name": "", "scopes": ["root"]})),
    )
    .await;
    assert_eq!(
        (status, p["code"].as_str().unwrap()),
        (422, "validation_failed")
    );
    let (status, p) = call(
        &app,
        "POST",
        "/v1/api-keys",
        Some(&admin),
        Some(json!({"name": "", "scopes": []})),
    )
    .await;
    assert_eq!(p["errors"].as_array().unwrap().len(), 2, "{status} {p}");
    app.stop().await;
}

#[actix_web::test]
async fn access_tokens_work_and_every_wrong_one_is_refused() {
    let env = TestEnv::new().await;
    let app = start(&env);
    let admin = app.admin_key().await;
    let (status, body) = call(&app, "POST", "/v1/auth/token", Some(&admin), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        "POST",
        "/v1/polls",
        Some(&token),
        Some(simple_poll(2, "none")),
    )
    .await;
    assert_eq!(status, 201);
    // A token does not mint tokens.
    assert_eq!(
        call(&app, "POST", "/v1/auth/token", Some(&token), None)
            .await
            .0,
        401
    );

    // Tokens made with the right key but wrong claims, and with wrong keys or algorithms.
    let claims: Value = {
        let payload = token.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    let key = app.context.secret.mac("jwt-signing-key", &[b"k1"]);
    let sign = |alg: Algorithm, kid: Option<&str>, claims: &Value, secret: &[u8]| {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
    };
    let with = |field: &str, value: Value| {
        let mut c = claims.clone();
        c[field] = value;
        c
    };
    let now = claims["iat"].as_i64().unwrap();
    // Sanity: a token we sign the same way is accepted, so the refusals below are for cause.
    let good = sign(Algorithm::HS256, Some("k1"), &claims, &key);
    assert_eq!(
        call(&app, "GET", "/v1/api-keys", Some(&good), None).await.0,
        200
    );

    let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let cases = [
        (
            "expired",
            sign(
                Algorithm::HS256,
                Some("k1"),
                &with("exp", json!(now - 3600)),
                &key,
            ),
        ),
        (
            "wrong audience",
            sign(
                Algorithm::HS256,
                Some("k1"),
                &with("aud", json!("someone-else")),
                &key,
            ),
        ),
        (
            "wrong issuer",
            sign(
                Algorithm::HS256,
                Some("k1"),
                &with("iss", json!("evil")),
                &key,
            ),
        ),
        (
            "forged signature",
            sign(
                Algorithm::HS256,
                Some("k1"),
                &claims,
                b"not the server's key",
            ),
        ),
        (
            "unknown kid",
            sign(Algorithm::HS256, Some("k9"), &claims, &key),
        ),
        ("no kid", sign(Algorithm::HS256, None, &claims, &key)),
        (
            "algorithm switch",
            sign(Algorithm::HS512, Some("k1"), &claims, &key),
        ),
        ("alg none", format!("{header_none}.{payload}.")),
        (
            "other workspace",
            sign(
                Algorithm::HS256,
                Some("k1"),
                &with("ws", json!("ws_AAAAAAAAAAAAAAAA")),
                &key,
            ),
        ),
        ("garbage", "abc.def.ghi".to_owned()),
    ];
    for (what, bad) in cases {
        let (status, p) = call(&app, "GET", "/v1/api-keys", Some(&bad), None).await;
        assert_eq!(
            (status, p["code"].as_str().unwrap_or("")),
            (401, "unauthorized"),
            "{what}"
        );
    }
    for header in ["Basic dXNlcjpwYXNz", "Bearer", "pk_no_bearer_prefix"] {
        let res = pollcast_testkit::client()
            .get(app.url("/v1/api-keys"))
            .insert_header(("Authorization", header))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 401, "{header}");
    }
    assert_eq!(call(&app, "GET", "/v1/api-keys", None, None).await.0, 401);
    app.stop().await;
}

#[actix_web::test]
async fn workspaces_never_see_each_other() {
    let env = TestEnv::new().await;
    let app = start(&env);
    let a = app.admin_key().await;
    let b = app.admin_key().await;
    let poll_b = create_poll(
        &app,
        &b,
        json!({"question": "B's", "options": [{"label": "x"}, {"label": "y"}], "draft": true}),
    )
    .await;
    let path = format!("/v1/polls/{}", poll_b["id"].as_str().unwrap());
    let (status, p) = call(&app, "GET", &path, Some(&a), None).await;
    assert_eq!(
        (status, p["code"].as_str().unwrap()),
        (404, "poll_not_found")
    );
    assert_eq!(
        call(&app, "GET", &path, None, None).await.0,
        404,
        "drafts are private"
    );
    assert_eq!(call(&app, "GET", &path, Some(&b), None).await.0, 200);
    let (_, keys_b) = call(&app, "GET", "/v1/api-keys", Some(&b), None).await;
    let key_b = keys_b["data"][0]["id"].as_str().unwrap();
    assert_eq!(
        call(
            &app,
            "DELETE",
            &format!("/v1/api-keys/{key_b}"),
            Some(&a),
            None
        )
        .await
        .0,
        404
    );
    let (_, keys_a) = call(&app, "GET", "/v1/api-keys", Some(&a), None).await;
    assert!(
        keys_a["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["id"] != key_b)
    );
    assert_eq!(
        call(&app, "GET", &path, Some(&b), None).await.0,
        200,
        "B's key still works"
    );
    app.stop().await;
}
