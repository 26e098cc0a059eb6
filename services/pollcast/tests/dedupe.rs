//! De-duplication modes that depend on who the integrator says the voter is (`verified`) and
//! on which proxies are trusted to say where a vote came from (`ip`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jsonwebtoken::{EncodingKey, Header};
use pollcast_testkit::{TestEnv, create_poll, option_ids, post_json};
use pollcast_types::Timestamp;
use serde_json::{Value, json};

/// Signs `claims`, adding the `iss` (the workspace) and `aud` every voter token needs unless
/// the claims set them (to `null` to leave one out).
fn voter_jwt(secret: &str, workspace: &str, mut claims: Value) -> String {
    let map = claims.as_object_mut().unwrap();
    map.entry("iss").or_insert(json!(workspace));
    map.entry("aud").or_insert(json!("pollcast-voter"));
    map.retain(|_, v| !v.is_null());
    jwt(secret, claims)
}

fn jwt(secret: &str, claims: Value) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[actix_web::test]
async fn verified_polls_take_one_vote_per_integrator_user() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let mut res = pollcast_testkit::client()
        .get(app.url("/v1/workspace/voter-secret"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let secret = res.json::<Value>().await.unwrap()["voter_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(secret.starts_with("vsk_"));
    let poll = create_poll(
        &app,
        &key,
        json!({"question": "q", "options": [{"label": "a"}, {"label": "b"}],
        "dedupe": "verified", "results_visibility": "after_vote"}),
    )
    .await;
    let id = poll["id"].as_str().unwrap();
    let option = &option_ids(&poll)[0];
    let exp = Timestamp::now().as_millis() / 1000 + 600;
    let workspace = poll["workspace_id"].as_str().unwrap().to_owned();
    let jwt = |secret: &str, claims: Value| voter_jwt(secret, &workspace, claims);
    let cast = |token: String| {
        let url = app.url(&format!("/v1/polls/{id}/votes"));
        async move {
            post_json(
                &url,
                None,
                &json!({"option_ids": [option], "voter_token": token}),
            )
            .await
        }
    };
    let alice = jwt(&secret, json!({"sub": "alice", "exp": exp}));
    assert_eq!(cast(alice.clone()).await.0, 202);
    assert_eq!(
        cast(jwt(&secret, json!({"sub": "alice", "exp": exp + 1})))
            .await
            .0,
        409,
        "a fresh token for alice"
    );
    assert_eq!(
        cast(jwt(&secret, json!({"sub": "bob", "exp": exp, "poll": id})))
            .await
            .0,
        202
    );
    for (what, token) in [
        (
            "wrong secret",
            jwt("vsk_guess", json!({"sub": "carol", "exp": exp})),
        ),
        (
            "expired",
            jwt(&secret, json!({"sub": "carol", "exp": exp - 7200})),
        ),
        ("no exp", jwt(&secret, json!({"sub": "carol"}))),
        (
            "no iss",
            jwt(&secret, json!({"sub": "carol", "exp": exp, "iss": null})),
        ),
        (
            "another workspace's iss",
            jwt(
                &secret,
                json!({"sub": "carol", "exp": exp, "iss": "ws_other"}),
            ),
        ),
        (
            "no aud",
            jwt(&secret, json!({"sub": "carol", "exp": exp, "aud": null})),
        ),
        (
            "another aud",
            jwt(
                &secret,
                json!({"sub": "carol", "exp": exp, "aud": "pollcast"}),
            ),
        ),
        (
            "valid for two days",
            jwt(&secret, json!({"sub": "carol", "exp": exp + 2 * 86_400})),
        ),
        (
            "another poll",
            jwt(
                &secret,
                json!({"sub": "carol", "exp": exp, "poll": "other"}),
            ),
        ),
        ("anonymous token", pollcast_testkit::voter_token(&app).await),
    ] {
        let (status, p) = cast(token).await;
        assert_eq!(
            (status, p["code"].as_str().unwrap()),
            (422, "invalid_voter_token"),
            "{what}"
        );
    }
    // Another workspace's secret does not sign for this one.
    let other = app.admin_key().await;
    let mut res = pollcast_testkit::client()
        .get(app.url("/v1/workspace/voter-secret"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    let other_secret = res.json::<Value>().await.unwrap()["voter_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(other_secret, secret);
    assert_eq!(
        cast(jwt(&other_secret, json!({"sub": "dave", "exp": exp})))
            .await
            .0,
        422
    );
    // after_vote knows alice voted.
    let res = pollcast_testkit::client()
        .get(app.url(&format!("/v1/polls/{id}/results")))
        .insert_header(("Voter-Token", alice.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    app.stop().await;
}

#[actix_web::test]
async fn ip_dedupe_believes_forwarded_addresses_only_from_trusted_proxies() {
    let env = TestEnv::new().await;
    for (trusted, second_voter_status) in [(None, 409), (Some(vec!["127.0.0.1".to_owned()]), 202)] {
        let mut opts = env.opts();
        opts.trusted_proxies = trusted.clone();
        let app = env.spawn_app(opts, pollcast::services);
        let key = app.admin_key().await;
        let poll = create_poll(
            &app,
            &key,
            json!({"question": "q", "options": [{"label": "a"}, {"label": "b"}], "dedupe": "ip"}),
        )
        .await;
        let url = app.url(&format!("/v1/polls/{}/votes", poll["id"].as_str().unwrap()));
        let body = json!({"option_ids": [option_ids(&poll)[0]]});
        let from = |addr: &'static str| {
            let url = url.clone();
            let body = body.clone();
            async move {
                pollcast_testkit::client()
                    .post(&url)
                    .insert_header(("X-Forwarded-For", addr))
                    .send_json(&body)
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        };
        assert_eq!(from("203.0.113.1").await, 202);
        assert_eq!(
            from("203.0.113.2").await,
            second_voter_status,
            "trusted: {trusted:?}"
        );
        assert_eq!(from("203.0.113.1").await, 409);
        app.stop().await;
    }
}
