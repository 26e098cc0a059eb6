//! Voters who change their minds (`vote_change: while_open`): a second ballot replaces the
//! first (`200` with `replaced`), the counts move and the total counts voters, the vote log
//! keeps every ballot with the one it replaced, the CSV has each voter's current ballot (every
//! ballot with `history=true`); changes on a closed poll or a `never` poll are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use pollcast_testkit::{
    TestApp, TestEnv, create_poll, eventually, get_json, get_json_with, option_ids, post_json,
    send_json, simple_poll, vote_log, voter_token,
};
use serde_json::{Value, json};

async fn changing_poll(app: &TestApp, key: &str, mut body: Value) -> Value {
    body["vote_change"] = json!("while_open");
    create_poll(app, key, body).await
}

async fn results_when(app: &TestApp, id: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let url = app.url(&format!("/v1/polls/{id}/results"));
    eventually(Duration::from_secs(10), "the results", || async {
        let (_, r) = get_json(&url).await;
        ok(&r).then_some(r)
    })
    .await
}

async fn csv(app: &TestApp, key: &str, id: &str, query: &str) -> Vec<String> {
    let mut res = pollcast_testkit::client()
        .get(app.url(&format!("/v1/polls/{id}/votes.csv{query}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body = res.body().await.unwrap();
    String::from_utf8(body.to_vec())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[actix_web::test]
async fn a_changed_vote_moves_the_counts_and_the_log_keeps_both_ballots() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let poll = changing_poll(&app, &key, simple_poll(3, "browser")).await;
    assert_eq!(poll["vote_change"], "while_open");
    let id = poll["id"].as_str().unwrap();
    let options = option_ids(&poll);
    let url = app.url(&format!("/v1/polls/{id}/votes"));
    let (alice, bob) = (voter_token(&app).await, voter_token(&app).await);
    let vote = |token: &str, o: usize| json!({"option_ids": [options[o]], "voter_token": token});

    let (status, first) = post_json(&url, None, &vote(&alice, 0)).await;
    assert_eq!(status, 202, "{first}");
    assert!(first.get("replaced").is_none());
    assert_eq!(post_json(&url, None, &vote(&bob, 0)).await.0, 202);
    // The change goes with an Idempotency-Key, and its retry gets the same answer.
    let send_change = || async {
        let mut res = pollcast_testkit::client()
            .post(&url)
            .insert_header(("Idempotency-Key", "change-1"))
            .send_json(&vote(&alice, 2))
            .await
            .unwrap();
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    };
    let (status, second) = send_change().await;
    assert_eq!(status, 200, "a change: {second}");
    assert_eq!(second["replaced"], first["vote_id"]);
    assert_eq!(
        send_change().await,
        (200, second.clone()),
        "a retry of the change"
    );

    let r = results_when(&app, id, |r| r["options"][2]["votes"] == 1).await;
    assert_eq!(
        r["total_votes"], 2,
        "the total counts voters, not ballots: {r}"
    );
    assert_eq!(r["options"][0]["votes"], 1, "{r}");

    let log = vote_log(env.store().as_ref(), id).await;
    assert_eq!(log.len(), 3, "every ballot is kept");
    let change = log
        .iter()
        .find(|v| v.vote_id.as_str() == second["vote_id"])
        .unwrap();
    assert_eq!(
        change.replaces.as_ref().map(|r| r.as_str()),
        first["vote_id"].as_str()
    );
    let (_, page) = get_json_with(&app.url(&format!("/v1/polls/{id}/votes")), &key).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 3, "{page}");

    let current = csv(&app, &key, id, "").await;
    assert_eq!(
        current[0],
        "vote_id,received_at,option_ids,rating,voter,replaces"
    );
    assert_eq!(
        current.len(),
        3,
        "a header and each voter's current ballot: {current:?}"
    );
    assert!(
        !current
            .iter()
            .any(|l| l.starts_with(first["vote_id"].as_str().unwrap()))
    );
    let history = csv(&app, &key, id, "?history=true").await;
    assert_eq!(history.len(), 4, "{history:?}");
    assert!(
        history
            .iter()
            .any(|l| l.ends_with(first["vote_id"].as_str().unwrap()))
    );

    let (status, audit) = get_json_with(&app.url(&format!("/v1/polls/{id}/audit")), &key).await;
    assert_eq!(
        (status, &audit["consistent"]),
        (200, &json!(true)),
        "{audit}"
    );

    // Closed: no more changes.
    let (status, _) = send_json(
        "POST",
        &app.url(&format!("/v1/polls/{id}/close")),
        Some(&key),
        &json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = post_json(&url, None, &vote(&alice, 1)).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("poll_closed")));
    env.finish().await;
}

#[actix_web::test]
async fn ranked_and_rating_ballots_change_too() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let rating = changing_poll(
        &app,
        &key,
        json!({"question": "Rate", "kind": "rating", "dedupe": "browser"}),
    )
    .await;
    let id = rating["id"].as_str().unwrap();
    let url = app.url(&format!("/v1/polls/{id}/votes"));
    let token = voter_token(&app).await;
    assert_eq!(
        post_json(&url, None, &json!({"rating": 2, "voter_token": token}))
            .await
            .0,
        202
    );
    assert_eq!(
        post_json(&url, None, &json!({"rating": 5, "voter_token": token}))
            .await
            .0,
        200
    );
    let r = results_when(&app, id, |r| r["distribution"][4]["votes"] == 1).await;
    assert_eq!(r["distribution"][1]["votes"], 0, "{r}");
    assert_eq!(r["total_votes"], 1);
    assert_eq!(r["mean"], 5.0, "{r}");

    let mut body = simple_poll(3, "browser");
    body["kind"] = json!("ranked");
    let ranked = changing_poll(&app, &key, body).await;
    let id = ranked["id"].as_str().unwrap();
    let o = option_ids(&ranked);
    let url = app.url(&format!("/v1/polls/{id}/votes"));
    let token = voter_token(&app).await;
    let ballot = |ids: [&String; 3]| json!({"option_ids": ids, "voter_token": token});
    assert_eq!(
        post_json(&url, None, &ballot([&o[0], &o[1], &o[2]]))
            .await
            .0,
        202
    );
    assert_eq!(
        post_json(&url, None, &ballot([&o[2], &o[0], &o[1]]))
            .await
            .0,
        200
    );
    let r = results_when(&app, id, |r| r["options"][2]["votes"] == 1).await;
    assert_eq!(r["options"][0]["votes"], 0, "first preferences moved: {r}");
    assert_eq!(r["rounds"][0]["winner"], json!(o[2]), "{r}");
    env.finish().await;
}

