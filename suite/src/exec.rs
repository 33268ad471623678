//! `--exec 'CMD {port}'`: the suite starts the adapter itself, on a port it picked, and stops
//! it when the run ends (h2spec's `--exec`).

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::process::Stdio;
use std::sync::{Mutex, PoisonError};
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
    port: u16,
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
                Ok(_) => return Ok(Adapter { child, port, url }),
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
        // Only a process that is gone gives its port back; one dropped without stopping keeps
        // it, which costs a port, not a race.
        if self.child.kill().await.is_ok() {
            release(self.port);
        }
    }
}

/// Where `--exec` adapters get their ports: the ports below the kernel's ephemeral range, so
/// nothing that binds port 0 meanwhile (a simulator, another adapter's client, any other test
/// in the same process) can take the port between the moment the suite picks it and the moment
/// the adapter binds it. Fixed at the IANA dynamic range's start where the system does not say.
const PICK_FROM: u16 = 10_000;

/// Ports handed to adapters by this process, never handed out twice: two adapters started at
/// once (`explore --jobs`, tests running side by side) would otherwise race for one.
static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// A port for an adapter: free now, outside the ephemeral range, and not given to another
/// adapter of this process. Falls back to one the kernel picks when the range is unknown or
/// full.
fn free_port() -> std::io::Result<u16> {
    let Some(first_ephemeral) = first_ephemeral_port() else {
        return kernel_port();
    };
    if first_ephemeral <= PICK_FROM {
        return kernel_port();
    }
    let span = u32::from(first_ephemeral - PICK_FROM);
    // Spread the starting point, so two suite processes rarely probe the same ports in turn.
    let seed = std::process::id()
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(PoisonError::into_inner);
    for step in 0..span {
        let offset = (seed.wrapping_add(step)) % span;
        let Ok(port) = u16::try_from(u32::from(PICK_FROM) + offset) else {
            continue;
        };
        if handed_out.contains(&port) {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            handed_out.insert(port);
            return Ok(port);
        }
    }
    drop(handed_out);
    kernel_port()
}

/// Makes an adapter's port available to the next one, once its process has exited.
fn release(port: u16) {
    HANDED_OUT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&port);
}

/// The first port of the kernel's ephemeral range, where the system says (Linux).
fn first_ephemeral_port() -> Option<u16> {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    range.split_whitespace().next()?.parse().ok()
}

fn kernel_port() -> std::io::Result<u16> {
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn adapters_get_distinct_ports_below_the_ephemeral_range() {
        let ports: Vec<u16> = (0..50).map(|_| free_port().unwrap()).collect();
        let distinct: BTreeSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), ports.len(), "{ports:?}");
        if let Some(first_ephemeral) = first_ephemeral_port() {
            assert!(
                ports
                    .iter()
                    .all(|&p| (PICK_FROM..first_ephemeral).contains(&p)),
                "{ports:?} not in {PICK_FROM}..{first_ephemeral}"
            );
        }
    }
}
