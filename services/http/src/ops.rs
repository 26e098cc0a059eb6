//! `/healthz` (the process is alive), `/readyz` (its dependencies answer) and `/metrics`.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use async_trait::async_trait;
use serde_json::json;

use crate::telemetry::prometheus_handle;

/// One dependency `/readyz` checks. The error text is logged, never answered.
#[async_trait]
pub trait ReadinessCheck: Send + Sync {
    fn name(&self) -> &'static str;
    async fn check(&self) -> Result<(), String>;
}

#[derive(Clone)]
struct Checks(Arc<Vec<Arc<dyn ReadinessCheck>>>);

pub fn configure_ops(cfg: &mut web::ServiceConfig, checks: Vec<Arc<dyn ReadinessCheck>>) {
    cfg.app_data(web::Data::new(Checks(Arc::new(checks))))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

async fn readyz(checks: web::Data<Checks>) -> HttpResponse {
    let mut ok = true;
    let mut report = serde_json::Map::new();
    for check in checks.0.iter() {
        let res = tokio::time::timeout(Duration::from_secs(2), check.check())
            .await
            .unwrap_or_else(|_| Err("timed out".into()));
        let value = match res {
            Ok(()) => json!("ok"),
            // The cause goes to the log: a response never carries a driver's words.
            Err(e) => {
                tracing::warn!(check = check.name(), error = %e, "readiness check failed");
                ok = false;
                json!("unavailable")
            }
        };
        report.insert(check.name().to_owned(), value);
    }
    let body = json!({"status": if ok { "ok" } else { "unavailable" }, "checks": report});
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "1"))
            .json(body)
    }
}

async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(prometheus_handle().render())
}
