//! Webhook deliveries end to end, to a real HTTP receiver on loopback (allowed explicitly):
//! signatures checked by the `standardwebhooks` crate (an implementation we did not write),
//! exactly one `vote.created` per accepted vote, retries with one `webhook-id`, `410`, and a
//! dead receiver that delays nobody else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pollcast_testkit::webhook_receiver::{Received, start_receiver};
use pollcast_testkit::{TestApp, TestEnv, create_poll, option_ids, post_json, simple_poll};
use serde_json::{Value, json};

fn app(env: &TestEnv) -> TestApp {
    let mut opts = env.opts();
    opts.webhook_allow_private = Some(vec!["127.0.0.0/8".into()]);
    opts.webhook_allow_http = Some(true);
    opts.webhook_retry_schedule = Some(vec!["200ms".into(), "200ms".into(), "200ms".into()]);
    opts.webhook_results_interval_secs = Some(1);
    env.spawn_app(opts, pollcast::services)
}

async fn endpoint(app: &TestApp, key: &str, url: String, events: Value) -> (String, String) {
    let (status, body) = post_json(
        &app.url("/v1/webhooks"),
        Some(key),
        &json!({"url": url, "events": events}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (
        body["id"].as_str().unwrap().to_owned(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

fn verify(secret: &str, r: &Received) {
    let wh = standardwebhooks::Webhook::new(secret).unwrap();
    let mut headers = http::HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        headers.insert(name, r.headers[name].parse().unwrap());
    }
    wh.verify(r.body.as_bytes(), &headers).unwrap_or_else(|e| {
        panic!(
            "signature of {} does not verify: {e:?}",
            r.headers["webhook-id"]
        )
    });
}

async fn vote(app: &TestApp, poll: &Value, option: usize) {
    let id = poll["id"].as_str().unwrap();
    let (status, body) = post_json(
        &app.url(&format!("/v1/polls/{id}/votes")),
        None,
        &json!({"option_ids": [option_ids(poll)[option]]}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
}

#[actix_web::test]
async fn every_accepted_vote_is_one_signed_vote_created_delivery() {
    let env = TestEnv::new().await;
    let app = app(&env);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    let (_, secret) = endpoint(&app, &key, format!("{base}/ok"), json!(["vote.created"])).await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    // A refused vote produces nothing.
    let id = poll["id"].as_str().unwrap();
    let (status, _) = post_json(
        &app.url(&format!("/v1/polls/{id}/votes")),
        None,
        &json!({"option_ids": ["nope"]}),
    )
    .await;
    assert_eq!(status, 422);
    const N: usize = 1000;
    let votes = futures_util::future::join_all((0..N).map(|i| vote(&app, &poll, i % 2))).await;
    assert_eq!(votes.len(), N);
    receiver.wait_for("/ok", N, Duration::from_secs(60)).await;
    // A little longer: nothing more may come.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = receiver.on("/ok");
    assert_eq!(got.len(), N, "exactly one delivery per accepted vote");
    let ids: std::collections::HashSet<&String> =
        got.iter().map(|r| &r.headers["webhook-id"]).collect();
    assert_eq!(ids.len(), N, "1,000 distinct webhook-ids");
    let vote_ids: std::collections::HashSet<String> = got
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            assert_eq!(body["type"], "vote.created");
            assert_eq!(body["data"]["poll_id"], id);
            body["data"]["vote_id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(vote_ids.len(), N);
    for r in &got {
        verify(&secret, r);
    }
    // Delivered, so nothing of them is left in Redis: the store's log has them.
    let left = webhook_keys(&app).await;
    assert!(
        left.is_empty(),
        "{} webhook keys left: {:?}",
        left.len(),
        &left[..left.len().min(5)]
    );
    handle.stop(false).await;
}

/// Every webhook queue key of this app in Redis.
async fn webhook_keys(app: &TestApp) -> Vec<String> {
    let mut conn = app.context.bus.conn();
    let prefix = &app.context.settings.redis_prefix;
    let mut found = Vec::new();
    for pattern in ["whd:", "whdue:", "whready"] {
        let keys: Vec<String> = pollcast_bus::redis::cmd("KEYS")
            .arg(format!("{prefix}:*{pattern}*"))
            .query_async(&mut conn)
            .await
            .unwrap();
        found.extend(keys);
    }
    found
}

/// A busy endpoint's backlog never stands in front of another endpoint's deliveries: each
/// waits in its own endpoint's set, and each endpoint takes only the room it has.
#[actix_web::test]
async fn an_endpoint_with_a_backlog_delays_no_other() {
    let env = TestEnv::new().await;
    let app = app(&env);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    let busy = create_poll(&app, &key, simple_poll(2, "none")).await;
    let quiet = create_poll(&app, &key, simple_poll(2, "none")).await;
    let only = |poll: &Value| json!([poll["id"]]);
    for (path, poll) in [("/dead", &busy), ("/ok", &quiet)] {
        let (status, body) = post_json(
            &app.url("/v1/webhooks"),
            Some(&key),
            &json!({"url": format!("{base}{path}"), "events": ["vote.created"], "poll_ids": only(poll)}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    // 6,000 deliveries to a receiver that never answers: 64 hang, the rest wait.
    const BACKLOG: usize = 6000;
    for chunk in 0..BACKLOG / 500 {
        futures_util::future::join_all((0..500).map(|i| vote(&app, &busy, (chunk + i) % 2))).await;
    }
    receiver
        .wait_for("/dead", 16, Duration::from_secs(10))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let voted = Instant::now();
    vote(&app, &quiet, 0).await;
    let got = receiver.wait_for("/ok", 1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    let waited = got[0].at.duration_since(voted);
    assert!(
        waited < Duration::from_secs(1),
        "the quiet endpoint waited {waited:?} behind the busy one"
    );
    handle.stop(false).await;
}

#[actix_web::test]
async fn failures_are_retried_with_one_webhook_id_410_disables_and_a_dead_receiver_delays_nobody() {
    let env = TestEnv::new().await;
    let app = app(&env);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    let (flaky_id, flaky_secret) =
        endpoint(&app, &key, format!("{base}/flaky"), json!(["vote.created"])).await;
    let (gone, _) = endpoint(&app, &key, format!("{base}/gone"), json!(["vote.created"])).await;
    let _ = endpoint(&app, &key, format!("{base}/dead"), json!(["vote.created"])).await;
    let (_, ok_secret) = endpoint(&app, &key, format!("{base}/ok"), json!(["vote.created"])).await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;

    let voted = Instant::now();
    vote(&app, &poll, 0).await;
    // The dead receiver holds its own delivery; the healthy one gets its at once.
    let ok = receiver.wait_for("/ok", 1, Duration::from_secs(5)).await;
    assert_eq!(ok.len(), 1);
    assert!(
        ok[0].at.duration_since(voted) < Duration::from_secs(1),
        "a dead receiver delayed another endpoint by {:?}",
        ok[0].at.duration_since(voted)
    );
    verify(&ok_secret, &ok[0]);
    assert_eq!(
        receiver
            .wait_for("/dead", 1, Duration::from_secs(5))
            .await
            .len(),
        1
    );

    // Twice 500, then 200: three receipts of one delivery, one webhook-id, each verifying.
    let flaky = receiver
        .wait_for("/flaky", 3, Duration::from_secs(10))
        .await;
    assert_eq!(flaky.len(), 3);
    assert!(
        flaky
            .iter()
            .all(|r| r.headers["webhook-id"] == flaky[0].headers["webhook-id"])
    );
    for r in &flaky {
        verify(&flaky_secret, r);
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.on("/flaky").len(), 3, "nothing after the success");

    // The log has every attempt; a replay sends the delivery again with its webhook-id.
    let log = |query: &'static str| {
        let url = app.url(&format!("/v1/webhooks/{flaky_id}/deliveries{query}"));
        let key = key.clone();
        async move { pollcast_testkit::get_json_with(&url, &key).await }
    };
    let (status, failed) = log("?status=failed").await;
    assert_eq!(status, 200, "{failed}");
    let failed = failed["data"].as_array().unwrap().clone();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(failed.iter().all(|a| a["http_status"] == 500
        && a["error"] == "http_status"
        && a["response_excerpt"] == "not yet"
        && a["next_attempt_at"].is_string()));
    let (_, succeeded) = log("?status=succeeded&event=vote.created").await;
    let succeeded = succeeded["data"].as_array().unwrap().clone();
    assert_eq!(succeeded.len(), 1);
    assert_eq!(succeeded[0]["attempt"], 3);
    let delivery = succeeded[0]["delivery_id"].as_str().unwrap().to_owned();
    assert_eq!(delivery, flaky[0].headers["webhook-id"]);
    assert_eq!(log("?status=maybe").await.0, 422);
    let (status, replayed) = post_json(
        &app.url(&format!(
            "/v1/webhooks/{flaky_id}/deliveries/{delivery}/replay"
        )),
        Some(&key),
        &json!({}),
    )
    .await;
    assert_eq!(status, 202, "{replayed}");
    let again = receiver.wait_for("/flaky", 4, Duration::from_secs(5)).await;
    assert_eq!(again.len(), 4);
    assert_eq!(again[3].headers["webhook-id"], delivery);
    verify(&flaky_secret, &again[3]);

    // The test delivery answers with what the receiver answered, failures included.
    let (status, tested) = post_json(
        &app.url(&format!("/v1/webhooks/{flaky_id}/test")),
        Some(&key),
        &json!({"event": "poll.closed"}),
    )
    .await;
    assert_eq!(status, 200, "{tested}");
    assert_eq!(tested["delivered"], false);
    assert_eq!(tested["status"], 500);
    assert_eq!(tested["response_excerpt"], "not yet");
    let sample = receiver.on("/flaky").pop().unwrap();
    verify(&flaky_secret, &sample);
    let body: Value = serde_json::from_str(&sample.body).unwrap();
    assert_eq!(body["type"], "poll.closed");

    // 410 disables the endpoint at once; it gets no more.
    assert_eq!(
        receiver
            .wait_for("/gone", 1, Duration::from_secs(5))
            .await
            .len(),
        1
    );
    let (_, state) =
        pollcast_testkit::get_json_with(&app.url(&format!("/v1/webhooks/{gone}")), &key).await;
    assert_eq!(state["state"], "disabled", "{state}");
    assert!(state["disabled_reason"].as_str().unwrap().contains("410"));
    vote(&app, &poll, 1).await;
    assert_eq!(
        receiver
            .wait_for("/ok", 2, Duration::from_secs(5))
            .await
            .len(),
        2
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.on("/gone").len(), 1);
    handle.stop(false).await;
}

#[actix_web::test]
async fn every_poll_change_arrives_once_signed_in_order() {
    let env = TestEnv::new().await;
    let app = app(&env);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    let (_, secret) = endpoint(
        &app,
        &key,
        format!("{base}/ok"),
        json!([
            "poll.created",
            "poll.updated",
            "poll.opened",
            "poll.closed",
            "poll.reset",
            "poll.deleted",
            "vote.created"
        ]),
    )
    .await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap();
    let call = |method: &'static str, path: String, body: Value| {
        let url = app.url(&path);
        let key = key.clone();
        async move {
            let mut res = pollcast_testkit::client()
                .request(method.parse().unwrap(), url)
                .bearer_auth(key)
                .send_json(&body)
                .await
                .unwrap();
            let status = res.status().as_u16();
            let _ = res.body().await;
            status
        }
    };
    let mut expected = vec!["poll.created"];
    // Each change waits for its event, so the order the receiver sees is the changes' order.
    let step = |n: usize| receiver.wait_for("/ok", n, Duration::from_secs(5));
    assert_eq!(step(1).await.len(), 1);
    assert_eq!(
        call(
            "PATCH",
            format!("/v1/polls/{id}"),
            json!({"question": "Edited?"})
        )
        .await,
        200
    );
    expected.push("poll.updated");
    assert_eq!(step(2).await.len(), 2);
    vote(&app, &poll, 0).await;
    expected.push("vote.created");
    assert_eq!(step(3).await.len(), 3);
    assert_eq!(
        call("POST", format!("/v1/polls/{id}/close"), json!({})).await,
        200
    );
    expected.push("poll.closed");
    assert_eq!(step(4).await.len(), 4);
    assert_eq!(
        call("POST", format!("/v1/polls/{id}/open"), json!({})).await,
        200
    );
    expected.push("poll.opened");
    assert_eq!(step(5).await.len(), 5);
    assert_eq!(
        call("POST", format!("/v1/polls/{id}/reset"), json!({})).await,
        200
    );
    expected.push("poll.reset");
    assert_eq!(step(6).await.len(), 6);
    assert_eq!(
        call("DELETE", format!("/v1/polls/{id}"), json!({})).await,
        204
    );
    expected.push("poll.deleted");
    let got = step(7).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.on("/ok").len(), 7, "one delivery per change");
    let types: Vec<String> = got
        .iter()
        .map(|r| {
            verify(&secret, r);
            let body: Value = serde_json::from_str(&r.body).unwrap();
            if body["type"] != "vote.created" {
                assert_eq!(body["data"]["id"], id, "{body}");
                assert!(
                    body["data"].get("shard").is_none(),
                    "internal fields stay inside"
                );
            }
            body["type"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(types, expected);
    let edited: Value = serde_json::from_str(&got[1].body).unwrap();
    assert_eq!(edited["data"]["question"], "Edited?");
    handle.stop(false).await;
}

#[actix_web::test]
async fn results_updated_goes_at_most_once_an_interval_and_the_last_change_always_goes() {
    let env = TestEnv::new().await;
    let app = app(&env);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    let (_, secret) = endpoint(&app, &key, format!("{base}/ok"), json!(["results.updated"])).await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap();
    // Votes for 2.5 s: many snapshots are published (one per 100 ms at most).
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < Duration::from_millis(2500) {
        vote(&app, &poll, n % 2).await;
        n += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The last change goes once its interval is over.
    let until = Instant::now() + Duration::from_secs(5);
    let last = loop {
        let got = receiver.on("/ok");
        let last: Option<Value> = got.last().map(|r| serde_json::from_str(&r.body).unwrap());
        if last
            .as_ref()
            .is_some_and(|b| b["data"]["total_votes"] == n as u64)
            || Instant::now() > until
        {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!last.is_empty());
    let bodies: Vec<Value> = last
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(
        bodies.last().unwrap()["data"]["total_votes"],
        n as u64,
        "the final results went"
    );
    assert!(
        last.len() <= 5,
        "at most one a second over ~3.5 s: {}",
        last.len()
    );
    for pair in last.windows(2) {
        assert!(pair[1].at.duration_since(pair[0].at) >= Duration::from_millis(900));
    }
    for (r, body) in last.iter().zip(&bodies) {
        verify(&secret, r);
        assert_eq!(body["type"], "results.updated");
        assert_eq!(body["data"]["poll_id"], id);
        assert_eq!(body["data"]["options"][0]["label"], "Option 0");
        assert!(body["data"].get("viewers").is_none());
    }
    handle.stop(false).await;
}

/// A `pollcast serve --services webhook-dispatcher` process on the test's Redis and data.
fn dispatcher(env: &TestEnv, app: &TestApp, log: &str) -> std::process::Child {
    let dir = &app.context.settings.data_dir;
    let log = std::fs::File::create(dir.join(log)).unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_pollcast"))
        .args([
            "serve",
            "--services",
            "webhook-dispatcher",
            "--listen",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(dir)
        .args(["--redis-url", &env.redis_url()])
        .args(["--redis-prefix", &app.context.settings.redis_prefix])
        .args([
            "--webhook-allow-private",
            "127.0.0.0/8",
            "--webhook-allow-http",
        ])
        .args(["--webhook-retry-schedule", "300ms,300ms,300ms,300ms"])
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap()
}

fn ids(got: &[Received]) -> HashMap<String, usize> {
    let mut ids = HashMap::new();
    for r in got {
        *ids.entry(r.headers["webhook-id"].clone()).or_insert(0) += 1;
    }
    ids
}

#[actix_web::test]
async fn a_dispatcher_killed_with_deliveries_and_retries_pending_loses_none_beside_another() {
    let env = TestEnv::new().await;
    let mut opts = env.opts();
    opts.services = Some(
        ["api", "vote-ingest", "tally", "results-broadcast"]
            .map(str::to_owned)
            .to_vec(),
    );
    opts.webhook_allow_private = Some(vec!["127.0.0.0/8".into()]);
    opts.webhook_allow_http = Some(true);
    let app = env.spawn_app(opts, pollcast::services);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    let (_, slow_secret) =
        endpoint(&app, &key, format!("{base}/slow"), json!(["vote.created"])).await;
    let _ = endpoint(&app, &key, format!("{base}/once"), json!(["vote.created"])).await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;

    // Two dispatchers at once, as separate processes.
    let mut first = dispatcher(&env, &app, "dispatcher-1.log");
    let mut second = dispatcher(&env, &app, "dispatcher-2.log");
    const N: usize = 300;
    futures_util::future::join_all((0..N).map(|i| vote(&app, &poll, i % 2))).await;
    // SIGKILL one while deliveries are in flight and retries are waiting.
    receiver
        .wait_for("/slow", N / 4, Duration::from_secs(20))
        .await;
    first.kill().unwrap();
    first.wait().unwrap();
    let in_flight_at_kill = receiver.on("/slow").len();
    assert!(in_flight_at_kill < N, "killed too late to prove anything");
    let mut restarted = dispatcher(&env, &app, "dispatcher-1b.log");

    // Everything arrives: what the killed one had leased, after its lease (20 s).
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let slow = ids(&receiver.on("/slow"));
        let once = ids(&receiver.on("/once"));
        if (slow.len() == N && once.len() == N && once.values().all(|n| *n >= 2))
            || Instant::now() > until
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let slow = ids(&receiver.on("/slow"));
    let once = ids(&receiver.on("/once"));
    assert_eq!(slow.len(), N, "every vote's delivery arrived");
    assert_eq!(
        once.len(),
        N,
        "every vote's delivery arrived at the retrying endpoint"
    );
    assert!(
        once.values().all(|n| *n >= 2),
        "each retried until it succeeded"
    );
    // Sent twice only if the killed dispatcher was sending it when killed: at most what one
    // dispatcher has in flight per endpoint (64).
    let twice = slow.values().filter(|n| **n > 1).count();
    assert!(twice <= 64, "{twice} deliveries came twice");
    assert!(slow.values().all(|n| *n <= 2));
    let extra = once.values().filter(|n| **n > 2).count();
    assert!(
        extra <= 4,
        "{extra} retried deliveries came more than twice"
    );
    for r in receiver.on("/slow").iter().take(20) {
        verify(&slow_secret, r);
    }
    for child in [&mut second, &mut restarted] {
        let _ = child.kill();
        let _ = child.wait();
    }
    handle.stop(false).await;
}

#[actix_web::test]
async fn an_endpoint_failing_for_five_days_is_disabled_and_says_why() {
    let env = TestEnv::new().await;
    let app = app(&env);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    let (id, _) = endpoint(&app, &key, format!("{base}/once"), json!(["vote.created"])).await;
    let (healthy, _) = endpoint(&app, &key, format!("{base}/ok"), json!(["vote.created"])).await;
    // As if every attempt had failed for six days.
    for wid in [&id, &healthy] {
        let store = &app.context.store;
        let mut w = store
            .webhook(&pollcast_types::WebhookId::parse(wid).unwrap())
            .await
            .unwrap()
            .unwrap();
        w.failing_since = Some(pollcast_types::Timestamp::from_millis(
            pollcast_types::Timestamp::now().as_millis() - 6 * 86_400_000,
        ));
        store.update_webhook(&w).await.unwrap();
    }
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    vote(&app, &poll, 0).await;
    assert_eq!(
        receiver
            .wait_for("/once", 1, Duration::from_secs(5))
            .await
            .len(),
        1
    );
    assert_eq!(
        receiver
            .wait_for("/ok", 1, Duration::from_secs(5))
            .await
            .len(),
        1
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, failing) =
        pollcast_testkit::get_json_with(&app.url(&format!("/v1/webhooks/{id}")), &key).await;
    assert_eq!(failing["state"], "disabled", "{failing}");
    assert!(
        failing["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("5 days")
    );
    assert_eq!(
        receiver.on("/once").len(),
        1,
        "a disabled endpoint gets no retry"
    );
    // A success clears the failing streak instead.
    let (_, ok) =
        pollcast_testkit::get_json_with(&app.url(&format!("/v1/webhooks/{healthy}")), &key).await;
    assert_eq!(ok["state"], "active", "{ok}");
    handle.stop(false).await;
}

#[actix_web::test]
async fn during_a_rotation_deliveries_verify_with_the_old_and_the_new_secret() {
    let env = TestEnv::new().await;
    let app = app(&env);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    let (id, old) = endpoint(&app, &key, format!("{base}/ok"), json!(["vote.created"])).await;
    let (status, rotated) = post_json(
        &app.url(&format!("/v1/webhooks/{id}/rotate-secret")),
        Some(&key),
        &json!({}),
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    let new = rotated["secret"].as_str().unwrap();
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    vote(&app, &poll, 0).await;
    let got = receiver.wait_for("/ok", 1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    // A receiver still on the old secret and one already on the new both accept it.
    verify(&old, &got[0]);
    verify(new, &got[0]);
    assert_eq!(got[0].headers["webhook-signature"].split(' ').count(), 2);
    // A secret that never was this endpoint's does not verify.
    let stranger = pollcast_runtime::webhook_secret::new();
    let wh = standardwebhooks::Webhook::new(&stranger).unwrap();
    let mut headers = http::HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        headers.insert(name, got[0].headers[name].parse().unwrap());
    }
    assert!(wh.verify(got[0].body.as_bytes(), &headers).is_err());
    handle.stop(false).await;
}

/// A `410` disables the endpoint by writing its state alone: an edit made while the
/// delivery was in flight (a new description, a rotated secret) stays.
#[actix_web::test]
async fn a_410_disables_without_undoing_an_edit_made_meanwhile() {
    let env = TestEnv::new().await;
    let app = app(&env);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    let (id, _) = endpoint(
        &app,
        &key,
        format!("{base}/gone-slow"),
        json!(["vote.created"]),
    )
    .await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    vote(&app, &poll, 0).await;
    // The delivery is in flight (the receiver answers in 1.5 s): edit the endpoint now.
    assert_eq!(
        receiver
            .wait_for("/gone-slow", 1, Duration::from_secs(5))
            .await
            .len(),
        1
    );
    let (status, edited) = pollcast_testkit::send_json(
        "PATCH",
        &app.url(&format!("/v1/webhooks/{id}")),
        Some(&key),
        &json!({"description": "edited while in flight"}),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    let (status, rotated) = post_json(
        &app.url(&format!("/v1/webhooks/{id}/rotate-secret")),
        Some(&key),
        &json!({}),
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    let stored = pollcast_testkit::eventually(Duration::from_secs(10), "disabled", || async {
        let (_, w) =
            pollcast_testkit::get_json_with(&app.url(&format!("/v1/webhooks/{id}")), &key).await;
        (w["state"] == "disabled").then_some(w)
    })
    .await;
    assert!(stored["disabled_reason"].as_str().unwrap().contains("410"));
    assert_eq!(stored["description"], "edited while in flight", "{stored}");
    let signing = pollcast_testkit::signing_secrets(&app, &id).await;
    assert_eq!(
        signing[0],
        rotated["secret"].as_str().unwrap(),
        "the rotation stays"
    );
    handle.stop(false).await;
}

/// An endpoint whose signing secret this server cannot open (its `secret.key` replaced) gets
/// nothing unsigned: the attempt fails as `secret` and nothing reaches the receiver.
#[actix_web::test]
async fn a_secret_that_cannot_be_opened_sends_nothing_unsigned() {
    let env = TestEnv::new().await;
    let app = app(&env);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    let (id, _) = endpoint(&app, &key, format!("{base}/ok"), json!(["vote.created"])).await;
    // Sealed with another server's key, as after `secret.key` was replaced.
    let other_dir = env.data_path().join("other-key");
    let other = pollcast_runtime::ServerSecret::load_or_create(&other_dir).unwrap();
    let wid = pollcast_types::WebhookId::parse(&id).unwrap();
    let mut webhook = app.context.store.webhook(&wid).await.unwrap().unwrap();
    webhook.secret_sealed = other
        .seal(
            pollcast_runtime::webhook_secret::PURPOSE,
            pollcast_runtime::webhook_secret::new().as_bytes(),
        )
        .unwrap();
    assert!(app.context.store.update_webhook(&webhook).await.unwrap());

    let (status, tested) = post_json(
        &app.url(&format!("/v1/webhooks/{id}/test")),
        Some(&key),
        &json!({"event": "poll.closed"}),
    )
    .await;
    assert_eq!(status, 200, "{tested}");
    assert_eq!(tested["delivered"], false);
    assert_eq!(tested["error"], "secret");
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    vote(&app, &poll, 0).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(receiver.on("/ok").is_empty(), "nothing went out unsigned");
    let metrics = pollcast_testkit::get_text(&app.url("/metrics")).await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("webhook_failures_total{class=\"secret\"}")),
        "{metrics}"
    );
    handle.stop(false).await;
}

/// A store outage loses no `vote.created`: the dispatcher cannot read the endpoints while the
/// store is down, and an endpoint list it read before (here: none yet) is not taken for the
/// truth, so the events stay pending and each accepted vote is delivered exactly once when
/// the store returns.
#[actix_web::test]
async fn with_the_store_down_every_vote_is_delivered_once_it_returns() {
    let env = TestEnv::new().await;
    let switch = Arc::new(std::sync::OnceLock::new());
    let kept = switch.clone();
    let mut opts = env.opts();
    opts.webhook_allow_private = Some(vec!["127.0.0.0/8".into()]);
    opts.webhook_allow_http = Some(true);
    let context = env.context_over(opts, move |inner| {
        let switchable = Arc::new(pollcast_testkit::outage::SwitchableStore::new(inner));
        let _ = kept.set(switchable.clone());
        switchable
    });
    let switch = switch.get().unwrap().clone();
    let app = TestEnv::spawn_on(context, pollcast::services);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    // A first vote makes every service know the poll, and the dispatcher pass it (nobody
    // wants votes yet).
    vote(&app, &poll, 0).await;
    votes_passed(&app).await;
    endpoint(&app, &key, format!("{base}/ok"), json!(["vote.created"])).await;
    // Past the 2 s the dispatcher reuses an endpoint list, the next read meets the outage.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    switch.take_down();
    const N: usize = 200;
    futures_util::future::join_all((0..N).map(|i| vote(&app, &poll, i % 2))).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    switch.bring_back();
    let got = receiver.wait_for("/ok", N, Duration::from_secs(60)).await;
    assert_eq!(
        got.len(),
        N,
        "every vote accepted after the endpoint existed"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = receiver.on("/ok");
    assert_eq!(got.len(), N, "and none twice");
    let ids: std::collections::HashSet<&String> =
        got.iter().map(|r| &r.headers["webhook-id"]).collect();
    assert_eq!(ids.len(), N);
    handle.stop(false).await;
    app.stop().await;
}

/// Waits until the dispatcher's group has passed every vote in every votes stream (read and
/// acknowledged, or skipped) and returns each shard's interest flag (`on`).
async fn votes_passed(app: &TestApp) -> Vec<Option<String>> {
    use pollcast_bus::redis::AsyncCommands;
    use pollcast_bus::redis::streams::{StreamInfoGroupsReply, StreamInfoStreamReply};
    let conn = app.context.bus.conn();
    let keys = app.context.bus.keys().clone();
    let shards = app.context.settings.shards;
    pollcast_testkit::eventually(
        Duration::from_secs(20),
        "the webhook group past every vote",
        || {
            let (mut conn, keys) = (conn.clone(), keys.clone());
            async move {
                let mut flags = Vec::new();
                for shard in 0..shards {
                    let stream = keys.votes_stream(shard);
                    let info: StreamInfoStreamReply = conn.xinfo_stream(&stream).await.ok()?;
                    let groups: StreamInfoGroupsReply = conn.xinfo_groups(&stream).await.ok()?;
                    let group = groups.groups.iter().find(|g| g.name == "webhooks")?;
                    if group.pending > 0 || group.last_delivered_id != info.last_generated_id {
                        return None;
                    }
                    let on: Option<String> = conn
                        .hget(keys.webhook_vote_interest(shard), "on")
                        .await
                        .ok()?;
                    flags.push(on);
                }
                Some(flags)
            }
        },
    )
    .await
}

/// With no endpoint wanting `vote.created`, the dispatcher does not read the votes: its group
/// is moved past them. An endpoint created while votes stream in then receives every vote
/// sent after its creation was answered, once each.
#[actix_web::test]
async fn votes_nobody_wants_are_skipped_and_a_new_endpoint_misses_none_after_it_exists() {
    let env = TestEnv::new().await;
    let app = app(&env);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    // An endpoint for other events does not make the votes wanted.
    endpoint(&app, &key, format!("{base}/polls"), json!(["poll.closed"])).await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    for i in 0..40 {
        vote(&app, &poll, i % 2).await;
    }
    let flags = votes_passed(&app).await;
    assert!(
        flags.iter().all(|f| f.as_deref() == Some("0")),
        "every shard's votes skipped: {flags:?}"
    );

    // Votes keep coming while the endpoint is created.
    let id = poll["id"].as_str().unwrap().to_owned();
    let sent = Arc::new(std::sync::Mutex::new(Vec::<(Instant, String)>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let voter = {
        let (url, sent, stop) = (
            app.url(&format!("/v1/polls/{id}/votes")),
            sent.clone(),
            stop.clone(),
        );
        let option = option_ids(&poll)[0].clone();
        actix_web::rt::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let at = Instant::now();
                let (status, body) = post_json(&url, None, &json!({"option_ids": [option]})).await;
                assert_eq!(status, 202, "{body}");
                let vote = body["vote_id"].as_str().unwrap().to_owned();
                sent.lock().unwrap().push((at, vote));
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    endpoint(&app, &key, format!("{base}/votes"), json!(["vote.created"])).await;
    let created = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    voter.await.unwrap();

    let after: Vec<String> = sent
        .lock()
        .unwrap()
        .iter()
        .filter(|(at, _)| *at > created)
        .map(|(_, v)| v.clone())
        .collect();
    assert!(
        after.len() > 20,
        "only {} votes after the endpoint",
        after.len()
    );
    let flags = votes_passed(&app).await;
    assert!(flags.iter().all(|f| f.as_deref() == Some("1")), "{flags:?}");
    receiver
        .wait_for("/votes", after.len(), Duration::from_secs(30))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = receiver.on("/votes");
    let delivered: HashMap<String, usize> = got.iter().fold(HashMap::new(), |mut seen, r| {
        let body: Value = serde_json::from_str(&r.body).unwrap();
        *seen
            .entry(body["data"]["vote_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
        seen
    });
    for vote in &after {
        assert_eq!(
            delivered.get(vote),
            Some(&1),
            "vote {vote} sent after the endpoint existed"
        );
    }
    assert!(delivered.values().all(|&n| n == 1), "none twice");
    assert!(receiver.on("/polls").is_empty());
    handle.stop(false).await;
}

/// A voter who changes their mind: the first ballot is a `vote.created`, the second a
/// `vote.changed` naming the ballot it replaced. The endpoint wants only `vote.changed`: it
/// gets only that, and its wanting it is enough for the dispatcher to read votes.
#[actix_web::test]
async fn a_changed_vote_is_one_signed_vote_changed_delivery_with_the_previous_ballot() {
    let env = TestEnv::new().await;
    let app = app(&env);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    let (_, secret) = endpoint(
        &app,
        &key,
        format!("{base}/changes"),
        json!(["vote.changed"]),
    )
    .await;
    let mut body = simple_poll(2, "browser");
    body["vote_change"] = json!("while_open");
    let poll = create_poll(&app, &key, body).await;
    let id = poll["id"].as_str().unwrap();
    let options = option_ids(&poll);
    let token = pollcast_testkit::voter_token(&app).await;
    let url = app.url(&format!("/v1/polls/{id}/votes"));
    let (_, first) = post_json(
        &url,
        None,
        &json!({"option_ids": [options[0]], "voter_token": token}),
    )
    .await;
    let (status, second) = post_json(
        &url,
        None,
        &json!({"option_ids": [options[1]], "voter_token": token}),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    receiver
        .wait_for("/changes", 1, Duration::from_secs(30))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let changes = receiver.on("/changes");
    assert_eq!(changes.len(), 1);
    verify(&secret, &changes[0]);
    let event: Value = serde_json::from_str(&changes[0].body).unwrap();
    assert_eq!(event["type"], "vote.changed");
    assert_eq!(event["data"]["vote_id"], second["vote_id"]);
    assert_eq!(event["data"]["option_ids"], json!([options[1]]));
    assert_eq!(event["data"]["previous"]["vote_id"], first["vote_id"]);
    assert_eq!(event["data"]["previous"]["option_ids"], json!([options[0]]));
    handle.stop(false).await;
}

#[actix_web::test]
async fn an_open_text_vote_carries_its_entries_and_a_hidden_term_is_one_entry_hidden_delivery() {
    let env = TestEnv::new().await;
    let app = app(&env);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    let (_, secret) = endpoint(
        &app,
        &key,
        format!("{base}/words"),
        json!(["vote.created", "entry.hidden"]),
    )
    .await;
    let poll = create_poll(
        &app,
        &key,
        json!({"question": "One word?", "kind": "open_text"}),
    )
    .await;
    let id = poll["id"].as_str().unwrap();
    let token = pollcast_testkit::voter_token(&app).await;
    let (status, vote) = post_json(
        &app.url(&format!("/v1/polls/{id}/votes")),
        None,
        &json!({"entries": ["Fast!", "the"], "voter_token": token}),
    )
    .await;
    assert_eq!(status, 202, "{vote}");
    // Counted before it can be hidden.
    pollcast_testkit::eventually(Duration::from_secs(10), "the term", || async {
        let (_, r) = pollcast_testkit::get_json(&app.url(&format!("/v1/polls/{id}/results"))).await;
        (r["total_entries"] == 2).then_some(())
    })
    .await;
    let (status, hidden) = post_json(
        &app.url(&format!("/v1/polls/{id}/terms/moderate")),
        Some(&key),
        &json!({"term": "fast", "decision": "hide"}),
    )
    .await;
    assert_eq!(status, 200, "{hidden}");
    receiver
        .wait_for("/words", 2, Duration::from_secs(30))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = receiver.on("/words");
    assert_eq!(got.len(), 2);
    let events: Vec<Value> = got
        .iter()
        .map(|d| {
            verify(&secret, d);
            serde_json::from_str(&d.body).unwrap()
        })
        .collect();
    let created = events.iter().find(|e| e["type"] == "vote.created").unwrap();
    assert_eq!(created["data"]["vote_id"], vote["vote_id"]);
    assert_eq!(
        created["data"]["entries"],
        json!([{"text": "Fast", "term": "fast", "held": false},
               {"text": "the", "term": null, "held": false}])
    );
    assert!(created["data"].get("option_ids").is_none(), "{created}");
    let gone = events.iter().find(|e| e["type"] == "entry.hidden").unwrap();
    assert_eq!(gone["data"]["poll_id"], id);
    assert_eq!(
        (
            &gone["data"]["term"],
            &gone["data"]["text"],
            &gone["data"]["entries"]
        ),
        (&json!("fast"), &json!("Fast"), &json!(1))
    );
    handle.stop(false).await;
}
