//! `ARCHITECTURE.md` is the map a newcomer reads first; a map that names files which moved
//! sends them looking for nothing. Every path it quotes in backticks must exist.
//!
//! A path is taken from the repository's root or from `simulator/src` (the map names the
//! crate's modules as `http/server.rs`); a bare file name (`ledger.rs`) is taken from the
//! folder the same paragraph or list item quoted first (`store/`), as a reader would.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

/// The backticked words of `text` that look like paths into the repository: containing a `/`
/// or ending in `.rs`, made of path characters only. Paths outside the repository (`../`) are
/// the shared folder's business, not this repository's.
fn quoted_paths(text: &str) -> Vec<&str> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|word| word.contains('/') || word.ends_with(".rs"))
        .filter(|word| {
            word.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '.' | '-'))
        })
        .filter(|word| !word.starts_with("../") && !word.starts_with('/'))
        .collect()
}

/// Where a quoted path may be: from the repository's root, from `simulator/src`, or, for a
/// name without a folder, from `base` (a folder the paragraph quoted, as from the root or
/// from `simulator/src`).
fn exists(root: &Path, base: Option<&str>, path: &str) -> bool {
    let src = root.join("simulator/src");
    root.join(path).exists()
        || src.join(path).exists()
        || base.is_some_and(|base| {
            !path.trim_end_matches('/').contains('/')
                && (root.join(base).join(path).exists() || src.join(base).join(path).exists())
        })
}

/// The map's paragraphs and list items, each with its continuation lines: the scope in
/// which a bare file name refers to the folder quoted first.
fn blocks(text: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let starts_item = trimmed.starts_with("- ")
            || trimmed.starts_with('|')
            || trimmed.starts_with('#')
            || trimmed
                .split_once(". ")
                .is_some_and(|(n, _)| n.parse::<u32>().is_ok());
        if line.trim().is_empty() || starts_item || blocks.is_empty() {
            blocks.push(String::new());
        }
        if let Some(block) = blocks.last_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    blocks
}

/// The folder a block's bare names refer to: the first quoted path with a folder in it.
fn base_of(quoted: &[&str]) -> Option<String> {
    let first = quoted.iter().find(|p| p.contains('/'))?;
    Some(match first.rsplit_once('/') {
        Some((folder, "")) => format!("{folder}/"),
        Some((folder, _)) => format!("{folder}/"),
        None => String::new(),
    })
}

#[test]
fn architecture_md_names_only_files_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut quoted = 0;
    let mut missing: Vec<String> = Vec::new();
    for block in blocks(&text) {
        let paths = quoted_paths(&block);
        let base = base_of(&paths);
        quoted += paths.len();
        for path in paths {
            if !exists(&root, base.as_deref(), path) {
                missing.push(path.to_owned());
            }
        }
    }
    assert!(quoted > 40, "the map quotes only {quoted} paths");
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
}

#[test]
fn a_bare_name_refers_to_the_folder_its_paragraph_quoted_first() {
    let text = "- `store/`: tenants (`mod.rs`), documents (`ledger.rs`).\n  more (`documents.rs`)\n\n- `journal/log.rs` and `file.rs`\n";
    let blocks = blocks(text);
    let bases: Vec<Option<String>> = blocks
        .iter()
        .map(|block| base_of(&quoted_paths(block)))
        .filter(Option::is_some)
        .collect();
    assert_eq!(
        bases,
        vec![Some("store/".to_owned()), Some("journal/".to_owned())]
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    assert!(exists(&root, Some("store/"), "ledger.rs"));
    assert!(!exists(&root, Some("store/"), "nowhere.rs"));
    assert!(!exists(&root, None, "ledger.rs"));
}

#[test]
fn quoted_paths_are_the_backticked_file_and_folder_names() {
    let text = "see `http/server.rs` and `networks/`, not `run()`, `../shared/DESIGN.md`, \
                `/_sim`, `Ksef::submit` or `a b/c`; `lib.rs` too";
    assert_eq!(
        quoted_paths(text),
        vec!["http/server.rs", "networks/", "lib.rs"]
    );
}
