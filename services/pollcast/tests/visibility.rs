//! `results_visibility` on the results endpoint and the live socket.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use pollcast_testkit::{
    TestEnv, create_poll, eventually, get_json, option_ids, post_json, voter_token,
};
use serde_json::json;

async fn status_of(url: &str, bearer: Option<&str>) -> (u16, String) {
    let mut req = pollcast_testkit::client().get(url);
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    let mut res = req.send().await.unwrap();
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    (
        res.status().as_u16(),
        body["code"].as_str().unwrap_or("").to_owned(),
    )
}

#[actix_web::test]
async fn after_vote_shows_results_to_voters_and_owners_only() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let poll = create_poll(
        &app,
        &key,
        json!({"question": "q", "options": [{"label": "a"}, {"label": "b"}],
        "results_visibility": "after_vote", "dedupe": "browser"}),
    )
    .await;
    let id = poll["id"].as_str().unwrap();
    let voter = voter_token(&app).await;
    let bystander = voter_token(&app).await;
    let results = |token: &str| app.url(&format!("/v1/polls/{id}/results?voter_token={token}"));
    let live = |token: &str| app.ws_url(&format!("/v1/polls/{id}/live?voter_token={token}"));

    assert_eq!(
        status_of(&app.url(&format!("/v1/polls/{id}/results")), None).await,
        (403, "results_hidden".into())
    );
    assert_eq!(
        status_of(&results(&voter), None).await,
        (403, "results_hidden".into())
    );
    assert!(
        pollcast_testkit::client()
            .ws(live(&voter))
            .connect()
            .await
            .is_err(),
        "the socket is refused too"
    );
    assert_eq!(
        status_of(&app.url(&format!("/v1/polls/{id}/results")), Some(&key))
            .await
            .0,
        200,
        "the owner always may"
    );
    let other = app.admin_key().await;
    assert_eq!(
        status_of(&app.url(&format!("/v1/polls/{id}/results")), Some(&other))
            .await
            .0,
        403
    );

    let (status, _) = post_json(
        &app.url(&format!("/v1/polls/{id}/votes")),
        None,
        &json!({"option_ids": [option_ids(&poll)[0]], "voter_token": voter}),
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(status_of(&results(&voter), None).await.0, 200);
    assert!(
        pollcast_testkit::client()
            .ws(live(&voter))
            .connect()
            .await
            .is_ok()
    );
    assert_eq!(
        status_of(&results(&bystander), None).await,
        (403, "results_hidden".into())
    );
    assert_eq!(status_of(&results("vt1.forged.00"), None).await.0, 403);
    app.stop().await;
}

#[actix_web::test]
async fn after_close_and_owner_only_hold_until_they_should_not() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let mk = |visibility: &str| {
        json!({"question": "q", "options": [{"label": "a"}, {"label": "b"}],
        "results_visibility": visibility, "dedupe": "none"})
    };
    let after_close = create_poll(&app, &key, mk("after_close")).await;
    let owner_only = create_poll(&app, &key, mk("owner_only")).await;
    let url = |p: &serde_json::Value| {
        app.url(&format!("/v1/polls/{}/results", p["id"].as_str().unwrap()))
    };
    assert_eq!(
        status_of(&url(&after_close), None).await,
        (403, "results_hidden".into())
    );
    assert_eq!(
        status_of(&url(&owner_only), None).await,
        (403, "results_hidden".into())
    );
    for p in [&after_close, &owner_only] {
        let close = app.url(&format!("/v1/polls/{}/close", p["id"].as_str().unwrap()));
        assert_eq!(post_json(&close, Some(&key), &json!({})).await.0, 200);
    }
    eventually(
        Duration::from_secs(3),
        "after_close results visible once closed",
        || async { (get_json(&url(&after_close)).await.0 == 200).then_some(()) },
    )
    .await;
    assert_eq!(
        status_of(&url(&owner_only), None).await.0,
        403,
        "owner_only stays private"
    );
    assert_eq!(status_of(&url(&owner_only), Some(&key)).await.0, 200);

    // after_vote cannot be combined with dedupe none: nobody would ever count as having voted.
    let (status, body) = post_json(&app.url("/v1/polls"), Some(&key), &mk("after_vote")).await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str().unwrap()),
        (422, "results_visibility")
    );
    app.stop().await;
}
