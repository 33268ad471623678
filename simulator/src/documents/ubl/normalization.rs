//! The corrections a Peppol access point's middleware makes before validating: values that
//! are plainly meant right but written wrong. Each one is recorded, so the integrator sees a
//! warning and can fix the source; nothing that could change what the invoice says is touched.

use super::super::Correction;
use super::super::normalize::Normalizer;
use super::{DocumentKind, is_vat, walk_mut};
use crate::xml::Element;

pub(super) fn normalize(root: &mut Element, kind: &DocumentKind, n: &mut Normalizer) {
    let base = format!("/{}", kind.root);
    for code in ["DocumentCurrencyCode", "TaxCurrencyCode"] {
        n.upper(
            root.child_mut(code),
            &format!("{base}/cbc:{code}"),
            "currency code",
        );
    }
    currency_attributes(root, &base, n);
    walk_mut(root, &base, &mut |el, path| match el.name.as_str() {
        "Country" => n.upper(
            el.child_mut("IdentificationCode"),
            &format!("{path}/cbc:IdentificationCode"),
            "country code",
        ),
        "ElectronicMail" => n.lower(Some(el), path, "e-mail address"),
        _ => {}
    });
    for party in ["AccountingSupplierParty", "AccountingCustomerParty"] {
        vat_prefix(root, &base, party, n);
    }
    leitweg_id(root, &base, n);
}

/// Upper-cases every `currencyID` attribute. One correction per distinct written value
/// (`eur` on 14 amounts is one mistake, not fourteen).
fn currency_attributes(root: &mut Element, base: &str, n: &mut Normalizer) {
    let mut fixed: Vec<(String, String, usize)> = Vec::new();
    walk_mut(root, base, &mut |el, _| {
        for attr in el.attrs.iter_mut().filter(|a| a.name == "currencyID") {
            let trimmed = attr.value.trim();
            let upper = trimmed.to_ascii_uppercase();
            if upper != attr.value && !trimmed.is_empty() {
                match fixed
                    .iter_mut()
                    .find(|(original, _, _)| *original == attr.value)
                {
                    Some((_, _, count)) => *count += 1,
                    None => fixed.push((attr.value.clone(), upper.clone(), 1)),
                }
                attr.value = upper;
            }
        }
    });
    for (original, normalized, count) in fixed {
        n.corrections.push(Correction {
            location: format!("{base}//@currencyID"),
            original,
            normalized,
            message: format!(
                "currency code in currencyID upper-cased ({count} attribute{})",
                if count == 1 { "" } else { "s" }
            ),
        });
    }
}

/// Gives the party's VAT identifier (BT-31, BT-48) its country prefix when it was written
/// as bare digits, taking the country from the party's postal address. A wrong prefix is
/// left for BR-CO-09 to report.
fn vat_prefix(root: &mut Element, base: &str, party_name: &str, n: &mut Normalizer) {
    let Some(party) = root.at_mut(&[party_name, "Party"]) else {
        return;
    };
    let country = party
        .text_at(&["PostalAddress", "Country", "IdentificationCode"])
        .map(str::to_owned);
    let schemes = party
        .children
        .iter()
        .enumerate()
        .filter(|(_, c)| c.name == "PartyTaxScheme" && is_vat(c))
        .map(|(i, _)| i)
        .collect::<Vec<_>>();
    for index in schemes {
        let Some(scheme) = party.children.get_mut(index) else {
            continue;
        };
        let location =
            format!("{base}/cac:{party_name}/cac:Party/cac:PartyTaxScheme/cbc:CompanyID");
        n.tax_id_prefix(scheme.child_mut("CompanyID"), country.as_deref(), &location);
    }
}

/// A German buyer reference (BT-10) that is a Leitweg-ID gets its letters upper-cased: the
/// XRechnung routing compares Leitweg-IDs as written, and lower-case letters are the usual
/// copy-paste slip.
fn leitweg_id(root: &mut Element, base: &str, n: &mut Normalizer) {
    let german_buyer = root
        .text_at(&[
            "AccountingCustomerParty",
            "Party",
            "PostalAddress",
            "Country",
            "IdentificationCode",
        ])
        .is_some_and(|c| c == "DE");
    let looks_like = root.text_at(&["BuyerReference"]).is_some_and(is_leitweg_id);
    if german_buyer && looks_like {
        n.upper(
            root.child_mut("BuyerReference"),
            &format!("{base}/cbc:BuyerReference"),
            "Leitweg-ID",
        );
    }
}

/// `Grobadressierung-[Feinadressierung-]Prüfziffer`: 2 to 12 digits, optionally up to 30
/// letters or digits, then 2 check digits (`04011000-1234512345-06`, `991-33333TEST-33`).
fn is_leitweg_id(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    match parts.as_slice() {
        [coarse, check] => digits(coarse, 2, 12) && digits(check, 2, 2),
        [coarse, fine, check] => {
            digits(coarse, 2, 12)
                && (1..=30).contains(&fine.len())
                && fine.bytes().all(|b| b.is_ascii_alphanumeric())
                && digits(check, 2, 2)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_leitweg_ids() {
        assert!(is_leitweg_id("04011000-1234512345-06"));
        assert!(is_leitweg_id("991-33333test-33"));
        assert!(is_leitweg_id("992-90009-96"));
        assert!(!is_leitweg_id("PO-4711"));
        assert!(!is_leitweg_id("991-33333-3"));
        assert!(!is_leitweg_id("991--33"));
    }
}
