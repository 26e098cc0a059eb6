//! The live vote pipeline end to end, in one process as `pollcast serve` runs it:
//! HTTP vote → vote-ingest → Redis Streams → tally → results stream → WebSocket.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures_util::StreamExt;
use pollcast_testkit::{
    TestApp, TestEnv, create_poll, eventually, get_json, option_ids, post_json, simple_poll,
    vote_log, voter_token,
};
use serde_json::{Value, json};

async fn start(env: &TestEnv) -> TestApp {
    env.spawn_app(env.opts(), pollcast::services)
}

async fn next_json(
    ws: &mut actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>,
    within: Duration,
) -> Value {
    loop {
        let frame = tokio::time::timeout(within, ws.next())
            .await
            .expect("a WebSocket message in time")
            .expect("the socket is open")
            .unwrap();
        match frame {
            awc::ws::Frame::Text(bytes) => return serde_json::from_slice(&bytes).unwrap(),
            awc::ws::Frame::Ping(_) | awc::ws::Frame::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

#[actix_web::test]
async fn a_vote_reaches_a_websocket_viewer_and_the_results() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(3, "browser")).await;
    let id = poll["id"].as_str().unwrap();
    let options = option_ids(&poll);

    let (_res, mut ws) = pollcast_testkit::client()
        .ws(app.ws_url(&format!("/v1/polls/{id}/live")))
        .connect()
        .await
        .unwrap();
    let first = next_json(&mut ws, Duration::from_secs(5)).await;
    assert_eq!(first["type"], "results");
    assert_eq!(first["poll_id"], id);
    assert_eq!(first["total_votes"], 0);
    assert_eq!(first["options"].as_array().unwrap().len(), 3);

    let token = voter_token(&app).await;
    let (status, accepted) = post_json(
        &app.url(&format!("/v1/polls/{id}/votes")),
        None,
        &json!({"option_ids": [options[1]], "voter_token": token}),
    )
    .await;
    assert_eq!(status, 202, "{accepted}");
    assert_eq!(accepted["poll_id"], id);
    assert!(accepted["vote_id"].is_string() && accepted["accepted_at"].is_string());

    let update = next_json(&mut ws, Duration::from_secs(5)).await;
    assert_eq!(update["type"], "results");
    assert_eq!(update["total_votes"], 1);
    assert!(update["seq"].as_u64().unwrap() > first["seq"].as_u64().unwrap());
    let counted = update["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == options[1].as_str())
        .unwrap();
    assert_eq!(counted["votes"], 1);

    let (status, results) = get_json(&app.url(&format!("/v1/polls/{id}/results"))).await;
    assert_eq!(status, 200);
    assert_eq!(results["total_votes"], 1);
    assert_eq!(results["options"][1]["votes"], 1);
    assert_eq!(results["options"][1]["share"], 1.0);
    assert_eq!(results["options"][1]["label"], "Option 1");

    let log = vote_log(app.context.store.as_ref(), id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0].vote_id.as_str(),
        accepted["vote_id"].as_str().unwrap()
    );
    assert_eq!(log[0].option_ids[0].as_str(), options[1]);
    assert!(log[0].voter.is_some(), "the voter is kept as a hash");
    assert!(!log[0].voter.as_ref().unwrap().contains(&token));
    app.stop().await;
}

#[actix_web::test]
async fn two_hundred_concurrent_votes_of_one_voter_count_once() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "browser")).await;
    let id = poll["id"].as_str().unwrap().to_owned();
    let options = option_ids(&poll);
    let token = voter_token(&app).await;

    let url = app.url(&format!("/v1/polls/{id}/votes"));
    let body = json!({"option_ids": [options[0]], "voter_token": token});
    let statuses: Vec<u16> = futures_util::future::join_all(
        (0..200).map(|_| async { post_json(&url, None, &body).await.0 }),
    )
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 202).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        199,
        "{statuses:?}"
    );

    let results_url = app.url(&format!("/v1/polls/{id}/results"));
    eventually(
        Duration::from_secs(10),
        "the vote to be counted",
        || async {
            let (_, r) = get_json(&results_url).await;
            (r["total_votes"] == 1).then_some(())
        },
    )
    .await;
    // Give tally time to (wrongly) count more, then check it did not.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, r) = get_json(&results_url).await;
    assert_eq!(r["total_votes"], 1);
    assert_eq!(r["options"][0]["votes"], 1);
    assert_eq!(vote_log(app.context.store.as_ref(), &id).await.len(), 1);
    app.stop().await;
}

