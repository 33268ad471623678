//! The `eisim-suite` command: a thin layer over the `eisim_suite` library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use eisim::scenario::Network;
use eisim_suite::explore::{self, ExploreOptions};
use eisim_suite::reference::{Breakage, ReferenceConfig};
use eisim_suite::{
    DriverTarget, RunOptions, RunSettings, SuiteError, catalogue, exit_codes, report,
};

/// Conformance suite for e-invoicing integrations, graded against the eisim simulator.
///
/// Exit codes: 0 every rule passed, 1 a rule failed, 2 usage or scenario error, 3 the driver
/// could not be reached or broke the contract.
#[derive(Debug, Parser)]
#[command(name = "eisim-suite", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run conformance scenarios against an integration.
    Run(Box<RunArgs>),
    /// Generate scenarios, run them against an integration, and shrink the first failure to a
    /// minimal scenario file that `run` replays.
    ///
    /// Exit codes: 0 no case failed, 1 a MUST rule failed (reproducer written), 2 usage error,
    /// 3 the driver could not be reached, broke the contract or did not settle.
    Explore(Box<ExploreArgs>),
    /// Print the rule catalogue.
    Rules {
        /// Print suite/RULES.md instead of the table.
        #[arg(long)]
        markdown: bool,
    },
    /// Serve the reference integration (the driver contract and its webhook receiver).
    Reference {
        /// Port on 127.0.0.1; 0 picks a free one and prints it.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Break one rule on purpose (the zoo), e.g. `--break SUB-1`.
        #[arg(long = "break", value_name = "RULE")]
        breakage: Option<Breakage>,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Scenario files, or folders of them (those with `steps`).
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// A running driver adapter.
    #[arg(long, conflicts_with = "exec", required_unless_present = "exec")]
    driver: Option<String>,
    /// A command that starts the adapter; `{port}` is replaced by its port. Started afresh
    /// for every scenario.
    #[arg(long)]
    exec: Option<String>,
    /// A running `eisim serve` to use instead of one in-process simulator per scenario.
    #[arg(long)]
    simulator: Option<String>,
    /// SHOULD rules fail the run too.
    #[arg(long)]
    strict: bool,
    /// Only scenarios whose name, file or expected rules match this glob (e.g. `HOOK-*`).
    #[arg(long)]
    filter: Option<String>,
    /// Scenarios to run at once (needs --exec).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Where fixtures live; default: the nearest `fixtures/` above each scenario.
    #[arg(long)]
    fixtures: Option<PathBuf>,
    /// Milliseconds without a call before the integration counts as quiet.
    #[arg(long, default_value_t = 300)]
    quiet_ms: u64,
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ExploreArgs {
    /// A running driver adapter.
    #[arg(long, conflicts_with = "exec", required_unless_present = "exec")]
    driver: Option<String>,
    /// A command that starts the adapter; `{port}` is replaced by its port. Started afresh
    /// for every case.
    #[arg(long)]
    exec: Option<String>,
    /// Generated cases to run (the search stops at the first failure).
    #[arg(long, default_value_t = 200)]
    cases: usize,
    /// Seed of the generator; the same seed generates the same cases. Default: random, printed.
    #[arg(long)]
    seed: Option<u64>,
    /// Networks documents may go to (default: all three).
    #[arg(long, value_delimiter = ',', value_name = "NETWORK")]
    networks: Vec<NetworkArg>,
    /// Most documents (submits and corrections) in one case.
    #[arg(long, default_value_t = 6)]
    max_documents: usize,
    /// Where the minimal failing scenario is written.
    #[arg(long, default_value = "explore-out")]
    out: PathBuf,
    /// eisim's fixtures folder; default: `fixtures/` here or in a parent folder.
    #[arg(long)]
    fixtures: Option<PathBuf>,
    /// Cases run at once while searching (needs --exec).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Most cases run while shrinking a failure.
    #[arg(long, default_value_t = 100)]
    max_shrinks: usize,
    /// Milliseconds without a call before the integration counts as quiet.
    #[arg(long, default_value_t = 300)]
    quiet_ms: u64,
    /// Also write the report as JSON (schema in suite/EXPLORE-SCHEMA.md).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum NetworkArg {
    Peppol,
    Sdi,
    Ksef,
}

impl From<NetworkArg> for Network {
    fn from(network: NetworkArg) -> Network {
        match network {
            NetworkArg::Peppol => Network::Peppol,
            NetworkArg::Sdi => Network::Sdi,
            NetworkArg::Ksef => Network::Ksef,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return code(exit_codes::USAGE);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run(*args).await,
            Command::Explore(args) => explore(*args).await,
            Command::Rules { markdown } => {
                if markdown {
                    print!("{}", catalogue::markdown());
                } else {
                    print!("{}", catalogue::table());
                }
                Ok(exit_codes::OK)
            }
            Command::Reference { port, breakage } => reference(port, breakage).await,
        }
    });
    match result {
        Ok(status) => code(status),
        Err(error) => {
            eprintln!("error: {error}");
            code(error.exit_code())
        }
    }
}

