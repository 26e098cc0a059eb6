//! Lists and exports: polls newest first with a status filter, the vote log oldest first by
//! time window, and the streamed CSV export.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::time::Duration;

use pollcast_testkit::{TestApp, TestEnv, create_poll, simple_poll};
use pollcast_types::{OptionId, PollId, Timestamp, VoteId, VoteRecord};
use serde_json::{Value, json};

fn start(env: &TestEnv) -> TestApp {
    env.spawn_app(env.opts(), |ctx| {
        vec![pollcast_api::Api::new(ctx).into_service()]
    })
}

async fn get(app: &TestApp, path: &str, key: &str) -> (u16, Value, String) {
    let mut res = pollcast_testkit::client()
        .get(app.url(path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = res.body().limit(64 << 20).await.unwrap();
    let text = String::from_utf8(body.to_vec()).unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    )
}

#[actix_web::test]
async fn polls_list_newest_first_paged_and_filtered_by_status() {
    let env = TestEnv::new().await;
    let app = start(&env);
    let key = app.admin_key().await;
    let mut made = Vec::new();
    for body in [
        simple_poll(2, "none"),
        json!({"question": "later", "options": [{"label": "a"}, {"label": "b"}], "opens_at": "2999-01-01T00:00:00Z"}),
        simple_poll(3, "browser"),
        json!({"question": "draft", "options": [{"label": "a"}, {"label": "b"}], "draft": true}),
        simple_poll(2, "ip"),
    ] {
        made.push(
            create_poll(&app, &key, body).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    made.reverse();
    let mut seen = Vec::new();
    let mut path = "/v1/polls?limit=2".to_owned();
    loop {
        let (status, page, _) = get(&app, &path, &key).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/polls?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, made);
    for (status, n) in [("open", 3), ("scheduled", 1), ("draft", 1), ("closed", 0)] {
        let (_, page, _) = get(&app, &format!("/v1/polls?status={status}&limit=1"), &key).await;
        let mut count = page["data"].as_array().unwrap().len();
        let mut cursor = page["next_cursor"].as_str().map(str::to_owned);
        while let Some(c) = cursor {
            let (_, page, _) = get(
                &app,
                &format!("/v1/polls?status={status}&limit=1&cursor={c}"),
                &key,
            )
            .await;
            count += page["data"].as_array().unwrap().len();
            cursor = page["next_cursor"].as_str().map(str::to_owned);
        }
        assert_eq!(count, n, "{status}");
    }
    let (status, p, _) = get(&app, "/v1/polls?status=sleeping", &key).await;
    assert_eq!(
        (status, p["code"].as_str().unwrap()),
        (422, "validation_failed")
    );
    // Another workspace sees none of them.
    let other = app.admin_key().await;
    let (_, page, _) = get(&app, "/v1/polls", &other).await;
    assert!(page["data"].as_array().unwrap().is_empty());
    app.stop().await;
}

fn votes(poll: &PollId, options: &[OptionId], n: usize) -> Vec<VoteRecord> {
    (0..n)
        .map(|i| VoteRecord {
            vote_id: VoteId::generate(),
            poll_id: poll.clone(),
            option_ids: vec![options[i % options.len()].clone()],
            rating: None,
            voter: Some(format!("{i:032x}")),
            received_at: Timestamp::now(),
            epoch: 0,
            replaces: None,
            entries: Vec::new(),
        })
        .collect()
}

#[actix_web::test]
async fn the_vote_log_pages_by_time_window_and_exports_as_csv() {
    let env = TestEnv::new().await;
    let app = start(&env);
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(3, "none")).await;
    let id = PollId::parse(poll["id"].as_str().unwrap()).unwrap();
    let options: Vec<OptionId> = pollcast_testkit::option_ids(&poll)
        .iter()
        .map(|o| OptionId::parse(o).unwrap())
        .collect();
    let store = app.context.store.clone();
    let early = votes(&id, &options, 1200);
    store.append_votes(&early).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let boundary = Timestamp::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let late = votes(&id, &options, 900);
    store.append_votes(&late).await.unwrap();

    // All of it, oldest first, in pages of 200.
    let mut seen: Vec<String> = Vec::new();
    let mut path = format!("/v1/polls/{id}/votes?limit=200");
    loop {
        let (status, page, _) = get(&app, &path, &key).await;
        assert_eq!(status, 200, "{page}");
        for v in page["data"].as_array().unwrap() {
            seen.push(v["vote_id"].as_str().unwrap().to_owned());
            assert!(
                v["option_ids"].is_array()
                    && v["voter"].is_string()
                    && v["received_at"].is_string()
            );
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/polls/{id}/votes?limit=200&cursor={c}"),
            None => break,
        }
    }
    let all: Vec<String> = early
        .iter()
        .chain(&late)
        .map(|v| v.vote_id.to_string())
        .collect();
    assert_eq!(seen, all);

    // Time windows: [since, until).
    let since = boundary.to_string();
    let count = |page: &Value| page["data"].as_array().unwrap().len();
    let (_, page, _) = get(
        &app,
        &format!("/v1/polls/{id}/votes?limit=200&since={since}"),
        &key,
    )
    .await;
    assert_eq!(page["data"][0]["vote_id"], late[0].vote_id.as_str());
    let (_, page, _) = get(
        &app,
        &format!(
            "/v1/polls/{id}/votes?limit=200&until={since}&cursor={}",
            early[1099].vote_id
        ),
        &key,
    )
    .await;
    assert_eq!(count(&page), 100);
    assert_eq!(page["next_cursor"], Value::Null);

    // CSV: a header, then every vote in order; and the window applies.
    let (status, _, csv) = get(&app, &format!("/v1/polls/{id}/votes.csv"), &key).await;
    assert_eq!(status, 200);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("vote_id,received_at,option_ids,rating,voter")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2100);
    let ids: Vec<&str> = rows.iter().map(|r| r.split(',').next().unwrap()).collect();
    assert_eq!(ids, all.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(rows[0].split(',').nth(2).unwrap(), options[0].as_str());
    let (_, _, late_csv) = get(
        &app,
        &format!("/v1/polls/{id}/votes.csv?since={since}"),
        &key,
    )
    .await;
    assert_eq!(late_csv.lines().count(), 901);
    let distinct: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), 2100);

    // Scope and isolation.
    let (_, reader) = pollcast_testkit::post_json(
        &app.url("/v1/api-keys"),
        Some(&key),
        &json!({"name": "r", "scopes": ["polls:read"]}),
    )
    .await;
    let reader = reader["key"].as_str().unwrap();
    let (status, p, _) = get(&app, &format!("/v1/polls/{id}/votes"), reader).await;
    assert_eq!(
        (status, p["code"].as_str().unwrap()),
        (403, "insufficient_scope")
    );
    let other = app.admin_key().await;
    assert_eq!(
        get(&app, &format!("/v1/polls/{id}/votes"), &other).await.0,
        404
    );
    assert_eq!(
        get(&app, &format!("/v1/polls/{id}/votes.csv"), &other)
            .await
            .0,
        404
    );
    let (status, p, _) = get(&app, &format!("/v1/polls/{id}/votes?cursor=nope"), &key).await;
    assert_eq!(
        (status, p["code"].as_str().unwrap()),
        (422, "validation_failed")
    );
    app.stop().await;
}
