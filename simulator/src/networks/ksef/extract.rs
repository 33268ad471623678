//! Reads an accepted FA(3) invoice for its repository entry: what `documents::inspect`
//! keeps (seller, buyer NIP, number, kind) is not enough for the metadata buyers query on
//! (names, other identifiers, third parties, amounts, attachment, self-invoicing), and widening
//! the gateway's `Facts` for KSeF alone would change what every network reports. So the
//! invoice is read once more here, when it gets its KSeF number, through the same hardened
//! reader.

use jiff::Timestamp;
use jiff::civil::Date;

use super::metadata::{AuthorizedSubject, Identifier, InvoiceMetadata, ThirdSubject};
use crate::civil_time::central_european_date;
use crate::xml::{self, Element};

/// What KSeF itself adds to the invoice's own content.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    pub(crate) ksef_number: String,
    pub(crate) invoicing_date: Timestamp,
    pub(crate) acquisition_date: Timestamp,
    pub(crate) permanent_storage_date: Timestamp,
    pub(crate) offline: bool,
    pub(crate) invoice_hash: String,
}

/// The repository entry of an accepted invoice; `None` for bytes that are not XML (an
/// accepted invoice always is).
pub(crate) fn describe(bytes: &[u8], stamp: Stamp) -> Option<InvoiceMetadata> {
    let doc = xml::parse(bytes).ok()?;
    let root = &doc.root;
    let text = |path: &[&str]| {
        root.text_at(path)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let amount = |names: &[&str]| -> f64 {
        names
            .iter()
            .filter_map(|name| root.text_at(&["Fa", name]))
            .filter_map(|v| v.trim().parse::<f64>().ok())
            .sum()
    };
    let currency = text(&["Fa", "KodWaluty"]).unwrap_or_else(|| "PLN".to_owned());
    let net = amount(&NET);
    // VAT "wyrażona w PLN": a foreign-currency invoice carries the PLN amounts in P_14_xW.
    let vat = if currency == "PLN" {
        amount(&VAT)
    } else {
        VAT.iter()
            .map(|name| {
                let converted = format!("{name}W");
                root.text_at(&["Fa", &converted])
                    .or_else(|| root.text_at(&["Fa", name]))
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .unwrap_or(0.0)
            })
            .sum()
    };
    let header = root.at(&["Naglowek", "KodFormularza"]);
    let form_code = (
        header
            .and_then(|e| e.attr("kodSystemowy"))
            .unwrap_or("FA (3)")
            .to_owned(),
        header
            .and_then(|e| e.attr("wersjaSchemy"))
            .unwrap_or("1-0E")
            .to_owned(),
        header
            .map(|e| e.text().trim().to_owned())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "FA".to_owned()),
    );
    let issue_date = text(&["Fa", "P_1"])
        .and_then(|d| d.parse::<Date>().ok())
        .unwrap_or_else(|| central_european_date(stamp.acquisition_date));
    Some(InvoiceMetadata {
        ksef_number: stamp.ksef_number,
        invoice_number: text(&["Fa", "P_2"]).unwrap_or_default(),
        issue_date,
        invoicing_date: stamp.invoicing_date,
        acquisition_date: stamp.acquisition_date,
        permanent_storage_date: stamp.permanent_storage_date,
        seller_nip: text(&["Podmiot1", "DaneIdentyfikacyjne", "NIP"]).unwrap_or_default(),
        seller_name: text(&["Podmiot1", "DaneIdentyfikacyjne", "Nazwa"]),
        buyer: root
            .at(&["Podmiot2", "DaneIdentyfikacyjne"])
            .map_or(NONE, identifier),
        buyer_name: text(&["Podmiot2", "DaneIdentyfikacyjne", "Nazwa"]),
        net_amount: round(net),
        gross_amount: round(amount(&["P_15"])),
        vat_amount: round(vat),
        currency,
        offline: stamp.offline,
        invoice_type: invoice_type(&text(&["Fa", "RodzajFaktury"]).unwrap_or_default()),
        form_code,
        self_invoicing: text(&["Fa", "Adnotacje", "P_17"]).as_deref() == Some("1"),
        has_attachment: root.child("Zalacznik").is_some(),
        invoice_hash: stamp.invoice_hash,
        third_subjects: root
            .children_named("Podmiot3")
            .map(|third| ThirdSubject {
                identifier: third.child("DaneIdentyfikacyjne").map_or(NONE, identifier),
                name: third
                    .text_at(&["DaneIdentyfikacyjne", "Nazwa"])
                    .map(|v| v.trim().to_owned()),
                role: third
                    .text_at(&["Rola"])
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0),
            })
            .collect(),
        authorized: root.child("PodmiotUpowazniony").and_then(|pu| {
            Some(AuthorizedSubject {
                nip: pu
                    .text_at(&["DaneIdentyfikacyjne", "NIP"])?
                    .trim()
                    .to_owned(),
                name: pu
                    .text_at(&["DaneIdentyfikacyjne", "Nazwa"])
                    .map(|v| v.trim().to_owned()),
                role: pu
                    .text_at(&["RolaPU"])
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0),
            })
        }),
    })
}

