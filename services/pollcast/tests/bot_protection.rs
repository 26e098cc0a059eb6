//! Bot protection (`bot_protection: proof_of_work`): a vote without a solution, or with a
//! forged, expired, reused or other poll's one, is refused with a stable code and stores
//! nothing; a solved challenge votes once; API keys of the poll's workspace and integrator-
//! signed voter tokens are exempt; the no-JavaScript form takes a few votes per address.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pollcast_auth::altcha;
use pollcast_runtime::ServerSecret;
use pollcast_testkit::{
    TestApp, TestEnv, create_poll, get_json, option_ids, post_json, simple_poll, vote_log,
    voter_token,
};
use pollcast_types::Timestamp;
use serde_json::{Value, json};

async fn protected_poll(app: &TestApp, key: &str) -> Value {
    let mut body = simple_poll(2, "browser");
    body["bot_protection"] = json!("proof_of_work");
    create_poll(app, key, body).await
}

/// Fetches a challenge for `poll` and solves it as the browser's worker does.
async fn solved(app: &TestApp, poll: &str) -> String {
    let (status, c) = get_json(&app.url(&format!("/v1/polls/{poll}/challenge"))).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["algorithm"], "SHA-256");
    let challenge = altcha::Challenge {
        algorithm: altcha::ALGORITHM,
        challenge: c["challenge"].as_str().unwrap().to_owned(),
        salt: c["salt"].as_str().unwrap().to_owned(),
        signature: c["signature"].as_str().unwrap().to_owned(),
        maxnumber: c["maxnumber"].as_u64().unwrap(),
    };
    let number = altcha::solve(&challenge.challenge, &challenge.salt, challenge.maxnumber)
        .expect("a challenge the server issued has a solution");
    altcha::payload(&challenge, number)
}

async fn vote(app: &TestApp, poll: &Value, proof: Option<&str>) -> (u16, Value) {
    let id = poll["id"].as_str().unwrap();
    let mut body =
        json!({"option_ids": [option_ids(poll)[0]], "voter_token": voter_token(app).await});
    if let Some(p) = proof {
        body["proof"] = json!(p);
    }
    post_json(&app.url(&format!("/v1/polls/{id}/votes")), None, &body).await
}

#[actix_web::test]
async fn votes_without_a_valid_unused_solution_are_refused_and_store_nothing() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let poll = protected_poll(&app, &key).await;
    let other = protected_poll(&app, &key).await;
    let id = poll["id"].as_str().unwrap();
    assert_eq!(poll["bot_protection"], "proof_of_work");
    let (_, public) = get_json(&app.url(&format!("/v1/polls/{id}"))).await;
    assert_eq!(
        public["bot_protection"], "proof_of_work",
        "the widget reads it"
    );

    let refused = |(status, body): (u16, Value), code: &str, what: &str| {
        assert_eq!(status, 403, "{what}: {body}");
        assert_eq!(body["code"], code, "{what}: {body}");
    };
    refused(
        vote(&app, &poll, None).await,
        "challenge_required",
        "no proof",
    );

    // Forged: a challenge signed with another key, or a number that does not solve it.
    let forged = altcha::create(
        &altcha::Key::new(b"not the server's key"),
        10,
        i64::MAX / 2000,
        &[("poll", id)],
    );
    let n = altcha::solve(&forged.challenge, &forged.salt, 10).unwrap();
    refused(
        vote(&app, &poll, Some(&altcha::payload(&forged, n))).await,
        "challenge_invalid",
        "forged",
    );
    for junk in ["", "not base64", "e30="] {
        refused(
            vote(&app, &poll, Some(junk)).await,
            "challenge_invalid",
            junk,
        );
    }

    // Expired: signed with the server's own key, expired a second ago.
    let server_key =
        altcha::server_key(&ServerSecret::load_or_create(env.data_dir.path()).unwrap());
    let past = Timestamp::now().as_millis() / 1000 - 1;
    let expired = altcha::create(&server_key, 10, past, &[("poll", id)]);
    let n = altcha::solve(&expired.challenge, &expired.salt, 10).unwrap();
    refused(
        vote(&app, &poll, Some(&altcha::payload(&expired, n))).await,
        "challenge_invalid",
        "expired",
    );

    // Another poll's solution.
    let theirs = solved(&app, other["id"].as_str().unwrap()).await;
    refused(
        vote(&app, &poll, Some(&theirs)).await,
        "challenge_invalid",
        "other poll",
    );
    // A wrong number for a real challenge.
    let real = solved(&app, id).await;
    let mut payload: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &real).unwrap(),
    )
    .unwrap();
    payload["number"] = json!(payload["number"].as_u64().unwrap() + 1);
    let wrong = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        serde_json::to_vec(&payload).unwrap(),
    );
    refused(
        vote(&app, &poll, Some(&wrong)).await,
        "challenge_invalid",
        "wrong number",
    );
    assert!(vote_log(env.store().as_ref(), id).await.is_empty());

    // A real solution votes once; a retry of that request (same Idempotency-Key, same proof)
    // gets its answer back; the same solution with another voter is refused.
    let retry_body = json!({"option_ids": [option_ids(&poll)[0]], "voter_token": voter_token(&app).await, "proof": real});
    let send = || async {
        let mut res = pollcast_testkit::client()
            .post(app.url(&format!("/v1/polls/{id}/votes")))
            .insert_header(("Idempotency-Key", "first-vote"))
            .send_json(&retry_body)
            .await
            .unwrap();
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    };
    let (status, body) = send().await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(send().await, (202, body), "a retry gets the first answer");
    refused(
        vote(&app, &poll, Some(&real)).await,
        "challenge_invalid",
        "replayed",
    );
    assert_eq!(vote_log(env.store().as_ref(), id).await.len(), 1);

    // A vote refused for another reason does not use up its solution.
    let token = voter_token(&app).await;
    let url = app.url(&format!("/v1/polls/{id}/votes"));
    let ballot = |proof: &str, token: &str| json!({"option_ids": [option_ids(&poll)[0]], "voter_token": token, "proof": proof});
    assert_eq!(
        post_json(&url, None, &ballot(&solved(&app, id).await, &token))
            .await
            .0,
        202
    );
    let spare = solved(&app, id).await;
    assert_eq!(
        post_json(&url, None, &ballot(&spare, &token)).await.0,
        409,
        "a repeat voter"
    );
    let other_voter = voter_token(&app).await;
    assert_eq!(
        post_json(&url, None, &ballot(&spare, &other_voter)).await.0,
        202,
        "the repeat's solution is still unused"
    );
    assert_eq!(vote_log(env.store().as_ref(), id).await.len(), 3);

    // Unprotected polls ignore proofs entirely.
    let plain = create_poll(&app, &key, simple_poll(2, "browser")).await;
    assert_eq!(vote(&app, &plain, None).await.0, 202);
    env.finish().await;
}