async fn problem(
    res: &mut awc::ClientResponse<
        impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
        + Unpin,
    >,
) -> (u16, Value) {
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert_eq!(ct, "application/problem+json", "status {status}");
    let body: Value = serde_json::from_slice(&res.body().await.unwrap()).unwrap();
    assert_eq!(body["status"], status);
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .ends_with(&format!("#{}", body["code"].as_str().unwrap()))
    );
    (status, body)
}

#[actix_web::test]
async fn bad_input_gets_the_right_problem() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(3, "browser")).await;
    let id = poll["id"].as_str().unwrap();
    let options = option_ids(&poll);
    let multi = create_poll(
        &app,
        &key,
        json!({"question": "Pick two", "kind": "multiple", "min_choices": 2, "max_choices": 2,
               "options": [{"label": "a"}, {"label": "b"}, {"label": "c"}], "dedupe": "none"}),
    )
    .await;
    let multi_id = multi["id"].as_str().unwrap();
    let multi_opts = option_ids(&multi);
    let token = voter_token(&app).await;
    let client = pollcast_testkit::client();
    let votes = |poll: &str| app.url(&format!("/v1/polls/{poll}/votes"));

    let cases: Vec<(String, String, u16, &str)> = vec![
        (
            votes("no-such-poll"),
            json!({"option_ids": [options[0]], "voter_token": token}).to_string(),
            404,
            "poll_not_found",
        ),
        (
            votes("bad%2Fid"),
            json!({"option_ids": [options[0]]}).to_string(),
            404,
            "poll_not_found",
        ),
        (
            votes(id),
            json!({"option_ids": ["nope"], "voter_token": token}).to_string(),
            422,
            "invalid_option",
        ),
        (
            votes(id),
            json!({"option_ids": [multi_opts[0]], "voter_token": token}).to_string(),
            422,
            "invalid_option",
        ),
        (
            votes(id),
            json!({"option_ids": [options[0], options[1]], "voter_token": token}).to_string(),
            422,
            "validation_failed",
        ),
        (
            votes(id),
            json!({"option_ids": [], "voter_token": token}).to_string(),
            422,
            "validation_failed",
        ),
        (
            votes(multi_id),
            json!({"option_ids": [multi_opts[0]]}).to_string(),
            422,
            "validation_failed",
        ),
        (
            votes(multi_id),
            json!({"option_ids": [multi_opts[0], multi_opts[0]]}).to_string(),
            422,
            "validation_failed",
        ),
        (
            votes(id),
            json!({"option_ids": [options[0]]}).to_string(),
            422,
            "invalid_voter_token",
        ),
        (
            votes(id),
            json!({"option_ids": [options[0]], "voter_token": "vt1.forged.0000"}).to_string(),
            422,
            "invalid_voter_token",
        ),
        (
            votes(id),
            json!({"option_ids": [options[0]], "voter_token": token, "extra": 1}).to_string(),
            422,
            "validation_failed",
        ),
        (
            votes(id),
            r#"{"option_ids": ["#.to_owned(),
            400,
            "malformed_json",
        ),
        (
            votes(id),
            "not json at all".to_owned(),
            400,
            "malformed_json",
        ),
        (
            votes(id),
            format!(
                r#"{{"option_ids": ["{}"], "voter_token": "{}"}}"#,
                "x".repeat(1 << 20),
                token
            ),
            413,
            "payload_too_large",
        ),
        (
            app.url("/v1/polls"),
            json!({"question": "q", "options": [{"label": "only one"}]}).to_string(),
            401,
            "unauthorized",
        ),
    ];
    for (url, body, status, code) in cases {
        let mut res = client
            .post(&url)
            .insert_header(("Content-Type", "application/json"))
            .send_body(body.clone())
            .await
            .unwrap();
        let (got, problem) = problem(&mut res).await;
        assert_eq!(
            (got, problem["code"].as_str().unwrap()),
            (status, code),
            "POST {url} {}",
            &body[..body.len().min(120)]
        );
    }

    // No content type: 415.
    let mut res = client.post(votes(id)).send_body("{}").await.unwrap();
    assert_eq!(problem(&mut res).await.1["code"], "unsupported_media_type");

    // Poll validation lists every field at fault.
    let mut res = client
        .post(app.url("/v1/polls"))
        .bearer_auth(&key)
        .send_json(&json!({"question": "", "options": [{"label": "x"}]}))
        .await
        .unwrap();
    let (status, body) = problem(&mut res).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["question", "options"]);

    // Unknown routes are problem+json 404s too.
    let mut res = client
        .get(app.url("/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(&mut res).await.1["code"], "not_found");

    // Nothing of the refused votes was counted or logged.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(vote_log(app.context.store.as_ref(), id).await.is_empty());
    app.stop().await;
}

#[actix_web::test]
async fn a_stopped_redis_makes_ingest_answer_503_and_it_recovers_by_itself() {
    let mut env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap().to_owned();
    let options = option_ids(&poll);
    let url = app.url(&format!("/v1/polls/{id}/votes"));
    let body = json!({"option_ids": [options[0]]});
    assert_eq!(post_json(&url, None, &body).await.0, 202);
    let results = app.url(&format!("/v1/polls/{id}/results"));
    eventually(
        Duration::from_secs(15),
        "the vote to be counted and its snapshot saved",
        || async {
            let saved = app
                .context
                .store
                .results(&pollcast_types::PollId::parse(&id).unwrap())
                .await
                .unwrap();
            saved.is_some_and(|s| s.total_votes == 1).then_some(())
        },
    )
    .await;

    env.redis.server.kill();
    // Management answers 503 with Retry-After, and no answer carries the driver's words.
    let mut res = pollcast_testkit::client()
        .post(app.url("/v1/polls"))
        .bearer_auth(&key)
        .send_json(&simple_poll(2, "none"))
        .await
        .unwrap();
    assert_eq!(res.headers().get("retry-after").unwrap(), "1");
    let (status, created) = problem(&mut res).await;
    assert_eq!(
        (status, created["code"].as_str()),
        (503, Some("service_unavailable"))
    );
    let (ready, readiness) = get_json(&app.url("/readyz")).await;
    assert_eq!(ready, 503);
    for answer in [&created, &readiness] {
        let text = answer.to_string().to_lowercase();
        for internal in ["redis:", "refused", "os error", "timed out", "sock", "/tmp"] {
            assert!(!text.contains(internal), "{internal:?} leaked: {text}");
        }
    }
    // Results are served from the last saved snapshot, marked stale.
    let (status, stale) = get_json(&results).await;
    assert_eq!(
        (status, stale["stale"].as_bool()),
        (200, Some(true)),
        "{stale}"
    );
    assert_eq!(stale["total_votes"], 1);
    let client = pollcast_testkit::client();
    let started = std::time::Instant::now();
    let mut res = client.post(&url).send_json(&body).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a down Redis must not hang the request"
    );
    assert_eq!(res.headers().get("retry-after").unwrap(), "1");
    let (status, problem) = problem(&mut res).await;
    assert_eq!(
        (status, problem["code"].as_str().unwrap()),
        (503, "service_unavailable")
    );

    env.redis.server.restart().await.unwrap();
    eventually(
        Duration::from_secs(15),
        "ingest to accept votes again",
        || async { (post_json(&url, None, &body).await.0 == 202).then_some(()) },
    )
    .await;
    eventually(
        Duration::from_secs(15),
        "both accepted votes to be counted",
        || async {
            let (_, r) = get_json(&results).await;
            (r["total_votes"] == 2).then_some(())
        },
    )
    .await;
    assert_eq!(get_json(&app.url("/readyz")).await.0, 200);
    app.stop().await;
}

