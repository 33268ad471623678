//! UBL 2.1 Invoice and CreditNote under Peppol BIS Billing 3.0.
//!
//! The document is normalized first ([`normalization`]: codes upper-cased, VAT numbers given their
//! country prefix, e-mail addresses lower-cased), then every rule in [`rules`] runs over the
//! corrected tree and reports under its official ID: the EN 16931 rules (`BR-*`, from
//! `CEN-EN16931-UBL.sch`) and the Peppol ones (`PEPPOL-EN16931-*`, `PEPPOL-COMMON-*`, from
//! `PEPPOL-EN16931-UBL.sch`), both of BIS Billing 3.0.19. The arithmetic rules are evaluated
//! the way the Schematron evaluates them, on exact decimals ([`super::decimal`]) with XPath rounding
//! and the tolerances written into each expression, so that eisim accepts and refuses the
//! same documents as the official validator; [`codes`] holds the code lists and check digits.
//!
//! Only the business rules are checked: element order and types are the XSD's business, and
//! a value that is not even an `xs:decimal` is reported under the pseudo-rule `XSD`.

mod codes;
mod normalization;
mod rules;

pub(crate) use rules::{identifier_check, rule_text};

/// Whether `code` is in Peppol's Electronic Address Scheme list (BIS Billing 3.0.19).
pub(crate) fn is_peppol_eas(code: &str) -> bool {
    codes::listed(codes::PEPPOL_EAS, code)
}

use std::collections::HashMap;

use super::normalize::Normalizer;
use super::{
    DocumentError, Facts, Format, Inspection, InspectionContext, InvoiceFacts, UBL_CAC_NS,
    UBL_CBC_NS, XmlDocument,
};
use crate::xml::Element;

/// UBL extension components (`ext:UBLExtensions`), only needed to name locations.
const UBL_EXT_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2";

/// The element names that differ between an invoice and a credit note; every rule that
/// touches lines or the type code goes through this, so both documents share one rule set.
#[derive(Debug)]
struct DocumentKind {
    root: &'static str,
    line: &'static str,
    quantity: &'static str,
    type_code: &'static str,
}

const INVOICE: DocumentKind = DocumentKind {
    root: "Invoice",
    line: "InvoiceLine",
    quantity: "InvoicedQuantity",
    type_code: "InvoiceTypeCode",
};

const CREDIT_NOTE: DocumentKind = DocumentKind {
    root: "CreditNote",
    line: "CreditNoteLine",
    quantity: "CreditedQuantity",
    type_code: "CreditNoteTypeCode",
};

impl DocumentKind {
    const fn of(format: Format) -> Option<&'static Self> {
        match format {
            Format::UblInvoice => Some(&INVOICE),
            Format::UblCreditNote => Some(&CREDIT_NOTE),
            _ => None,
        }
    }

    fn is_invoice(&self) -> bool {
        self.root == INVOICE.root
    }
}

pub(super) fn inspect(
    doc: &mut XmlDocument,
    format: Format,
    context: &InspectionContext,
) -> Result<Inspection, DocumentError> {
    // Nothing in BIS Billing depends on the reception date or a file name.
    let _ = context;
    let kind = DocumentKind::of(format).ok_or_else(|| {
        DocumentError::UnsupportedFormat(format!("{} is not a UBL format", format.as_str()))
    })?;
    let mut normalizer = Normalizer::default();
    normalization::normalize(&mut doc.root, kind, &mut normalizer);
    let findings = rules::check(&doc.root, kind);
    Ok(Inspection {
        format,
        facts: facts(&doc.root, kind),
        findings,
        corrections: normalizer.corrections,
    })
}

/// What the gateway routes and deduplicates on, read from the normalized tree.
fn facts(root: &Element, kind: &DocumentKind) -> Facts {
    let non_empty = |s: Option<&str>| s.filter(|v| !v.is_empty()).map(str::to_owned);
    let seller = root.at(&["AccountingSupplierParty", "Party"]);
    let seller_vat = seller
        .and_then(vat_scheme)
        .and_then(|scheme| non_empty(scheme.text_at(&["CompanyID"])));
    let seller_legal =
        seller.and_then(|party| non_empty(party.text_at(&["PartyLegalEntity", "CompanyID"])));
    let address = |party: &str| {
        root.at(&[party, "Party", "EndpointID"])
            .and_then(|endpoint| {
                let scheme = endpoint.attr("schemeID").map(str::trim)?;
                let value = endpoint.text();
                (!scheme.is_empty() && !value.is_empty()).then(|| format!("{scheme}:{value}"))
            })
    };
    Facts {
        seller_tax_id: seller_vat.or(seller_legal),
        recipient: address("AccountingCustomerParty"),
        sender: address("AccountingSupplierParty"),
        currency: non_empty(root.text_at(&["DocumentCurrencyCode"])),
        invoices: vec![InvoiceFacts {
            number: root.text_at(&["ID"]).unwrap_or_default().to_owned(),
            issue_date: root.text_at(&["IssueDate"]).unwrap_or_default().to_owned(),
            type_code: root
                .text_at(&[kind.type_code])
                .unwrap_or_default()
                .to_owned(),
            total: non_empty(root.text_at(&["LegalMonetaryTotal", "PayableAmount"])),
        }],
    }
}

