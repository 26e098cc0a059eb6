//! A fast webhook receiver that measures: answers every `POST` with a `204` at once and, for
//! each delivery whose body carries `data.received_at` (a `vote.created`: when pollcast
//! accepted the vote), records how long after that it arrived, per path. `GET /stats` answers
//! `{"/path": {"count", "p50_ms", "p99_ms", "max_ms"}}`; `POST /reset` forgets what it has.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hdrhistogram::Histogram;
use serde_json::json;

use crate::target::{AnyError, check_loopback};

type Latencies = Arc<Mutex<HashMap<String, Histogram<u64>>>>;

pub async fn serve(listen: &str, workers: usize) -> Result<(), AnyError> {
    check_loopback(&format!("http://{listen}"))?;
    eprintln!("loadgen: webhook receiver on {listen} ({workers} workers), GET /stats");
    let latencies: Latencies = Arc::default();
    HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(latencies.clone()))
            .route("/stats", web::get().to(stats))
            .route("/reset", web::post().to(reset))
            .default_service(web::to(receive))
    })
    .workers(workers.max(1))
    .bind(listen)?
    .run()
    .await?;
    Ok(())
}

async fn receive(
    latencies: web::Data<Latencies>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let accepted = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["data"]["received_at"].as_str().and_then(rfc3339_ms));
    if let (Some(at), Ok(mut all)) = (accepted, latencies.lock()) {
        let path = req.path().to_owned();
        if !all.contains_key(&path)
            && let Ok(h) = Histogram::new_with_bounds(1, 3_600_000, 3)
        {
            all.insert(path.clone(), h);
        }
        if let Some(histogram) = all.get_mut(&path) {
            let _ = histogram.record((now - at).max(1) as u64);
        }
    }
    HttpResponse::NoContent().finish()
}

async fn stats(latencies: web::Data<Latencies>) -> HttpResponse {
    let Ok(all) = latencies.lock() else {
        return HttpResponse::InternalServerError().finish();
    };
    let out: serde_json::Map<String, serde_json::Value> = all
        .iter()
        .map(|(path, h)| {
            (
                path.clone(),
                json!({
                    "count": h.len(),
                    "p50_ms": h.value_at_quantile(0.5),
                    "p99_ms": h.value_at_quantile(0.99),
                    "max_ms": h.max(),
                }),
            )
        })
        .collect();
    HttpResponse::Ok().json(out)
}

async fn reset(latencies: web::Data<Latencies>) -> HttpResponse {
    if let Ok(mut all) = latencies.lock() {
        all.clear();
    }
    HttpResponse::NoContent().finish()
}

/// Unix milliseconds of `YYYY-MM-DDTHH:MM:SS[.fff]Z` (how pollcast writes times).
fn rfc3339_ms(s: &str) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let ms = match s.get(19..20) {
        Some(".") => {
            let frac: String = s[20..].chars().take_while(char::is_ascii_digit).collect();
            format!("{frac:0<3}").get(0..3)?.parse::<i64>().ok()?
        }
        _ => 0,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (mo + if mo > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms)
}

#[cfg(test)]
mod tests {
    use super::rfc3339_ms;

    #[test]
    fn reads_pollcast_times() {
        assert_eq!(rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            rfc3339_ms("2026-12-06T04:36:53.642Z"),
            Some(1_796_531_813_642)
        );
        assert_eq!(rfc3339_ms("2000-02-29T12:00:00.5Z"), Some(951_825_600_500));
        assert_eq!(rfc3339_ms("not a time"), None);
    }
}
