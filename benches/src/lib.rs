//! Benchmarks for eisim: criterion benches under `benches/` (run `cargo bench -p eisim-benches`).
//! The load benchmark against an HTTP ceiling joins them as the networks land.
