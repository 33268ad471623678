//! The BIS Billing 3.0 rules eisim checks, each under its official ID and with its official
//! assertion text (`CEN-EN16931-UBL.sch` and `PEPPOL-EN16931-UBL.sch`, release 3.0.19; the
//! CEN texts without their `[ID]-` prefix).
//!
//! Each check follows the Schematron expression rather than the prose: an absent amount makes
//! an equality false (as `xs:decimal(()) = x` is), totals are compared after
//! `round(x * 100) div 100`, and the tolerances are the ones written into the expressions
//! (±0.02 inclusive for PEPPOL-EN16931-R040 and R120, ±1 exclusive for BR-CO-17 and BR-S-08,
//! none at all for the taxable amounts of the categories without VAT, BR-E-08 and its
//! siblings, nor for the gross price of PEPPOL-EN16931-R046). All findings are collected;
//! none stops the others. Each rule carries its official flag: the few warning rules report
//! what they find without refusing the document.
//!
//! [`catalog`] lists every rule and its text; [`document`] holds the document-level, party
//! and "anywhere in the document" rules, [`totals`] the totals and VAT breakdown arithmetic,
//! [`lines`] the line and allowance/charge rules.

mod catalog;
mod document;
mod lines;
mod totals;

use std::cmp::Ordering;

use super::super::decimal::Decimal;
use super::super::{Finding, Severity};
use super::DocumentKind;
use crate::xml::Element;
use catalog::Rule;

/// The fatal Peppol check-digit rule an identifier of ICD `scheme` breaks, as (ID, text): the
/// same rule for a participant id as for an `EndpointID` inside a document. Warning rules
/// (the Italian formats) never refuse, so they are not reported here.
pub(crate) fn identifier_check(scheme: &str, value: &str) -> Option<(&'static str, &'static str)> {
    document::identifier_rule(scheme, value)
        .filter(|rule| rule.flag == Severity::Fatal)
        .map(|rule| (rule.id, rule.text))
}

/// The official text of rule `id`, for a receiver's MLR line that names it.
pub(crate) fn rule_text(id: &str) -> Option<&'static str> {
    catalog::ALL
        .iter()
        .find(|rule| rule.id == id)
        .map(|rule| rule.text)
}

/// Runs every rule over the (normalized) document.
pub(super) fn check(root: &Element, kind: &DocumentKind) -> Vec<Finding> {
    let mut rules = Rules {
        root,
        kind,
        base: format!("/{}", kind.root),
        findings: Vec::new(),
    };
    rules.document();
    rules.parties();
    rules.totals();
    rules.tax_breakdown();
    rules.not_subject_to_vat_alone();
    rules.lines();
    rules.allowances_and_charges();
    rules.everywhere();
    rules.findings
}

/// One pass over one document: what the rules read, and what they found so far.
struct Rules<'a> {
    root: &'a Element,
    kind: &'a DocumentKind,
    /// `/Invoice` or `/CreditNote`: every location starts here.
    base: String,
    findings: Vec<Finding>,
}

impl<'a> Rules<'a> {
    /// Reports `rule` broken at `location`, as fatal or warning according to its flag.
    fn fail(&mut self, rule: Rule, location: impl Into<String>) {
        self.findings
            .push(finding(rule, location.into(), rule.text.to_owned()));
    }

    fn fail_with(&mut self, rule: Rule, location: impl Into<String>, detail: &str) {
        self.findings.push(finding(
            rule,
            location.into(),
            format!("{} {detail}", rule.text),
        ));
    }

    /// The outcome of an arithmetic rule: `None` means the numbers were too large to compare
    /// exactly, which is reported as a warning rather than decided either way.
    fn verdict(&mut self, rule: Rule, location: String, holds: Option<bool>, detail: &str) {
        match holds {
            Some(true) => {}
            Some(false) => self.fail_with(rule, location, detail),
            None => self.findings.push(Finding::warning(
                rule.id,
                location,
                format!(
                    "{} Not evaluated: the values are too large to compare exactly.",
                    rule.text
                ),
            )),
        }
    }

    fn at(&self, rest: &str) -> String {
        format!("{}/{rest}", self.base)
    }

    fn line_elements(&self) -> impl Iterator<Item = &'a Element> + 'a {
        let line = self.kind.line;
        self.root.children_named(line)
    }
}

/// The finding for a broken rule, fatal or warning as its flag says, so no check decides
/// the severity on its own.
fn finding(rule: Rule, location: String, message: String) -> Finding {
    match rule.flag {
        Severity::Fatal => Finding::fatal(rule.id, location, message),
        Severity::Warning => Finding::warning(rule.id, location, message),
    }
}

/// `cbc:ChargeIndicator` read as `xs:boolean`, the way the EN 16931 rules compare it with
/// `true()`/`false()` (`1` and `0` count); `None` for anything else.
fn charge_indicator(ac: &Element) -> Option<bool> {
    match ac.text_at(&["ChargeIndicator"])? {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// `normalize-space(cbc:ID)` of a tax category.
fn category_id(category: &Element) -> String {
    normalize_space(category.text_at(&["ID"]).unwrap_or_default())
}

/// `normalize-space(x) = ''`, an absent element included.
fn blank(el: Option<&Element>) -> bool {
    el.is_none_or(|e| e.text().is_empty())
}

fn normalize_space(s: &str) -> String {
    s.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// `xs:decimal(a) = b` with XPath's empty-sequence semantics: an absent side makes it false.
fn equal(a: Option<Decimal>, b: Option<Decimal>) -> Option<bool> {
    match (a, b) {
        (Some(a), Some(b)) => a.checked_cmp(b).map(|o| o == Ordering::Equal),
        _ => Some(false),
    }
}

/// `round(x) = 0`.
fn is_zero_when_rounded(value: Decimal) -> Option<bool> {
    value
        .round_half_towards_positive_infinity(0)
        .map(|r| r == Decimal::ZERO)
}

/// `x div 100`, exact.
fn per_cent(value: Decimal) -> Decimal {
    value.percent().unwrap_or(value)
}

fn found_expected(found: Option<Decimal>, expected: Option<Decimal>) -> String {
    let show =
        |v: Option<Decimal>| v.map_or_else(|| "nothing".to_owned(), |v| v.padded(2).to_string());
    format!("Found {}, computed {}.", show(found), show(expected))
}
