use std::process::ExitCode;
use std::sync::Arc;

use pollcast_config::Opts;

use crate::{Application, Context, Service};

/// The whole `main` of a single-service binary: settings, logs, context, serve until stopped.
/// Standalone services never start a redis-server of their own: several of them must share one.
pub async fn run_standalone<F>(opts: Opts, services: F) -> ExitCode
where
    F: FnOnce(&Context) -> Vec<Arc<dyn Service>>,
{
    let settings = match opts.resolve() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    pollcast_http::telemetry::init_tracing(settings.log_format);
    let context = match Context::build(settings, false).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let services = services(&context);
    let names: Vec<&str> = services.iter().map(|s| s.name()).collect();
    let app = match Application::build(&context, services.clone()) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", context.settings.listen);
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(services = ?names, port = app.port(), "listening");
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
