//! Benchmarks for eisim: criterion benches under `benches/` (run `cargo bench -p eisim-benches`;
//! figures and how to read them in BENCHMARKS.md), and the load benchmark against an HTTP
//! ceiling ([`load`], run as `cargo run --release -p eisim-benches --bin load`).

pub mod fixtures;
pub mod load;
pub mod router;
