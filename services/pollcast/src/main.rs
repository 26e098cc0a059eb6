use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pollcast_config::{Opts, Settings};
use pollcast_runtime::{Application, Context};

/// A vote allocates and frees a few hundred small objects across threads (HTTP, JSON, Redis
/// replies); glibc's allocator took a fifth of the process's instructions (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// pollcast: real-time polls. `serve` runs every service in one process.
#[derive(Parser)]
#[command(version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run pollcast: api, vote-ingest, tally and results-broadcast (or those named by
    /// --services) behind one listener. Starts its own redis-server when no Redis URL is given.
    Serve {
        #[command(flatten)]
        opts: Opts,
    },
    /// Manage workspaces.
    Workspace {
        #[command(subcommand)]
        command: WorkspaceCommand,
    },
}

#[derive(Subcommand)]
enum WorkspaceCommand {
    /// Create a workspace and print its id and first API key (admin scope), once.
    Create {
        /// The workspace's name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        opts: Opts,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve { opts } => settings(opts)
            .and_then(|settings| pollcast_runtime::runtime(&settings)?.block_on(serve(settings))),
        Command::Workspace {
            command: WorkspaceCommand::Create { name, opts },
        } => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(AnyError::from)
            .and_then(|rt| rt.block_on(create_workspace(&name, opts))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type AnyError = Box<dyn std::error::Error>;

fn settings(opts: Opts) -> Result<Settings, AnyError> {
    let settings = opts.resolve()?;
    pollcast_http::telemetry::init_tracing(settings.log_format);
    Ok(settings)
}

async fn serve(settings: Settings) -> Result<(), AnyError> {
    let context = Context::build(settings, true).await?;
    let demo = if context.settings.runs("api") {
        Some(pollcast::demo::ensure_demo(&context).await?)
    } else {
        None
    };
    let services = pollcast::services(&context);
    let app = Application::build(&context, services)?;
    print_banner(&context, app.port(), demo.as_ref());
    let stopped = app.run_until_stopped().await;
    context.stop_embedded_redis().await;
    Ok(stopped?)
}

fn print_banner(context: &Context, port: u16, demo: Option<&pollcast::demo::Demo>) {
    let s = &context.settings;
    let base = &s.public_url;
    println!(
        "pollcast is running ({}) on port {port}",
        s.services.join(", ")
    );
    println!("  health:   {base}/readyz   metrics: {base}/metrics");
    if let Some(demo) = demo {
        let id = &demo.poll_id;
        println!("  demo poll page:  {base}/p/{id}");
        println!("  results:         {base}/v1/polls/{id}/results");
        println!(
            "  live (ws):       {}/v1/polls/{id}/live",
            base.replacen("http", "ws", 1)
        );
        println!("  vote with curl:");
        println!(
            "    TOKEN=$(curl -s -X POST {base}/v1/voters | sed 's/.*\"voter_token\":\"\\([^\"]*\\)\".*/\\1/')"
        );
        println!(
            "    OPTION=$(curl -s {base}/v1/polls/{id} | sed 's/.*\"options\":\\[{{\"id\":\"\\([^\"]*\\)\".*/\\1/')"
        );
        println!(
            "    curl -i -X POST {base}/v1/polls/{id}/votes -H 'Content-Type: application/json' \\\n      -d \"{{\\\"option_ids\\\":[\\\"$OPTION\\\"],\\\"voter_token\\\":\\\"$TOKEN\\\"}}\""
        );
        if let Some(key) = &demo.new_key {
            println!("  demo workspace admin API key (shown once): {key}");
        }
    }
    println!("Stop with Ctrl-C.");
}

async fn create_workspace(name: &str, opts: Opts) -> Result<(), AnyError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err("--name must be 1 to 200 characters".into());
    }
    let settings = settings(opts)?;
    // Only the store is needed: no Redis, no server.
    let store = pollcast_store::SqliteStore::open(&settings.data_dir)?;
    let (workspace, key) = pollcast_auth::workspaces::create_workspace(&store, name).await?;
    println!("workspace_id: {}", workspace.id);
    println!("api_key:      {}", key.secret);
    println!("(the key is shown once; only its hash is stored)");
    Ok(())
}