const NONE: Identifier = Identifier {
    kind: "None",
    value: None,
};

/// The net amounts of every VAT rate and of the exempt, reverse-charge and out-of-scope
/// supplies (`P_13_*`).
const NET: [&str; 13] = [
    "P_13_1", "P_13_2", "P_13_3", "P_13_4", "P_13_5", "P_13_6_1", "P_13_6_2", "P_13_6_3", "P_13_7",
    "P_13_8", "P_13_9", "P_13_10", "P_13_11",
];
const VAT: [&str; 5] = ["P_14_1", "P_14_2", "P_14_3", "P_14_4", "P_14_5"];

fn round(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// `DaneIdentyfikacyjne` of Podmiot2 or Podmiot3: NIP, an internal id, an EU VAT number,
/// another id, or none.
fn identifier(data: &Element) -> Identifier {
    let value = |name: &str| {
        data.text_at(&[name])
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    if let Some(nip) = value("NIP") {
        return Identifier {
            kind: "Nip",
            value: Some(nip.to_owned()),
        };
    }
    if let Some(internal) = value("IDWew") {
        return Identifier {
            kind: "InternalId",
            value: Some(internal.to_owned()),
        };
    }
    if let Some(vat) = value("NrVatUE") {
        return Identifier {
            kind: "VatUe",
            value: Some(format!("{}{vat}", value("KodUE").unwrap_or_default())),
        };
    }
    if let Some(other) = value("NrID") {
        return Identifier {
            kind: "Other",
            value: Some(format!("{}{other}", value("KodKraju").unwrap_or_default())),
        };
    }
    NONE
}

/// FA(3)'s `RodzajFaktury` as the OpenAPI's `InvoiceType`.
fn invoice_type(kind: &str) -> &'static str {
    match kind {
        "ZAL" => "Zal",
        "KOR" => "Kor",
        "ROZ" => "Roz",
        "UPR" => "Upr",
        "KOR_ZAL" => "KorZal",
        "KOR_ROZ" => "KorRoz",
        _ => "Vat",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_minimal_fixture_reads_as_a_vat_invoice_to_a_nip() {
        let bytes = include_bytes!("../../../../fixtures/ksef/fa3-minimal.xml");
        let at: Timestamp = "2026-11-02T09:00:00Z".parse().unwrap();
        let meta = describe(
            bytes,
            Stamp {
                ksef_number: "n".into(),
                invoicing_date: at,
                acquisition_date: at,
                permanent_storage_date: at,
                offline: false,
                invoice_hash: "h".into(),
            },
        )
        .unwrap();
        assert_eq!(meta.invoice_number, "FV/2026/10/001");
        assert_eq!(meta.buyer.nip(), Some("5261040828"));
        assert_eq!(meta.seller_nip, "5265877635");
        assert_eq!(
            (meta.net_amount, meta.vat_amount, meta.gross_amount),
            (1000.0, 230.0, 1230.0)
        );
        assert_eq!(meta.invoice_type, "Vat");
        assert!(!meta.has_attachment);
        assert_eq!(meta.form_code.0, "FA (3)");
    }
}
