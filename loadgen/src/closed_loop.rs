//! The closed-loop instruments (a fixed number of requests in flight): they measure
//! throughput and idle latency, not latency under a fixed arrival rate, which the open-model
//! scenarios in `engine` do. Kept for the figures they produced in docs/benchmarks.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};

use crate::target::{AnyError, check_loopback, client, create_poll, rss_kib};

pub async fn latency(
    base: &str,
    api_key: &str,
    samples: u64,
    interval: Duration,
) -> Result<(), AnyError> {
    check_loopback(base)?;
    let client = client(1, None);
    let poll = create_poll(&client, base, api_key, "loadgen latency", "none").await?;
    let id = poll["id"].as_str().unwrap_or_default().to_owned();
    let ws_url = format!("{}/v1/polls/{id}/live", base.replacen("http", "ws", 1));
    let (_, mut ws) = client
        .ws(ws_url)
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    let mut next_total = async || -> Result<u64, AnyError> {
        loop {
            match ws.next().await {
                Some(Ok(awc::ws::Frame::Text(bytes))) => {
                    let msg: Value = serde_json::from_slice(&bytes)?;
                    return Ok(msg["total_votes"].as_u64().unwrap_or(0));
                }
                Some(Ok(awc::ws::Frame::Ping(p))) => {
                    ws.send(awc::ws::Message::Pong(p))
                        .await
                        .map_err(|e| e.to_string())?;
                }
                Some(Ok(_)) => continue,
                _ => return Err("the WebSocket closed".into()),
            }
        }
    };
    next_total().await?;
    let url = format!("{base}/v1/polls/{id}/votes");
    let body = json!({"option_ids": [poll["options"][0]["id"]]});
    let mut micros = Vec::new();
    for i in 1..=samples {
        actix_web::rt::time::sleep(interval).await;
        let start = Instant::now();
        let res = client
            .post(&url)
            .send_json(&body)
            .await
            .map_err(|e| e.to_string())?;
        if res.status().as_u16() != 202 {
            return Err(format!("vote refused: {}", res.status()).into());
        }
        while next_total().await? < i {}
        micros.push(start.elapsed().as_micros() as u64);
    }
    micros.sort_unstable();
    let pct = |p: f64| micros[((micros.len() as f64 - 1.0) * p).round() as usize] as f64 / 1000.0;
    let report = json!({
        "scenario": "latency",
        "samples": samples,
        "interval_ms": interval.as_millis() as u64,
        "vote_to_screen_ms": {"p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99), "max": pct(1.0)},
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

pub async fn export(
    base: &str,
    api_key: &str,
    poll: &str,
    server_pid: Option<u32>,
) -> Result<(), AnyError> {
    check_loopback(base)?;
    let client = awc::Client::builder().disable_timeout().finish();
    let rss_before = server_pid.and_then(rss_kib);
    let start = Instant::now();
    let mut res = client
        .get(format!("{base}/v1/polls/{poll}/votes.csv"))
        .bearer_auth(api_key)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if res.status().as_u16() != 200 {
        return Err(format!("export answered {}", res.status()).into());
    }
    let (mut bytes, mut lines, mut peak) = (0u64, 0u64, rss_before.unwrap_or(0));
    let mut last_sample = Instant::now();
    while let Some(chunk) = res.next().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        if last_sample.elapsed() >= Duration::from_millis(50) {
            last_sample = Instant::now();
            if let Some(rss) = server_pid.and_then(rss_kib) {
                peak = peak.max(rss);
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let report = json!({
        "scenario": "export",
        "rows": lines.saturating_sub(1),
        "bytes": bytes,
        "seconds": secs,
        "rows_per_second": lines as f64 / secs,
        "server_rss_kib": {"before": rss_before, "peak_during": server_pid.map(|_| peak),
                           "after": server_pid.and_then(rss_kib)},
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

pub async fn pipeline(
    base: &str,
    api_key: &str,
    votes: u64,
    concurrency: usize,
    n_polls: usize,
    timeout: Duration,
) -> Result<(), AnyError> {
    check_loopback(base)?;
    let client = client(concurrency, None);
    let mut polls = Vec::new();
    for i in 0..n_polls {
        polls
            .push(create_poll(&client, base, api_key, &format!("loadgen poll {i}"), "none").await?);
    }

    // A viewer on the first poll, to see when the last vote reaches a screen.
    let first = polls[0]["id"].as_str().unwrap_or_default().to_owned();
    let ws_url = format!("{}/v1/polls/{first}/live", base.replacen("http", "ws", 1));
    let (_, mut ws) = client
        .ws(ws_url)
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    let seen_total = Arc::new(AtomicU64::new(0));
    let seen = seen_total.clone();
    let viewer_lost = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let viewer_gone = viewer_lost.clone();
    actix_web::rt::spawn(async move {
        while let Some(Ok(frame)) = ws.next().await {
            let ping = match frame {
                awc::ws::Frame::Ping(p) => Some(p),
                awc::ws::Frame::Text(bytes) => {
                    if let Ok(msg) = serde_json::from_slice::<Value>(&bytes) {
                        seen.store(msg["total_votes"].as_u64().unwrap_or(0), Ordering::Relaxed);
                    }
                    None
                }
                _ => None,
            };
            // Answer the server's pings, as a browser does: a silent viewer is dropped.
            if let Some(p) = ping
                && ws.send(awc::ws::Message::Pong(p)).await.is_err()
            {
                break;
            }
        }
        viewer_gone.store(true, Ordering::Relaxed);
    });

    let accepted = Arc::new(AtomicU64::new(0));
    let accepted_first = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    futures_util::stream::iter(0..votes)
        .for_each_concurrent(concurrency, |i| {
            let poll = &polls[(i as usize) % polls.len()];
            let option = &poll["options"][(i % 4) as usize]["id"];
            let url = format!(
                "{base}/v1/polls/{}/votes",
                poll["id"].as_str().unwrap_or_default()
            );
            let body = json!({"option_ids": [option]});
            let (client, accepted, accepted_first, errors) = (
                &client,
                accepted.clone(),
                accepted_first.clone(),
                errors.clone(),
            );
            let to_first = (i as usize).is_multiple_of(polls.len());
            async move {
                match client.post(url).send_json(&body).await {
                    Ok(res) if res.status().as_u16() == 202 => {
                        accepted.fetch_add(1, Ordering::Relaxed);
                        if to_first {
                            accepted_first.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        })
        .await;
    let sent_in = start.elapsed();
    let accepted = accepted.load(Ordering::Relaxed);
    let want_first = accepted_first.load(Ordering::Relaxed);

    // Wait until the viewer has seen every vote accepted for its poll.
    while seen_total.load(Ordering::Relaxed) < want_first {
        if viewer_lost.load(Ordering::Relaxed) {
            return Err("the WebSocket viewer was disconnected before it saw every vote".into());
        }
        if start.elapsed() > timeout {
            return Err(format!(
                "timed out: the viewer saw {} of {want_first} votes",
                seen_total.load(Ordering::Relaxed)
            )
            .into());
        }
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    let on_screen_in = start.elapsed();

    let report = json!({
        "scenario": "pipeline",
        "poll_ids": polls.iter().map(|p| p["id"].clone()).collect::<Vec<_>>(),
        "votes_sent": votes,
        "accepted": accepted,
        "errors": errors.load(Ordering::Relaxed),
        "concurrency": concurrency,
        "polls": polls.len(),
        "http_seconds": sent_in.as_secs_f64(),
        "accepted_per_second": accepted as f64 / sent_in.as_secs_f64(),
        "all_on_screen_seconds": on_screen_in.as_secs_f64(),
        "pipeline_votes_per_second": accepted as f64 / on_screen_in.as_secs_f64(),
        "last_vote_to_screen_ms": (on_screen_in - sent_in).as_secs_f64() * 1000.0,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
