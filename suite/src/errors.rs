//! Every way the suite itself can fail, in one place, each mapped to its stable exit code.
//!
//! A rule failing is not an error: it is a verdict in the report (exit code 1). Errors are what
//! stop the suite from judging: a bad command line or scenario (2), or a driver that cannot be
//! reached or breaks the contract (3).

use std::path::PathBuf;

use crate::exit_codes;

#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {message}")]
    Scenario { path: PathBuf, message: String },
    #[error("driver at {url} could not be reached: {detail}")]
    DriverUnreachable { url: String, detail: String },
    #[error("driver broke the contract on `{call}`: {detail}")]
    Contract { call: String, detail: String },
    #[error("the adapter command `{command}` failed: {detail}")]
    Exec { command: String, detail: String },
    #[error("the simulator failed: {0}")]
    Simulator(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl SuiteError {
    /// The exit code CI sees for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            SuiteError::Usage(_)
            | SuiteError::Scenario { .. }
            | SuiteError::Io { .. }
            | SuiteError::Simulator(_) => exit_codes::USAGE,
            SuiteError::DriverUnreachable { .. }
            | SuiteError::Contract { .. }
            | SuiteError::Exec { .. } => exit_codes::DRIVER_FAILED,
        }
    }

    /// Whether the driver is to blame (the scenario is reported as a driver error).
    pub fn is_driver(&self) -> bool {
        self.exit_code() == exit_codes::DRIVER_FAILED
    }
}
