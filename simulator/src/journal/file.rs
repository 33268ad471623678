//! The journal's optional file: every entry as one JSON line, written and flushed before
//! `append` returns, so an HTTP response can promise its entry is on disk.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::JournalError;
use super::record::JournalEntry;

#[derive(Debug)]
pub(super) struct JournalFile {
    path: PathBuf,
    file: File,
    /// Set after the first failed write so the log says it once, not once per request.
    failed: bool,
}

impl JournalFile {
    /// Opens `path` for appending; an existing file is appended to, never truncated.
    pub(super) fn open(path: &Path) -> Result<Self, JournalError> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| JournalError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(JournalFile {
            path: path.to_path_buf(),
            file,
            failed: false,
        })
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Forces what was written to stable storage.
    pub(super) fn sync(&self) -> Result<(), JournalError> {
        self.file.sync_all().map_err(|source| JournalError::Write {
            path: self.path.clone(),
            source,
        })
    }

    pub(super) fn write(&mut self, entry: &JournalEntry) {
        let Ok(mut line) = serde_json::to_vec(entry) else {
            return;
        };
        line.push(b'\n');
        // One write call per line on an unbuffered append-mode file: the line reaches the
        // kernel whole, and nothing waits in a user-space buffer when the process dies.
        let result = self.file.write_all(&line).and_then(|()| self.file.flush());
        if let Err(error) = result {
            if !self.failed {
                tracing::error!(path = %self.path.display(), %error, "cannot write the journal file; entries stay in memory only");
            }
            self.failed = true;
        }
    }
}
