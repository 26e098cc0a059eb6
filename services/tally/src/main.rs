use clap::Parser;
use pollcast_runtime::Context;
use pollcast_tally::Tally;

/// pollcast tally: counts the votes streams exactly once into live counts and the vote log,
/// and publishes coalesced results snapshots. Run as many instances as you like.
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
        vec![Tally::new(ctx).into_service()]
    })
    .await
}
