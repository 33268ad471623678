#![no_main]
//! Fuzz target `sdi_soap`: see `eisim::fuzzing::Target::SdiSoap` for what it reads.

use eisim::fuzzing::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Refusals are fine; only a panic, an abort or a timeout is a finding.
    let _ = Target::SdiSoap.run(data);
});
