//! Writes each fuzz target's seeds into `fuzz/corpus/<target>/` (git-ignored), built from the
//! repository's fixtures and scenarios by `eisim::fuzzing::Target::seeds`, the same seeds the
//! normal test suite runs (`simulator/tests/it/fuzz_seeds.rs`).
//!
//! Usage: `cargo run --manifest-path fuzz/Cargo.toml --example seed_corpus [target...]`

use std::path::Path;

use eisim::fuzzing::Target;

fn main() -> std::io::Result<()> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR"));
    let repo = fuzz.parent().unwrap_or(fuzz);
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    for target in Target::ALL {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == target.name()) {
            continue;
        }
        let dir = fuzz.join("corpus").join(target.name());
        std::fs::create_dir_all(&dir)?;
        let seeds = target.seeds(repo)?;
        for (i, seed) in seeds.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i:04}")), seed)?;
        }
        println!(
            "{}: {} seeds in {}",
            target.name(),
            seeds.len(),
            dir.display()
        );
    }
    Ok(())
}
