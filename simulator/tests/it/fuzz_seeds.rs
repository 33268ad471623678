//! The fuzz targets' seeds (issue 9, scope 5) through the targets' own entry points, in the
//! normal test run: every seed, and every seed cut in half, is answered without a panic, and
//! each target has seeds that its parser accepts, so the fuzzer starts from inputs that reach
//! past the first check. The fuzzing itself is `cargo +nightly fuzz run` (FUZZING.md).

use std::path::Path;

use eisim::fuzzing::Target;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn every_targets_seeds_run_without_a_panic_and_some_are_accepted() {
    for target in Target::ALL {
        let seeds = target.seeds(repo()).unwrap();
        assert!(!seeds.is_empty(), "{}: no seeds", target.name());
        let mut accepted = 0;
        for seed in &seeds {
            if target.run(seed).is_ok() {
                accepted += 1;
            }
            let _ = target.run(&seed[..seed.len() / 2]);
        }
        assert!(
            accepted > 0,
            "{}: none of its {} seeds is accepted: {:?}",
            target.name(),
            seeds.len(),
            target.run(&seeds[0])
        );
    }
}

#[test]
fn the_empty_input_is_refused_by_every_target() {
    for target in Target::ALL {
        assert!(target.run(&[]).is_err(), "{}", target.name());
    }
}
