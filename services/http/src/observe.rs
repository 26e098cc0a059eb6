//! One middleware for what every request reports: a `tracing` span (the context of anything
//! logged while it runs) and the `http_requests_total` / `http_request_duration_seconds`
//! metrics by route pattern (not raw path, so ids do not explode the label set), method and
//! status.
//!
//! It replaced `tracing-actix-web` plus a metrics middleware that each matched the path
//! against the route table again and registered the metrics by name on every request: about
//! 8,000 instructions a request, a twentieth of a vote's whole cost (`loadgen/profile.sh`).
//! Declared routes carry their pattern as resource data ([`RoutePattern`], attached by
//! `routes::Register`) and the metric handles are kept per worker.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use metrics::{Counter, Histogram};
use tracing::Instrument;

/// The path pattern of the resource that served a request, e.g. `/v1/polls/{poll_id}/votes`.
#[derive(Debug, Clone)]
pub struct RoutePattern(pub Rc<str>);

/// What a request's metrics are kept under.
type MetricKey = (Rc<str>, Method, u16);

thread_local! {
    /// Each HTTP worker is one thread: its handles need no lock. A handle stays valid for the
    /// life of the process (the recorder is installed once, before the first request).
    static HANDLES: RefCell<HashMap<MetricKey, (Counter, Histogram)>> = RefCell::new(HashMap::new());
}

/// Bound on the handles a worker keeps; past it (only if routes without a pattern were hit
/// with many methods) metrics are registered by name again.
const MAX_HANDLES: usize = 4096;

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let start = Instant::now();
    let method = req.method().clone();
    // Fields are formatted only when a subscriber wants the span (`RUST_LOG` at info or finer).
    let span = tracing::info_span!(
        "request",
        method = %method,
        path = %req.path(),
        status = tracing::field::Empty,
    );
    let res = next.call(req).instrument(span.clone()).await?;
    let status = res.status().as_u16();
    span.record("status", status);
    let route = match res.request().app_data::<RoutePattern>() {
        Some(pattern) => pattern.0.clone(),
        // Routes mounted outside the declared table: matched again (not on the vote path).
        None => Rc::from(
            res.request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_owned()),
        ),
    };
    let elapsed = start.elapsed().as_secs_f64();
    HANDLES.with_borrow_mut(|handles| {
        let key = (route, method, status);
        if let Some((counter, histogram)) = handles.get(&key) {
            counter.increment(1);
            histogram.record(elapsed);
            return;
        }
        let (route, method, status) = key;
        let labels = [
            ("method", method.as_str().to_owned()),
            ("route", route.to_string()),
        ];
        let counter = metrics::counter!(
            "http_requests_total",
            &[
                labels[0].clone(),
                labels[1].clone(),
                ("status", status.to_string())
            ]
        );
        let histogram = metrics::histogram!("http_request_duration_seconds", &labels);
        counter.increment(1);
        histogram.record(elapsed);
        if handles.len() < MAX_HANDLES {
            handles.insert((route, method, status), (counter, histogram));
        }
    });
    Ok(res)
}
