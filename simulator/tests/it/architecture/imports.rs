//! What one module refers to: every path that can name an item of the crate or of an HTTP
//! crate, wherever it is written. `use` declarations are only part of it: code can name
//! `crate::x::Y` inline, in a signature, an `impl` header, a pattern, or inside a macro call
//! (`format!`, `vec!`, `matches!`), and all of those are dependencies just the same.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{
    Arm, Attribute, Field, ImplItem, Item, ItemMod, ItemUse, Local, Macro, Path, StmtMacro,
    TraitItem, UseTree, Variant, Visibility,
};

use super::cfg::{impl_item_attrs, is_test_only, item_attrs, trait_item_attrs};
use super::modules::Module;

/// Where a path leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    /// Names from the crate root (`crate::a::B` is `["a", "B"]`).
    Internal(Vec<String>),
    /// A path that does not start inside the crate: an extern crate's name first (or a type
    /// parameter, an enum of the module...: only the HTTP crates' names matter here).
    External(Vec<String>),
}

impl Target {
    fn extended(&self, rest: &[String]) -> Target {
        match self {
            Target::Internal(path) => Target::Internal(concat(path, rest)),
            Target::External(path) => Target::External(concat(path, rest)),
        }
    }
}

/// One path written in a module.
#[derive(Debug)]
pub(super) struct Reference {
    pub(super) line: usize,
    /// The path as written (a `use` group flattened to the one path it holds).
    pub(super) written: String,
    pub(super) target: Target,
}

#[derive(Debug)]
pub(super) struct Imports {
    pub(super) references: Vec<Reference>,
    /// The names the module's own `use` declarations bring in, and what they stand for: how a
    /// re-export (`crate::Journal`, `pub use journal::Journal` in `lib.rs`) is traced to the
    /// module that defines the item.
    pub(super) bindings: BTreeMap<String, Target>,
}

pub(super) fn imports(module: &Module) -> Imports {
    let mut scope = Scope {
        module: &module.path,
        children: &module.children,
        bindings: BTreeMap::new(),
    };
    let mut bindings = BTreeMap::new();
    for item in &module.items {
        if let Item::Use(item) = item {
            for leaf in leaves(item) {
                let (Some(name), Some(target)) = (&leaf.binds, scope.resolve(&leaf.path, true))
                else {
                    continue;
                };
                // `use reqwest;` brings in nothing that was not already in scope.
                if target != Target::External(vec![name.clone()]) {
                    bindings.insert(name.clone(), target);
                }
            }
        }
    }
    scope.bindings = bindings;
    let mut collector = Collector {
        scope: &scope,
        references: Vec::new(),
    };
    for item in &module.items {
        collector.visit_item(item);
    }
    let references = collector.references;
    Imports {
        references,
        bindings: scope.bindings,
    }
}

/// A path as written, before resolution.
#[derive(Debug)]
struct Written {
    segments: Vec<String>,
    leading_colon: bool,
}

/// What a path's first segment can mean in one module.
struct Scope<'a> {
    module: &'a [String],
    children: &'a BTreeSet<String>,
    bindings: BTreeMap<String, Target>,
}

impl Scope<'_> {
    /// Where `path` leads from this module. A first segment that one of the module's `use`
    /// declarations binds is followed when `follow_bindings` (a `use` building on another),
    /// and otherwise gives `None`: that use was counted where it is written, and counting
    /// each later mention again would list one dependency many times.
    fn resolve(&self, path: &Written, follow_bindings: bool) -> Option<Target> {
        let segments = &path.segments;
        let first = segments.first()?;
        if path.leading_colon {
            return Some(Target::External(segments.clone()));
        }
        match first.as_str() {
            "crate" | "$crate" => Some(Target::Internal(segments[1..].to_vec())),
            "self" | "super" => {
                // `self::super::x` is `super::x`.
                let rest = if first == "self" {
                    &segments[1..]
                } else {
                    &segments[..]
                };
                let ups = rest.iter().take_while(|s| *s == "super").count();
                let kept = self.module.len().checked_sub(ups)?;
                Some(Target::Internal(concat(&self.module[..kept], &rest[ups..])))
            }
            "Self" => None,
            name if self.children.contains(name) => {
                Some(Target::Internal(concat(self.module, segments)))
            }
            name => match self.bindings.get(name) {
                Some(target) if follow_bindings => Some(target.extended(&segments[1..])),
                Some(_) => None,
                None => Some(Target::External(segments.clone())),
            },
        }
    }
}

