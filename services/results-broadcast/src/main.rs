use clap::Parser;
use pollcast_results_broadcast::ResultsBroadcast;
use pollcast_runtime::Context;

/// pollcast results-broadcast: serves live results (WebSocket, Server-Sent Events) and the
/// results endpoint. Run as many instances as you like, behind any load balancer.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    opts: pollcast_config::Opts,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    pollcast_runtime::run_standalone(cli.opts, |ctx: &Context| {
        vec![ResultsBroadcast::new(ctx).into_service()]
    })
    .await
}
