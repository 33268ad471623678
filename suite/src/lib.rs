//! eisim-suite: the conformance suite that grades an e-invoicing integration against eisim.
//!
//! The runner, the driver contract and the rule catalogue arrive with the conformance-suite
//! work; what exists now is the stable surface CI scripts can already rely on: the exit codes
//! and an explicit refusal for what is not built yet.

pub mod exit_codes;

/// What the suite cannot do yet, said plainly rather than pretended.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error("not supported yet: {0}")]
    NotSupportedYet(&'static str),
}

impl SuiteError {
    /// The exit code CI sees for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            SuiteError::NotSupportedYet(_) => exit_codes::USAGE,
        }
    }
}

/// Grades an integration. Refused until the runner exists, so no CI job mistakes a skipped
/// run for a passing one.
pub fn run() -> Result<(), SuiteError> {
    Err(SuiteError::NotSupportedYet(
        "`eisim-suite run` (the conformance runner and its rule catalogue are not built yet)",
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_refuses_with_the_usage_exit_code_until_the_runner_exists() {
        let Err(error) = super::run() else {
            panic!("run() must not report success before the runner exists");
        };
        assert_eq!(error.exit_code(), super::exit_codes::USAGE);
        assert!(error.to_string().starts_with("not supported yet:"));
    }
}
