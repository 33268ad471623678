//! The `eisim-suite` command: a thin layer over the `eisim_suite` library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
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

async fn run(args: RunArgs) -> Result<i32, SuiteError> {
    let driver = match (args.driver, args.exec) {
        (Some(url), None) => DriverTarget::Url(url),
        (None, Some(command)) => DriverTarget::Exec(command),
        _ => {
            return Err(SuiteError::Usage(
                "give exactly one of --driver URL or --exec CMD".into(),
            ));
        }
    };
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
