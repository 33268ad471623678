//! Rules on the document as a whole and its parties, and the ones whose context is "any such
//! element anywhere": empty elements, dates, currencies, code lists and check digits.

use super::super::super::decimal::Decimal;
use super::super::codes::{self, listed};
use super::super::{is_vat, vat_scheme, walk};
use super::catalog::*;
use super::{Rules, blank, category_id, normalize_space};
use crate::xml::Element;

const CUSTOMIZATION_ID: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
const PROFILE_PREFIX: &str = "urn:fdc:peppol.eu:2017:poacc:billing:";

impl Rules<'_> {
    pub(super) fn document(&mut self) {
        let r = self.root;
        for (rule, name) in [
            (BR_01, "CustomizationID"),
            (BR_02, "ID"),
            (BR_03, "IssueDate"),
            (BR_05, "DocumentCurrencyCode"),
        ] {
            if blank(r.child(name)) {
                self.fail(rule, self.at(&format!("cbc:{name}")));
            }
        }
        if blank(r.child("InvoiceTypeCode")) && blank(r.child("CreditNoteTypeCode")) {
            self.fail(BR_04, self.at(&format!("cbc:{}", self.kind.type_code)));
        }
        if self.line_elements().next().is_none() {
            self.fail(BR_16, self.at(&format!("cac:{}", self.kind.line)));
        }

        let customization = normalize_space(r.text_at(&["CustomizationID"]).unwrap_or_default());
        if !customization.starts_with(CUSTOMIZATION_ID) {
            self.fail(R004, self.at("cbc:CustomizationID"));
        }
        if r.child("ProfileID").is_none() {
            self.fail(R001, self.at("cbc:ProfileID"));
        }
        let profile = profile(r);
        if profile.is_none() {
            self.fail(R007, self.at("cbc:ProfileID"));
        }
        if r.child("BuyerReference").is_none() && r.at(&["OrderReference", "ID"]).is_none() {
            self.fail(R003, self.at("cbc:BuyerReference"));
        }
        let notes = r.children_named("Note").count();
        if notes > 1
            && !(self.party_country("AccountingSupplierParty") == "DE"
                && self.party_country("AccountingCustomerParty") == "DE")
        {
            self.fail(R002, self.at("cbc:Note[2]"));
        }
        let with_subtotals = r
            .children_named("TaxTotal")
            .filter(|t| t.child("TaxSubtotal").is_some())
            .count();
        if with_subtotals != 1 {
            self.fail(R053, self.at("cac:TaxTotal"));
        }
        if profile.as_deref() == Some("01") {
            let (rule, list) = if self.kind.is_invoice() {
                (P0100, codes::INVOICE_TYPE_CODES)
            } else {
                (P0101, codes::CREDIT_NOTE_TYPE_CODES)
            };
            for code in r.children_named(self.kind.type_code) {
                if !listed(list, code.text()) {
                    self.fail(rule, self.at(&format!("cbc:{}", self.kind.type_code)));
                }
            }
        }
    }

    /// Upper-cased seller or buyer country (`$supplierCountryIsDE` in the Peppol rules).
    pub(super) fn party_country(&self, party: &str) -> String {
        self.root
            .text_at(&[
                party,
                "Party",
                "PostalAddress",
                "Country",
                "IdentificationCode",
            ])
            .unwrap_or_default()
            .to_uppercase()
    }

    pub(super) fn parties(&mut self) {
        let r = self.root;
        let seller_path = self.at("cac:AccountingSupplierParty/cac:Party");
        let buyer_path = self.at("cac:AccountingCustomerParty/cac:Party");
        let seller = r.at(&["AccountingSupplierParty", "Party"]);
        let buyer = r.at(&["AccountingCustomerParty", "Party"]);
        let parties = [
            (seller, &seller_path, BR_06, BR_08, BR_09, BR_62, R020),
            (buyer, &buyer_path, BR_07, BR_10, BR_11, BR_63, R010),
        ];
        for (party, path, name_rule, address_rule, country_rule, scheme_rule, endpoint_rule) in
            parties
        {
            if blank(party.and_then(|p| p.at(&["PartyLegalEntity", "RegistrationName"]))) {
                self.fail(
                    name_rule,
                    format!("{path}/cac:PartyLegalEntity/cbc:RegistrationName"),
                );
            }
            match party.and_then(|p| p.child("PostalAddress")) {
                None => self.fail(address_rule, format!("{path}/cac:PostalAddress")),
                Some(address) => {
                    if blank(address.at(&["Country", "IdentificationCode"])) {
                        self.fail(
                            country_rule,
                            format!("{path}/cac:PostalAddress/cac:Country/cbc:IdentificationCode"),
                        );
                    }
                }
            }
            let Some(party) = party else { continue };
            match party.child("EndpointID") {
                None => self.fail(endpoint_rule, format!("{path}/cbc:EndpointID")),
                Some(endpoint) if endpoint.attr("schemeID").is_none() => {
                    self.fail(scheme_rule, format!("{path}/cbc:EndpointID"));
                }
                Some(_) => {}
            }
        }

        if let Some(seller) = r.child("AccountingSupplierParty") {
            let identified = seller.child("Party").is_some_and(|p| {
                vat_scheme(p).is_some_and(|s| s.child("CompanyID").is_some())
                    || p.at(&["PartyIdentification", "ID"]).is_some()
                    || p.at(&["PartyLegalEntity", "CompanyID"]).is_some()
            });
            if !identified {
                self.fail(BR_CO_26, self.at("cac:AccountingSupplierParty"));
            }
        }

        let standard_rated_line = r
            .descendants()
            .any(|el| el.name == "ClassifiedTaxCategory" && category_id(el) == "S" && is_vat(el));
        let seller_tax_id = seller
            .into_iter()
            .flat_map(|p| p.children_named("PartyTaxScheme"))
            .any(|s| s.child("CompanyID").is_some());
        let representative_vat = r
            .at(&["TaxRepresentativeParty"])
            .and_then(vat_scheme)
            .is_some_and(|s| s.child("CompanyID").is_some());
        if standard_rated_line && !seller_tax_id && !representative_vat {
            self.fail(
                BR_S_02,
                format!("{seller_path}/cac:PartyTaxScheme/cbc:CompanyID"),
            );
        }
    }

    /// The rules whose context is "any such element anywhere": empty elements, dates,
    /// currencies, code lists and identifier check digits.
    pub(super) fn everywhere(&mut self) {
        let currency = self
            .root
            .child("DocumentCurrencyCode")
            .map(|c| c.text().to_owned());
        let mut found: Vec<(Rule, String)> = Vec::new();
        let root = self.root;
        let base = self.base.clone();
        walk(root, &base, &mut |el, path, parent| {
            let name = el.name.as_str();
            if el.children.is_empty() && el.text().is_empty() {
                found.push((R008, path.to_owned()));
            }
            if is_decimal_valued(name)
                && !el.text().is_empty()
                && Decimal::parse(el.text()).is_none()
            {
                found.push((XSD_DECIMAL, path.to_owned()));
            }
            if matches!(
                name,
                "IssueDate"
                    | "DueDate"
                    | "TaxPointDate"
                    | "StartDate"
                    | "EndDate"
                    | "ActualDeliveryDate"
            ) && !is_date(&el.raw_text)
            {
                found.push((F001, path.to_owned()));
            }
            if carries_document_currency(el, parent)
                && el.attr("currencyID").map(str::trim) != currency.as_deref()
            {
                found.push((R051, format!("{path}/@currencyID")));
            }
            if name == "IdentificationCode"
                && parent.name == "Country"
                && !listed(codes::COUNTRY_CODES, el.text())
            {
                found.push((BR_CL_14, path.to_owned()));
            }
            if matches!(
                name,
                "InvoicedQuantity" | "BaseQuantity" | "CreditedQuantity"
            ) && let Some(unit) = el.attr("unitCode")
            {
                let unit = normalize_space(unit);
                if unit.contains(' ') || !codes::is_unit_code(&unit) {
                    found.push((BR_CL_23, format!("{path}/@unitCode")));
                }
            }
            if name == "PartyTaxScheme" && is_vat(el) {
                let prefix: String = el
                    .text_at(&["CompanyID"])
                    .unwrap_or_default()
                    .chars()
                    .take(2)
                    .collect();
                let allowed = format!(" {} EL ", codes::COUNTRY_CODES);
                if !allowed.contains(&prefix) {
                    found.push((BR_CO_09, format!("{path}/cbc:CompanyID")));
                }
            }
            if name == "PaymentMeans"
                && matches!(
                    normalize_space(el.text_at(&["PaymentMeansCode"]).unwrap_or_default()).as_str(),
                    "49" | "59"
                )
                && el.at(&["PaymentMandate", "ID"]).is_none()
            {
                found.push((R061, format!("{path}/cac:PaymentMandate/cbc:ID")));
            }
            if let Some(scheme) = el.attr("schemeID") {
                let identifier = name == "EndpointID"
                    || name == "CompanyID"
                    || (name == "ID" && parent.name == "PartyIdentification");
                if identifier && let Some(rule) = identifier_rule(scheme, &el.raw_text) {
                    found.push((rule, path.to_owned()));
                }
                if name == "EndpointID" {
                    if !listed(codes::PEPPOL_EAS, scheme) {
                        found.push((CL008, format!("{path}/@schemeID")));
                    }
                    let scheme = normalize_space(scheme);
                    if scheme.contains(' ') || !listed(codes::CEN_EAS, &scheme) {
                        found.push((BR_CL_25, format!("{path}/@schemeID")));
                    }
                }
            }
        });
        for (rule, path) in found {
            self.fail(rule, path);
        }
    }
}

