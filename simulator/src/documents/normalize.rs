//! Normalization before validation, as an e-invoicing middleware does it: values that are
//! plainly meant right but written wrong (a lower-case code, a VAT number without its country
//! prefix, an upper-case e-mail) are corrected, and each correction is kept as a warning so the
//! integrator can see and fix the source. Nothing that changes meaning is ever "corrected".

use serde::Serialize;

use crate::xml::Element;

/// One automatic correction, reported as a warning on the document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Correction {
    /// XPath-like location of the corrected value.
    pub location: String,
    pub original: String,
    pub normalized: String,
    pub message: String,
}

/// Collects corrections while a validator edits its tree.
#[derive(Debug, Default)]
pub(crate) struct Normalizer {
    pub(crate) corrections: Vec<Correction>,
}

impl Normalizer {
    /// Upper-cases a code (country, currency, unit, SDI codice destinatario, codice fiscale).
    pub(crate) fn upper(&mut self, el: Option<&mut Element>, location: &str, what: &str) {
        self.rewrite(el, location, |v| {
            let up = v.to_uppercase();
            (up != v).then(|| (up, format!("{what} upper-cased")))
        });
    }

    /// Lower-cases an e-mail address (PEC, contact e-mail).
    pub(crate) fn lower(&mut self, el: Option<&mut Element>, location: &str, what: &str) {
        self.rewrite(el, location, |v| {
            let low = v.to_lowercase();
            (low != v).then(|| (low, format!("{what} lower-cased")))
        });
    }

    /// Adds the ISO 3166-1 country prefix to a VAT number written without one (`0123456749`
    /// with country BE becomes `BE0123456749`; Greece's prefix is `EL`). A value that already
    /// starts with two letters is left alone, right or wrong: that is the validators' call.
    pub(crate) fn tax_id_prefix(
        &mut self,
        el: Option<&mut Element>,
        country: Option<&str>,
        location: &str,
    ) {
        let Some(country) = country.map(str::trim).filter(|c| is_country_code(c)) else {
            return;
        };
        let prefix = match country.to_ascii_uppercase().as_str() {
            "GR" => "EL".to_owned(),
            other => other.to_owned(),
        };
        self.rewrite(el, location, |v| {
            let starts_with_digit = v.chars().next().is_some_and(|c| c.is_ascii_digit());
            starts_with_digit.then(|| {
                (
                    format!("{prefix}{v}"),
                    format!("VAT identifier given without its country prefix; {prefix} added"),
                )
            })
        });
    }

    /// Reduces a Polish NIP written with a `PL` prefix or with dashes and spaces
    /// (`PL 526-587-76-35`) to its ten digits, the only form KSeF's `TNrNIP` accepts. A value
    /// that does not come down to exactly ten digits is left alone for the validator to refuse.
    pub(crate) fn nip_digits(&mut self, el: Option<&mut Element>, location: &str) {
        self.rewrite(el, location, |v| {
            let rest = match v.get(..2) {
                Some(prefix) if prefix.eq_ignore_ascii_case("PL") => v.get(2..).unwrap_or(v),
                _ => v,
            };
            let digits: String = rest
                .chars()
                .filter(|c| *c != '-' && !c.is_whitespace())
                .collect();
            let is_nip = digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit());
            (is_nip && digits != v).then(|| {
                (
                    digits,
                    "NIP written with a PL prefix or separators; reduced to its ten digits"
                        .to_owned(),
                )
            })
        });
    }

    fn rewrite(
        &mut self,
        el: Option<&mut Element>,
        location: &str,
        fix: impl FnOnce(&str) -> Option<(String, String)>,
    ) {
        let Some(el) = el else { return };
        let original = el.text().to_owned();
        if original.is_empty() {
            return;
        }
        if let Some((normalized, message)) = fix(&original) {
            el.raw_text.clone_from(&normalized);
            self.corrections.push(Correction {
                location: location.to_owned(),
                original,
                normalized,
                message,
            });
        }
    }
}

/// Two ASCII letters, either case.
pub(crate) fn is_country_code(value: &str) -> bool {
    value.len() == 2 && value.bytes().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(text: &str) -> Element {
        Element {
            raw_text: text.to_owned(),
            ..Element::default()
        }
    }

    #[test]
    fn corrects_and_records() {
        let mut n = Normalizer::default();
        let mut code = el(" eur ");
        n.upper(
            Some(&mut code),
            "/Invoice/cbc:DocumentCurrencyCode",
            "currency code",
        );
        assert_eq!(code.text(), "EUR");
        let mut mail = el("Fatture@PEC.Example.IT");
        n.lower(Some(&mut mail), "/x", "PEC address");
        assert_eq!(mail.text(), "fatture@pec.example.it");
        let mut vat = el("0123456749");
        n.tax_id_prefix(Some(&mut vat), Some("be"), "/vat");
        assert_eq!(vat.text(), "BE0123456749");
        let mut greek = el("094259216");
        n.tax_id_prefix(Some(&mut greek), Some("GR"), "/vat");
        assert_eq!(greek.text(), "EL094259216");
        assert_eq!(n.corrections.len(), 4);
        assert_eq!(n.corrections[0].original, "eur");
    }

    #[test]
    fn reduces_a_nip_to_its_digits() {
        let mut n = Normalizer::default();
        for written in [
            "PL5265877635",
            "pl 526-587-76-35",
            "526-587-76-35",
            "526 587 76 35",
        ] {
            let mut nip = el(written);
            n.nip_digits(Some(&mut nip), "/nip");
            assert_eq!(nip.text(), "5265877635", "{written}");
        }
        assert_eq!(n.corrections.len(), 4);
        let mut n = Normalizer::default();
        for untouched in ["5265877635", "PL52658776", "DE5265877635", "5265877635X"] {
            let mut nip = el(untouched);
            n.nip_digits(Some(&mut nip), "/nip");
            assert_eq!(nip.text(), untouched);
        }
        assert!(n.corrections.is_empty());
    }

    #[test]
    fn leaves_correct_values_alone() {
        let mut n = Normalizer::default();
        let mut code = el("EUR");
        n.upper(Some(&mut code), "/c", "currency code");
        let mut vat = el("BE0123456749");
        n.tax_id_prefix(Some(&mut vat), Some("BE"), "/vat");
        let mut unknown_country = el("0123");
        n.tax_id_prefix(Some(&mut unknown_country), Some("Belgium"), "/vat");
        n.upper(None, "/absent", "code");
        assert!(n.corrections.is_empty());
        assert_eq!(unknown_country.text(), "0123");
    }
}