/// One path of a `use` tree: `use a::{b, c::{d as e, *}}` has three.
struct Leaf {
    path: Written,
    /// The name it brings into scope (none for a glob or `as _`).
    binds: Option<String>,
    glob: bool,
    line: usize,
}

impl Leaf {
    fn written(&self) -> String {
        let mut text = String::new();
        if self.path.leading_colon {
            text.push_str("::");
        }
        text.push_str(&self.path.segments.join("::"));
        if self.glob {
            text.push_str("::*");
        }
        text
    }
}

fn leaves(item: &ItemUse) -> Vec<Leaf> {
    let mut out = Vec::new();
    flatten(
        &item.tree,
        &mut Vec::new(),
        item.leading_colon.is_some(),
        &mut out,
    );
    out
}

fn flatten(tree: &UseTree, prefix: &mut Vec<String>, leading_colon: bool, out: &mut Vec<Leaf>) {
    let leaf = |segments: Vec<String>, binds: Option<String>, glob: bool, line: usize| Leaf {
        path: Written {
            segments,
            leading_colon,
        },
        binds,
        glob,
        line,
    };
    match tree {
        UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            flatten(&path.tree, prefix, leading_colon, out);
            prefix.pop();
        }
        UseTree::Name(name) => {
            let line = name.ident.span().start().line;
            if name.ident == "self" {
                // `use a::b::{self}` is `use a::b`.
                if let Some(last) = prefix.last() {
                    out.push(leaf(prefix.clone(), Some(last.clone()), false, line));
                }
            } else {
                let binds = name.ident.to_string();
                out.push(leaf(
                    concat(prefix, std::slice::from_ref(&binds)),
                    Some(binds),
                    false,
                    line,
                ));
            }
        }
        UseTree::Rename(rename) => {
            let line = rename.ident.span().start().line;
            let mut segments = prefix.clone();
            if rename.ident != "self" {
                segments.push(rename.ident.to_string());
            }
            let binds = Some(rename.rename.to_string()).filter(|name| name != "_");
            out.push(leaf(segments, binds, false, line));
        }
        UseTree::Glob(glob) => {
            let line = glob.star_token.spans[0].start().line;
            out.push(leaf(prefix.clone(), None, true, line));
        }
        UseTree::Group(group) => {
            for tree in &group.items {
                flatten(tree, prefix, leading_colon, out);
            }
        }
    }
}

/// Walks a module's items, test-only ones left out, collecting every path.
struct Collector<'a> {
    scope: &'a Scope<'a>,
    references: Vec<Reference>,
}

