use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, FromArgMatches};
use pollcast_config::Opts;

use crate::{Application, Context, Service};

/// The Tokio runtime the background services run on, `background_threads` wide. The HTTP
/// workers have threads of their own, so the default leaves them half the cores rather than
/// running as many threads again (on 2 cores, 1 and 2 measured the same: docs/benchmarks.md).
pub fn runtime(settings: &pollcast_config::Settings) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(settings.background_threads)
        .enable_all()
        .build()
}

/// The whole `main` of a single-service binary: flags, settings, logs, runtime, context,
/// then serve until stopped. Standalone services never start a redis-server of their own:
/// several of them must share one.
pub fn service_main<F>(name: &'static str, about: &'static str, services: F) -> ExitCode
where
    F: FnOnce(&Context) -> Vec<Arc<dyn Service>>,
{
    let command = Opts::augment_args(
        clap::Command::new(name)
            .about(about)
            .version(env!("CARGO_PKG_VERSION")),
    );
    let opts = match Opts::from_arg_matches(&command.get_matches()) {
        Ok(opts) => opts,
        Err(e) => e.exit(),
    };
    let settings = match opts.resolve() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match runtime(&settings) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(settings, services))
}

async fn serve<F>(settings: pollcast_config::Settings, services: F) -> ExitCode
where
    F: FnOnce(&Context) -> Vec<Arc<dyn Service>>,
{
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
