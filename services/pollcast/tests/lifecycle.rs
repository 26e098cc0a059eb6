//! The poll lifecycle end to end: timed transitions happen on their own and viewers are told,
//! the vote limit is exact under concurrency, and close, open, reset, delete and edits do
//! what they say at once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures_util::StreamExt;
use pollcast_testkit::{
    TestApp, TestEnv, create_poll, eventually, get_json, option_ids, post_json, vote_log,
    voter_token,
};
use pollcast_types::Timestamp;
use serde_json::{Value, json};

type Ws = actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>;

async fn start(env: &TestEnv) -> TestApp {
    env.spawn_app(env.opts(), pollcast::services)
}

async fn viewer(app: &TestApp, id: &str) -> Ws {
    pollcast_testkit::client()
        .ws(app.ws_url(&format!("/v1/polls/{id}/live")))
        .connect()
        .await
        .unwrap()
        .1
}

/// Reads messages until one matches, failing after `within`; answers the server's pings as
/// a browser does.
async fn wait_for(
    ws: &mut Ws,
    within: Duration,
    what: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    use futures_util::SinkExt;
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("no message: {what}"))
            .unwrap_or_else(|| panic!("the server closed the socket waiting for: {what}"))
            .unwrap();
        if let awc::ws::Frame::Ping(p) = &frame {
            ws.send(awc::ws::Message::Pong(p.clone())).await.unwrap();
        }
        if let awc::ws::Frame::Text(b) = frame {
            let msg: Value = serde_json::from_slice(&b).unwrap();
            if pred(&msg) {
                return msg;
            }
        }
    }
}

fn at(offset_ms: i64) -> String {
    Timestamp::from_millis(Timestamp::now().as_millis() + offset_ms).to_string()
}

fn two_options(extra: Value) -> Value {
    let mut body =
        json!({"question": "When?", "options": [{"label": "a"}, {"label": "b"}], "dedupe": "none"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    body
}

async fn vote(app: &TestApp, id: &str, option: &str) -> (u16, Value) {
    post_json(
        &app.url(&format!("/v1/polls/{id}/votes")),
        None,
        &json!({"option_ids": [option]}),
    )
    .await
}

#[actix_web::test]
async fn a_scheduled_poll_opens_and_a_timed_poll_closes_on_their_own() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    let poll = create_poll(
        &app,
        &key,
        two_options(json!({"opens_at": at(1_500), "closes_at": at(3_500)})),
    )
    .await;
    let id = poll["id"].as_str().unwrap();
    let option = &option_ids(&poll)[0];
    assert_eq!(poll["status"], "scheduled");
    let mut ws = viewer(&app, id).await;
    let first = wait_for(&mut ws, Duration::from_secs(5), "initial snapshot", |m| {
        m["type"] == "results"
    })
    .await;
    assert_eq!(first["status"], "scheduled");
    let (status, p) = vote(&app, id, option).await;
    assert_eq!(
        (status, p["code"].as_str().unwrap()),
        (403, "poll_not_open")
    );

    let opened = wait_for(&mut ws, Duration::from_secs(5), "status open", |m| {
        m["type"] == "status"
    })
    .await;
    assert_eq!(opened["status"], "open");
    let results = wait_for(&mut ws, Duration::from_secs(2), "results after open", |m| {
        m["type"] == "results"
    })
    .await;
    assert_eq!(results["status"], "open");
    assert_eq!(vote(&app, id, option).await.0, 202);

    let closed = wait_for(&mut ws, Duration::from_secs(6), "status closed", |m| {
        m["type"] == "status"
    })
    .await;
    assert_eq!(closed["status"], "closed");
    let (status, p) = vote(&app, id, option).await;
    assert_eq!((status, p["code"].as_str().unwrap()), (403, "poll_closed"));
    let (_, stored) = get_json(&app.url(&format!("/v1/polls/{id}"))).await;
    assert_eq!(stored["status"], "closed");
    let (_, results) = get_json(&app.url(&format!("/v1/polls/{id}/results"))).await;
    assert_eq!(results["total_votes"], 1);
    app.stop().await;
}

#[actix_web::test]
async fn close_after_votes_accepts_exactly_that_many_even_when_votes_race() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, two_options(json!({"close_after_votes": 5}))).await;
    let id = poll["id"].as_str().unwrap().to_owned();
    let option = option_ids(&poll)[1].clone();
    let mut ws = viewer(&app, &id).await;
    let statuses: Vec<u16> =
        futures_util::future::join_all((0..40).map(|_| async { vote(&app, &id, &option).await.0 }))
            .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 202).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 403).count(),
        35,
        "{statuses:?}"
    );
    let closed = wait_for(&mut ws, Duration::from_secs(5), "status closed", |m| {
        m["type"] == "status"
    })
    .await;
    assert_eq!(closed["status"], "closed");
    let results = app.url(&format!("/v1/polls/{id}/results"));
    eventually(Duration::from_secs(5), "5 votes counted", || async {
        (get_json(&results).await.1["total_votes"] == 5).then_some(())
    })
    .await;
    let (_, stored) = get_json(&app.url(&format!("/v1/polls/{id}"))).await;
    assert_eq!(stored["status"], "closed");
    app.stop().await;
}

