//! Live viewers: a viewer that stops reading must not delay the others, and every viewer
//! always converges on the newest snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use pollcast_bus::redis::AsyncCommands;
use pollcast_results_broadcast::ResultsBroadcast;
use pollcast_testkit::{TestApp, TestEnv};
use pollcast_types::{NewPoll, Poll, Timestamp, WorkspaceId};
use pollcast_wire::ResultsEntry;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const FRAMES: u64 = 300;
const PAD: usize = 32 * 1024;

/// results-broadcast alone, with a poll in its store. Its viewers may stay silent for a
/// minute: these tests read frames late, answering no ping meanwhile.
async fn broadcast_with_open_poll(env: &TestEnv) -> (TestApp, Poll) {
    let mut opts = env.opts();
    opts.ws_idle_secs = Some(60);
    let app = env.spawn_app(opts, |ctx| vec![ResultsBroadcast::new(ctx).into_service()]);
    let request: NewPoll = serde_json::from_value(serde_json::json!({
        "question": "q", "options": [{"label": "a"}, {"label": "b"}]
    }))
    .unwrap();
    let poll = request
        .into_poll(WorkspaceId::generate(), 0, Timestamp::now())
        .unwrap();
    app.context.store.insert_poll(&poll).await.unwrap();
    (app, poll)
}

/// Publishes a `results` message with `seq` (and `extra` fields) as tally would.
async fn publish(app: &TestApp, poll: &Poll, seq: u64, extra: &str) {
    let entry = ResultsEntry {
        poll_id: poll.id.clone(),
        seq,
        status: None,
        msg: format!(
            r#"{{"type":"results","poll_id":"{}","seq":{seq}{extra}}}"#,
            poll.id
        ),
    };
    let stream = app.context.bus.keys().results_stream(poll.shard);
    let _: String = app
        .context
        .bus
        .conn()
        .xadd(&stream, "*", &entry.to_fields())
        .await
        .unwrap();
}

