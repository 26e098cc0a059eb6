use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use pollcast_config::LogFormat;
use tracing_subscriber::EnvFilter;

static PROMETHEUS: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide Prometheus recorder: every service in the process reports into it, so
/// `pollcast serve` shows one `/metrics` for all of them.
pub fn prometheus_handle() -> &'static PrometheusHandle {
    PROMETHEUS.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ])
            .map(|b| b.build_recorder())
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        // Fails only when another recorder is installed already; its handle still renders.
        let _ = metrics::set_global_recorder(recorder);
        // The recorder buffers every histogram sample until it is drained: by a scrape of
        // /metrics, or by this upkeep. Without it, a server nobody scrapes grows by each
        // request's samples forever (the 30-minute soak found ~19 bytes per vote).
        let upkeep = handle.clone();
        let _ = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            });
        handle
    })
}

/// Structured logs to stderr; `RUST_LOG` filters (default `info`, the ScyllaDB driver `warn`).
pub fn init_tracing(format: LogFormat) {
    // The ScyllaDB driver tells every connection's details at info: warnings are its news.
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,scylla=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // try_init: tests start several apps in one process.
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
