//! Benchmarks for eisim: criterion benches under `benches/` (run `cargo bench -p eisim-benches`;
//! figures and how to read them in BENCHMARKS.md). The load benchmark against an HTTP ceiling
//! joins them as the networks land.

pub mod fixtures;
pub mod router;
