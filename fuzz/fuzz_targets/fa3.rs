#![no_main]
//! Fuzz target `fa3`: see `eisim::fuzzing::Target::Fa3` for what it reads.

use eisim::fuzzing::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Refusals are fine; only a panic, an abort or a timeout is a finding.
    let _ = Target::Fa3.run(data);
});
