//! The checker on small source trees written here, one rule or one resolution case at a time,
//! so that a failure of the real-tree test can be trusted to be about the crate.

use std::collections::BTreeSet;

use super::modules::module_tree;
use super::rules::{Layering, Report, check};
use super::sources::InMemory;
use super::units::units;

const LAYERS: &[(&str, u8)] = &[
    ("clock", 0),
    ("limits", 1),
    ("store", 1),
    ("networks", 2),
    ("networks/peppol", 2),
    ("networks/sdi", 2),
    ("http", 3),
    ("app", 4),
];

const LAYERING: Layering<'static> = Layering {
    layers: LAYERS,
    folders: &["networks"],
};

/// A file from its lines, so that a test can name a line by counting.
fn lines(lines: &[&str]) -> String {
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// A tree that keeps every rule: each layer imports only below itself, networks call out
/// with `reqwest::Client`, and HTTP types appear only from the HTTP layer up.
fn layered() -> InMemory {
    InMemory::default()
        .with(
            "lib.rs",
            &lines(&[
                "pub mod clock;",
                "pub mod limits;",
                "pub mod store;",
                "pub mod networks;",
                "pub mod http;",
                "mod app;",
                "pub use clock::Clock;",
            ]),
        )
        .with(
            "clock.rs",
            &lines(&["pub struct Clock;", "pub fn now() -> u64 {", "    0", "}"]),
        )
        .with("limits.rs", &lines(&["pub struct Quota;"]))
        .with(
            "store/mod.rs",
            &lines(&[
                "use crate::clock::Clock;",
                "mod ledger;",
                "pub struct Store {",
                "    pub clock: Clock,",
                "}",
            ]),
        )
        .with(
            "store/ledger.rs",
            &lines(&[
                "use super::super::clock::Clock;",
                "use super::Store;",
                "pub fn open(_: Store, _: Clock) {}",
            ]),
        )
        .with(
            "networks/mod.rs",
            &lines(&["pub mod peppol;", "pub mod sdi;"]),
        )
        .with(
            "networks/sdi.rs",
            &lines(&[
                "mod soap;",
                "use crate::store::Store;",
                "use reqwest::Client;",
                "pub fn send(_: &Store, _: &Client) {}",
            ]),
        )
        .with(
            "networks/sdi/soap.rs",
            &lines(&["use crate::Clock;", "pub fn envelope(_: Clock) {}"]),
        )
        .with(
            "networks/peppol/mod.rs",
            &lines(&[
                "pub fn send() -> String {",
                "    format!(\"{}\", crate::clock::now())",
                "}",
            ]),
        )
        .with(
            "http.rs",
            &lines(&[
                "use axum::Json;",
                "use crate::networks::{peppol, sdi};",
                "pub struct AppState;",
                "pub fn routes() -> Json<()> {",
                "    peppol::send();",
                "    Json(())",
                "}",
            ]),
        )
        .with(
            "app.rs",
            &lines(&[
                "use crate::http::AppState;",
                "use hyper::server::conn::http1::Builder;",
                "pub fn run(_: AppState, _: Builder) {}",
            ]),
        )
}

fn report(tree: &InMemory) -> Report {
    check(tree, LAYERING).unwrap()
}

fn violations(tree: &InMemory) -> Vec<String> {
    report(tree).violations
}

/// `(from, to)` of every import between two units.
fn edges(tree: &InMemory) -> BTreeSet<(String, String)> {
    let tree = module_tree(tree).unwrap();
    units(&tree, LAYERING.folders).edges.into_keys().collect()
}

fn edge(from: &str, to: &str) -> (String, String) {
    (from.to_owned(), to.to_owned())
}

#[test]
fn a_layered_tree_passes() {
    let report = report(&layered());
    assert_eq!(report.violations, Vec::<String>::new());
    assert_eq!((report.units, report.edges), (8, 7));
    assert_eq!(
        report.to_string(),
        "layering: 8 units, 7 edges between them, 0 violations"
    );
}

#[test]
fn an_upward_import_is_reported_with_its_file_and_line() {
    let tree = layered().with(
        "clock.rs",
        &lines(&[
            "pub struct Clock;",
            "use crate::limits::Quota;",
            "pub fn now() -> u64 {",
            "    0",
            "}",
        ]),
    );
    assert_eq!(
        violations(&tree),
        [
            "src/clock.rs:2: clock imports limits (crate::limits::Quota): upward import from layer 0 to layer 1"
        ]
    );
}

#[test]
fn importing_the_http_layer_from_below_is_upward_and_closes_a_cycle() {
    let tree = layered().with(
        "store/ledger.rs",
        &lines(&[
            "use super::super::clock::Clock;",
            "use super::Store;",
            "use crate::http::AppState;",
            "pub fn open(_: Store, _: Clock, _: AppState) {}",
        ]),
    );
    assert_eq!(
        violations(&tree),
        [
            "cycle: 3 units import each other, directly or not: http, networks/sdi, store",
            "cycle: http -> networks/sdi -> store -> http (\
             http -> networks/sdi: src/http.rs:2 crate::networks::sdi; \
             networks/sdi -> store: src/networks/sdi.rs:2 crate::store::Store; \
             store -> http: src/store/ledger.rs:3 crate::http::AppState)",
            "src/store/ledger.rs:3: store imports http (crate::http::AppState): upward import from layer 1 to layer 3",
        ]
    );
}

#[test]
fn a_cycle_within_one_layer_is_reported() {
    let tree = layered()
        .with(
            "limits.rs",
            &lines(&["use crate::store::Store;", "pub struct Quota(Box<Store>);"]),
        )
        .with(
            "store/mod.rs",
            &lines(&[
                "use crate::clock::Clock;",
                "mod ledger;",
                "pub struct Store {",
                "    pub clock: Clock,",
                "    pub quota: Option<crate::limits::Quota>,",
                "}",
            ]),
        );
    assert_eq!(
        violations(&tree),
        ["cycle: limits -> store -> limits (\
             limits -> store: src/limits.rs:1 crate::store::Store; \
             store -> limits: src/store/mod.rs:5 crate::limits::Quota)"]
    );
}

#[test]
fn a_network_importing_another_network_is_caught() {
    let tree = layered().with(
        "networks/sdi/soap.rs",
        &lines(&[
            "use crate::Clock;",
            "use super::super::peppol::send;",
            "pub fn envelope(_: Clock) {}",
        ]),
    );
    assert_eq!(
        violations(&tree),
        [
            "src/networks/sdi/soap.rs:2: networks/sdi imports networks/peppol (super::super::peppol::send): a network must not import another network"
        ]
    );
}

#[test]
fn a_network_importing_the_http_layer_is_caught() {
    let tree = layered().with(
        "networks/peppol/mod.rs",
        &lines(&[
            "pub fn send() -> String {",
            "    format!(\"{}\", crate::clock::now())",
            "}",
            "pub fn state() -> crate::http::AppState {",
            "    crate::http::AppState",
            "}",
        ]),
    );
    assert_eq!(
        violations(&tree),
        [
            "cycle: http -> networks/peppol -> http (\
             http -> networks/peppol: src/http.rs:2 crate::networks::peppol; \
             networks/peppol -> http: src/networks/peppol/mod.rs:4 crate::http::AppState)",
            "src/networks/peppol/mod.rs:4: networks/peppol imports http (crate::http::AppState): a network must not import the HTTP layer",
            "src/networks/peppol/mod.rs:5: networks/peppol imports http (crate::http::AppState): a network must not import the HTTP layer",
        ]
    );
}

#[test]
fn an_http_type_below_the_http_layer_is_caught_in_a_use_a_type_and_a_macro() {
    let tree = layered()
        .with(
            "store/mod.rs",
            &lines(&[
                "use crate::clock::Clock;",
                "use axum::Json;",
                "mod ledger;",
                "pub struct Store {",
                "    pub clock: Clock,",
                "    pub status: axum::http::StatusCode,",
                "}",
                "pub fn show() -> String {",
                "    format!(\"{}\", axum::http::Method::GET.as_str())",
                "}",
            ]),
        )
        .with(
            "networks/sdi.rs",
            &lines(&[
                "mod soap;",
                "use crate::store::Store;",
                "use reqwest::Client;",
                "pub fn send(_: &Store, _: &Client) {}",
                "use reqwest::{header, StatusCode};",
                "use axum::http;",
                "pub fn answer(_: http::HeaderMap) -> Vec<header::HeaderValue> {",
                "    vec![::tower::ServiceBuilder::new()]",
                "}",
            ]),
        );
    // `http::HeaderMap` and `header::HeaderValue` (line 7) go through names that lines 5
    // and 6 brought in: those `use` lines are the imports.
    assert_eq!(
        violations(&tree),
        [
            "src/networks/sdi.rs:5: networks/sdi names an HTTP type (reqwest::StatusCode): layer 2 is below the HTTP layer (3)",
            "src/networks/sdi.rs:5: networks/sdi names an HTTP type (reqwest::header): layer 2 is below the HTTP layer (3)",
            "src/networks/sdi.rs:6: networks/sdi names an HTTP type (axum::http): layer 2 is below the HTTP layer (3)",
            "src/networks/sdi.rs:8: networks/sdi names an HTTP type (::tower::ServiceBuilder::new): layer 2 is below the HTTP layer (3)",
            "src/store/mod.rs:2: store names an HTTP type (axum::Json): layer 1 is below the HTTP layer (3)",
            "src/store/mod.rs:6: store names an HTTP type (axum::http::StatusCode): layer 1 is below the HTTP layer (3)",
            "src/store/mod.rs:9: store names an HTTP type (axum::http::Method::GET): layer 1 is below the HTTP layer (3)",
        ]
    );
}

#[test]
fn paths_inside_macro_calls_are_imports() {
    let tree = layered().with(
        "clock.rs",
        &lines(&[
            "pub struct Clock;",
            "pub fn now() -> u64 {",
            "    let quotas = vec![crate::limits::Quota];",
            "    assert!(matches!(quotas[0], self::super::limits::Quota));",
            "    0",
            "}",
        ]),
    );
    assert_eq!(
        violations(&tree),
        [
            "src/clock.rs:3: clock imports limits (crate::limits::Quota): upward import from layer 0 to layer 1",
            "src/clock.rs:4: clock imports limits (self::super::limits::Quota): upward import from layer 0 to layer 1",
        ]
    );
}

#[test]
fn test_only_modules_and_items_are_ignored() {
    let tree = layered()
        .with(
            "lib.rs",
            &lines(&[
                "pub mod clock;",
                "pub mod limits;",
                "pub mod store;",
                "pub mod networks;",
                "pub mod http;",
                "mod app;",
                "#[cfg(test)]",
                "mod testing;",
                "pub use clock::Clock;",
            ]),
        )
        // Not in the layer table, and importing from the top: reported if it were read.
        .with("testing.rs", &lines(&["use crate::app::run;"]))
        .with(
            "clock.rs",
            &lines(&[
                "pub struct Clock;",
                "pub fn now() -> u64 {",
                "    0",
                "}",
                "#[cfg(test)]",
                "use crate::http::AppState;",
                "#[cfg(test)]",
                "fn fixture() -> axum::Json<()> {",
                "    axum::Json(())",
                "}",
                "#[cfg(test)]",
                "mod tests {",
                "    use crate::app::run;",
                "}",
                "#[cfg(all(test, feature = \"slow\"))]",
                "mod slow;",
                "impl Clock {",
                "    #[cfg(test)]",
                "    fn frozen() -> crate::store::Store {",
                "        todo!()",
                "    }",
                "}",
                "#[cfg(not(test))]",
                "use crate::limits::Quota;",
            ]),
        );
    assert_eq!(
        violations(&tree),
        [
            "src/clock.rs:24: clock imports limits (crate::limits::Quota): upward import from layer 0 to layer 1"
        ]
    );
}

#[test]
fn grouped_relative_and_re_exported_paths_resolve_to_their_units() {
    let tree = layered()
        .with(
            "http.rs",
            &lines(&[
                "use crate::{",
                "    clock::now,",
                "    networks::{peppol, sdi::send},",
                "    store::Store as Db,",
                "};",
            ]),
        )
        .with(
            "store/mod.rs",
            &lines(&[
                "use crate::clock::Clock;",
                "mod ledger;",
                "pub struct Store {",
                "    pub clock: Clock,",
                "}",
                "pub mod inner {",
                "    use super::super::limits::Quota;",
                "}",
            ]),
        );
    let expected: BTreeSet<_> = [
        edge("app", "http"),
        edge("http", "clock"),
        edge("http", "networks/peppol"),
        edge("http", "networks/sdi"),
        edge("http", "store"),
        edge("networks/peppol", "clock"),
        // `crate::Clock` in sdi/soap.rs is `lib.rs`'s `pub use clock::Clock`.
        edge("networks/sdi", "clock"),
        edge("networks/sdi", "store"),
        edge("store", "clock"),
        // From the inline `store::inner`, `super::super` is the crate root.
        edge("store", "limits"),
    ]
    .into_iter()
    .collect();
    assert_eq!(edges(&tree), expected);
    let graph = units(&module_tree(&tree).unwrap(), LAYERING.folders);
    let db = &graph.edges[&edge("http", "store")];
    assert_eq!(
        (db.at(), db.written.as_str()),
        ("src/http.rs:4".to_owned(), "crate::store::Store")
    );
}

#[test]
fn path_attributes_are_followed() {
    let tree = layered()
        .with(
            "lib.rs",
            &lines(&[
                "#[path = \"base/time.rs\"]",
                "pub mod clock;",
                "pub mod limits;",
                "pub mod store;",
                "pub mod networks;",
                "pub mod http;",
                "mod app;",
                "pub use clock::Clock;",
            ]),
        )
        .with(
            "base/time.rs",
            &lines(&[
                "pub struct Clock;",
                "use crate::limits::Quota;",
                "pub fn now() -> u64 {",
                "    0",
                "}",
            ]),
        )
        // In the non-mod.rs `networks/sdi.rs`, a `#[path]` is relative to `networks/`.
        .with(
            "networks/sdi.rs",
            &lines(&[
                "mod soap;",
                "#[path = \"sdi_wire.rs\"]",
                "mod wire;",
                "use crate::store::Store;",
                "pub fn send(_: &Store) {}",
            ]),
        )
        .with(
            "networks/sdi_wire.rs",
            &lines(&["use crate::networks::peppol::send;"]),
        );
    assert_eq!(
        violations(&tree),
        [
            "src/base/time.rs:2: clock imports limits (crate::limits::Quota): upward import from layer 0 to layer 1",
            "src/networks/sdi_wire.rs:1: networks/sdi imports networks/peppol (crate::networks::peppol::send): a network must not import another network",
        ]
    );
}

#[test]
fn a_unit_missing_from_the_layer_table_is_reported_by_its_file() {
    let tree = layered()
        .with(
            "lib.rs",
            &lines(&[
                "pub mod clock;",
                "pub mod limits;",
                "pub mod store;",
                "pub mod networks;",
                "pub mod http;",
                "mod app;",
                "pub mod world;",
                "pub use clock::Clock;",
            ]),
        )
        .with("world/mod.rs", &lines(&["use crate::store::Store;"]));
    assert_eq!(
        violations(&tree),
        ["src/world/mod.rs:1: world is not in the layer table: place it in a layer"]
    );
}

#[test]
fn a_declared_module_without_its_file_is_an_error() {
    let tree = layered().with("lib.rs", &lines(&["pub mod clock;", "mod ghost;"]));
    assert_eq!(
        check(&tree, LAYERING).unwrap_err(),
        "src/lib.rs: module ghost is neither src/ghost.rs nor src/ghost/mod.rs"
    );
}
