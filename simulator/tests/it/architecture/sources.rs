//! Where the checker reads source files from: the real `src/` directory, or a handful of files
//! held in memory, so the synthetic trees of the tests need no temporary directory to clean up.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Files addressed by their path under `src/`, `/`-separated (`networks/sdi/mod.rs`).
pub(super) trait Sources {
    /// The file's text, or `None` when there is no such file.
    fn read(&self, path: &str) -> Option<String>;
}

/// A `src/` directory on disk.
#[derive(Debug)]
pub(super) struct Directory(pub(super) PathBuf);

impl Sources for Directory {
    fn read(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(self.0.join(path)).ok()
    }
}

/// A source tree written out in a test.
#[derive(Debug, Clone, Default)]
pub(super) struct InMemory(pub(super) BTreeMap<String, String>);

impl InMemory {
    /// The same tree with `path` added, or replaced by `text`.
    pub(super) fn with(mut self, path: &str, text: &str) -> InMemory {
        self.0.insert(path.to_owned(), text.to_owned());
        self
    }
}

impl Sources for InMemory {
    fn read(&self, path: &str) -> Option<String> {
        self.0.get(path).cloned()
    }
}
