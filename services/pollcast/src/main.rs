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
    /// Manage console accounts (there is no mail server: operators set passwords here).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Recount a poll from its vote log in the store and compare with its live counts, option
    /// by option. Prints the audit as JSON; exits 0 when consistent, 1 when not (2 on error).
    /// Reaches the Redis of `--redis-url`, or the one `pollcast serve` runs in the data dir.
    Audit {
        /// The poll's id (ids may start with `-`).
        #[arg(allow_hyphen_values = true)]
        poll_id: String,
        #[command(flatten)]
        opts: Opts,
    },
    /// Serve the Model Context Protocol over stdin/stdout, for an AI assistant: the polls of
    /// the workspace whose API key is in POLLCAST_API_KEY, as tools its scopes allow
    /// (docs/clients.md). Reaches the Redis of `--redis-url`, or the one `pollcast serve`
    /// runs in the data dir.
    Mcp {
        #[command(flatten)]
        opts: Opts,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a console account: a member of --workspace with --role, or the owner of a new
    /// workspace. The password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        /// Read the password from standard input (required: never a flag, never in the
        /// shell's history).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// The workspace to join (default: a new workspace the account owns).
        #[arg(long)]
        workspace: Option<String>,
        /// `owner`, `editor` or `viewer`.
        #[arg(long, default_value = "owner")]
        role: String,
        #[command(flatten)]
        opts: Opts,
    },
    /// Set a console account's password (read from standard input) and end its sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        opts: Opts,
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
    if let Command::Audit { poll_id, opts } = cli.command {
        let result = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(AnyError::from)
            .and_then(|rt| rt.block_on(audit(&poll_id, opts)));
        return match result {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    let result = match cli.command {
        Command::Audit { .. } => Ok(()),
        Command::Mcp { opts } => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(AnyError::from)
            .and_then(|rt| rt.block_on(mcp(opts))),
        Command::Serve { opts } => settings(opts)
            .and_then(|settings| pollcast_runtime::runtime(&settings)?.block_on(serve(settings))),
        Command::Workspace {
            command: WorkspaceCommand::Create { name, opts },
        } => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(AnyError::from)
            .and_then(|rt| rt.block_on(create_workspace(&name, opts))),
        Command::User { command } => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(AnyError::from)
            .and_then(|rt| rt.block_on(user(command))),
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
    let setup_link = if context.settings.runs("console") {
        pollcast_runtime::console_setup::announce(&context).await?
    } else {
        None
    };
    print_banner(&context, app.port(), demo.as_ref(), setup_link.as_deref());
    let stopped = app.run_until_stopped().await;
    context.stop_embedded_redis().await;
    Ok(stopped?)
}

fn print_banner(
    context: &Context,
    port: u16,
    demo: Option<&pollcast::demo::Demo>,
    setup_link: Option<&str>,
) {
    let s = &context.settings;
    let base = &s.public_url;
    println!(
        "pollcast is running ({}) on port {port}",
        s.services.join(", ")
    );
    println!("  health:   {base}/readyz   metrics: {base}/metrics");
    if s.runs("console") {
        println!("  console:  {base}/console");
    }
    if let Some(link) = setup_link {
        // Printed, never put in the structured logs: whoever opens it first owns the install.
        println!("  set up the console (one-time link; also in the data dir's setup-token):");
        println!("    {link}");
    }
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
    let store = pollcast_runtime::context::open_store(&settings).await?;
    let (workspace, key) =
        pollcast_auth::workspaces::create_workspace(store.as_ref(), name).await?;
    println!("workspace_id: {}", workspace.id);
    println!("api_key:      {}", key.secret);
    println!("(the key is shown once; only its hash is stored)");
    Ok(())
}

/// The Redis of `--redis-url`, or else the redis-server `pollcast serve` started for this
/// data directory: what the commands that work beside a running pollcast reach.
fn beside_serve(mut opts: Opts) -> Result<Settings, AnyError> {
    if opts.redis_url.is_none() {
        let dir = opts.clone().resolve()?.data_dir;
        opts.redis_url = Some(format!("unix://{}", dir.join("redis/redis.sock").display()));
    }
    settings(opts)
}

/// `pollcast mcp`: the MCP server over stdio, for the key in POLLCAST_API_KEY (an
/// environment variable, never a flag: flags end up in shell histories and process lists).
async fn mcp(opts: Opts) -> Result<(), AnyError> {
    let key = std::env::var("POLLCAST_API_KEY")
        .map_err(|_| "POLLCAST_API_KEY must hold an API key of the workspace to serve")?;
    let context = Context::build(beside_serve(opts)?, false).await?;
    pollcast_mcp::serve_stdio(&context, &key).await?;
    Ok(())
}

/// `pollcast audit POLL`: whether the poll's live counts are its vote log's.
async fn audit(poll_id: &str, opts: Opts) -> Result<bool, AnyError> {
    let settings = beside_serve(opts)?;
    let context = Context::build(settings, false).await?;
    let id = pollcast_types::PollId::parse(poll_id).ok_or("not a poll id")?;
    let poll = context.store.poll(&id).await?.ok_or("no such poll")?;
    let audit = pollcast_runtime::audit::audit(&context, &poll).await?;
    println!("{}", serde_json::to_string_pretty(&audit)?);
    Ok(audit.consistent)
}

fn read_password() -> Result<String, AnyError> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if pollcast_console::password_problem(&password).is_some() {
        return Err(format!(
            "the password must be {} to {} characters",
            pollcast_console::PASSWORD_MIN_LEN,
            pollcast_console::PASSWORD_MAX_LEN
        )
        .into());
    }
    Ok(password)
}

async fn user(command: UserCommand) -> Result<(), AnyError> {
    use pollcast_types::{Account, AccountId, Membership, Role, Timestamp, Workspace, WorkspaceId};
    match command {
        UserCommand::Create {
            email,
            workspace,
            role,
            opts,
            ..
        } => {
            let settings = settings(opts)?;
            let store = pollcast_runtime::context::open_store(&settings).await?;
            let role = Role::parse(&role).ok_or("--role must be owner, editor or viewer")?;
            let email = email.trim().to_lowercase();
            if !email.contains('@') {
                return Err("--email is not an email address".into());
            }
            let password = read_password()?;
            let account = Account {
                id: AccountId::generate(),
                email: email.clone(),
                password_hash: pollcast_console::hash_password(password)
                    .await
                    .map_err(|_| "could not hash the password")?,
                created_at: Timestamp::now(),
            };
            let workspace_id = match workspace {
                Some(raw) => {
                    let id = WorkspaceId::parse(&raw).ok_or("--workspace is not a workspace id")?;
                    store.workspace(&id).await?.ok_or("no such workspace")?;
                    id
                }
                None => {
                    let ws = Workspace {
                        id: WorkspaceId::generate(),
                        name: format!("{email}'s workspace"),
                        created_at: Timestamp::now(),
                    };
                    store.insert_workspace(&ws).await?;
                    ws.id
                }
            };
            if !store.insert_account(&account).await? {
                return Err("an account with this email exists".into());
            }
            store
                .set_member(&Membership {
                    workspace_id: workspace_id.clone(),
                    account_id: account.id.clone(),
                    email,
                    role,
                    created_at: Timestamp::now(),
                })
                .await?;
            println!("account_id:   {}", account.id);
            println!("workspace_id: {workspace_id} ({})", role.as_str());
            Ok(())
        }
        UserCommand::ResetPassword { email, opts, .. } => {
            let settings = settings(opts)?;
            let store = pollcast_runtime::context::open_store(&settings).await?;
            let account = store
                .account_by_email(&email.trim().to_lowercase())
                .await?
                .ok_or("no account with this email")?;
            let hash = pollcast_console::hash_password(read_password()?)
                .await
                .map_err(|_| "could not hash the password")?;
            store.set_password(&account.id, &hash).await?;
            println!("password set; the account's sessions are ended");
            Ok(())
        }
    }
}