/// The party's `PartyTaxScheme` for VAT (`TaxScheme/ID` = `VAT`, compared as the Schematron
/// does: trimmed and upper-cased).
fn vat_scheme(party: &Element) -> Option<&Element> {
    party.children_named("PartyTaxScheme").find(|s| is_vat(s))
}

fn is_vat(tax_scheme_holder: &Element) -> bool {
    tax_scheme_holder
        .text_at(&["TaxScheme", "ID"])
        .is_some_and(|id| id.eq_ignore_ascii_case("VAT"))
}

/// The name a location shows for an element: `cac:`/`cbc:`/`ext:` prefixed as in every BIS
/// example, the bare name otherwise.
fn qualified(el: &Element) -> String {
    let prefix = match el.ns.as_str() {
        UBL_CAC_NS => "cac:",
        UBL_CBC_NS => "cbc:",
        UBL_EXT_NS => "ext:",
        _ => "",
    };
    format!("{prefix}{}", el.name)
}

/// The location steps of `parent`'s children: `cac:InvoiceLine[2]` for an element with
/// same-named siblings, `cbc:ID` for one that is alone.
fn steps(parent: &Element) -> Vec<String> {
    // Most parents have a handful of children: comparing them pairwise costs less than
    // hashing namespace URIs (profiling put SipHash at a fifth of UBL validation). A flat
    // flood of siblings is counted in one pass instead, so it stays linear.
    if parent.children.len() <= SCAN_UP_TO {
        steps_by_scan(&parent.children)
    } else {
        steps_by_count(&parent.children)
    }
}

const SCAN_UP_TO: usize = 16;

fn step(child: &Element, position: usize, total: usize) -> String {
    if total > 1 {
        format!("{}[{position}]", qualified(child))
    } else {
        qualified(child)
    }
}

fn steps_by_scan(children: &[Element]) -> Vec<String> {
    let same = |a: &Element, b: &Element| a.name == b.name && a.ns == b.ns;
    children
        .iter()
        .enumerate()
        .map(|(i, child)| {
            let before = children.iter().take(i).filter(|c| same(c, child)).count();
            let after = children
                .iter()
                .skip(i + 1)
                .filter(|c| same(c, child))
                .count();
            step(child, before + 1, before + 1 + after)
        })
        .collect()
}

fn steps_by_count(children: &[Element]) -> Vec<String> {
    let mut totals: HashMap<(&str, &str), usize> = HashMap::new();
    for child in children {
        *totals.entry((&child.ns, &child.name)).or_default() += 1;
    }
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    children
        .iter()
        .map(|child| {
            let key = (child.ns.as_str(), child.name.as_str());
            let position = seen.entry(key).or_default();
            *position += 1;
            step(child, *position, totals.get(&key).copied().unwrap_or(0))
        })
        .collect()
}

/// Visits every element below `el` depth first with its location and its parent.
fn walk<'a>(el: &'a Element, path: &str, visit: &mut impl FnMut(&'a Element, &str, &'a Element)) {
    for (child, step) in el.children.iter().zip(steps(el)) {
        let child_path = format!("{path}/{step}");
        visit(child, &child_path, el);
        walk(child, &child_path, visit);
    }
}

/// Like [`walk`], for edits: each element is handed over mutably with its location.
fn walk_mut(el: &mut Element, path: &str, visit: &mut impl FnMut(&mut Element, &str)) {
    let steps = steps(el);
    for (child, step) in el.children.iter_mut().zip(steps) {
        let child_path = format!("{path}/{step}");
        visit(child, &child_path);
        walk_mut(child, &child_path, visit);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn element(ns: &str, name: &str) -> Element {
        Element {
            ns: ns.to_owned(),
            name: name.to_owned(),
            attrs: Vec::new(),
            children: Vec::new(),
            raw_text: String::new(),
        }
    }

    #[test]
    fn repeated_siblings_are_numbered_and_lone_ones_are_not() {
        let children = [
            element(UBL_CBC_NS, "ID"),
            element(UBL_CAC_NS, "InvoiceLine"),
            element(UBL_CBC_NS, "Note"),
            element(UBL_CAC_NS, "InvoiceLine"),
            element("", "ID"),
        ];
        let expected = [
            "cbc:ID",
            "cac:InvoiceLine[1]",
            "cbc:Note",
            "cac:InvoiceLine[2]",
            "ID",
        ];
        assert_eq!(steps_by_scan(&children), expected);
        assert_eq!(steps_by_count(&children), expected);
    }

    proptest! {
        /// The pairwise scan for few children and the counting pass for many name the same
        /// steps, so where the switch lies changes no location.
        #[test]
        fn both_ways_of_numbering_siblings_agree(
            picks in proptest::collection::vec((0usize..3, 0usize..4), 0..40)
        ) {
            let namespaces = [UBL_CAC_NS, UBL_CBC_NS, ""];
            let names = ["ID", "Note", "InvoiceLine", "Item"];
            let children: Vec<Element> = picks
                .iter()
                .map(|&(ns, name)| element(namespaces[ns], names[name]))
                .collect();
            prop_assert_eq!(steps_by_scan(&children), steps_by_count(&children));
        }
    }
}
