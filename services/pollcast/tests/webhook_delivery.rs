//! Webhook deliveries end to end, to a real HTTP receiver on loopback (allowed explicitly):
//! signatures checked by the `standardwebhooks` crate (an implementation we did not write),
//! exactly one `vote.created` per accepted vote, retries with one `webhook-id`, `410`, and a
//! dead receiver that delays nobody else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use pollcast_testkit::{TestApp, TestEnv, create_poll, option_ids, post_json, simple_poll};
use serde_json::{Value, json};

/// What the receiver got: path, headers, body, when.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: HashMap<String, String>,
    body: String,
    at: Instant,
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn on(&self, path: &str) -> Vec<Received> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    async fn wait_for(&self, path: &str, n: usize, within: Duration) -> Vec<Received> {
        let until = Instant::now() + within;
        loop {
            let got = self.on(path);
            if got.len() >= n || Instant::now() > until {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// `/ok` answers 204; `/flaky` 500 twice per webhook-id, then 200; `/gone` 410; `/dead`
/// never answers.
async fn receive(state: web::Data<Receiver>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let path = req.path().to_owned();
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect::<HashMap<_, _>>();
    let id = headers.get("webhook-id").cloned().unwrap_or_default();
    let seen = {
        let mut got = state.got.lock().unwrap();
        got.push(Received {
            path: path.clone(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
        });
        got.iter()
            .filter(|r| r.path == path && r.headers.get("webhook-id") == Some(&id))
            .count()
    };
    match path.as_str() {
        "/flaky" if seen <= 2 => HttpResponse::InternalServerError().body("not yet"),
        "/gone" => HttpResponse::Gone().body("we moved"),
        "/dead" => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            HttpResponse::Ok().finish()
        }
        _ => HttpResponse::NoContent().finish(),
    }
}

async fn start_receiver() -> (Receiver, String, actix_web::dev::ServerHandle) {
    let receiver = Receiver::default();
    let data = web::Data::new(receiver.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(receive))
    })
    .workers(2)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = server.addrs()[0].port();
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    (receiver, format!("http://127.0.0.1:{port}"), handle)
}

fn app(env: &TestEnv) -> TestApp {
    let mut opts = env.opts();
    opts.webhook_allow_private = Some(vec!["127.0.0.0/8".into()]);
    opts.webhook_allow_http = Some(true);
    opts.webhook_retry_schedule = Some(vec!["200ms".into(), "200ms".into(), "200ms".into()]);
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
    handle.stop(false).await;
}

#[actix_web::test]
async fn failures_are_retried_with_one_webhook_id_410_disables_and_a_dead_receiver_delays_nobody() {
    let env = TestEnv::new().await;
    let app = app(&env);
    let (receiver, base, handle) = start_receiver().await;
    let key = app.admin_key().await;
    let (_, flaky_secret) =
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
