//! The crate seen as units and the imports between them. A unit is a top-level module, or a
//! child of a configured folder (`networks/sdi`): the folder's children are peers that must
//! stay apart, which one `networks` unit could not show.

use std::collections::BTreeMap;

use super::imports::{Imports, Target, imports};
use super::modules::Module;

/// One reference that leaves its unit: to another unit, or to an extern crate.
#[derive(Debug, Clone)]
pub(super) struct Import {
    pub(super) file: String,
    pub(super) line: usize,
    /// The importing unit.
    pub(super) from: String,
    pub(super) to: Destination,
    /// The path as written.
    pub(super) written: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Destination {
    Unit(String),
    /// A path outside the crate, by its segments (`axum::Json` is `["axum", "Json"]`).
    External(Vec<String>),
}

impl Import {
    pub(super) fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

#[derive(Debug)]
pub(super) struct Units {
    /// Every unit of the tree, with the file of its root module.
    pub(super) files: BTreeMap<String, String>,
    /// Every import between two units and every external path, in tree order.
    pub(super) imports: Vec<Import>,
    /// For each pair of units with an import between them, its first import in file order.
    pub(super) edges: BTreeMap<(String, String), Import>,
}

/// The unit that holds the module at `path`; `None` for the crate root, which declares and
/// re-exports the units and belongs to none of them.
pub(super) fn unit_of(path: &[String], folders: &[&str]) -> Option<String> {
    let top = path.first()?;
    match path.get(1) {
        Some(child) if folders.contains(&top.as_str()) => Some(format!("{top}/{child}")),
        _ => Some(top.clone()),
    }
}

pub(super) fn units(tree: &[Module], folders: &[&str]) -> Units {
    let all: Vec<Imports> = tree.iter().map(imports).collect();
    let index: BTreeMap<&[String], &Imports> = tree
        .iter()
        .zip(&all)
        .map(|(module, imports)| (module.path.as_slice(), imports))
        .collect();
    let mut files = BTreeMap::new();
    let mut found = Vec::new();
    for (module, module_imports) in tree.iter().zip(&all) {
        let Some(from) = unit_of(&module.path, folders) else {
            continue;
        };
        files
            .entry(from.clone())
            .or_insert_with(|| module.file.clone());
        for reference in &module_imports.references {
            let to = match &reference.target {
                Target::Internal(path) => match unit_of(&defining_module(&index, path), folders) {
                    Some(to) if to != from => Destination::Unit(to),
                    _ => continue,
                },
                Target::External(path) => Destination::External(path.clone()),
            };
            found.push(Import {
                file: module.file.clone(),
                line: reference.line,
                from: from.clone(),
                to,
                written: reference.written.clone(),
            });
        }
    }
    let mut edges = BTreeMap::new();
    for import in &found {
        if let Destination::Unit(to) = &import.to {
            let key = (import.from.clone(), to.clone());
            let earlier = edges.get(&key).is_some_and(|first: &Import| {
                (first.file.as_str(), first.line) <= (import.file.as_str(), import.line)
            });
            if !earlier {
                edges.insert(key, import.clone());
            }
        }
    }
    Units {
        files,
        imports: found,
        edges,
    }
}

/// The module that an internal path ends in, following re-exports: `crate::Journal` is
/// `journal`, because `lib.rs` says `pub use journal::Journal`. A glob re-export is not
/// followed; the path then stops at the module that has the glob.
fn defining_module(index: &BTreeMap<&[String], &Imports>, path: &[String]) -> Vec<String> {
    let depth = |path: &[String]| {
        (0..path.len())
            .take_while(|&i| index.contains_key(&path[..=i]))
            .count()
    };
    let mut path = path.to_vec();
    // A chain of re-exports is short; the bound stops a `use` that names itself.
    for _ in 0..16 {
        let module = depth(&path);
        let next = path
            .get(module)
            .and_then(|name| index.get(&path[..module])?.bindings.get(name));
        match next {
            Some(Target::Internal(target)) => {
                path = target.iter().chain(&path[module + 1..]).cloned().collect();
            }
            _ => break,
        }
    }
    path.truncate(depth(&path));
    path
}
