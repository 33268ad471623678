#![no_main]
//! Fuzz target `ksef_batch_zip`: see `eisim::fuzzing::Target::KsefBatchZip` for what it reads.

use eisim::fuzzing::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Refusals are fine; only a panic, an abort or a timeout is a finding.
    let _ = Target::KsefBatchZip.run(data);
});