/// The Peppol rule for an identifier in `scheme` that `raw` (the text as written) breaks, if
/// any. Each rule reads the value as its expression does: R042 takes `string()` as it is,
/// the others `normalize-space()`. R044, R045 and R047 are warnings: an Italian identifier
/// in an odd shape is reported, not refused.
pub(super) fn identifier_rule(scheme: &str, raw: &str) -> Option<Rule> {
    let value = normalize_space(raw);
    let value = value.as_str();
    let (rule, valid) = match scheme {
        "0088" => (COMMON_R040, codes::gln(value)),
        "0192" => (COMMON_R041, codes::norwegian_organisation_number(value)),
        "0184" => (COMMON_R042, codes::danish_cvr(raw)),
        "0208" => (COMMON_R043, codes::belgian_enterprise_number(value)),
        "0201" => (COMMON_R044, codes::italian_ipa_code(value)),
        "0210" => (COMMON_R045, codes::italian_codice_fiscale(value)),
        "0211" => (COMMON_R047, codes::italian_partita_iva(value)),
        "0007" => (COMMON_R049, codes::swedish_organisation_number(value)),
        "0151" => (COMMON_R050, codes::australian_business_number(value)),
        _ => return None,
    };
    (!valid).then_some(rule)
}

/// The amounts PEPPOL-EN16931-R051 holds to the document currency: all of them except a
/// `TaxTotal/TaxAmount` without subtotals (BT-111, the VAT total in accounting currency).
fn carries_document_currency(el: &Element, parent: &Element) -> bool {
    match el.name.as_str() {
        "Amount"
        | "BaseAmount"
        | "PriceAmount"
        | "TaxableAmount"
        | "LineExtensionAmount"
        | "TaxExclusiveAmount"
        | "TaxInclusiveAmount"
        | "AllowanceTotalAmount"
        | "ChargeTotalAmount"
        | "PrepaidAmount"
        | "PayableRoundingAmount"
        | "PayableAmount" => true,
        "TaxAmount" => {
            parent.name == "TaxSubtotal"
                || (parent.name == "TaxTotal" && parent.child("TaxSubtotal").is_some())
        }
        _ => false,
    }
}

