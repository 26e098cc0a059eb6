//! Baselines that bound what this machine can do, measured with the same client as pollcast:
//! a minimal HTTP endpoint (the web stack with nothing behind it), and a closed-loop request
//! driver to measure either.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::{App, HttpResponse, HttpServer, web};
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use serde_json::json;

use crate::stats::{Percentiles, record};
use crate::target::{AnyError, check_loopback, client};

/// Serves `POST /{anything}` with a `202` and a vote-sized JSON answer, as fast as actix-web
/// can: the ceiling for any handler on this machine with this many workers. With `redis`, the
/// handler first parses the body as a vote and appends it to a stream with one `XADD`: the
/// least a durable vote endpoint can do, the bare endpoint pollcast's vote path is compared with.
pub async fn serve(listen: &str, workers: usize, redis: Option<&str>) -> Result<(), AnyError> {
    check_loopback(&format!("http://{listen}"))?;
    let conn = match redis {
        Some(url) => Some(
            redis::Client::open(url)?
                .get_multiplexed_async_connection()
                .await?,
        ),
        None => None,
    };
    eprintln!(
        "loadgen: minimal HTTP endpoint on {listen} ({workers} workers{})",
        if conn.is_some() {
            ", one XADD per request"
        } else {
            ""
        }
    );
    HttpServer::new(move || {
        let conn = conn.clone();
        App::new().default_service(web::to(move |body: web::Bytes| {
            let conn = conn.clone();
            async move {
                if let Some(mut conn) = conn {
                    let Ok(vote) = serde_json::from_slice::<BareVote>(&body) else {
                        return HttpResponse::BadRequest().finish();
                    };
                    let appended: Result<String, _> = redis::cmd("XADD")
                        .arg("loadgen:bare-votes")
                        .arg("MAXLEN")
                        .arg("~")
                        .arg(100_000)
                        .arg("*")
                        .arg("opts")
                        .arg(vote.option_ids.join(","))
                        .query_async(&mut conn)
                        .await;
                    if appended.is_err() {
                        return HttpResponse::ServiceUnavailable().finish();
                    }
                }
                HttpResponse::Accepted().json(json!({
                    "vote_id": "0190f0f0f0f07000800000000000000", "poll_id": "baseline",
                    "accepted_at": "2026-11-23T00:00:00.000Z"
                }))
            }
        }))
    })
    .workers(workers.max(1))
    .bind(listen)?
    .run()
    .await?;
    Ok(())
}

#[derive(serde::Deserialize)]
struct BareVote {
    #[serde(default)]
    option_ids: Vec<String>,
}

/// Sends `requests` POSTs of a vote-sized body to `url` with `concurrency` in flight and
/// reports requests per second and latency: the same measure for pollcast and the baseline.
pub async fn ceiling(
    url: &str,
    requests: u64,
    concurrency: usize,
    body: &str,
) -> Result<(), AnyError> {
    check_loopback(url)?;
    let client = client(concurrency, None);
    let body: serde_json::Value = serde_json::from_str(body)?;
    let ok = Arc::new(AtomicU64::new(0));
    let latencies = std::rc::Rc::new(std::cell::RefCell::new(Histogram::<u64>::new_with_bounds(
        1, 60_000_000, 3,
    )?));
    let start = Instant::now();
    futures_util::stream::iter(0..requests)
        .for_each_concurrent(concurrency.max(1), |_| {
            let (client, body, ok, latencies) = (&client, &body, ok.clone(), latencies.clone());
            async move {
                let sent = Instant::now();
                if let Ok(res) = client.post(url).send_json(body).await
                    && res.status().is_success()
                {
                    ok.fetch_add(1, Ordering::Relaxed);
                    record(
                        &mut latencies.borrow_mut(),
                        sent.elapsed().as_micros() as u64,
                    );
                }
            }
        })
        .await;
    let secs = start.elapsed().as_secs_f64();
    let ok = ok.load(Ordering::Relaxed);
    let report = json!({
        "scenario": "ceiling",
        "url": url,
        "requests": requests,
        "succeeded": ok,
        "concurrency": concurrency,
        "requests_per_second": ok as f64 / secs,
        "latency_ms": Percentiles::of(&latencies.borrow()),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
