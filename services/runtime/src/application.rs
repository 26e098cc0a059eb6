use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use pollcast_http::routes::Register;
use pollcast_http::{configure_ops, limits, observe};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Context;

/// One pollcast service: its HTTP routes and its background tasks. `pollcast serve` mounts
/// several on one listener; each service's own binary mounts one.
pub trait Service: Send + Sync + 'static {
    fn name(&self) -> &'static str;

    /// Lists the service's declared routes (see `pollcast_http::routes`). Every service's
    /// routes are served as one table, so a path two services serve (another method each) is
    /// one resource, and the order of services is the order routes are tried in.
    fn routes(&self, _routes: &mut Register) {}

    /// Registers the service's shared state and any routes it does not declare. Called once
    /// per HTTP worker.
    fn configure(&self, cfg: &mut web::ServiceConfig);

    /// Starts the service's background tasks; they must end soon after `shutdown` fires.
    fn spawn_background(&self, _shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
        Vec::new()
    }
}

/// Built with [`Application::build`] (binds the listener, so tests can ask for port 0 and
/// read the port back), then run with [`Application::run_until_stopped`] or [`Application::spawn`].
pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    services: Vec<Arc<dyn Service>>,
    draining: CancellationToken,
}

/// What a pollcast app serves, without its middleware: request limits, the operations
/// endpoints and every service's routes. In-process handler tests mount the same.
pub fn mount(
    cfg: &mut web::ServiceConfig,
    services: &[Arc<dyn Service>],
    checks: Vec<Arc<dyn pollcast_http::ReadinessCheck>>,
) {
    limits::configure(cfg);
    configure_ops(cfg, checks);
    let mut routes = Register::default();
    for service in services {
        service.routes(&mut routes);
    }
    routes.finish(cfg);
    for service in services {
        service.configure(cfg);
    }
}

impl Application {
    pub fn build(context: &Context, services: Vec<Arc<dyn Service>>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(context.settings.listen)?;
        let port = listener.local_addr()?.port();
        pollcast_http::set_problem_base(&context.settings.public_url);
        // Installs the recorder before the first request, so early metrics are kept.
        let _ = pollcast_http::telemetry::prometheus_handle();
        let checks = context.readiness_checks();
        let mounted = services.clone();
        let server = HttpServer::new(move || {
            let services = mounted.clone();
            let checks = checks.clone();
            App::new()
                .wrap(Compress::default())
                .wrap(from_fn(observe::observe))
                .configure(|cfg| mount(cfg, &services, checks))
                .default_service(web::to(limits::not_found))
        })
        .workers(context.settings.workers)
        .shutdown_timeout(5)
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            services,
            draining: context.draining.clone(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Starts serving and the background tasks in the background.
    pub fn spawn(self) -> RunningApp {
        let shutdown = CancellationToken::new();
        let background = self
            .services
            .iter()
            .flat_map(|s| s.spawn_background(shutdown.child_token()))
            .collect();
        let handle = self.server.handle();
        let server = tokio::spawn(self.server);
        RunningApp {
            port: self.port,
            draining: self.draining,
            handle,
            server,
            background,
            shutdown,
        }
    }

    /// Serves until SIGINT or SIGTERM, then stops gracefully.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let running = self.spawn();
        wait_for_signal().await;
        tracing::info!("shutting down");
        running.stop().await;
        Ok(())
    }
}

/// A started application; dropping it does not stop it, [`RunningApp::stop`] does.
pub struct RunningApp {
    pub port: u16,
    draining: CancellationToken,
    handle: ServerHandle,
    server: JoinHandle<std::io::Result<()>>,
    background: Vec<JoinHandle<()>>,
    shutdown: CancellationToken,
}

impl RunningApp {
    /// Stops accepting, ends live connections (with a hint to reconnect), finishes in-flight
    /// requests, then ends the background tasks.
    pub async fn stop(self) {
        self.draining.cancel();
        self.handle.stop(true).await;
        let _ = self.server.await;
        self.shutdown.cancel();
        for task in self.background {
            if tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .is_err()
            {
                tracing::warn!("a background task did not stop within 10 s");
            }
        }
    }

    /// Ends everything at once, as close to a crash as one process can make it (tests).
    pub fn abort(self) {
        self.shutdown.cancel();
        for task in &self.background {
            task.abort();
        }
        self.server.abort();
        drop(self.handle.stop(false));
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
