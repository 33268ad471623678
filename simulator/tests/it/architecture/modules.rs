//! The library's module tree, found the way rustc finds it: from `lib.rs`, through `mod x;`
//! (`x.rs` or `x/mod.rs`, or `#[path]`) and inline `mod x { ... }`. Following declarations
//! rather than listing `src/` keeps out what the library does not compile: `main.rs` (its own
//! crate), test-only modules, and stray files.

use std::collections::BTreeSet;

use syn::{Attribute, Expr, Item, ItemMod, Lit, Meta};

use super::cfg::{is_test_only, item_attrs};
use super::sources::Sources;

pub(super) struct Module {
    /// Module names from the crate root; empty for the root.
    pub(super) path: Vec<String>,
    /// The file it is written in, as reports show it (`src/...`).
    pub(super) file: String,
    /// Its own items, without its child modules and without test-only items.
    pub(super) items: Vec<Item>,
    /// The modules it declares (not test-only ones).
    pub(super) children: BTreeSet<String>,
}

/// Every module of the crate, each parent before its children.
pub(super) fn module_tree(sources: &dyn Sources) -> Result<Vec<Module>, String> {
    let mut tree = Vec::new();
    let root = Dir {
        path: String::new(),
        owner: None,
    };
    load(sources, "lib.rs", Vec::new(), &root, &mut tree)?;
    Ok(tree)
}

/// Where the `mod x;` of a module look for their files. rustc keeps the directory of the file
/// and, for a file that is not a `mod.rs` (`a/b.rs`), the name of that file: its children live
/// in `a/b/`, but a `#[path]` in it is relative to `a/`.
struct Dir {
    path: String,
    owner: Option<String>,
}

impl Dir {
    fn of_children(&self) -> String {
        match &self.owner {
            Some(owner) => join(&self.path, owner),
            None => self.path.clone(),
        }
    }
}

fn load(
    sources: &dyn Sources,
    file: &str,
    path: Vec<String>,
    dir: &Dir,
    tree: &mut Vec<Module>,
) -> Result<(), String> {
    let text = sources
        .read(file)
        .ok_or_else(|| format!("src/{file}: no such file"))?;
    let parsed =
        syn::parse_file(&text).map_err(|e| format!("src/{file}:{}: {e}", e.span().start().line))?;
    add(sources, file, path, dir, parsed.items, tree)
}

fn add(
    sources: &dyn Sources,
    file: &str,
    path: Vec<String>,
    dir: &Dir,
    items: Vec<Item>,
    tree: &mut Vec<Module>,
) -> Result<(), String> {
    let index = tree.len();
    tree.push(Module {
        path: path.clone(),
        file: format!("src/{file}"),
        items: Vec::new(),
        children: BTreeSet::new(),
    });
    let mut kept = Vec::new();
    let mut children = BTreeSet::new();
    for item in items {
        if is_test_only(item_attrs(&item)) {
            continue;
        }
        match item {
            Item::Mod(module) => {
                children.insert(module.ident.to_string());
                add_child(sources, file, &path, dir, module, tree)?;
            }
            other => kept.push(other),
        }
    }
    tree[index].items = kept;
    tree[index].children = children;
    Ok(())
}

fn add_child(
    sources: &dyn Sources,
    file: &str,
    parent: &[String],
    dir: &Dir,
    module: ItemMod,
    tree: &mut Vec<Module>,
) -> Result<(), String> {
    let name = module.ident.to_string();
    let mut path = parent.to_vec();
    path.push(name.clone());
    let attribute = path_attribute(&module.attrs);
    match module.content {
        Some((_, items)) => {
            // An inline module's `#[path]` names a directory, not a file.
            let inner = Dir {
                path: match attribute {
                    Some(directory) => join(&dir.path, &directory),
                    None => join(&dir.of_children(), &name),
                },
                owner: None,
            };
            add(sources, file, path, &inner, items, tree)
        }
        None => {
            let (child_file, child_dir) = match attribute {
                // A file named by `#[path]` counts as a `mod.rs`: its children sit beside it.
                Some(relative) => {
                    let child_file = join(&dir.path, &relative);
                    let path = parent_of(&child_file);
                    (child_file, Dir { path, owner: None })
                }
                None => {
                    let base = dir.of_children();
                    let flat = join(&base, &format!("{name}.rs"));
                    let nested = join(&base, &format!("{name}/mod.rs"));
                    match (
                        sources.read(&flat).is_some(),
                        sources.read(&nested).is_some(),
                    ) {
                        (true, false) => (
                            flat,
                            Dir {
                                path: base,
                                owner: Some(name.clone()),
                            },
                        ),
                        (false, true) => (
                            nested,
                            Dir {
                                path: join(&base, &name),
                                owner: None,
                            },
                        ),
                        (true, true) => {
                            return Err(format!(
                                "src/{file}: module {name} is both src/{flat} and src/{nested}"
                            ));
                        }
                        (false, false) => {
                            return Err(format!(
                                "src/{file}: module {name} is neither src/{flat} nor src/{nested}"
                            ));
                        }
                    }
                }
            };
            load(sources, &child_file, path, &child_dir, tree)
        }
    }
}

/// The string of a `#[path = "..."]`, if the module has one.
fn path_attribute(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| match &attr.meta {
        Meta::NameValue(pair) if pair.path.is_ident("path") => match &pair.value {
            Expr::Lit(lit) => match &lit.lit {
                Lit::Str(text) => Some(text.value()),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    })
}

/// `relative` taken from the directory `base` (both `/`-separated, under `src/`), with `.` and
/// `..` folded so that one file has one name however it was reached.
fn join(base: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in base.split('/').chain(relative.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

fn parent_of(file: &str) -> String {
    file.rsplit_once('/')
        .map(|(parent, _)| parent.to_owned())
        .unwrap_or_default()
}