/// Elements the UBL schema types as decimals (amounts, quantities, rates).
fn is_decimal_valued(name: &str) -> bool {
    name.ends_with("Amount")
        || name.ends_with("Quantity")
        || matches!(name, "Percent" | "MultiplierFactorNumeric")
}

/// `$profile` of the Peppol Schematron: the `NN` of a ProfileID that contains
/// `urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0` (the expression uses an unanchored
/// `matches`, then takes the seventh `:`-separated token).
fn profile(root: &Element) -> Option<String> {
    let value = normalize_space(root.text_at(&["ProfileID"])?);
    let found = value.match_indices(PROFILE_PREFIX).any(|(i, _)| {
        let rest = &value.as_bytes()[i + PROFILE_PREFIX.len()..];
        rest.len() >= 6
            && rest[0].is_ascii_digit()
            && rest[1].is_ascii_digit()
            && rest[2] == b':'
            && rest[3] == b'1'
            && rest[5] == b'0'
    });
    found.then(|| value.split(':').nth(6).unwrap_or_default().to_owned())
}

/// `string-length(text()) = 10 and (string(.) castable as xs:date)`: exactly `YYYY-MM-DD`,
/// a real calendar day, no time zone, no surrounding whitespace.
fn is_date(raw: &str) -> bool {
    let b = raw.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    let (year, month, day) = (&raw[0..4], &raw[5..7], &raw[8..10]);
    if !digits(year) || !digits(month) || !digits(day) {
        return false;
    }
    match (year.parse::<i16>(), month.parse::<i8>(), day.parse::<i8>()) {
        (Ok(y), Ok(m), Ok(d)) => y > 0 && jiff::civil::Date::new(y, m, d).is_ok(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_exactly_yyyy_mm_dd() {
        assert!(is_date("2026-10-07"));
        assert!(is_date("2028-02-29"));
        assert!(!is_date("2026-02-29"));
        assert!(!is_date("2026-10-7"));
        assert!(!is_date(" 2026-10-07"));
        assert!(!is_date("2026-10-07Z"));
        assert!(!is_date("07.10.2026"));
    }

    #[test]
    fn reads_the_profile_number() {
        let root = |p: &str| Element {
            children: vec![Element {
                name: "ProfileID".into(),
                raw_text: p.into(),
                ..Element::default()
            }],
            ..Element::default()
        };
        let of = |p: &str| profile(&root(p));
        assert_eq!(
            of("urn:fdc:peppol.eu:2017:poacc:billing:01:1.0").as_deref(),
            Some("01")
        );
        assert_eq!(
            of(" urn:fdc:peppol.eu:2017:poacc:billing:03:1.0 ").as_deref(),
            Some("03")
        );
        assert_eq!(of("urn:fdc:peppol.eu:2017:poacc:billing:1:1.0"), None);
        assert_eq!(of("urn:fdc:peppol.eu:2017:poacc:selfbilling:01:1.0"), None);
    }
}
