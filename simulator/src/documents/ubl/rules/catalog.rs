//! Every rule eisim checks, with its official ID, flag and assertion text (the CEN texts
//! without their `[ID]-` prefix), in one place so the list can be read at a glance.
//!
//! The flag travels with the rule so that a check only says "this rule is broken here"; a
//! warning rule (the Italian identifier formats) then reports without refusing, as in BIS
//! Billing 3.0, where only fatal assertions stop a document.

use super::super::super::Severity;

/// One Schematron assertion as eisim reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Rule {
    pub(super) id: &'static str,
    pub(super) flag: Severity,
    pub(super) text: &'static str,
}

/// Declares each rule as a constant and, for the tests, the list of them all, so that a rule
/// cannot be added without the fixture check seeing it.
macro_rules! catalog {
    ($($(#[$doc:meta])* $name:ident = $flag:ident($id:literal, $text:literal);)*) => {
        $(
            $(#[$doc])*
            pub(super) const $name: Rule = Rule { id: $id, flag: Severity::$flag, text: $text };
        )*

        /// Every rule above.
        pub(super) const ALL: &[Rule] = &[$($name),*];
    };
}

catalog! {
    BR_01 = Fatal("BR-01", "An Invoice shall have a Specification identifier (BT-24).");
    BR_02 = Fatal("BR-02", "An Invoice shall have an Invoice number (BT-1).");
    BR_03 = Fatal("BR-03", "An Invoice shall have an Invoice issue date (BT-2).");
    BR_04 = Fatal("BR-04", "An Invoice shall have an Invoice type code (BT-3).");
    BR_05 = Fatal("BR-05", "An Invoice shall have an Invoice currency code (BT-5).");
    BR_06 = Fatal("BR-06", "An Invoice shall contain the Seller name (BT-27).");
    BR_07 = Fatal("BR-07", "An Invoice shall contain the Buyer name (BT-44).");
    BR_08 = Fatal("BR-08", "An Invoice shall contain the Seller postal address.");
    BR_09 = Fatal(
        "BR-09",
        "The Seller postal address (BG-5) shall contain a Seller country code (BT-40)."
    );
    BR_10 = Fatal("BR-10", "An Invoice shall contain the Buyer postal address (BG-8).");
    BR_11 = Fatal("BR-11", "The Buyer postal address shall contain a Buyer country code (BT-55).");
    BR_12 = Fatal("BR-12", "An Invoice shall have the Sum of Invoice line net amount (BT-106).");
    BR_13 = Fatal("BR-13", "An Invoice shall have the Invoice total amount without VAT (BT-109).");
    BR_14 = Fatal("BR-14", "An Invoice shall have the Invoice total amount with VAT (BT-112).");
    BR_15 = Fatal("BR-15", "An Invoice shall have the Amount due for payment (BT-115).");
    BR_16 = Fatal("BR-16", "An Invoice shall have at least one Invoice line (BG-25)");
    BR_21 = Fatal(
        "BR-21",
        "Each Invoice line (BG-25) shall have an Invoice line identifier (BT-126)."
    );
    BR_22 = Fatal("BR-22", "Each Invoice line (BG-25) shall have an Invoiced quantity (BT-129).");
    BR_23 = Fatal(
        "BR-23",
        "An Invoice line (BG-25) shall have an Invoiced quantity unit of measure code (BT-130)."
    );
    BR_24 = Fatal(
        "BR-24",
        "Each Invoice line (BG-25) shall have an Invoice line net amount (BT-131)."
    );
    BR_25 = Fatal("BR-25", "Each Invoice line (BG-25) shall contain the Item name (BT-153).");
    BR_26 = Fatal("BR-26", "Each Invoice line (BG-25) shall contain the Item net price (BT-146).");
    BR_27 = Fatal("BR-27", "The Item net price (BT-146) shall NOT be negative.");
    BR_28 = Fatal("BR-28", "The Item gross price (BT-148) shall NOT be negative.");
    BR_62 = Fatal("BR-62", "The Seller electronic address (BT-34) shall have a Scheme identifier.");
    BR_63 = Fatal("BR-63", "The Buyer electronic address (BT-49) shall have a Scheme identifier.");
    BR_CO_09 = Fatal(
        "BR-CO-09",
        "The Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) \
        and the Buyer VAT identifier (BT-48) shall have a prefix in accordance with ISO code ISO \
        3166-1 alpha-2 by which the country of issue may be identified. Nevertheless, Greece may \
        use the prefix ‘EL’."
    );
    BR_CO_10 = Fatal(
        "BR-CO-10",
        "Sum of Invoice line net amount (BT-106) = Σ Invoice line net amount (BT-131)."
    );
    BR_CO_11 = Fatal(
        "BR-CO-11",
        "Sum of allowances on document level (BT-107) = Σ Document level allowance amount \
        (BT-92)."
    );
    BR_CO_12 = Fatal(
        "BR-CO-12",
        "Sum of charges on document level (BT-108) = Σ Document level charge amount (BT-99)."
    );
    BR_CO_13 = Fatal(
        "BR-CO-13",
        "Invoice total amount without VAT (BT-109) = Σ Invoice line net amount (BT-131) - Sum of \
        allowances on document level (BT-107) + Sum of charges on document level (BT-108)."
    );
    BR_CO_14 = Fatal(
        "BR-CO-14",
        "Invoice total VAT amount (BT-110) = Σ VAT category tax amount (BT-117)."
    );
    BR_CO_15 = Fatal(
        "BR-CO-15",
        "Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + \
        Invoice total VAT amount (BT-110)."
    );
    BR_CO_16 = Fatal(
        "BR-CO-16",
        "Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) -Paid amount \
        (BT-113) +Rounding amount (BT-114)."
    );
    BR_CO_17 = Fatal(
        "BR-CO-17",
        "VAT category tax amount (BT-117) = VAT category taxable amount (BT-116) x (VAT category \
        rate (BT-119) / 100), rounded to two decimals."
    );
    BR_CO_25 = Fatal(
        "BR-CO-25",
        "In case the Amount due for payment (BT-115) is positive, either the Payment due date \
        (BT-9) or the Payment terms (BT-20) shall be present."
    );
    BR_CO_26 = Fatal(
        "BR-CO-26",
        "In order for the buyer to automatically identify a supplier, the Seller identifier \
        (BT-29), the Seller legal registration identifier (BT-30) and/or the Seller VAT \
        identifier (BT-31) shall be present."
    );
    BR_S_02 = Fatal(
        "BR-S-02",
        "An Invoice that contains an Invoice line (BG-25) where the Invoiced item VAT category \
        code (BT-151) is \"Standard rated\" shall contain the Seller VAT Identifier (BT-31), the \
        Seller tax registration identifier (BT-32) and/or the Seller tax representative VAT \
        identifier (BT-63)."
    );
    BR_S_08 = Fatal(
        "BR-S-08",
        "For each different value of VAT category rate (BT-119) where the VAT category code \
        (BT-118) is \"Standard rated\", the VAT category taxable amount (BT-116) in a VAT \
        breakdown (BG-23) shall equal the sum of Invoice line net amounts (BT-131) plus the sum \
        of document level charge amounts (BT-99) minus the sum of document level allowance \
        amounts (BT-92) where the VAT category code (BT-151, BT-102, BT-95) is \"Standard rated\" \
        and the VAT rate (BT-152, BT-103, BT-96) equals the VAT category rate (BT-119)."
    );
    BR_AE_08 = Fatal(
        "BR-AE-08",
        "In a VAT breakdown (BG-23) where the VAT category code (BT-118) is \"Reverse charge\" \
        the VAT category taxable amount (BT-116) shall equal the sum of Invoice line net amounts \
        (BT-131) minus the sum of Document level allowance amounts (BT-92) plus the sum of \
        Document level charge amounts (BT-99) where the VAT category codes (BT-151, BT-95, \
        BT-102) are \"Reverse charge\"."
    );
    BR_AE_09 = Fatal(
        "BR-AE-09",
        "The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where the VAT category \
        code (BT-118) is \"Reverse charge\" shall be 0 (zero)."
    );
    BR_AE_10 = Fatal(
        "BR-AE-10",
        "A VAT breakdown (BG-23) with VAT Category code (BT-118) \"Reverse charge\" shall have a \
        VAT exemption reason code (BT-121), meaning \"Reverse charge\" or the VAT exemption \
        reason text (BT-120) \"Reverse charge\" (or the equivalent standard text in another \
        language)."
    );
    BR_E_08 = Fatal(
        "BR-E-08",
        "In a VAT breakdown (BG-23) where the VAT category code (BT-118) is \"Exempt from VAT\" \
        the VAT category taxable amount (BT-116) shall equal the sum of Invoice line net amounts \
        (BT-131) minus the sum of Document level allowance amounts (BT-92) plus the sum of \
        Document level charge amounts (BT-99) where the VAT category codes (BT-151, BT-95, \
        BT-102) are \"Exempt from VAT\"."
    );
    BR_E_09 = Fatal(
        "BR-E-09",
        "The VAT category tax amount (BT-117) In a VAT breakdown (BG-23) where the VAT category \
        code (BT-118) equals \"Exempt from VAT\" shall equal 0 (zero)."
    );
    BR_E_10 = Fatal(
        "BR-E-10",
        "A VAT breakdown (BG-23) with VAT Category code (BT-118) \"Exempt from VAT\" shall have a \
        VAT exemption reason code (BT-121) or a VAT exemption reason text (BT-120)."
    );
    BR_Z_08 = Fatal(
        "BR-Z-08",
        "In a VAT breakdown (BG-23) where VAT category code (BT-118) is \"Zero rated\" the VAT \
        category taxable amount (BT-116) shall equal the sum of Invoice line net amount (BT-131) \
        minus the sum of Document level allowance amounts (BT-92) plus the sum of Document level \
        charge amounts (BT-99) where the VAT category codes (BT-151, BT-95, BT-102) are \"Zero \
        rated\"."
    );
    BR_Z_09 = Fatal(
        "BR-Z-09",
        "The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where VAT category code \
        (BT-118) is \"Zero rated\" shall equal 0 (zero)."
    );
    BR_Z_10 = Fatal(
        "BR-Z-10",
        "A VAT breakdown (BG-23) with VAT Category code (BT-118) \"Zero rated\" shall not have a \
        VAT exemption reason code (BT-121) or VAT exemption reason text (BT-120)."
    );
    BR_O_08 = Fatal(
        "BR-O-08",
        "In a VAT breakdown (BG-23) where the VAT category code (BT-118) is \" Not subject to \
        VAT\" the VAT category taxable amount (BT-116) shall equal the sum of Invoice line net \
        amounts (BT-131) minus the sum of Document level allowance amounts (BT-92) plus the sum \
        of Document level charge amounts (BT-99) where the VAT category codes (BT-151, BT-95, \
        BT-102) are \"Not subject to VAT\"."
    );
    BR_O_09 = Fatal(
        "BR-O-09",
        "The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where the VAT category \
        code (BT-118) is \"Not subject to VAT\" shall be 0 (zero)."
    );
    BR_O_10 = Fatal(
        "BR-O-10",
        "A VAT breakdown (BG-23) with VAT Category code (BT-118) \" Not subject to VAT\" shall \
        have a VAT exemption reason code (BT-121), meaning \" Not subject to VAT\" or a VAT \
        exemption reason text (BT-120) \" Not subject to VAT\" (or the equivalent standard text \
        in another language)."
    );
    BR_O_11 = Fatal(
        "BR-O-11",
        "An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) \
        \"Not subject to VAT\" shall not contain other VAT breakdown groups (BG-23)."
    );
    BR_DEC_23 = Fatal(
        "BR-DEC-23",
        "The allowed maximum number of decimals for the Invoice line net amount (BT-131) is 2."
    );
    BR_CL_14 = Fatal(
        "BR-CL-14",
        "Country codes in an invoice MUST be coded using ISO code list 3166-1"
    );
    BR_CL_23 = Fatal(
        "BR-CL-23",
        "Unit code MUST be coded according to the UN/ECE Recommendation 20 with Rec 21 extension"
    );
    BR_CL_25 = Fatal(
        "BR-CL-25",
        "Endpoint identifier scheme identifier MUST belong to the CEF EAS code list"
    );
    R001 = Fatal("PEPPOL-EN16931-R001", "Business process MUST be provided.");
    R002 = Fatal(
        "PEPPOL-EN16931-R002",
        "No more than one note is allowed on document level, unless both the buyer and seller are \
        German organizations."
    );
    R003 = Fatal(
        "PEPPOL-EN16931-R003",
        "A buyer reference or purchase order reference MUST be provided."
    );
    R004 = Fatal(
        "PEPPOL-EN16931-R004",
        "Specification identifier MUST have the value \
        'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0'."
    );
    R007 = Fatal(
        "PEPPOL-EN16931-R007",
        "Business process MUST be in the format 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0' \
        where NN indicates the process number."
    );
    R008 = Fatal("PEPPOL-EN16931-R008", "Document MUST not contain empty elements.");
    R010 = Fatal("PEPPOL-EN16931-R010", "Buyer electronic address MUST be provided");
    R020 = Fatal("PEPPOL-EN16931-R020", "Seller electronic address MUST be provided");
    R040 = Fatal(
        "PEPPOL-EN16931-R040",
        "Allowance/charge amount must equal base amount * percentage/100 if base amount and \
        percentage exists"
    );
    R041 = Fatal(
        "PEPPOL-EN16931-R041",
        "Allowance/charge base amount MUST be provided when allowance/charge percentage is \
        provided."
    );
    R042 = Fatal(
        "PEPPOL-EN16931-R042",
        "Allowance/charge percentage MUST be provided when allowance/charge base amount is \
        provided."
    );
    R043 = Fatal(
        "PEPPOL-EN16931-R043",
        "Allowance/charge ChargeIndicator value MUST equal 'true' or 'false'"
    );
    R046 = Fatal(
        "PEPPOL-EN16931-R046",
        "Item net price MUST equal (Gross price - Allowance amount) when gross price is \
        provided."
    );
    R051 = Fatal(
        "PEPPOL-EN16931-R051",
        "All currencyID attributes must have the same value as the invoice currency code (BT-5), \
        except for the invoice total VAT amount in accounting currency (BT-111)."
    );
    R053 = Fatal("PEPPOL-EN16931-R053", "Only one tax total with tax subtotals MUST be provided.");
    R061 = Fatal("PEPPOL-EN16931-R061", "Mandate reference MUST be provided for direct debit.");
    R120 = Fatal(
        "PEPPOL-EN16931-R120",
        "Invoice line net amount MUST equal (Invoiced quantity * (Item net price/item price base \
        quantity) + Sum of invoice line charge amount - sum of invoice line allowance amount"
    );
    R121 = Fatal("PEPPOL-EN16931-R121", "Base quantity MUST be a positive number above zero.");
    R130 = Fatal(
        "PEPPOL-EN16931-R130",
        "Unit code of price base quantity MUST be same as invoiced quantity."
    );
    P0100 = Fatal(
        "PEPPOL-EN16931-P0100",
        "Invoice type code MUST be set according to the profile."
    );
    P0101 = Fatal(
        "PEPPOL-EN16931-P0101",
        "Credit note type code MUST be set according to the profile."
    );
    F001 = Fatal("PEPPOL-EN16931-F001", "A date MUST be formatted YYYY-MM-DD.");
    CL008 = Fatal(
        "PEPPOL-EN16931-CL008",
        "Electronic address identifier scheme must be from the codelist \"Electronic Address \
        Identifier Scheme\""
    );
    COMMON_R040 = Fatal(
        "PEPPOL-COMMON-R040",
        "GLN must have a valid format according to GS1 rules."
    );
    COMMON_R041 = Fatal(
        "PEPPOL-COMMON-R041",
        "Norwegian organization number MUST be stated in the correct format."
    );
    COMMON_R042 = Fatal(
        "PEPPOL-COMMON-R042",
        "Danish organization number (CVR) MUST be stated in the correct format."
    );
    COMMON_R043 = Fatal(
        "PEPPOL-COMMON-R043",
        "Belgian enterprise number MUST be stated in the correct format."
    );
    COMMON_R044 = Warning(
        "PEPPOL-COMMON-R044",
        "IPA Code (Codice Univoco Unità Organizzativa) must be stated in the correct format"
    );
    COMMON_R045 = Warning(
        "PEPPOL-COMMON-R045",
        "Tax Code (Codice Fiscale) must be stated in the correct format"
    );
    COMMON_R047 = Warning(
        "PEPPOL-COMMON-R047",
        "Italian VAT Code (Partita Iva) must be stated in the correct format"
    );
    COMMON_R049 = Fatal(
        "PEPPOL-COMMON-R049",
        "Swedish organization number MUST be stated in the correct format."
    );
    COMMON_R050 = Fatal(
        "PEPPOL-COMMON-R050",
        "Australian Business Number (ABN) MUST be stated in the correct format."
    );
    /// Not a Schematron rule: the UBL 2.1 schema refuses a non-decimal amount before any
    /// business rule runs, and the Schematron could not evaluate one either.
    XSD_DECIMAL = Fatal("XSD", "The value is not an xs:decimal, as the UBL 2.1 schema requires.");
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// The IDs the Peppol fixture sidecars expect, under `rules` (fatal) and `warnings`.
    fn expected_by_fixtures() -> (BTreeSet<String>, BTreeSet<String>) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/peppol");
        let mut fatal = BTreeSet::new();
        let mut warnings = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if !path.to_string_lossy().ends_with(".expected.json") {
                continue;
            }
            let sidecar: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            for (key, set) in [("rules", &mut fatal), ("warnings", &mut warnings)] {
                let ids = sidecar[key].as_array().into_iter().flatten();
                set.extend(ids.filter_map(|id| id.as_str()).map(str::to_owned));
            }
        }
        (fatal, warnings)
    }

    #[test]
    fn every_rule_has_a_fixture_that_expects_it() {
        let (fatal, warnings) = expected_by_fixtures();
        let missing: Vec<&str> = ALL
            .iter()
            .filter(|rule| match rule.flag {
                Severity::Fatal => !fatal.contains(rule.id),
                Severity::Warning => !warnings.contains(rule.id),
            })
            .map(|rule| rule.id)
            .collect();
        assert!(missing.is_empty(), "rules no fixture expects: {missing:?}");
    }

    #[test]
    fn rule_ids_are_unique() {
        let ids: BTreeSet<&str> = ALL.iter().map(|rule| rule.id).collect();
        assert_eq!(ids.len(), ALL.len());
    }
}
