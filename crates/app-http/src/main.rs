//! The `tobira` binary: `serve`, `migrate`, `contract create`, `mail list`, `mail resend`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tokio::sync::watch;

use app_http::config::{Config, LogFormat, Overrides};
use app_http::http::{Listener, router};
use app_http::{server, wiring, worker};
use auth_core::domain::DeliveryState;
use auth_core::flows::invitations::ContractRequest;

/// tobira: sign-in and account management.
#[derive(Debug, Parser)]
#[command(name = "tobira", version, about)]
struct Cli {
    /// A TOML configuration file.
    #[arg(long, env = "TOBIRA_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Address to listen on (internet channel).
    #[arg(long, env = "TOBIRA_LISTEN", global = true)]
    listen: Option<SocketAddr>,
    /// Directory of the embedded store and the development outboxes.
    #[arg(long, env = "TOBIRA_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP app (migrates the store first).
    Serve,
    /// Apply store migrations and exit.
    Migrate,
    /// Contracts.
    #[command(subcommand)]
    Contract(ContractCommand),
    /// The mail outbox.
    #[command(subcommand)]
    Mail(MailCommand),
}

#[derive(Debug, Subcommand)]
enum ContractCommand {
    /// Create a contract and print its owner's invitation link.
    Create {
        /// The owner's e-mail address.
        #[arg(long)]
        owner_email: String,
        /// The owner's name.
        #[arg(long, default_value = "Owner")]
        owner_name: String,
        /// The customer's name.
        #[arg(long, default_value = "New contract")]
        name: String,
        /// The plan.
        #[arg(long, value_enum, default_value_t = PlanArg::Basic)]
        plan: PlanArg,
        /// The owner's language: of the invitation mail, the registration pages and the
        /// account's later mails.
        #[arg(long, value_enum, default_value_t = LanguageArg::Ja)]
        language: LanguageArg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LanguageArg {
    Ja,
    En,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PlanArg {
    Basic,
    Trial,
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// List mail not yet sent (pending and abandoned); with `--all`, the newest mails whatever
    /// their state.
    List {
        /// Also mail already sent (the newest 200).
        #[arg(long)]
        all: bool,
    },
    /// Queue an abandoned mail again.
    Resend {
        /// The mail's ID.
        id: String,
    },
}

/// Most threads for blocking work (store calls, files).
const BLOCKING_THREADS: usize = 32;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let overrides = Overrides {
        listen: cli.listen,
        data_dir: cli.data_dir.clone(),
    };
    let config = match Config::load(cli.config.as_deref(), &overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tobira: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        // Store calls run on blocking threads; a bounded pool keeps memory bounded under bursts
        // (the store's connection pool admits only a few calls at a time anyway).
        .max_blocking_threads(BLOCKING_THREADS)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tobira: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A link printed by a command follows the running `serve` unless told otherwise.
    let public_url_given = config.public_url.is_some() || cli.listen.is_some();
    match runtime.block_on(run(cli.command, config, public_url_given)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tobira: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

/// Where `serve` records the public URL it uses, in the data directory, for commands run next
/// to it (`contract create` prints links with it).
const PUBLIC_URL_RECORD: &str = "public-url";

/// The public URL for links a command prints: the configured one, else the one the `serve` on
/// the same data directory recorded, else the default.
fn public_url_for_links(config: &Config, given: bool) -> String {
    if !given
        && let Ok(recorded) = std::fs::read_to_string(config.data_dir.join(PUBLIC_URL_RECORD))
        && let url = recorded.trim()
        && (url.starts_with("http://") || url.starts_with("https://"))
        && !url.contains(char::is_whitespace)
    {
        return recorded.trim().trim_end_matches('/').to_owned();
    }
    config.public_url()
}

async fn run(command: Command, config: Config, public_url_given: bool) -> Result<(), String> {
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            wiring::open_store(&config)
                .await
                .map_err(|e| e.to_string())?;
            println!("migrations applied");
            Ok(())
        }
        Command::Contract(ContractCommand::Create {
            owner_email,
            owner_name,
            name,
            plan,
            language,
        }) => {
            let wired = wiring::wire(&config).await.map_err(|e| e.to_string())?;
            let created = wired
                .state
                .auth()
                .create_contract(ContractRequest {
                    name: &name,
                    owner_email: &owner_email,
                    owner_name: &owner_name,
                    trial: matches!(plan, PlanArg::Trial),
                    locale: match language {
                        LanguageArg::Ja => auth_core::domain::Locale::Ja,
                        LanguageArg::En => auth_core::domain::Locale::En,
                    },
                })
                .await
                .map_err(|e| e.to_string())?;
            println!("contract {} created", created.contract);
            println!(
                "owner invitation (valid 14 days): {}{}/{}",
                public_url_for_links(&config, public_url_given),
                auth_core::domain::TicketPurpose::Invitation.page_path(),
                created.invitation.expose().as_str()
            );
            Ok(())
        }
        Command::Mail(MailCommand::List { all }) => {
            let wired = wiring::wire(&config).await.map_err(|e| e.to_string())?;
            let auth = wired.state.auth();
            let listed = if all {
                auth.recent_mail(200).await
            } else {
                auth.unsent_mail().await
            };
            for queued in listed.map_err(|e| e.to_string())? {
                let state = match &queued.state {
                    DeliveryState::Pending {
                        attempts,
                        next_attempt_at,
                        last_error,
                    } => match last_error {
                        Some(e) => format!(
                            "pending (attempts {attempts}, next {next_attempt_at}, last error: {e})"
                        ),
                        None => format!("pending (attempts {attempts}, next {next_attempt_at})"),
                    },
                    DeliveryState::Abandoned {
                        attempts,
                        last_error,
                    } => format!("ABANDONED after {attempts} attempts: {last_error}"),
                    DeliveryState::Sent { at } => format!("sent {at}"),
                };
                println!("{}  {}  {}", queued.mail.id, queued.mail.to, state);
            }
            Ok(())
        }
        Command::Mail(MailCommand::Resend { id }) => {
            let wired = wiring::wire(&config).await.map_err(|e| e.to_string())?;
            let id =
                auth_core::domain::MailId::parse(&id).map_err(|_| "not a mail ID".to_owned())?;
            if !wired
                .state
                .auth()
                .requeue_mail(id)
                .await
                .map_err(|e| e.to_string())?
            {
                return Err("no unsent mail has this ID".into());
            }
            println!("mail {id} queued again");
            Ok(())
        }
    }
}

async fn serve(mut config: Config) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    // With no public URL configured, links and the origin check use the address actually
    // bound (port 0 picks a free port).
    config.listen = address;
    if config.public_url.is_none() && !config.database_url().starts_with("sqlite") {
        // On a shared store several instances usually serve one address: without it, links
        // and the origin check name this instance's own address.
        tracing::warn!(%address, "public_url is not set: links and the origin check use this instance's own address");
    }
    let wired = wiring::wire(&config).await.map_err(|e| e.to_string())?;
    // Best effort: without the record, `contract create` falls back to its own configuration.
    if let Err(e) = std::fs::write(
        config.data_dir.join(PUBLIC_URL_RECORD),
        format!("{}\n", config.public_url()),
    ) {
        tracing::warn!(error = %e, "cannot record the public URL in the data directory");
    }
    let (stop, stopped) = watch::channel(false);
    let pruning = tokio::spawn(worker::prune_rate_limits(
        wired.state.clone(),
        stopped.clone(),
    ));
    let outbox = tokio::spawn(worker::run(
        wired.state.auth().clone(),
        wired.mailer.clone(),
        wired.state.outbox_wakeup(),
        stopped.clone(),
    ));

    tracing::info!(%address, public_url = %config.public_url(), store = %redacted(&config.database_url()), "tobira is listening");
    // One machine-readable line for scripts and tests (the port may have been chosen by the OS).
    println!("listening on http://{address}");
    // The line listener, for the carrier gateway (L9).
    let mut line_server = None;
    if let Some(line) = config.line_listen {
        let l = tokio::net::TcpListener::bind(line)
            .await
            .map_err(|e| format!("cannot listen on {line}: {e}"))?;
        tracing::info!(address = %line, "line channel listening");
        let app = router(wired.state.clone(), Listener::Line);
        line_server = Some(tokio::spawn(server::serve(
            l,
            app,
            config.serve_settings(),
            stopped.clone(),
        )));
    }
    let app = router(wired.state.clone(), Listener::Internet);
    let internet = tokio::spawn(server::serve(
        listener,
        app,
        config.serve_settings(),
        stopped.clone(),
    ));
    shutdown_signal().await;
    let _ = stop.send(true);
    let result = internet.await;
    let _ = outbox.await;
    let _ = pruning.await;
    if let Some(l) = line_server {
        let _ = l.await;
    }
    tracing::info!("tobira stopped");
    result.map_err(|e| e.to_string())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}

/// A store URL without its password, for the log.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…{}", &url[..scheme], &url[at..]),
        _ => url.to_owned(),
    }
}
