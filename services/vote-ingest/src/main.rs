use clap::Parser;
use pollcast_runtime::Context;
use pollcast_vote_ingest::VoteIngest;

/// pollcast vote-ingest: accepts votes over HTTP and appends them to the votes streams.
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
        vec![VoteIngest::new(ctx).into_service()]
    })
    .await
}
