//! `results_visibility` on the results endpoint and the live socket.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use pollcast_testkit::{
    TestEnv, create_poll, eventually, get_json, option_ids, post_json, voter_token,
};
use serde_json::{Value, json};

/// Opens the live socket, says hello with `token`, and returns the first results message,
/// or the close reason if the server closes the socket instead.
async fn watch_as(url: &str, token: &str) -> Result<Value, String> {
    use futures_util::{SinkExt, StreamExt};
    let (_, mut ws) = pollcast_testkit::client().ws(url).connect().await.unwrap();
    let hello = json!({"type": "hello", "voter_token": token}).to_string();
    ws.send(awc::ws::Message::Text(hello.into())).await.unwrap();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .unwrap()
        {
            Some(Ok(awc::ws::Frame::Text(t))) => return Ok(serde_json::from_slice(&t).unwrap()),
            Some(Ok(awc::ws::Frame::Close(reason))) => {
                return Err(reason.and_then(|r| r.description).unwrap_or_default());
            }
            Some(Ok(_)) => {}
            other => return Err(format!("{other:?}")),
        }
    }
}

async fn status_of(url: &str, bearer: Option<&str>) -> (u16, String) {
    status_as(url, bearer, None).await
}

/// GET as an owner (`bearer`) and/or a voter (`Voter-Token` header).
async fn status_as(url: &str, bearer: Option<&str>, voter: Option<&str>) -> (u16, String) {
    let (status, code, _) = answer_as(url, bearer, voter).await;
    (status, code)
}

/// The status, problem code and caching headers (`Cache-Control`, `Vary`) of a GET.
async fn answer_as(
    url: &str,
    bearer: Option<&str>,
    voter: Option<&str>,
) -> (u16, String, (String, String)) {
    let mut req = pollcast_testkit::client().get(url);
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    if let Some(v) = voter {
        req = req.insert_header(("Voter-Token", v));
    }
    let mut res = req.send().await.unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let cache = (header("cache-control"), header("vary"));
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    (
        res.status().as_u16(),
        body["code"].as_str().unwrap_or("").to_owned(),
        cache,
    )
}

/// Results shown because of who asked are `private` and vary by the credentials.
fn assert_private(cache: &(String, String)) {
    assert!(cache.0.starts_with("private"), "{cache:?}");
    for credential in ["Authorization", "Cookie", "Voter-Token"] {
        assert!(cache.1.contains(credential), "{cache:?}");
    }
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
    let results_url = app.url(&format!("/v1/polls/{id}/results"));
    let live_url = app.ws_url(&format!("/v1/polls/{id}/live"));

    assert_eq!(
        status_of(&app.url(&format!("/v1/polls/{id}/results")), None).await,
        (403, "results_hidden".into())
    );
    assert_eq!(
        status_as(&results_url, None, Some(&voter)).await,
        (403, "results_hidden".into())
    );
    assert_eq!(
        watch_as(&live_url, &voter).await,
        Err("results_hidden".into()),
        "the socket is closed too"
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
    let (status, _, cache) = answer_as(&results_url, None, Some(&voter)).await;
    assert_eq!(status, 200);
    assert_private(&cache);
    let (status, _, cache) = answer_as(&results_url, Some(&key), None).await;
    assert_eq!(status, 200);
    assert_private(&cache);
    // Admitted: the socket sends the results (counted or not yet, the vote is the voter's).
    let first = watch_as(&live_url, &voter).await.unwrap();
    assert_eq!(
        (first["type"].as_str(), first["poll_id"].as_str()),
        (Some("results"), Some(id))
    );
    let sse = pollcast_testkit::client()
        .get(&live_url.replacen("ws", "http", 1))
        .insert_header(("Accept", "text/event-stream"))
        .insert_header(("Voter-Token", voter.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(sse.status().as_u16(), 200, "SSE takes the header");
    assert_eq!(
        status_as(&results_url, None, Some(&bystander)).await,
        (403, "results_hidden".into())
    );
    assert_eq!(
        watch_as(&live_url, &bystander).await,
        Err("results_hidden".into())
    );
    assert_eq!(
        status_as(&results_url, None, Some("vt1.forged.00")).await.0,
        403
    );
    // A token in the URL is not read: it would end up in access logs.
    assert_eq!(
        status_of(&format!("{results_url}?voter_token={voter}"), None)
            .await
            .0,
        403
    );
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
    let (status, _, cache) = answer_as(&url(&owner_only), Some(&key), None).await;
    assert_eq!(status, 200);
    assert_private(&cache);
    // Once anyone may see them, a shared cache may keep them, whoever asked.
    for bearer in [None, Some(key.as_str())] {
        let (status, _, (cache, _)) = answer_as(&url(&after_close), bearer, None).await;
        assert_eq!((status, cache.as_str()), (200, "public, max-age=1"));
    }

    // after_vote cannot be combined with dedupe none: nobody would ever count as having voted.
    let (status, body) = post_json(&app.url("/v1/polls"), Some(&key), &mk("after_vote")).await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str().unwrap()),
        (422, "results_visibility")
    );
    app.stop().await;
}
