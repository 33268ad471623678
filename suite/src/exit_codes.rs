//! Exit codes of `eisim-suite`, stable so CI scripts can branch on them.

/// Every rule that applies passed.
pub const OK: i32 = 0;
/// At least one MUST rule (or SHOULD rule under `--strict`) failed.
pub const RULE_FAILED: i32 = 1;
/// Bad command line or scenario file, or a capability the suite does not have yet.
pub const USAGE: i32 = 2;
/// The driver could not be reached or broke the driver contract.
pub const DRIVER_FAILED: i32 = 3;