#[actix_web::test]
async fn close_open_reset_and_delete_act_at_once() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    let mut body = two_options(json!({}));
    body["dedupe"] = json!("browser");
    let poll = create_poll(&app, &key, body).await;
    let id = poll["id"].as_str().unwrap().to_owned();
    let option = option_ids(&poll)[0].clone();
    let action = |what: &str| app.url(&format!("/v1/polls/{id}/{what}"));
    let token = voter_token(&app).await;
    let ballot = json!({"option_ids": [option], "voter_token": token});
    let votes_url = app.url(&format!("/v1/polls/{id}/votes"));
    let mut ws = viewer(&app, &id).await;
    wait_for(&mut ws, Duration::from_secs(5), "initial", |m| {
        m["type"] == "results"
    })
    .await;

    assert_eq!(post_json(&votes_url, None, &ballot).await.0, 202);
    let (status, closed) = post_json(&action("close"), Some(&key), &json!({})).await;
    assert_eq!(
        (status, closed["status"].as_str().unwrap()),
        (200, "closed")
    );
    // No grace period: the very next vote is refused.
    let (status, p) = post_json(
        &votes_url,
        None,
        &json!({"option_ids": [option], "voter_token": voter_token(&app).await}),
    )
    .await;
    assert_eq!((status, p["code"].as_str().unwrap()), (403, "poll_closed"));
    assert_eq!(
        wait_for(&mut ws, Duration::from_secs(3), "closed", |m| m["type"]
            == "status")
        .await["status"],
        "closed"
    );

    let (status, opened) = post_json(&action("open"), Some(&key), &json!({})).await;
    assert_eq!((status, opened["status"].as_str().unwrap()), (200, "open"));
    assert_eq!(
        wait_for(&mut ws, Duration::from_secs(3), "open", |m| m["type"]
            == "status")
        .await["status"],
        "open"
    );
    eventually(Duration::from_secs(3), "votes accepted again", || async {
        (post_json(
            &votes_url,
            None,
            &json!({"option_ids": [option], "voter_token": voter_token(&app).await}),
        )
        .await
        .0 == 202)
            .then_some(())
    })
    .await;
    let results = app.url(&format!("/v1/polls/{id}/results"));
    eventually(Duration::from_secs(5), "2 votes counted", || async {
        (get_json(&results).await.1["total_votes"] == 2).then_some(())
    })
    .await;
    let seq_before = get_json(&results).await.1["seq"].as_u64().unwrap();

    // Reset: counts and the log are cleared, voters may vote again, seq keeps growing.
    let (status, _) = post_json(&action("reset"), Some(&key), &json!({})).await;
    assert_eq!(status, 200);
    let zero = wait_for(&mut ws, Duration::from_secs(3), "zeroed results", |m| {
        m["type"] == "results" && m["total_votes"] == 0
    })
    .await;
    assert!(zero["seq"].as_u64().unwrap() > seq_before);
    assert_eq!(
        post_json(&votes_url, None, &ballot).await.0,
        202,
        "the first voter may vote again"
    );
    eventually(Duration::from_secs(5), "the new vote counted", || async {
        (get_json(&results).await.1["total_votes"] == 1).then_some(())
    })
    .await;
    let (_, log) = {
        let mut res = pollcast_testkit::client()
            .get(app.url(&format!("/v1/polls/{id}/votes")))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        (res.status(), res.json::<Value>().await.unwrap())
    };
    assert_eq!(
        log["data"].as_array().unwrap().len(),
        1,
        "only the vote after the reset: {log}"
    );
    assert!(vote_log(app.context.store.as_ref(), &id).await.len() <= 3);

    // Delete: gone for everyone at once, and viewers are told.
    let res = pollcast_testkit::client()
        .delete(app.url(&format!("/v1/polls/{id}")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(
        wait_for(&mut ws, Duration::from_secs(3), "deleted", |m| m["type"]
            == "status")
        .await["status"],
        "deleted"
    );
    assert_eq!(get_json(&app.url(&format!("/v1/polls/{id}"))).await.0, 404);
    let (status, p) = post_json(
        &votes_url,
        None,
        &json!({"option_ids": [option], "voter_token": voter_token(&app).await}),
    )
    .await;
    assert_eq!(
        (status, p["code"].as_str().unwrap()),
        (404, "poll_not_found")
    );
    let other = app.admin_key().await;
    let (status, _) = post_json(&action("close"), Some(&other), &json!({})).await;
    assert_eq!(status, 404);
    app.stop().await;
}

async fn patch(app: &TestApp, key: &str, id: &str, body: Value) -> (u16, Value) {
    let mut res = pollcast_testkit::client()
        .patch(app.url(&format!("/v1/polls/{id}")))
        .bearer_auth(key)
        .send_json(&body)
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json::<Value>().await.unwrap_or(Value::Null),
    )
}

