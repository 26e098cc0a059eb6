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
/// can: the ceiling for any handler on this machine with this many workers.
pub async fn serve(listen: &str, workers: usize) -> Result<(), AnyError> {
    check_loopback(&format!("http://{listen}"))?;
    eprintln!("loadgen: minimal HTTP endpoint on {listen} ({workers} workers)");
    HttpServer::new(|| {
        App::new().default_service(web::to(|_body: web::Bytes| async {
            HttpResponse::Accepted().json(json!({
                "vote_id": "0190f0f0f0f07000800000000000000", "poll_id": "baseline",
                "accepted_at": "2026-11-23T00:00:00.000Z"
            }))
        }))
    })
    .workers(workers.max(1))
    .bind(listen)?
    .run()
    .await?;
    Ok(())
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
