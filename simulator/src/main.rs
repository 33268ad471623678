//! The `eisim` command: a thin layer over the library (`eisim::Simulator`).

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use eisim::{ClockMode, Simulator, SimulatorConfig, scenario};

/// A simulated e-invoicing access point and the networks behind it (Peppol, SDI, KSeF).
///
/// Point your integration at `eisim serve` instead of a shared government test environment;
/// steer time and inspect the journal through the control API under /_sim.
#[derive(Debug, Parser)]
#[command(
    name = "eisim",
    version,
    about,
    long_about,
    after_help = "Examples:\n  eisim serve                                  embedded default scenario on 127.0.0.1:8080\n  eisim serve --clock virtual --journal j.ndjson\n  eisim serve --scenario scenarios/default.yaml --clock scaled:60\n  eisim check scenarios/*.yaml\n\nExit codes: 0 success; 1 an error (for `check`: a scenario file has errors); 2 bad command line."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the simulator (on the embedded default scenario unless --scenario is given).
    Serve(ServeArgs),
    /// Validate scenario files: exit 0 if all are clean, 1 if any has errors (each printed
    /// as file:line:column).
    Check {
        /// Scenario files (YAML) to check.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// SDI tools: sign a file, pack files into an archive.
    #[command(subcommand)]
    Sdi(SdiCommand),
}