#[actix_web::test]
async fn edits_keep_the_rules_and_never_lose_votes() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, two_options(json!({"closes_at": at(3_600_000)}))).await;
    let id = poll["id"].as_str().unwrap().to_owned();
    let opts = option_ids(&poll);

    // Before any vote: anything goes, including the kind.
    let (status, p) = patch(
        &app,
        &key,
        &id,
        json!({"kind": "multiple", "max_choices": 2, "question": "Edited?"}),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        (p["kind"].as_str().unwrap(), p["question"].as_str().unwrap()),
        ("multiple", "Edited?")
    );

    assert_eq!(vote(&app, &id, &opts[0]).await.0, 202);
    let results = app.url(&format!("/v1/polls/{id}/results"));
    eventually(Duration::from_secs(5), "counted", || async {
        (get_json(&results).await.1["total_votes"] == 1).then_some(())
    })
    .await;

    // Removing the option with a vote, or changing the kind, is refused now.
    let (status, p) = patch(
        &app,
        &key,
        &id,
        json!({"options": [{"id": opts[1], "label": "b"}, {"label": "c"}]}),
    )
    .await;
    assert_eq!(
        (status, p["code"].as_str().unwrap()),
        (409, "poll_has_votes")
    );
    let (status, p) = patch(&app, &key, &id, json!({"kind": "single"})).await;
    assert_eq!(
        (status, p["code"].as_str().unwrap()),
        (409, "poll_has_votes")
    );
    // Relabelling, adding an option, clearing closes_at and metadata are fine.
    let (status, p) = patch(&app, &key, &id, json!({
        "options": [{"id": opts[0], "label": "A!"}, {"id": opts[1], "label": "b"}, {"label": "c"}],
        "closes_at": null, "metadata": {"k": "v"}, "results_visibility": "after_close"
    })).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["options"].as_array().unwrap().len(), 3);
    assert_eq!(p["options"][0]["label"], "A!");
    assert_eq!(p["closes_at"], Value::Null);
    assert_eq!(p["metadata"]["k"], "v");
    // Validation still applies, with every problem at once; unknown ids are refused.
    let (status, p) = patch(&app, &key, &id, json!({"question": "", "options": [{"id": "nope", "label": "x"}], "closes_at": "2000-01-01T00:00:00Z"})).await;
    assert_eq!(
        (status, p["code"].as_str().unwrap()),
        (422, "validation_failed")
    );
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"question")
            && fields.contains(&"options[0].id")
            && fields.contains(&"closes_at"),
        "{fields:?}"
    );
    let (status, _) = patch(&app, &key, &id, json!({"colour": "red"})).await;
    assert_eq!(status, 422);
    let (_, results) = get_json(&app.url(&format!("/v1/polls/{id}"))).await;
    assert_eq!(
        results["question"], "Edited?",
        "a refused edit changes nothing"
    );
    app.stop().await;
}
