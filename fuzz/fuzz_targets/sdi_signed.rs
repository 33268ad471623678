#![no_main]
//! Fuzz target `sdi_signed`: see `eisim::fuzzing::Target::SdiSigned` for what it reads.

use eisim::fuzzing::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Refusals are fine; only a panic, an abort or a timeout is a finding.
    let _ = Target::SdiSigned.run(data);
});
