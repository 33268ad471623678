//! The load benchmark: eisim against an axum hello-world ceiling over loopback, one table.
//!
//! `cargo run --release -p eisim-benches --bin load -- [--duration 5] [--concurrency 32]
//! [--json FILE]`. What it measures and how: `eisim_benches::load`; figures: BENCHMARKS.md.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use eisim_benches::load::{self, Options};

/// Drives eisim and a hello-world ceiling with the same load; prints requests/s, latency
/// percentiles and each eisim figure as a share of the ceiling.
#[derive(Debug, Parser)]
#[command(name = "load")]
struct Args {
    /// Seconds measured per run (each case runs the ceiling, eisim, and eisim at half rate).
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// Seconds of warm-up before each full-speed window, not recorded.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Concurrent workers (keep-alive connections).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Only the cases whose name contains TEXT (health, status read, submission, KSeF send,
    /// webhook delivery, webhook burst), e.g. `--only KSeF` to profile one.
    #[arg(long, value_name = "TEXT")]
    only: Option<String>,
    /// Documents submitted before the webhook burst is released (their lifecycles raise its
    /// events).
    #[arg(long, default_value_t = 2_000)]
    burst_documents: usize,
    /// Webhook endpoints each of the burst's events fans out to (eisim allows a tenant 20).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=20))]
    burst_endpoints: u16,
    /// Also write the figures as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

fn seconds(value: f64) -> Duration {
    Duration::try_from_secs_f64(value.max(0.0)).unwrap_or(Duration::from_secs(5))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let options = Options {
        duration: seconds(args.duration).max(Duration::from_millis(100)),
        warmup: seconds(args.warmup),
        concurrency: args.concurrency.max(1),
        only: args.only,
        burst_documents: args.burst_documents.max(1),
        burst_endpoints: usize::from(args.burst_endpoints),
    };
    let report = load::run(&options);
    print!("{}", report.markdown());
    if let Some(path) = args.json {
        let text = match serde_json::to_string_pretty(&report.json()) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("cannot render the JSON report: {error}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(error) = std::fs::write(&path, text) {
            eprintln!("cannot write {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