impl Collector<'_> {
    fn add(&mut self, path: &Written, line: usize, follow_bindings: bool, written: String) {
        if let Some(target) = self.scope.resolve(path, follow_bindings) {
            self.references.push(Reference {
                line,
                written,
                target,
            });
        }
    }

    /// A macro's arguments are tokens to syn, not syntax: find the paths in them by their
    /// shape, `ident :: ident ...`, each starting where no `::` joins it to what comes before.
    fn scan(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Group(group) => {
                    self.scan(group.stream());
                    i += 1;
                }
                TokenTree::Ident(ident) => {
                    let (segments, next) = path_at(&tokens, i);
                    let after_dollar = i > 0 && is_punct(&tokens[i - 1], '$', None);
                    // `$name::x` in a macro_rules body is a metavariable, not a path.
                    let metavariable = after_dollar && ident != "crate";
                    let leading = leading_colon(&tokens, i);
                    if segments.len() >= 2 && !metavariable && leading != Some(false) {
                        let mut segments = segments;
                        if after_dollar {
                            segments[0] = "$crate".to_owned();
                        }
                        let mut written = segments.join("::");
                        if leading == Some(true) {
                            written.insert_str(0, "::");
                        }
                        let path = Written {
                            segments,
                            leading_colon: leading == Some(true),
                        };
                        self.add(&path, ident.span().start().line, false, written);
                    }
                    i = next;
                }
                _ => i += 1,
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    // Attributes hold derive and tool paths, not dependencies of the module's code.
    fn visit_attribute(&mut self, _: &'ast Attribute) {}

    // `pub(in crate::a)` limits who sees an item; it uses nothing.
    fn visit_visibility(&mut self, _: &'ast Visibility) {}

    fn visit_item(&mut self, item: &'ast Item) {
        if !is_test_only(item_attrs(item)) {
            visit::visit_item(self, item);
        }
    }

    // Modules of the tree are walked on their own; a `mod` inside a function body is not
    // followed (one of the limits listed in `architecture/mod.rs`).
    fn visit_item_mod(&mut self, _: &'ast ItemMod) {}

    fn visit_item_use(&mut self, item: &'ast ItemUse) {
        for leaf in leaves(item) {
            let written = leaf.written();
            self.add(&leaf.path, leaf.line, true, written);
        }
    }

    fn visit_impl_item(&mut self, item: &'ast ImplItem) {
        if !is_test_only(impl_item_attrs(item)) {
            visit::visit_impl_item(self, item);
        }
    }

    fn visit_trait_item(&mut self, item: &'ast TraitItem) {
        if !is_test_only(trait_item_attrs(item)) {
            visit::visit_trait_item(self, item);
        }
    }

    fn visit_local(&mut self, local: &'ast Local) {
        if !is_test_only(&local.attrs) {
            visit::visit_local(self, local);
        }
    }

    fn visit_stmt_macro(&mut self, stmt: &'ast StmtMacro) {
        if !is_test_only(&stmt.attrs) {
            visit::visit_stmt_macro(self, stmt);
        }
    }

    fn visit_field(&mut self, field: &'ast Field) {
        if !is_test_only(&field.attrs) {
            visit::visit_field(self, field);
        }
    }

    fn visit_variant(&mut self, variant: &'ast Variant) {
        if !is_test_only(&variant.attrs) {
            visit::visit_variant(self, variant);
        }
    }

    fn visit_arm(&mut self, arm: &'ast Arm) {
        if !is_test_only(&arm.attrs) {
            visit::visit_arm(self, arm);
        }
    }

    fn visit_path(&mut self, path: &'ast Path) {
        // A one-segment path names something already in scope: its `use` is counted.
        if path.segments.len() >= 2 {
            let segments: Vec<String> = path
                .segments
                .iter()
                .map(|segment| segment.ident.to_string())
                .collect();
            let line = path.segments[0].ident.span().start().line;
            let mut written = segments.join("::");
            if path.leading_colon.is_some() {
                written.insert_str(0, "::");
            }
            let path_written = Written {
                segments,
                leading_colon: path.leading_colon.is_some(),
            };
            self.add(&path_written, line, false, written);
        }
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        visit::visit_macro(self, mac);
        self.scan(mac.tokens.clone());
    }
}

/// The identifiers of the path starting at `tokens[start]`, and the index after it.
fn path_at(tokens: &[TokenTree], start: usize) -> (Vec<String>, usize) {
    let mut segments = Vec::new();
    let mut i = start;
    if let Some(TokenTree::Ident(ident)) = tokens.get(i) {
        segments.push(ident.to_string());
        i += 1;
    }
    while is_path_separator(tokens, i) {
        let Some(TokenTree::Ident(ident)) = tokens.get(i + 2) else {
            break;
        };
        segments.push(ident.to_string());
        i += 3;
    }
    (segments, i)
}

/// Whether the ident at `start` follows a `::`: `Some(true)` when that `::` opens the path
/// (`::axum::Json`), `Some(false)` when it continues one (`x::<T>::new`), `None` when there
/// is no `::` before it.
fn leading_colon(tokens: &[TokenTree], start: usize) -> Option<bool> {
    if start < 2 || !is_path_separator(tokens, start - 2) {
        return None;
    }
    let continues = start >= 3
        && match &tokens[start - 3] {
            TokenTree::Ident(_) => true,
            other => is_punct(other, '>', None),
        };
    Some(!continues)
}

fn is_path_separator(tokens: &[TokenTree], i: usize) -> bool {
    matches!(
        (tokens.get(i), tokens.get(i + 1)),
        (Some(first), Some(second))
            if is_punct(first, ':', Some(Spacing::Joint)) && is_punct(second, ':', None)
    )
}

fn is_punct(token: &TokenTree, ch: char, spacing: Option<Spacing>) -> bool {
    matches!(token, TokenTree::Punct(punct)
        if punct.as_char() == ch && spacing.is_none_or(|s| punct.spacing() == s))
}

fn concat(head: &[String], tail: &[String]) -> Vec<String> {
    head.iter().chain(tail).cloned().collect()
}