#[actix_web::test]
async fn a_slow_viewer_does_not_delay_a_fast_one() {
    let env = TestEnv::new().await;
    let (app, poll) = broadcast_with_open_poll(&env).await;
    let path = format!("/v1/polls/{}/live", poll.id);

    // The slow viewer: completes the handshake with a tiny receive buffer, then never reads.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let addr = app.base.trim_start_matches("http://").parse().unwrap();
    let mut slow = socket.connect(addr).await.unwrap();
    slow.write_all(
        format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut head = [0u8; 12];
    slow.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 101");

    // The fast viewer.
    let (_, mut fast) = pollcast_testkit::client()
        .ws(app.ws_url(&path))
        .connect()
        .await
        .unwrap();

    let reader = async {
        let mut last = 0u64;
        let mut received = 0u64;
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(20), fast.next())
                .await
                .expect("fast viewer starved")
                .unwrap()
                .unwrap();
            if let awc::ws::Frame::Text(bytes) = frame {
                let msg: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                let seq = msg["seq"].as_u64().unwrap();
                assert!(seq >= last, "seq went backwards: {seq} after {last}");
                last = seq;
                received += 1;
                if seq == FRAMES {
                    return (Instant::now(), received);
                }
            }
        }
    };
    let writer = async {
        let pad = "x".repeat(PAD);
        for seq in 1..=FRAMES {
            publish(&app, &poll, seq, &format!(r#","pad":"{pad}""#)).await;
            if seq % 10 == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        Instant::now()
    };
    let ((got_last, received), sent_last) = futures_util::join!(reader, writer);
    // 300 frames of 32 KiB are ~10 MB: far more than the slow viewer's socket buffers hold,
    // so it stalled long before the end. The fast one still saw the newest frame at once.
    let lag = got_last.saturating_duration_since(sent_last);
    assert!(
        lag < Duration::from_secs(2),
        "fast viewer was held back by {lag:?}"
    );
    assert!(
        received > 10,
        "the fast viewer received only {received} frames"
    );
    drop(slow);
    app.stop().await;
}

/// A crowd far larger than one slice of the fan-out (and than tokio's per-poll budget of 128
/// operations, which once refused every send after the 128th as if the viewer were slow):
/// every viewer gets every snapshot.
#[actix_web::test]
async fn every_viewer_of_a_large_crowd_gets_every_snapshot() {
    const VIEWERS: usize = 700;
    const SNAPSHOTS: u64 = 5;
    // Both ends of every connection are in this process: raise the soft open-files limit
    // (often 1024) toward the hard one rather than depend on how the shell set it.
    let limit = rlimit::increase_nofile_limit(4 * VIEWERS as u64).unwrap();
    assert!(
        limit >= 2 * VIEWERS as u64 + 200,
        "this test needs {} open files; the hard limit allows {limit}",
        2 * VIEWERS + 200
    );
    let env = TestEnv::new().await;
    let (app, poll) = broadcast_with_open_poll(&env).await;
    let url = app.ws_url(&format!("/v1/polls/{}/live", poll.id));
    // No pool limit: every viewer holds its connection.
    let client = awc::Client::builder()
        .connector(awc::Connector::new().limit(0))
        .finish();
    let mut viewers = Vec::new();
    for _ in 0..VIEWERS {
        let (_, ws) = client.ws(url.as_str()).connect().await.unwrap();
        viewers.push(ws);
    }
    for seq in 1..=SNAPSHOTS {
        publish(&app, &poll, seq, "").await;
        // Far apart enough that no viewer may skip one as superseded.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    for (i, ws) in viewers.iter_mut().enumerate() {
        let mut seen = Vec::new();
        while seen.last() != Some(&SNAPSHOTS) {
            let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
                .await
                .unwrap_or_else(|_| panic!("viewer {i} saw only {seen:?}"))
                .unwrap()
                .unwrap();
            if let awc::ws::Frame::Text(bytes) = frame {
                let msg: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                seen.push(msg["seq"].as_u64().unwrap());
            }
        }
        // The snapshot on connect (seq 0: no votes yet), then each one published.
        assert_eq!(seen, (0..=SNAPSHOTS).collect::<Vec<_>>(), "viewer {i}");
    }
    app.stop().await;
}

#[actix_web::test]
async fn viewers_of_unknown_or_draft_polls_get_404_and_sse_gets_the_snapshot() {
    let env = TestEnv::new().await;
    let mut opts = env.opts();
    // These viewers read only at the end, answering no ping meanwhile.
    opts.ws_idle_secs = Some(60);
    let app = env.spawn_app(opts, |ctx| vec![ResultsBroadcast::new(ctx).into_service()]);
    let client = pollcast_testkit::client();
    let res = client
        .get(app.url("/v1/polls/nope/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);

    let request: NewPoll = serde_json::from_value(serde_json::json!({
        "question": "q", "options": [{"label": "a"}, {"label": "b"}], "draft": true
    }))
    .unwrap();
    let draft = request
        .into_poll(WorkspaceId::generate(), 0, Timestamp::now())
        .unwrap();
    app.context.store.insert_poll(&draft).await.unwrap();
    let res = client
        .get(app.url(&format!("/v1/polls/{}/live", draft.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let res = client
        .get(app.url(&format!("/v1/polls/{}/results", draft.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);

    let request: NewPoll = serde_json::from_value(serde_json::json!({
        "question": "q", "options": [{"label": "a"}, {"label": "b"}]
    }))
    .unwrap();
    let poll = request
        .into_poll(WorkspaceId::generate(), 0, Timestamp::now())
        .unwrap();
    app.context.store.insert_poll(&poll).await.unwrap();
    let mut res = client
        .get(app.url(&format!("/v1/polls/{}/live", poll.id)))
        .insert_header(("Accept", "text/event-stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
    let chunk = tokio::time::timeout(Duration::from_secs(5), res.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let text = std::str::from_utf8(&chunk).unwrap();
    assert!(text.starts_with("event: results\nid: 0\ndata: {"), "{text}");
    assert!(text.contains(&format!(r#""poll_id":"{}""#, poll.id)));

    // A second fetch of the results with the ETag is a 304.
    let res = client
        .get(app.url(&format!("/v1/polls/{}/results", poll.id)))
        .send()
        .await
        .unwrap();
    let etag = res.headers().get("etag").unwrap().clone();
    let res = client
        .get(app.url(&format!("/v1/polls/{}/results", poll.id)))
        .insert_header(("If-None-Match", etag))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 304);
    app.stop().await;
}

#[actix_web::test]
async fn the_server_pings_and_drops_a_viewer_that_never_answers() {
    use futures_util::SinkExt;
    let env = TestEnv::new().await;
    // Pings every second; a viewer silent for 3 s is dropped.
    let app = env.spawn_app(env.opts(), |ctx| {
        vec![ResultsBroadcast::new(ctx).into_service()]
    });
    let request: NewPoll = serde_json::from_value(serde_json::json!({
        "question": "q", "options": [{"label": "a"}, {"label": "b"}]
    }))
    .unwrap();
    let poll = request
        .into_poll(WorkspaceId::generate(), 0, Timestamp::now())
        .unwrap();
    app.context.store.insert_poll(&poll).await.unwrap();
    let path = format!("/v1/polls/{}/live", poll.id);
    let (_, mut silent) = pollcast_testkit::client()
        .ws(app.ws_url(&path))
        .connect()
        .await
        .unwrap();
    let (_, mut polite) = pollcast_testkit::client()
        .ws(app.ws_url(&path))
        .connect()
        .await
        .unwrap();

    let started = Instant::now();
    let silent_side = async {
        let mut pings = 0;
        loop {
            match tokio::time::timeout(Duration::from_secs(10), silent.next())
                .await
                .unwrap()
            {
                Some(Ok(awc::ws::Frame::Ping(_))) => pings += 1,
                Some(Ok(awc::ws::Frame::Close(_))) | None | Some(Err(_)) => {
                    return (pings, started.elapsed());
                }
                Some(Ok(_)) => {}
            }
        }
    };
    let polite_side = async {
        // Answers every ping for 5 s, past the idle limit, and must still be connected.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            match tokio::time::timeout(Duration::from_secs(3), polite.next()).await {
                Ok(Some(Ok(awc::ws::Frame::Ping(p)))) => {
                    polite.send(awc::ws::Message::Pong(p)).await.unwrap()
                }
                Ok(Some(Ok(awc::ws::Frame::Close(_)))) | Ok(None) => {
                    panic!("a viewer answering pings was dropped")
                }
                _ => {}
            }
        }
    };
    let ((pings, dropped_after), ()) = futures_util::join!(silent_side, polite_side);
    assert!(pings >= 1, "the server never pinged");
    assert!(
        dropped_after >= Duration::from_secs(2) && dropped_after < Duration::from_secs(8),
        "{dropped_after:?}"
    );
    drop((silent, polite));
    app.stop().await;
}

/// A stopping instance tells its viewers to reconnect (WebSocket close 1012, SSE `retry`) at
/// once, before it waits for its other requests: behind a load balancer they come back on
/// another instance instead of being cut off at the end of the grace period.
#[actix_web::test]
async fn a_stopping_instance_tells_its_viewers_to_reconnect() {
    let env = TestEnv::new().await;
    let (app, poll) = broadcast_with_open_poll(&env).await;
    let path = format!("/v1/polls/{}/live", poll.id);
    let (_, mut ws) = pollcast_testkit::client()
        .ws(app.ws_url(&path))
        .connect()
        .await
        .unwrap();
    let mut sse = pollcast_testkit::client()
        .get(app.url(&path))
        .insert_header(("Accept", "text/event-stream"))
        .send()
        .await
        .unwrap();
    // Both are following: the first snapshot arrived.
    loop {
        let frame = ws.next().await.unwrap().unwrap();
        if matches!(frame, awc::ws::Frame::Text(_)) {
            break;
        }
    }
    let first = sse.next().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: results"));

    let started = Instant::now();
    let stopping = actix_web::rt::spawn(app.stop());
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(3), ws.next()).await {
            Ok(Some(Ok(awc::ws::Frame::Close(reason)))) => break reason,
            Ok(Some(Ok(_))) => {}
            other => panic!("no close frame: {other:?}"),
        }
    };
    let close = close.expect("a close reason");
    assert_eq!(close.code, awc::ws::CloseCode::Restart);
    let mut said = String::new();
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout(Duration::from_secs(3), sse.next()).await {
        said.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(said.contains("retry: 1000"), "{said}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "told at once, not at the end of the grace period: {:?}",
        started.elapsed()
    );
    stopping.await.unwrap();
}
