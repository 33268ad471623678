//! The `eisim-suite` command: a thin layer over the `eisim_suite` library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Conformance suite for e-invoicing integrations, graded against the eisim simulator.
///
/// Exit codes: 0 pass, 1 a rule failed, 2 usage or scenario error (or not supported yet),
/// 3 the driver could not be reached or broke the contract.
#[derive(Debug, Parser)]
#[command(name = "eisim-suite", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run conformance scenarios against an integration (not built yet: exits 2).
    Run,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run => eisim_suite::run(),
    };
    match result {
        Ok(()) => ExitCode::from(eisim_suite::exit_codes::OK as u8),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
        }
    }
}
