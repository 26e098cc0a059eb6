//! `deploy/nginx/` in front of a split deployment, with a real nginx: votes go to
//! vote-ingest, the vote log to the api, WebSocket and SSE to results-broadcast, and pollcast
//! sees each client's own address through X-Forwarded-For. Needs `nginx` on PATH (`.ci/run`
//! installs it); without it the test says SKIPPED in the runner's output, unless POLLCAST_REQUIRE_NGINX=1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::IpAddr;
use std::time::Duration;

#[path = "support/deployment.rs"]
mod deployment;

use deployment::{free_port, nginx_binary, start_nginx};
use futures_util::StreamExt;
use pollcast_testkit::{TestApp, TestEnv, eventually, option_ids, post_json};
use serde_json::{Value, json};

fn port_of(app: &TestApp) -> u16 {
    app.base.rsplit(':').next().unwrap().parse().unwrap()
}

/// A client whose connections come from `ip` (any 127.0.0.0/8 address is this machine).
fn client_from(ip: &str) -> awc::Client {
    awc::Client::builder()
        .connector(awc::Connector::new().local_address(ip.parse::<IpAddr>().unwrap()))
        .timeout(Duration::from_secs(10))
        .finish()
}

async fn vote_from(ip: &str, url: &str, option: &str) -> u16 {
    client_from(ip)
        .post(url)
        .send_json(&json!({"option_ids": [option]}))
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn behind_nginx_every_route_reaches_its_service_and_clients_keep_their_addresses() {
    let Some(nginx) = nginx_binary() else {
        pollcast_store::test_support::gate::skip(
            "NGINX",
            "behind_nginx_every_route_reaches_its_service_and_clients_keep_their_addresses",
            "nginx is not installed (apt-get install -y nginx-light)",
        );
        return;
    };
    let env = TestEnv::new().await;
    let split = |services: &[&str]| {
        let mut opts = env.opts();
        opts.trusted_proxies = Some(vec!["127.0.0.1".into()]);
        opts.services = Some(services.iter().map(|s| (*s).to_owned()).collect());
        env.spawn_app(opts, pollcast::services)
    };
    let api = split(&["api"]);
    let ingest = split(&["vote-ingest"]);
    let broadcast = split(&["results-broadcast", "tally"]);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _nginx = start_nginx(
        &nginx,
        dir.path(),
        port,
        &[port_of(&api)],
        &[port_of(&ingest)],
        &[port_of(&broadcast)],
    );
    let base = format!("http://127.0.0.1:{port}");
    eventually(Duration::from_secs(10), "nginx to listen", || async {
        std::net::TcpStream::connect(("127.0.0.1", port))
            .ok()
            .map(|_| ())
    })
    .await;

    // Management goes to the api.
    let key = api.admin_key().await;
    let (status, poll) = post_json(
        &format!("{base}/v1/polls"),
        Some(&key),
        &json!({"question": "q", "options": [{"label": "a"}, {"label": "b"}], "dedupe": "ip"}),
    )
    .await;
    assert_eq!(status, 201, "{poll}");
    let id = poll["id"].as_str().unwrap();
    let option = &option_ids(&poll)[0];

    // Votes go to vote-ingest, which tells the clients apart by their own addresses.
    let votes = format!("{base}/v1/polls/{id}/votes");
    assert_eq!(vote_from("127.0.0.2", &votes, option).await, 202);
    assert_eq!(
        vote_from("127.0.0.2", &votes, option).await,
        409,
        "same client"
    );
    assert_eq!(
        vote_from("127.0.0.3", &votes, option).await,
        202,
        "another client"
    );

    // The vote log (GET on the same path) goes to the api, the CSV too.
    let log: Value = eventually(Duration::from_secs(10), "the vote log", || async {
        let mut res = client_from("127.0.0.2")
            .get(&votes)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "GET votes is the api's");
        let body: Value = res.json().await.unwrap();
        (body["data"].as_array().unwrap().len() == 2).then_some(body)
    })
    .await;
    assert_ne!(log["data"][0]["voter"], log["data"][1]["voter"]);
    let csv = client_from("127.0.0.2")
        .get(format!("{votes}.csv"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 200);

    // Results, WebSocket and SSE go to results-broadcast.
    let results: Value = client_from("127.0.0.4")
        .get(format!("{base}/v1/polls/{id}/results"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(results["poll_id"], id);
    let (_, mut ws) = client_from("127.0.0.4")
        .ws(format!("ws://127.0.0.1:{port}/v1/polls/{id}/live"))
        .connect()
        .await
        .unwrap();
    let frame = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let awc::ws::Frame::Text(text) = frame else {
        panic!("{frame:?}")
    };
    let msg: Value = serde_json::from_slice(&text).unwrap();
    assert_eq!(msg["type"], "results");
    let mut sse = client_from("127.0.0.4")
        .get(format!("{base}/v1/polls/{id}/live"))
        .insert_header(("Accept", "text/event-stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(sse.status().as_u16(), 200);
    let chunk = tokio::time::timeout(Duration::from_secs(5), sse.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&chunk).contains("event: results"),
        "{chunk:?}"
    );

    let access = std::fs::read_to_string(dir.path().join("access.log")).unwrap();
    assert!(access.contains("127.0.0.2") && access.contains("127.0.0.3"));
    for app in [api, ingest, broadcast] {
        app.stop().await;
    }
}
