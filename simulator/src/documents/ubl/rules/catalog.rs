//! Every rule eisim checks, with its official ID and assertion text (the CEN texts without
//! their `[ID]-` prefix), in one place so the list can be read at a glance.

pub(super) type Rule = (&'static str, &'static str);

pub(super) const BR_01: Rule = (
    "BR-01",
    "An Invoice shall have a Specification identifier (BT-24).",
);
pub(super) const BR_02: Rule = ("BR-02", "An Invoice shall have an Invoice number (BT-1).");
pub(super) const BR_03: Rule = (
    "BR-03",
    "An Invoice shall have an Invoice issue date (BT-2).",
);
pub(super) const BR_04: Rule = (
    "BR-04",
    "An Invoice shall have an Invoice type code (BT-3).",
);
pub(super) const BR_05: Rule = (
    "BR-05",
    "An Invoice shall have an Invoice currency code (BT-5).",
);
pub(super) const BR_06: Rule = ("BR-06", "An Invoice shall contain the Seller name (BT-27).");
pub(super) const BR_07: Rule = ("BR-07", "An Invoice shall contain the Buyer name (BT-44).");
pub(super) const BR_08: Rule = (
    "BR-08",
    "An Invoice shall contain the Seller postal address.",
);
pub(super) const BR_09: Rule = (
    "BR-09",
    "The Seller postal address (BG-5) shall contain a Seller country code (BT-40).",
);
pub(super) const BR_10: Rule = (
    "BR-10",
    "An Invoice shall contain the Buyer postal address (BG-8).",
);
pub(super) const BR_11: Rule = (
    "BR-11",
    "The Buyer postal address shall contain a Buyer country code (BT-55).",
);
pub(super) const BR_12: Rule = (
    "BR-12",
    "An Invoice shall have the Sum of Invoice line net amount (BT-106).",
);
pub(super) const BR_13: Rule = (
    "BR-13",
    "An Invoice shall have the Invoice total amount without VAT (BT-109).",
);
pub(super) const BR_14: Rule = (
    "BR-14",
    "An Invoice shall have the Invoice total amount with VAT (BT-112).",
);
pub(super) const BR_15: Rule = (
    "BR-15",
    "An Invoice shall have the Amount due for payment (BT-115).",
);
pub(super) const BR_16: Rule = (
    "BR-16",
    "An Invoice shall have at least one Invoice line (BG-25)",
);
pub(super) const BR_21: Rule = (
    "BR-21",
    "Each Invoice line (BG-25) shall have an Invoice line identifier (BT-126).",
);
pub(super) const BR_22: Rule = (
    "BR-22",
    "Each Invoice line (BG-25) shall have an Invoiced quantity (BT-129).",
);
pub(super) const BR_23: Rule = (
    "BR-23",
    "An Invoice line (BG-25) shall have an Invoiced quantity unit of measure code (BT-130).",
);
pub(super) const BR_24: Rule = (
    "BR-24",
    "Each Invoice line (BG-25) shall have an Invoice line net amount (BT-131).",
);
pub(super) const BR_25: Rule = (
    "BR-25",
    "Each Invoice line (BG-25) shall contain the Item name (BT-153).",
);
pub(super) const BR_26: Rule = (
    "BR-26",
    "Each Invoice line (BG-25) shall contain the Item net price (BT-146).",
);
pub(super) const BR_62: Rule = (
    "BR-62",
    "The Seller electronic address (BT-34) shall have a Scheme identifier.",
);
pub(super) const BR_63: Rule = (
    "BR-63",
    "The Buyer electronic address (BT-49) shall have a Scheme identifier.",
);
pub(super) const BR_CO_09: Rule = (
    "BR-CO-09",
    "The Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) \
     and the Buyer VAT identifier (BT-48) shall have a prefix in accordance with ISO code ISO \
     3166-1 alpha-2 by which the country of issue may be identified. Nevertheless, Greece may \
     use the prefix ‘EL’.",
);
pub(super) const BR_CO_10: Rule = (
    "BR-CO-10",
    "Sum of Invoice line net amount (BT-106) = Σ Invoice line net amount (BT-131).",
);
pub(super) const BR_CO_11: Rule = (
    "BR-CO-11",
    "Sum of allowances on document level (BT-107) = Σ Document level allowance amount (BT-92).",
);
pub(super) const BR_CO_12: Rule = (
    "BR-CO-12",
    "Sum of charges on document level (BT-108) = Σ Document level charge amount (BT-99).",
);
pub(super) const BR_CO_13: Rule = (
    "BR-CO-13",
    "Invoice total amount without VAT (BT-109) = Σ Invoice line net amount (BT-131) - Sum of \
     allowances on document level (BT-107) + Sum of charges on document level (BT-108).",
);
pub(super) const BR_CO_14: Rule = (
    "BR-CO-14",
    "Invoice total VAT amount (BT-110) = Σ VAT category tax amount (BT-117).",
);
pub(super) const BR_CO_15: Rule = (
    "BR-CO-15",
    "Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + \
     Invoice total VAT amount (BT-110).",
);
pub(super) const BR_CO_16: Rule = (
    "BR-CO-16",
    "Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) -Paid amount \
     (BT-113) +Rounding amount (BT-114).",
);
pub(super) const BR_CO_17: Rule = (
    "BR-CO-17",
    "VAT category tax amount (BT-117) = VAT category taxable amount (BT-116) x (VAT category \
     rate (BT-119) / 100), rounded to two decimals.",
);
pub(super) const BR_CO_25: Rule = (
    "BR-CO-25",
    "In case the Amount due for payment (BT-115) is positive, either the Payment due date \
     (BT-9) or the Payment terms (BT-20) shall be present.",
);
pub(super) const BR_CO_26: Rule = (
    "BR-CO-26",
    "In order for the buyer to automatically identify a supplier, the Seller identifier \
     (BT-29), the Seller legal registration identifier (BT-30) and/or the Seller VAT \
     identifier (BT-31) shall be present.",
);
pub(super) const BR_S_02: Rule = (
    "BR-S-02",
    "An Invoice that contains an Invoice line (BG-25) where the Invoiced item VAT category \
     code (BT-151) is \"Standard rated\" shall contain the Seller VAT Identifier (BT-31), the \
     Seller tax registration identifier (BT-32) and/or the Seller tax representative VAT \
     identifier (BT-63).",
);
pub(super) const BR_S_08: Rule = (
    "BR-S-08",
    "For each different value of VAT category rate (BT-119) where the VAT category code \
     (BT-118) is \"Standard rated\", the VAT category taxable amount (BT-116) in a VAT \
     breakdown (BG-23) shall equal the sum of Invoice line net amounts (BT-131) plus the sum \
     of document level charge amounts (BT-99) minus the sum of document level allowance \
     amounts (BT-92) where the VAT category code (BT-151, BT-102, BT-95) is \"Standard \
     rated\" and the VAT rate (BT-152, BT-103, BT-96) equals the VAT category rate (BT-119).",
);
pub(super) const BR_E_10: Rule = (
    "BR-E-10",
    "A VAT breakdown (BG-23) with VAT Category code (BT-118) \"Exempt from VAT\" shall have a \
     VAT exemption reason code (BT-121) or a VAT exemption reason text (BT-120).",
);
pub(super) const BR_DEC_23: Rule = (
    "BR-DEC-23",
    "The allowed maximum number of decimals for the Invoice line net amount (BT-131) is 2.",
);
pub(super) const BR_CL_14: Rule = (
    "BR-CL-14",
    "Country codes in an invoice MUST be coded using ISO code list 3166-1",
);
pub(super) const BR_CL_23: Rule = (
    "BR-CL-23",
    "Unit code MUST be coded according to the UN/ECE Recommendation 20 with Rec 21 extension",
);
pub(super) const BR_CL_25: Rule = (
    "BR-CL-25",
    "Endpoint identifier scheme identifier MUST belong to the CEF EAS code list",
);
pub(super) const R001: Rule = ("PEPPOL-EN16931-R001", "Business process MUST be provided.");
pub(super) const R002: Rule = (
    "PEPPOL-EN16931-R002",
    "No more than one note is allowed on document level, unless both the buyer and seller are \
     German organizations.",
);
pub(super) const R003: Rule = (
    "PEPPOL-EN16931-R003",
    "A buyer reference or purchase order reference MUST be provided.",
);
pub(super) const R004: Rule = (
    "PEPPOL-EN16931-R004",
    "Specification identifier MUST have the value \
     'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0'.",
);
pub(super) const R007: Rule = (
    "PEPPOL-EN16931-R007",
    "Business process MUST be in the format 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0' \
     where NN indicates the process number.",
);
pub(super) const R008: Rule = (
    "PEPPOL-EN16931-R008",
    "Document MUST not contain empty elements.",
);
pub(super) const R010: Rule = (
    "PEPPOL-EN16931-R010",
    "Buyer electronic address MUST be provided",
);
pub(super) const R020: Rule = (
    "PEPPOL-EN16931-R020",
    "Seller electronic address MUST be provided",
);
pub(super) const R040: Rule = (
    "PEPPOL-EN16931-R040",
    "Allowance/charge amount must equal base amount * percentage/100 if base amount and \
     percentage exists",
);
pub(super) const R041: Rule = (
    "PEPPOL-EN16931-R041",
    "Allowance/charge base amount MUST be provided when allowance/charge percentage is \
     provided.",
);
pub(super) const R042: Rule = (
    "PEPPOL-EN16931-R042",
    "Allowance/charge percentage MUST be provided when allowance/charge base amount is \
     provided.",
);
pub(super) const R043: Rule = (
    "PEPPOL-EN16931-R043",
    "Allowance/charge ChargeIndicator value MUST equal 'true' or 'false'",
);
pub(super) const R051: Rule = (
    "PEPPOL-EN16931-R051",
    "All currencyID attributes must have the same value as the invoice currency code (BT-5), \
     except for the invoice total VAT amount in accounting currency (BT-111).",
);
pub(super) const R053: Rule = (
    "PEPPOL-EN16931-R053",
    "Only one tax total with tax subtotals MUST be provided.",
);
pub(super) const R061: Rule = (
    "PEPPOL-EN16931-R061",
    "Mandate reference MUST be provided for direct debit.",
);
pub(super) const R120: Rule = (
    "PEPPOL-EN16931-R120",
    "Invoice line net amount MUST equal (Invoiced quantity * (Item net price/item price base \
     quantity) + Sum of invoice line charge amount - sum of invoice line allowance amount",
);
pub(super) const R121: Rule = (
    "PEPPOL-EN16931-R121",
    "Base quantity MUST be a positive number above zero.",
);
pub(super) const R130: Rule = (
    "PEPPOL-EN16931-R130",
    "Unit code of price base quantity MUST be same as invoiced quantity.",
);
pub(super) const P0100: Rule = (
    "PEPPOL-EN16931-P0100",
    "Invoice type code MUST be set according to the profile.",
);
pub(super) const P0101: Rule = (
    "PEPPOL-EN16931-P0101",
    "Credit note type code MUST be set according to the profile.",
);
pub(super) const F001: Rule = (
    "PEPPOL-EN16931-F001",
    "A date MUST be formatted YYYY-MM-DD.",
);
pub(super) const CL008: Rule = (
    "PEPPOL-EN16931-CL008",
    "Electronic address identifier scheme must be from the codelist \"Electronic Address \
     Identifier Scheme\"",
);
pub(super) const COMMON_R040: Rule = (
    "PEPPOL-COMMON-R040",
    "GLN must have a valid format according to GS1 rules.",
);
pub(super) const COMMON_R041: Rule = (
    "PEPPOL-COMMON-R041",
    "Norwegian organization number MUST be stated in the correct format.",
);
pub(super) const COMMON_R043: Rule = (
    "PEPPOL-COMMON-R043",
    "Belgian enterprise number MUST be stated in the correct format.",
);
pub(super) const COMMON_R049: Rule = (
    "PEPPOL-COMMON-R049",
    "Swedish organization number MUST be stated in the correct format.",
);
pub(super) const COMMON_R050: Rule = (
    "PEPPOL-COMMON-R050",
    "Australian Business Number (ABN) MUST be stated in the correct format.",
);
/// Not a Schematron rule: the UBL 2.1 schema refuses a non-decimal amount before any
/// business rule runs, and the Schematron could not evaluate one either.
pub(super) const XSD_DECIMAL: Rule = (
    "XSD",
    "The value is not an xs:decimal, as the UBL 2.1 schema requires.",
);