#[actix_web::test]
async fn without_vote_change_a_second_ballot_is_refused_and_none_dedupe_cannot_change() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "browser")).await;
    assert_eq!(poll["vote_change"], "never");
    let url = app.url(&format!("/v1/polls/{}/votes", poll["id"].as_str().unwrap()));
    let token = voter_token(&app).await;
    let o = option_ids(&poll);
    assert_eq!(
        post_json(
            &url,
            None,
            &json!({"option_ids": [o[0]], "voter_token": token})
        )
        .await
        .0,
        202
    );
    let (status, body) = post_json(
        &url,
        None,
        &json!({"option_ids": [o[1]], "voter_token": token}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("already_voted"))
    );

    let mut anonymous = simple_poll(2, "none");
    anonymous["vote_change"] = json!("while_open");
    let (status, body) = post_json(&app.url("/v1/polls"), Some(&key), &anonymous).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("validation_failed"))
    );
    assert_eq!(body["errors"][0]["field"], "vote_change", "{body}");
    env.finish().await;
}

/// Without JavaScript: the page's form changes the vote too, and the page then offers to
/// change it again.
#[actix_web::test]
async fn the_no_javascript_form_changes_a_vote() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let poll = changing_poll(&app, &key, simple_poll(2, "browser")).await;
    let id = poll["id"].as_str().unwrap();
    let options = option_ids(&poll);
    let client = awc::Client::builder().disable_redirects().finish();
    let mut cookies: Vec<String> = Vec::new();
    for option in [&options[0], &options[1]] {
        let mut req = client.post(app.url(&format!("/p/{id}/vote")));
        if !cookies.is_empty() {
            req = req.insert_header(("Cookie", cookies.join("; ")));
        }
        let res = req.send_form(&[("option_ids", option)]).await.unwrap();
        assert_eq!(res.status().as_u16(), 303);
        for c in res.headers().get_all("set-cookie") {
            let pair = c.to_str().unwrap().split(';').next().unwrap().to_owned();
            let name = pair.split('=').next().unwrap().to_owned();
            cookies.retain(|k| !k.starts_with(&format!("{name}=")));
            cookies.push(pair);
        }
    }
    let r = results_when(&app, id, |r| r["options"][1]["votes"] == 1).await;
    assert_eq!(
        (r["total_votes"].as_u64(), r["options"][0]["votes"].as_u64()),
        (Some(1), Some(0)),
        "{r}"
    );
    let mut page = client
        .get(app.url(&format!("/p/{id}")))
        .insert_header(("Cookie", cookies.join("; ")))
        .send()
        .await
        .unwrap();
    let html = String::from_utf8(page.body().await.unwrap().to_vec()).unwrap();
    assert!(
        html.contains("Change my vote"),
        "the page offers another change"
    );
    env.finish().await;
}

#[actix_web::test]
async fn a_changed_answer_moves_its_term_and_the_spelling_shown_follows() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let poll = changing_poll(
        &app,
        &key,
        json!({"question": "One word?", "kind": "open_text", "moderation": "none"}),
    )
    .await;
    let id = poll["id"].as_str().unwrap();
    let url = app.url(&format!("/v1/polls/{id}/votes"));
    let (alice, bob) = (voter_token(&app).await, voter_token(&app).await);
    let answer = |token: &str, word: &str| json!({"entries": [word], "voter_token": token});
    assert_eq!(post_json(&url, None, &answer(&alice, "FAST")).await.0, 202);
    assert_eq!(post_json(&url, None, &answer(&alice, "FAST")).await.0, 200);
    assert_eq!(post_json(&url, None, &answer(&bob, "fast")).await.0, 202);
    let text_of = |r: &Value| r["terms"][0]["text"].as_str().map(str::to_owned);
    let r = results_when(&app, id, |r| r["terms"][0]["count"] == 2).await;
    assert_eq!(
        text_of(&r).as_deref(),
        Some("FAST"),
        "first seen wins a tie: {r}"
    );
    // Alice changes her answer: "fast" is now the only spelling, and the cloud shows it.
    assert_eq!(post_json(&url, None, &answer(&alice, "slow")).await.0, 200);
    let r = results_when(&app, id, |r| {
        r["terms"].as_array().is_some_and(|t| t.len() == 2)
    })
    .await;
    let fast = r["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["text"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("fast"))
        })
        .unwrap();
    assert_eq!(
        (&fast["text"], &fast["count"]),
        (&json!("fast"), &json!(1)),
        "{r}"
    );
    assert_eq!(r["total_entries"], 2, "{r}");
    assert_eq!(r["total_votes"], 2, "{r}");
}
