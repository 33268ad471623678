//! `--exec 'CMD {port}'`: the suite starts the adapter itself, on a port it picked, and stops
//! it when the run ends (h2spec's `--exec`).

use std::net::TcpListener;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::driver::Driver;
use crate::errors::SuiteError;

/// How long a started adapter has to answer `GET /`.
const STARTUP: Duration = Duration::from_secs(30);

/// A running adapter; dropping it kills the process.
#[derive(Debug)]
pub(crate) struct Adapter {
    child: Child,
    pub(crate) url: String,
}

impl Adapter {
    pub(crate) async fn start(command: &str) -> Result<Adapter, SuiteError> {
        let failed = |detail: String| SuiteError::Exec {
            command: command.to_owned(),
            detail,
        };
        if !command.contains("{port}") {
            return Err(SuiteError::Usage(format!(
                "--exec needs `{{port}}` in the command, where the adapter's port goes: `{command}`"
            )));
        }
        let port = free_port().map_err(|e| failed(format!("no free port: {e}")))?;
        let line = command.replace("{port}", &port.to_string());
        // The adapter's stdout would interleave with the suite's progress lines; its stderr
        // (where logs and errors go) stays visible.
        let mut child = shell(&line)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| failed(e.to_string()))?;
        let url = format!("http://127.0.0.1:{port}");
        let driver = Driver::new(&url)?;
        let deadline = tokio::time::Instant::now() + STARTUP;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(failed(format!(
                    "exited with {status} before answering GET /"
                )));
            }
            match driver.info().await {
                Ok(_) => return Ok(Adapter { child, url }),
                Err(SuiteError::DriverUnreachable { .. })
                    if tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

#[cfg(unix)]
fn shell(line: &str) -> Command {
    let mut command = Command::new("sh");
    command.arg("-c").arg(format!("exec {line}"));
    command
}

#[cfg(not(unix))]
fn shell(line: &str) -> Command {
    let mut command = Command::new("cmd");
    command.arg("/C").arg(line);
    command
}