#[actix_web::test]
async fn api_keys_of_the_polls_workspace_and_signed_voters_are_exempt() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let poll = protected_poll(&app, &key).await;
    let id = poll["id"].as_str().unwrap();
    let url = app.url(&format!("/v1/polls/{id}/votes"));
    let body = |token: String| json!({"option_ids": [option_ids(&poll)[0]], "voter_token": token});
    let (status, answer) = post_json(&url, Some(&key), &body(voter_token(&app).await)).await;
    assert_eq!(status, 202, "the owner's key vouches: {answer}");
    // Another workspace's key vouches for nothing here.
    let (_, stranger) = pollcast_testkit::create_workspace(env.store().as_ref()).await;
    let (status, answer) = post_json(&url, Some(&stranger), &body(voter_token(&app).await)).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (403, Some("challenge_required"))
    );
    env.finish().await;
}

/// Posts the poll page's form (no JavaScript) from `address`.
async fn form_vote(app: &TestApp, id: &str, option: &str, address: &str) -> (u16, String) {
    let client = awc::Client::builder().disable_redirects().finish();
    let mut res = client
        .post(app.url(&format!("/p/{id}/vote")))
        .insert_header(("X-Forwarded-For", address))
        .send_form(&[("option_ids", option)])
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&res.body().await.unwrap()).into_owned();
    (res.status().as_u16(), body)
}

#[actix_web::test]
async fn without_javascript_a_protected_poll_takes_one_form_vote_a_minute_per_address() {
    let env = TestEnv::new().await;
    let mut opts = env.opts();
    opts.trusted_proxies = Some(vec!["127.0.0.1".into(), "::1".into()]);
    let app = env.spawn_app(opts, pollcast::services);
    let key = app.admin_key().await;
    let poll = protected_poll(&app, &key).await;
    let id = poll["id"].as_str().unwrap();
    let option = &option_ids(&poll)[0];
    assert_eq!(form_vote(&app, id, option, "203.0.113.7").await.0, 303);
    let (status, page) = form_vote(&app, id, option, "203.0.113.7").await;
    assert_eq!(status, 429);
    assert!(page.contains("Turn on JavaScript"), "the page says why");
    assert_eq!(form_vote(&app, id, option, "203.0.113.8").await.0, 303);
    assert_eq!(vote_log(env.store().as_ref(), id).await.len(), 2);
    env.finish().await;
}