#[derive(Debug, Subcommand)]
enum SdiCommand {
    /// Sign FILE as CAdES-BES (FILE.p7m) with eisim's test signer, whose CA SDI trusts by
    /// default, or with --key and --cert.
    Sign {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// CAdES `.xml.p7m` (the default).
        #[arg(long, conflicts_with = "xades")]
        cades: bool,
        /// XAdES-BES enveloped in the XML: not built yet, refused with a message.
        #[arg(long)]
        xades: bool,
        /// Certificate (PEM) to sign with, instead of eisim's test signer.
        #[arg(long, value_name = "PEM", requires = "key")]
        cert: Option<PathBuf>,
        /// Its private key (unencrypted PKCS#8 PEM).
        #[arg(long, value_name = "PEM", requires = "cert")]
        key: Option<PathBuf>,
        /// Signing time (RFC 3339), now unless given: a later one than SDI's reception
        /// gets 00105.
        #[arg(long, value_name = "TIME")]
        signing_time: Option<jiff::Timestamp>,
        /// Where to write; FILE.p7m unless given.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Pack SDI files (.xml, .xml.p7m) into a ZIP archive named <IdPaese><IdCodice>_Z<nnnn>.zip
    /// after the first file, written in the current directory unless --out is given.
    Zip {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Scenario file (YAML) to run instead of the embedded default.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Address to listen on. Anything but loopback requires --control-token.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    bind: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Clock mode, overriding the scenario's: `real`, `virtual` (moves only when advanced
    /// through POST /_sim/clock/advance) or `scaled:N` (simulated time runs N times faster).
    #[arg(long, value_name = "MODE")]
    clock: Option<ClockMode>,
    /// With a virtual clock, jump straight to each next due event instead of waiting.
    #[arg(long)]
    auto_advance: bool,
    /// Seed for every random choice, overriding the scenario's: the same seed gives the
    /// same run.
    #[arg(long)]
    seed: Option<u64>,
    /// Also write the journal to FILE as JSON lines, flushed entry by entry (appends).
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    /// Journal entries kept in memory (for /_sim/journal); older ones are dropped from
    /// memory, oldest first, but stay in the --journal file, which keeps every entry.
    #[arg(long, default_value_t = eisim::journal::DEFAULT_MEMORY_CAP, value_name = "ENTRIES")]
    journal_memory_cap: usize,
    /// Token required as `Authorization: Bearer <token>` on /_sim requests; mandatory when
    /// --bind is not a loopback address.
    #[arg(
        long,
        env = "EISIM_CONTROL_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    control_token: Option<String>,
    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, default_value_t = eisim::DEFAULT_BODY_LIMIT, value_name = "BYTES")]
    body_limit: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Serve(args) => serve(args),
        Command::Check { files } => Ok(check(&files)),
        Command::Sdi(command) => sdi(command),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn sdi(command: SdiCommand) -> anyhow::Result<ExitCode> {
    let read = |path: &PathBuf| {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    };
    match command {
        SdiCommand::Sign {
            file,
            cades: _,
            xades,
            cert,
            key,
            signing_time,
            out,
        } => {
            if xades {
                anyhow::bail!(
                    "XAdES signing is not built in eisim yet; sign with --cades, or with xmlsec1"
                );
            }
            let content = read(&file)?;
            let text = |path: &Option<PathBuf>| -> anyhow::Result<Option<String>> {
                path.as_ref()
                    .map(|p| {
                        std::fs::read_to_string(p)
                            .with_context(|| format!("cannot read {}", p.display()))
                    })
                    .transpose()
            };
            let (cert, key) = (text(&cert)?, text(&key)?);
            let signed = eisim::tools::sdi_sign_cades(
                &content,
                key.as_deref(),
                cert.as_deref(),
                signing_time.unwrap_or_else(jiff::Timestamp::now),
            )?;
            let out = out.unwrap_or_else(|| {
                let mut name = file.clone().into_os_string();
                name.push(".p7m");
                PathBuf::from(name)
            });
            std::fs::write(&out, signed)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("{}", out.display());
        }
        SdiCommand::Zip { files, out } => {
            let mut named = Vec::new();
            for path in &files {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                named.push((name, read(path)?));
            }
            let (name, bytes) = eisim::tools::sdi_zip(&named)?;
            let out = out.unwrap_or_else(|| PathBuf::from(name));
            std::fs::write(&out, bytes)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("{}", out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn check(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for file in files {
        match scenario::load_file(file) {
            Ok(scenario) => println!("ok: {} (scenario `{}`)", file.display(), scenario.name),
            Err(errors) => {
                failed = true;
                println!("{errors}");
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(serve_until_signal(args))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve_until_signal(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = SimulatorConfig::new()
        .bind(args.bind)
        .port(args.port)
        .body_limit(args.body_limit)
        .journal_memory_cap(args.journal_memory_cap);
    if let Some(path) = &args.scenario {
        let loaded = scenario::load_file(path)?;
        config = config.scenario(loaded, path.display().to_string());
    }
    if let Some(mode) = args.clock {
        config = config.clock(mode);
    }
    if args.auto_advance {
        config = config.auto_advance(true);
    }
    if let Some(seed) = args.seed {
        config = config.seed(seed);
    }
    if let Some(path) = &args.journal {
        config = config.journal_file(path);
    }
    if let Some(token) = &args.control_token {
        config = config.control_token(token);
    }

    // Listen for signals before announcing the address: a supervisor that reads the banner
    // and at once sends SIGTERM must get a graceful shutdown, not the default kill.
    let signalled = shutdown_signal()?;
    let sim = Simulator::start(config).await?;
    tracing::info!(address = %sim.base_url(), "serving");
    print_banner(&sim, args.journal.as_deref());
    signalled.await?;
    tracing::info!("shutting down");
    sim.shutdown().await.context("shutdown failed")?;
    Ok(())
}

/// Prints where to connect and with which credentials. A closed stdout (a supervisor that
/// read the first line and went away) must not take the server down, so write errors are
/// ignored here.
fn print_banner(sim: &Simulator, journal: Option<&std::path::Path>) {
    use std::io::Write;
    let scenario = sim.scenario();
    let url = sim.base_url();
    let mut lines = vec![
        format!("eisim {} listening on {url}", env!("CARGO_PKG_VERSION")),
        format!(
            "scenario: {} ({}), clock {}, seed {}",
            scenario.name,
            sim.scenario_origin(),
            sim.clock().mode(),
            sim.seed()
        ),
    ];
    for tenant in &scenario.tenants {
        for credential in &tenant.credentials {
            lines.push(format!(
                "tenant {}: client_id={} client_secret={}",
                tenant.id, credential.client_id, credential.client_secret
            ));
        }
    }
    // KSeF contexts with the tokens that open them: a seller and its buyer log in alike.
    for token in &scenario.ksef.tokens {
        if token.auth_status.is_some_and(|status| status != 200) {
            continue;
        }
        let owner = scenario
            .participants
            .iter()
            .find(|p| p.id == format!("KSEF:{}", token.context))
            .and_then(|p| p.tenant.as_deref())
            .unwrap_or("-");
        lines.push(format!(
            "ksef context {} (tenant {owner}): token={}  ({url}/v2)",
            token.context, token.token
        ));
    }
    lines.push(format!(
        "control API: {url}/_sim/health, {url}/_sim/clock, {url}/_sim/journal"
    ));
    if let Some(path) = journal {
        lines.push(format!("journal: {}", path.display()));
    }
    let mut out = std::io::stdout().lock();
    for line in lines {
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
    let _ = out.flush();
}

/// Resolves on the first SIGINT or SIGTERM. The listeners are registered when this is called,
/// not when the future is first polled.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = anyhow::Result<()>>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
            Ok(())
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            tokio::signal::ctrl_c()
                .await
                .context("cannot listen for Ctrl-C")
        })
    }
}
