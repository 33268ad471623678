//! The layering rules, checked over the units and their imports. Every broken rule is a line
//! `file:line: what: why`, and all of them are gathered before the test fails, so one run
//! shows the whole job rather than the first import of it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::cycles::knots;
use super::modules::module_tree;
use super::sources::Sources;
use super::units::{Destination, Import, Units, units};

/// The HTTP unit: the one layer that speaks HTTP to the outside.
const HTTP_UNIT: &str = "http";

/// Crates whose every item is an HTTP type (or a server/middleware built on them).
const HTTP_CRATES: &[&str] = &[
    "axum",
    "hyper",
    "hyper_util",
    "http",
    "http_body",
    "http_body_util",
    "tower",
    "tower_http",
];

/// reqwest's HTTP vocabulary. `reqwest::Client` stays allowed: a network calling out is a
/// client, which is not the same as shaping HTTP answers.
const REQWEST_HTTP_TYPES: &[&str] = &["header", "Method", "StatusCode", "Request", "Response"];

/// What the layering is: units' layers (lower is more basic) and the folders whose children
/// are units of their own.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layering<'a> {
    pub(super) layers: &'a [(&'a str, u8)],
    pub(super) folders: &'a [&'a str],
}

#[derive(Debug)]
pub(super) struct Report {
    pub(super) units: usize,
    pub(super) edges: usize,
    /// Each once, cycles first, then by file and line.
    pub(super) violations: Vec<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for violation in &self.violations {
            writeln!(f, "{violation}")?;
        }
        write!(
            f,
            "layering: {} units, {} edges between them, {} violations",
            self.units,
            self.edges,
            self.violations.len()
        )
    }
}

/// Reads the crate from `lib.rs` down and checks every rule. `Err` when the tree cannot be
/// read at all (a declared module without its file, a file that does not parse).
pub(super) fn check(sources: &dyn Sources, layering: Layering<'_>) -> Result<Report, String> {
    let tree = module_tree(sources)?;
    let units = units(&tree, layering.folders);
    let layers: BTreeMap<&str, u8> = layering.layers.iter().copied().collect();
    let mut violations = BTreeSet::new();
    unknown_units(&units, &layers, &mut violations);
    for import in &units.imports {
        if let Some(violation) = import_violation(import, &layers) {
            violations.insert(violation);
        }
    }
    cycles(&units, &mut violations);
    let mut violations: Vec<String> = violations.into_iter().collect();
    violations.sort_by(|a, b| order(a).cmp(&order(b)));
    Ok(Report {
        units: units.files.len(),
        edges: units.edges.len(),
        violations,
    })
}

/// Cycles first, then by file and line, with line 9 before line 10.
fn order(violation: &str) -> (&str, usize, &str) {
    let mut parts = violation.splitn(3, ':');
    match (
        parts.next(),
        parts.next().and_then(|line| line.parse().ok()),
        parts.next(),
    ) {
        (Some(file), Some(line), Some(rest)) => (file, line, rest),
        _ => (violation, 0, ""),
    }
}

/// A new top-level module has to be placed on purpose; otherwise nothing would check it.
fn unknown_units(units: &Units, layers: &BTreeMap<&str, u8>, out: &mut BTreeSet<String>) {
    for (unit, file) in &units.files {
        if !layers.contains_key(unit.as_str()) {
            out.insert(format!(
                "{file}:1: {unit} is not in the layer table: place it in a layer"
            ));
        }
    }
}

/// What is wrong with one import, if anything; the most specific rule speaks for it.
fn import_violation(import: &Import, layers: &BTreeMap<&str, u8>) -> Option<String> {
    let from = import.from.as_str();
    let layer = layers.get(from).copied();
    match &import.to {
        Destination::Unit(to) => {
            let why = if is_network(from) && is_network(to) {
                "a network must not import another network".to_owned()
            } else if is_network(from) && to == HTTP_UNIT {
                "a network must not import the HTTP layer".to_owned()
            } else {
                let (from_layer, to_layer) = (layer?, *layers.get(to.as_str())?);
                if to_layer <= from_layer {
                    return None;
                }
                format!("upward import from layer {from_layer} to layer {to_layer}")
            };
            Some(format!(
                "{}: {from} imports {to} ({}): {why}",
                import.at(),
                import.written
            ))
        }
        Destination::External(path) => {
            let (layer, http_layer) = (layer?, *layers.get(HTTP_UNIT)?);
            (layer < http_layer && is_http_type(path)).then(|| {
                format!(
                    "{}: {from} names an HTTP type ({}): layer {layer} is below the HTTP layer \
                     ({http_layer})",
                    import.at(),
                    import.written
                )
            })
        }
    }
}

fn is_network(unit: &str) -> bool {
    unit.starts_with("networks/")
}

fn is_http_type(path: &[String]) -> bool {
    match path {
        [first, ..] if HTTP_CRATES.contains(&first.as_str()) => true,
        [first, second, ..] => first == "reqwest" && REQWEST_HTTP_TYPES.contains(&second.as_str()),
        _ => false,
    }
}

fn cycles(units: &Units, out: &mut BTreeSet<String>) {
    let edges = units
        .edges
        .keys()
        .map(|(from, to)| (from.as_str(), to.as_str()));
    for knot in knots(edges) {
        if knot.members.len() > 2 {
            out.insert(format!(
                "cycle: {} units import each other, directly or not: {}",
                knot.members.len(),
                knot.members.join(", ")
            ));
        }
        for cycle in &knot.cycles {
            let steps: Vec<String> = cycle
                .iter()
                .zip(cycle.iter().cycle().skip(1))
                .map(|(from, to)| {
                    let import = &units.edges[&(from.clone(), to.clone())];
                    format!("{from} -> {to}: {} {}", import.at(), import.written)
                })
                .collect();
            let chain: Vec<&str> = cycle
                .iter()
                .chain(cycle.first())
                .map(String::as_str)
                .collect();
            out.insert(format!(
                "cycle: {} ({})",
                chain.join(" -> "),
                steps.join("; ")
            ));
        }
    }
}
