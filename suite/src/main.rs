//! The `eisim-suite` command: a thin layer over the `eisim_suite` library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use eisim::ClockMode;
use eisim::Network;
use eisim_suite::bench::{self, BenchOptions, parse_network};
use eisim_suite::explore::{self, ExploreOptions};
use eisim_suite::reference::{Breakage, ReferenceConfig};
use eisim_suite::{
    DriverTarget, RunOptions, RunSettings, SuiteError, catalogue, exit_codes, report,
};

/// Conformance suite for e-invoicing integrations, graded against the eisim simulator.
///
/// Exit codes: 0 every rule passed (bench: every document reached its end state), 1 a rule
/// failed (bench: a document did not), 2 usage or scenario error, 3 the driver could not be
/// reached or broke the contract.
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
    /// Measure an integration's throughput and per-document latency through the driver.
    ///
    /// Asks the integration (`POST /submit`) to send N distinct documents, at most C at once,
    /// round-robin over the networks, and times each from the submit to the driver reporting
    /// the document's end state: the state eisim holds once nothing more is planned for it
    /// (delivered, refused or failed in the default world). eisim's own share (its handling of
    /// the integration's requests, and the configured network delays under --clock) is
    /// reported apart from the integration's.
    ///
    /// Exit codes: 0 every document reached its end state, 1 some did not within the time
    /// limit, 2 usage or scenario error, 3 the driver could not be reached or broke the
    /// contract.
    Bench(Box<BenchArgs>),
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
struct BenchArgs {
    /// A running driver adapter.
    #[arg(long, conflicts_with = "exec", required_unless_present = "exec")]
    driver: Option<String>,
    /// A command that starts the adapter; `{port}` is replaced by its port. Started once for
    /// the whole benchmark.
    #[arg(long)]
    exec: Option<String>,
    /// How many documents to send.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    documents: u64,
    /// At most this many documents outstanding at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..))]
    concurrency: u64,
    /// A network to send on (peppol, sdi, ksef); repeat for several. Default: all three,
    /// round-robin.
    #[arg(long = "network", value_name = "NETWORK", value_parser = parse_network)]
    networks: Vec<Network>,
    /// A scenario to run the simulator on instead of the built-in one (one tenant with
    /// credentials, a recipient per network, no faults). It needs a tenant with credentials
    /// and a participant on each network used; its `steps` and `expect` are ignored.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// The simulator's clock: `virtual` (configured network delays cost no wall time),
    /// `scaled:FACTOR` (they cost delay/FACTOR) or `real` (they cost their full time).
    #[arg(long, default_value = "virtual", value_parser = parse_clock)]
    clock: ClockMode,
    /// Read peppol/invoice-minimal.xml, sdi/FPR12-minimal.xml and ksef/fa3-minimal.xml from
    /// here instead of the copies built into eisim-suite.
    #[arg(long, value_name = "DIR")]
    fixtures: Option<PathBuf>,
    /// Seconds a document may take to reach its end state before it counts as failed.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    document_timeout: u64,
    /// Milliseconds without a call from the integration before the simulator is stopped at
    /// the end.
    #[arg(long, default_value_t = 300)]
    quiet_ms: u64,
    /// Write the report as JSON (schema `eisim-suite/bench/v1`, see suite/BENCH-SCHEMA.md).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

fn parse_clock(text: &str) -> Result<ClockMode, String> {
    text.parse::<ClockMode>().map_err(|e| e.to_string())
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
    /// Networks documents may go to, comma-separated (default: all three).
    #[arg(long, value_delimiter = ',', value_name = "NETWORK", value_parser = parse_network)]
    networks: Vec<Network>,
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
            Command::Bench(args) => bench(*args).await,
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

async fn bench(args: BenchArgs) -> Result<i32, SuiteError> {
    let driver = driver_target(args.driver, args.exec)?;
    let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    let options = BenchOptions {
        documents: count(args.documents),
        concurrency: count(args.concurrency),
        networks: args.networks,
        scenario: args.scenario,
        clock: args.clock,
        fixtures: args.fixtures,
        quiet: Duration::from_millis(args.quiet_ms),
        document_timeout: Duration::from_secs(args.document_timeout),
        ..BenchOptions::new(driver)
    };
    let report = bench::bench(options, |progress| {
        println!("{}", bench::progress_line(progress));
    })
    .await?;
    println!();
    print!("{}", bench::summary(&report));
    if let Some(path) = args.json {
        let text = report
            .to_json()
            .map_err(|e| SuiteError::Usage(format!("cannot write the report as JSON: {e}")))?;
        std::fs::write(&path, text).map_err(|source| SuiteError::Io { path, source })?;
    }
    Ok(report.exit_code())
}

async fn explore(args: ExploreArgs) -> Result<i32, SuiteError> {
    let seed = args.seed.unwrap_or_else(rand::random);
    let options = ExploreOptions {
        driver: driver_target(args.driver, args.exec)?,
        cases: args.cases,
        seed,
        networks: args.networks,
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