/// Keeps WebSocket viewers alive (a ping each every 500 ms, which the server hears) for `d`,
/// expecting no message meanwhile.
async fn stay_awhile(
    sockets: &mut [&mut actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>],
    d: Duration,
) {
    use futures_util::SinkExt;
    let until = tokio::time::Instant::now() + d;
    while tokio::time::Instant::now() < until {
        for ws in sockets.iter_mut() {
            ws.send(awc::ws::Message::Ping(Default::default()))
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[actix_web::test]
async fn viewers_on_two_broadcast_instances_both_see_the_vote_and_how_many_watch() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let other = env.spawn_app(env.opts(), |ctx| {
        vec![pollcast_results_broadcast::ResultsBroadcast::new(ctx).into_service()]
    });
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap();
    let path = format!("/v1/polls/{id}/live");
    let (_, mut a) = pollcast_testkit::client()
        .ws(app.ws_url(&path))
        .connect()
        .await
        .unwrap();
    let (_, mut b) = pollcast_testkit::client()
        .ws(other.ws_url(&path))
        .connect()
        .await
        .unwrap();
    assert_eq!(
        next_json(&mut a, Duration::from_secs(5)).await["total_votes"],
        0
    );
    assert_eq!(
        next_json(&mut b, Duration::from_secs(5)).await["total_votes"],
        0
    );

    // Each instance reports its viewers every 2 s and learns the others'.
    stay_awhile(&mut [&mut a, &mut b], Duration::from_millis(4500)).await;
    let options = option_ids(&poll);
    let url = app.url(&format!("/v1/polls/{id}/votes"));
    assert_eq!(
        post_json(&url, None, &json!({"option_ids": [options[0]]}))
            .await
            .0,
        202
    );
    for ws in [&mut a, &mut b] {
        let msg = next_json(ws, Duration::from_secs(5)).await;
        assert_eq!(msg["total_votes"], 1);
        assert_eq!(msg["options"][0]["votes"], 1);
        assert_eq!(msg["viewers"], 2, "one viewer on each instance: {msg}");
    }
    // One leaves: the count follows on the other instance.
    drop(a);
    stay_awhile(&mut [&mut b], Duration::from_millis(4500)).await;
    assert_eq!(
        post_json(&url, None, &json!({"option_ids": [options[1]]}))
            .await
            .0,
        202
    );
    let msg = next_json(&mut b, Duration::from_secs(5)).await;
    assert_eq!(msg["total_votes"], 2);
    assert_eq!(msg["viewers"], 1, "{msg}");
    other.stop().await;
    app.stop().await;
}

#[actix_web::test]
async fn the_hosted_page_escapes_what_the_poll_owner_wrote() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    let poll = create_poll(
        &app,
        &key,
        json!({"question": "<script>alert(1)</script> & \"quotes\"",
               "options": [{"label": "<img src=x onerror=alert(2)>"}, {"label": "fine"}]}),
    )
    .await;
    let id = poll["id"].as_str().unwrap();
    let (status, csp, html) = pollcast_testkit::get_page(&app.url(&format!("/p/{id}"))).await;
    assert_eq!(status, 200);
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!html.contains("<script>alert(1)"), "question not escaped");
    assert!(!html.contains("<img src=x"), "label not escaped");
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );

    // The public poll view leaves out what only the owner may see.
    let (status, public) = get_json(&app.url(&format!("/v1/polls/{id}"))).await;
    assert_eq!(status, 200);
    assert!(public.get("workspace_id").is_none() && public.get("metadata").is_none());
    // It is cacheable: its ETag answers If-None-Match with 304, until the poll changes.
    let client = pollcast_testkit::client();
    let res = client
        .get(app.url(&format!("/v1/polls/{id}")))
        .send()
        .await
        .unwrap();
    let tag = res
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let again = |tag: String| {
        let client = client.clone();
        let url = app.url(&format!("/v1/polls/{id}"));
        async move {
            client
                .get(url)
                .insert_header(("If-None-Match", tag))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(again(tag.clone()).await, 304);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let res = client
        .post(app.url(&format!("/v1/polls/{id}/close")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    tokio::time::sleep(Duration::from_millis(1100)).await; // the poll cache's lifetime
    assert_eq!(again(tag).await, 200, "a closed poll is a new version");
    // Another workspace's key: 404, as if the poll did not exist.
    let other_key = app.admin_key().await;
    let res = pollcast_testkit::client()
        .get(app.url(&format!("/v1/polls/{id}")))
        .bearer_auth(&other_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    app.stop().await;
}

#[actix_web::test]
async fn ip_dedupe_allows_one_vote_per_address_and_none_allows_many() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    for (dedupe, second) in [("ip", 409), ("none", 202)] {
        let poll = create_poll(&app, &key, simple_poll(2, dedupe)).await;
        let id = poll["id"].as_str().unwrap();
        let url = app.url(&format!("/v1/polls/{id}/votes"));
        let body = json!({"option_ids": [option_ids(&poll)[0]]});
        assert_eq!(post_json(&url, None, &body).await.0, 202, "{dedupe}");
        // A fresh voter token does not help on an ip poll: the address already voted.
        let token = voter_token(&app).await;
        let with_token = json!({"option_ids": [option_ids(&poll)[1]], "voter_token": token});
        assert_eq!(
            post_json(&url, None, &with_token).await.0,
            second,
            "{dedupe}"
        );
    }
    app.stop().await;
}

#[actix_web::test]
async fn public_endpoints_answer_cors_and_management_ones_do_not() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap();
    let client = pollcast_testkit::client();
    let preflight = |path: String, method: &'static str| {
        let client = client.clone();
        let url = app.url(&path);
        async move {
            client
                .request(actix_web::http::Method::OPTIONS, url)
                .insert_header(("Origin", "https://blog.example"))
                .insert_header(("Access-Control-Request-Method", method))
                .insert_header(("Access-Control-Request-Headers", "content-type"))
                .send()
                .await
                .unwrap()
        }
    };
    for (path, method) in [
        (format!("/v1/polls/{id}/votes"), "POST"),
        ("/v1/voters".to_owned(), "POST"),
        (format!("/v1/polls/{id}/results"), "GET"),
        (format!("/v1/polls/{id}"), "GET"),
    ] {
        let res = preflight(path.clone(), method).await;
        assert!(res.status().is_success(), "{path}: {}", res.status());
        assert_eq!(
            res.headers().get("access-control-allow-origin").unwrap(),
            "https://blog.example",
            "{path}"
        );
    }
    // A vote from another origin gets its CORS header, and is still a vote.
    let res = client
        .post(app.url(&format!("/v1/polls/{id}/votes")))
        .insert_header(("Origin", "https://blog.example"))
        .send_json(&json!({"option_ids": [option_ids(&poll)[0]]}))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    assert!(res.headers().get("access-control-allow-origin").is_some());
    // Management calls are same-origin only.
    let res = preflight("/v1/polls".to_owned(), "POST").await;
    assert!(res.headers().get("access-control-allow-origin").is_none());
    let res = preflight(format!("/v1/polls/{id}"), "DELETE").await;
    assert!(
        !res.status().is_success(),
        "DELETE preflight: {}",
        res.status()
    );
    app.stop().await;
}

/// Two vote-ingest instances on one Redis share the per-address limit: each admits half of
/// it, so an address spread over both gets about the limit, not twice it.
#[actix_web::test]
async fn two_ingest_instances_share_the_per_address_limit() {
    let env = TestEnv::new().await;
    let mut opts = env.opts();
    opts.rate_votes_per_ip = Some(10);
    let app = env.spawn_app(opts.clone(), pollcast::services);
    let other = env.spawn_app(opts, |ctx| {
        vec![pollcast_vote_ingest::VoteIngest::new(ctx).into_service()]
    });
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap();
    let vote = json!({"option_ids": [option_ids(&poll)[0]]});
    let client = pollcast_testkit::client();
    // Each instance beats every 5 s: after one round (and a margin for a loaded machine) both
    // count two.
    tokio::time::sleep(Duration::from_millis(7500)).await;
    let mut admitted = 0;
    for n in 0..60 {
        let base = if n % 2 == 0 { &app } else { &other };
        let res = client
            .post(base.url(&format!("/v1/polls/{id}/votes")))
            .send_json(&vote)
            .await
            .unwrap();
        admitted += usize::from(res.status().as_u16() == 202);
    }
    // Alone, each would admit its burst of 20 (40 over both); shared, 10 each, plus what the
    // quota refills while the 60 requests are sent.
    assert!(
        (20..=26).contains(&admitted),
        "{admitted} of 60 admitted over two instances of a 10/s limit (burst 20)"
    );
    other.stop().await;
    app.stop().await;
}

#[actix_web::test]
async fn floods_get_429_with_retry_after_and_ratelimit_headers() {
    let env = TestEnv::new().await;
    let mut opts = env.opts();
    opts.rate_votes_per_ip = Some(5);
    opts.rate_voters_per_ip = Some(2);
    opts.rate_api_per_key = Some(3);
    let app = env.spawn_app(opts, pollcast::services);
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap();
    let client = pollcast_testkit::client();
    let vote = json!({"option_ids": [option_ids(&poll)[0]]});

    // Bursts of twice the rate pass, then 429s with everything a client needs to back off.
    let mut statuses = Vec::new();
    let mut refused = None;
    for _ in 0..15 {
        let res = client
            .post(app.url(&format!("/v1/polls/{id}/votes")))
            .send_json(&vote)
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
        if res.status().as_u16() == 429 && refused.is_none() {
            refused = Some(res);
        }
    }
    assert!(
        statuses.iter().filter(|s| **s == 202).count() >= 10,
        "{statuses:?}"
    );
    assert!(statuses.contains(&429), "{statuses:?}");
    let mut refused = refused.unwrap();
    for h in [
        "retry-after",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
    ] {
        assert!(refused.headers().get(h).is_some(), "missing {h}");
    }
    assert_eq!(refused.headers().get("ratelimit-remaining").unwrap(), "0");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");

    let minted: Vec<u16> = futures_util::future::join_all((0..8).map(|_| async {
        client
            .post(app.url("/v1/voters"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }))
    .await;
    assert!(minted.contains(&429) && minted.contains(&201), "{minted:?}");

    let listed: Vec<u16> = futures_util::future::join_all((0..12).map(|_| async {
        client
            .get(app.url("/v1/polls"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }))
    .await;
    assert!(listed.contains(&429) && listed.contains(&200), "{listed:?}");
    // Another key has its own budget.
    let other = app.admin_key().await;
    let res = client
        .get(app.url("/v1/polls"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);

    // Only accepted votes were counted.
    let accepted = statuses.iter().filter(|s| **s == 202).count() as u64;
    let results = app.url(&format!("/v1/polls/{id}/results"));
    eventually(Duration::from_secs(5), "accepted votes counted", || async {
        (get_json(&results).await.1["total_votes"].as_u64() == Some(accepted)).then_some(())
    })
    .await;
    app.stop().await;
}

#[actix_web::test]
async fn every_problem_type_links_to_its_entry_on_the_errors_page() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let mut res = pollcast_testkit::client()
        .get(app.url("/v1/polls/nope/results"))
        .send()
        .await
        .unwrap();
    let (_, body) = problem(&mut res).await;
    let kind = body["type"].as_str().unwrap();
    let page = kind.split('#').next().unwrap();
    assert_eq!(
        page,
        format!("{}/docs/errors", app.context.settings.public_url)
    );
    let (status, csp, html) = pollcast_testkit::get_page(&app.url("/docs/errors")).await;
    assert_eq!(status, 200);
    assert!(!csp.is_empty() && !csp.contains("unsafe-inline"), "{csp}");
    for code in pollcast_types::ErrorCode::ALL {
        assert!(
            html.contains(&format!("id=\"{}\"", code.as_str())),
            "no entry for {}",
            code.as_str()
        );
    }
    app.stop().await;
}

#[actix_web::test]
async fn an_address_that_keeps_failing_to_authenticate_is_throttled() {
    let env = TestEnv::new().await;
    let mut opts = env.opts();
    opts.rate_auth_failures_per_ip = Some(5);
    let app = env.spawn_app(opts, pollcast::services);
    let key = app.admin_key().await;
    let client = pollcast_testkit::client();
    let mut statuses = Vec::new();
    for i in 0..300 {
        let res = client
            .get(app.url("/v1/polls"))
            .bearer_auth(format!("pk_random{i:040}"))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    let unauthorized = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(unauthorized + throttled, 300, "{statuses:?}");
    assert!(
        (10..100).contains(&unauthorized),
        "a burst of failures, then 429s: {unauthorized} × 401"
    );
    // The throttle is per address and for failures: a good key from elsewhere still works,
    // and from here it works once the address has recovered.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let res = client
        .get(app.url("/v1/polls"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    app.stop().await;
}

#[actix_web::test]
async fn one_address_holds_at_most_its_share_of_live_connections() {
    let env = TestEnv::new().await;
    let mut opts = env.opts();
    opts.live_per_ip = Some(3);
    let app = env.spawn_app(opts, pollcast::services);
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let live = app.ws_url(&format!("/v1/polls/{}/live", poll["id"].as_str().unwrap()));
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(
            pollcast_testkit::client()
                .ws(&live)
                .connect()
                .await
                .unwrap()
                .1,
        );
    }
    match pollcast_testkit::client().ws(&live).connect().await {
        Err(awc::error::WsClientError::InvalidResponseStatus(s)) => assert_eq!(s.as_u16(), 429),
        other => panic!("a fourth connection: {:?}", other.map(|_| ())),
    }
    let sse = pollcast_testkit::client()
        .get(live.replacen("ws", "http", 1))
        .insert_header(("Accept", "text/event-stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(sse.status().as_u16(), 429, "SSE counts too");
    // A connection that ends gives its seat back.
    drop(held.pop());
    eventually(Duration::from_secs(5), "the seat to come back", || async {
        pollcast_testkit::client()
            .ws(&live)
            .connect()
            .await
            .ok()
            .map(|_| ())
    })
    .await;
    app.stop().await;
}

/// The value of the `http_requests_total` series with these labels in `/metrics`, 0 if absent.
async fn requests_total(app: &TestApp, method: &str, route: &str, status: u16) -> u64 {
    let mut res = pollcast_testkit::client()
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap();
    let text = String::from_utf8(res.body().limit(1 << 22).await.unwrap().to_vec()).unwrap();
    let labels = format!("method=\"{method}\",route=\"{route}\",status=\"{status}\"");
    let mut wanted: Vec<&str> = labels.split(',').collect();
    wanted.sort_unstable();
    text.lines()
        .filter_map(|l| l.strip_prefix("http_requests_total{"))
        .filter_map(|l| l.rsplit_once("} "))
        .find(|(found, _)| {
            let mut found: Vec<&str> = found.split(',').collect();
            found.sort_unstable();
            found == wanted
        })
        .map_or(0, |(_, value)| value.parse().unwrap())
}

#[actix_web::test]
async fn http_metrics_name_the_route_pattern_not_the_path() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap();
    let votes = "/v1/polls/{poll_id}/votes";
    let before = requests_total(&app, "POST", votes, 202).await;
    for _ in 0..3 {
        let (status, _) = post_json(
            &app.url(&format!("/v1/polls/{id}/votes")),
            None,
            &json!({"option_ids": [option_ids(&poll)[0]]}),
        )
        .await;
        assert_eq!(status, 202);
    }
    let (status, _) = get_json(&app.url("/v1/polls/nope-not-a-poll/results")).await;
    assert_eq!(status, 404);
    let (status, _) = get_json(&app.url("/no/such/path")).await;
    assert_eq!(status, 404);
    let (status, _) = get_json(&app.url("/healthz")).await;
    assert_eq!(status, 200);

    // Other tests in this binary vote too: at least ours.
    assert!(requests_total(&app, "POST", votes, 202).await >= before + 3);
    assert!(requests_total(&app, "GET", "/v1/polls/{poll_id}/results", 404).await >= 1);
    // A route mounted outside the declared table still gets its pattern; no path is a label.
    assert!(requests_total(&app, "GET", "/healthz", 200).await >= 1);
    assert!(requests_total(&app, "GET", "unmatched", 404).await >= 1);
    let mut res = pollcast_testkit::client()
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap();
    let text = String::from_utf8(res.body().limit(1 << 22).await.unwrap().to_vec()).unwrap();
    assert!(!text.contains(id) && !text.contains("no/such/path"));
}
