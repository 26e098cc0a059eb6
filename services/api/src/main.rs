use clap::Parser;
use pollcast_api::Api;
use pollcast_runtime::Context;

/// pollcast api: poll management, workspaces and keys, and the hosted poll page.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    opts: pollcast_config::Opts,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    pollcast_runtime::run_standalone(cli.opts, |ctx: &Context| vec![Api::new(ctx).into_service()])
        .await
}