fn code(status: i32) -> ExitCode {
    ExitCode::from(u8::try_from(status).unwrap_or(2))
}

/// `--driver URL` or `--exec CMD`, exactly one.
fn driver_target(driver: Option<String>, exec: Option<String>) -> Result<DriverTarget, SuiteError> {
    match (driver, exec) {
        (Some(url), None) => Ok(DriverTarget::Url(url)),
        (None, Some(command)) => Ok(DriverTarget::Exec(command)),
        _ => Err(SuiteError::Usage(
            "give exactly one of --driver URL or --exec CMD".into(),
        )),
    }
}

async fn run(args: RunArgs) -> Result<i32, SuiteError> {
    let driver = driver_target(args.driver, args.exec)?;
    let options = RunOptions {
        scenarios: args.scenarios,
        settings: RunSettings {
            driver,
            simulator: args.simulator,
            strict: args.strict,
            fixtures: args.fixtures,
            quiet: Duration::from_millis(args.quiet_ms),
        },
        filter: args.filter,
        jobs: args.jobs,
    };
    let report = eisim_suite::run(options, |scenario| {
        println!("{}", report::console::progress_line(scenario));
    })
    .await?;
    println!();
    print!("{}", report::console::summary(&report));
    let outputs = [
        (args.json, report::Format::Json),
        (args.junit, report::Format::Junit),
        (args.html, report::Format::Html),
    ];
    for (path, format) in outputs {
        if let Some(path) = path {
            report::write(&report, format, &path).map_err(|e| SuiteError::Usage(e.to_string()))?;
        }
    }
    Ok(report.exit_code())
}

async fn explore(args: ExploreArgs) -> Result<i32, SuiteError> {
    let seed = args.seed.unwrap_or_else(rand::random);
    let options = ExploreOptions {
        driver: driver_target(args.driver, args.exec)?,
        cases: args.cases,
        seed,
        networks: args.networks.into_iter().map(Network::from).collect(),
        max_documents: args.max_documents,
        out: args.out,
        fixtures: args.fixtures,
        quiet: Duration::from_millis(args.quiet_ms),
        jobs: args.jobs,
        max_shrinks: args.max_shrinks,
    };
    println!("explore: seed {seed} (replay the same cases with --seed {seed})");
    let report = explore::explore(options, |progress| {
        println!("{}", explore::progress_line(&progress));
    })
    .await?;
    println!();
    print!("{}", explore::summary(&report));
    if let Some(path) = args.json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| SuiteError::Usage(format!("cannot write the report: {e}")))?;
        std::fs::write(&path, text + "\n").map_err(|source| SuiteError::Io { path, source })?;
    }
    Ok(report.exit_code())
}

async fn reference(port: u16, breakage: Option<Breakage>) -> Result<i32, SuiteError> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| SuiteError::Usage(format!("cannot bind 127.0.0.1:{port}: {e}")))?;
    let address = listener
        .local_addr()
        .map_err(|e| SuiteError::Usage(e.to_string()))?;
    println!("reference integration listening on http://{address}");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    eisim_suite::reference::run(listener, ReferenceConfig { breakage }, shutdown)
        .await
        .map_err(|e| SuiteError::Usage(e.to_string()))?;
    Ok(exit_codes::OK)
}
