//! SDI's content checks (codes 004xx), on a document that passed the format check.
//!
//! Each check follows the pseudo-code of "Elenco dei controlli effettuati sul file fattura
//! del Sistema di Interscambio" v2.0: the same elements, the same comparisons and the same
//! tolerances (one cent for `Imposta` and `PrezzoTotale`, one euro for `ImponibileImporto`).
//! A lotto is judged as a whole: every body is checked and any finding refuses the file.

use jiff::civil::Date;

use super::super::decimal::Decimal;
use super::super::{Element, Finding, InspectionContext};
use super::format::date;
use super::{BODY, HEADER};

/// Types of document for which the supplier and the customer must differ (00471).
const SELF_INVOICE_FORBIDDEN: &[&str] = &["TD16", "TD17", "TD18", "TD19", "TD20", "TD29"];
/// Types of document issued from abroad, so the supplier cannot be Italian (00473).
const FOREIGN_SUPPLIER_ONLY: &[&str] = &["TD17", "TD18", "TD19", "TD28"];
/// Types of document that need the customer's VAT id (00475).
const NEED_CUSTOMER_VAT_ID: &[&str] = &[
    "TD16", "TD17", "TD18", "TD19", "TD20", "TD22", "TD23", "TD28", "TD29",
];

pub(super) fn check(root: &Element, context: &InspectionContext, findings: &mut Vec<Finding>) {
    let Some(header) = root.child("FatturaElettronicaHeader") else {
        return;
    };
    let parties = Parties::read(header);
    let format = header.text_at(&["DatiTrasmissione", "FormatoTrasmissione"]);
    if format.is_some() && format != root.attr("versione") {
        findings.push(Finding::fatal(
            "00428",
            format!("{HEADER}/DatiTrasmissione/FormatoTrasmissione"),
            "1.1.3 <FormatoTrasmissione> non coerente con il valore dell'attributo VERSIONE",
        ));
    }
    check_header(header, &parties, findings);
    let bodies: Vec<Body<'_>> = root
        .children_named("FatturaElettronicaBody")
        .enumerate()
        .map(|(i, el)| Body::read(el, i + 1))
        .collect();
    for body in &bodies {
        check_body(body, &parties, context, findings);
    }
    check_lotto(root, &bodies, findings);
}

/// The identifiers several rules compare.
#[derive(Debug)]
struct Parties<'a> {
    /// Supplier's IdFiscaleIVA as (IdPaese, IdCodice).
    seller: Option<(&'a str, &'a str)>,
    /// Customer's IdFiscaleIVA as (IdPaese, IdCodice).
    buyer: Option<(&'a str, &'a str)>,
}

impl<'a> Parties<'a> {
    fn read(header: &'a Element) -> Self {
        let vat = |party: &str| {
            let id = header.at(&[party, "DatiAnagrafici", "IdFiscaleIVA"])?;
            Some((id.text_at(&["IdPaese"])?, id.text_at(&["IdCodice"])?))
        };
        Self {
            seller: vat("CedentePrestatore"),
            buyer: vat("CessionarioCommittente"),
        }
    }
}

fn check_header(header: &Element, parties: &Parties<'_>, findings: &mut Vec<Finding>) {
    let buyer = header.at(&["CessionarioCommittente", "DatiAnagrafici"]);
    if buyer
        .is_some_and(|b| b.child("IdFiscaleIVA").is_none() && b.child("CodiceFiscale").is_none())
    {
        findings.push(Finding::fatal(
            "00417",
            format!("{HEADER}/CessionarioCommittente/DatiAnagrafici"),
            "1.4.1.1 <IdFiscaleIVA> e 1.4.1.2 <CodiceFiscale> non valorizzati (almeno uno dei \
             due deve essere valorizzato)",
        ));
    }

    let format = header.text_at(&["DatiTrasmissione", "FormatoTrasmissione"]);
    let code_length = header
        .text_at(&["DatiTrasmissione", "CodiceDestinatario"])
        .map(|c| c.chars().count());
    let inconsistent = match format {
        Some("FPA12") => code_length == Some(7),
        Some(_) => code_length == Some(6),
        None => false,
    };
    if inconsistent {
        findings.push(Finding::fatal(
            "00427",
            format!("{HEADER}/DatiTrasmissione/CodiceDestinatario"),
            "1.1.4 <CodiceDestinatario> di 7 caratteri non ammesso a fronte di 1.1.3 \
             <FormatoTrasmissione> con valore FPA12 o 1.1.4 <CodiceDestinatario> di 6 caratteri \
             non ammesso a fronte di 1.1.3 <FormatoTrasmissione> con valore FPR12 o FSM10",
        ));
    }

    if let (Some((seller_country, _)), Some((buyer_country, _))) = (parties.seller, parties.buyer)
        && seller_country != "IT"
        && buyer_country != "IT"
    {
        findings.push(Finding::fatal(
            "00476",
            format!("{HEADER}/CessionarioCommittente/DatiAnagrafici/IdFiscaleIVA/IdPaese"),
            "Gli elementi 1.2.1.1.1 <IdPaese> e 1.4.1.1.1 <IdPaese> non possono essere entrambi \
             valorizzati con codice diverso da IT",
        ));
    }
}

/// One `FatturaElettronicaBody` with the blocks the rules look at, and their locations.
#[derive(Debug)]
struct Body<'a> {
    path: String,
    general: Option<&'a Element>,
    document: Option<&'a Element>,
    lines: Vec<&'a Element>,
    funds: Vec<&'a Element>,
    summaries: Vec<&'a Element>,
}

impl<'a> Body<'a> {
    fn read(el: &'a Element, position: usize) -> Self {
        let goods = el.child("DatiBeniServizi");
        let general = el.child("DatiGenerali");
        let document = general.and_then(|g| g.child("DatiGeneraliDocumento"));
        Self {
            path: format!("{BODY}[{position}]"),
            general,
            document,
            lines: goods
                .map(|g| g.children_named("DettaglioLinee").collect())
                .unwrap_or_default(),
            funds: document
                .map(|d| d.children_named("DatiCassaPrevidenziale").collect())
                .unwrap_or_default(),
            summaries: goods
                .map(|g| g.children_named("DatiRiepilogo").collect())
                .unwrap_or_default(),
        }
    }

    fn doc_path(&self) -> String {
        format!("{}/DatiGenerali/DatiGeneraliDocumento", self.path)
    }

    fn line_path(&self, i: usize) -> String {
        format!("{}/DatiBeniServizi/DettaglioLinee[{}]", self.path, i + 1)
    }

    fn fund_path(&self, i: usize) -> String {
        format!("{}/DatiCassaPrevidenziale[{}]", self.doc_path(), i + 1)
    }

    fn summary_path(&self, i: usize) -> String {
        format!("{}/DatiBeniServizi/DatiRiepilogo[{}]", self.path, i + 1)
    }

    fn text(&self, name: &str) -> Option<&'a str> {
        self.document.and_then(|d| d.text_at(&[name]))
    }

    fn type_code(&self) -> &'a str {
        self.text("TipoDocumento").unwrap_or_default()
    }

    fn issue_date(&self) -> Option<Date> {
        self.text("Data").and_then(|d| date(d).ok())
    }
}

fn amount(el: &Element, name: &str) -> Option<Decimal> {
    el.text_at(&[name]).and_then(Decimal::parse)
}

fn rate(el: &Element) -> Option<Decimal> {
    amount(el, "AliquotaIVA")
}

fn check_body(
    body: &Body<'_>,
    parties: &Parties<'_>,
    context: &InspectionContext,
    findings: &mut Vec<Finding>,
) {
    let doc_path = body.doc_path();
    if body.issue_date().is_some_and(|d| d > context.received) {
        findings.push(Finding::fatal(
            "00403",
            format!("{doc_path}/Data"),
            "2.1.1.3 <Data> successiva alla data di ricezione",
        ));
    }
    if body
        .text("Numero")
        .is_some_and(|n| !n.bytes().any(|b| b.is_ascii_digit()))
    {
        findings.push(Finding::fatal(
            "00425",
            format!("{doc_path}/Numero"),
            "2.1.1.4 <Numero> non contenente caratteri numerici",
        ));
    }
    check_linked_invoice_dates(body, findings);
    check_withholding(body, findings);
    check_discounts(body, findings);
    check_rates_and_natures(body, findings);
    check_summary_correspondence(body, findings);
    check_arithmetic(body, findings);
    check_document_type(body, parties, findings);
}

/// 00418: a credit note cannot predate the invoice it corrects.
fn check_linked_invoice_dates(body: &Body<'_>, findings: &mut Vec<Finding>) {
    let (Some(issued), Some(general)) = (body.issue_date(), body.general) else {
        return;
    };
    if body.type_code() != "TD04" {
        return;
    }
    for (i, linked) in general.children_named("DatiFattureCollegate").enumerate() {
        let linked_date = linked.text_at(&["Data"]).and_then(|d| date(d).ok());
        if linked_date.is_some_and(|d| issued < d) {
            findings.push(Finding::fatal(
                "00418",
                format!(
                    "{}/DatiGenerali/DatiFattureCollegate[{}]/Data",
                    body.path,
                    i + 1
                ),
                "2.1.1.3 <Data> antecedente a 2.1.6.3 <Data>",
            ));
        }
    }
}

/// 00411, 00415: a withholding flagged on a line or a pension fund needs `DatiRitenuta`.
fn check_withholding(body: &Body<'_>, findings: &mut Vec<Finding>) {
    let has_withholding = body
        .document
        .is_some_and(|d| d.child("DatiRitenuta").is_some());
    if has_withholding {
        return;
    }
    let flagged = |el: &&Element| el.text_at(&["Ritenuta"]) == Some("SI");
    if let Some(i) = body.lines.iter().position(flagged) {
        findings.push(Finding::fatal(
            "00411",
            format!("{}/Ritenuta", body.line_path(i)),
            "2.1.1.5 <DatiRitenuta> non presente a fronte di almeno un blocco 2.2.1 \
             <DettaglioLinee> con 2.2.1.13 <Ritenuta> uguale a SI",
        ));
    }
    if let Some(i) = body.funds.iter().position(flagged) {
        findings.push(Finding::fatal(
            "00415",
            format!("{}/Ritenuta", body.fund_path(i)),
            "2.1.1.5 <DatiRitenuta> non presente a fronte di 2.1.1.7.6 <Ritenuta> uguale a SI",
        ));
    }
}

/// 00437, 00438: a discount or surcharge needs a percentage or an amount.
fn check_discounts(body: &Body<'_>, findings: &mut Vec<Finding>) {
    let empty = |sm: &Element| sm.child("Percentuale").is_none() && sm.child("Importo").is_none();
    if let Some(document) = body.document {
        for (i, sm) in document.children_named("ScontoMaggiorazione").enumerate() {
            if empty(sm) {
                findings.push(Finding::fatal(
                    "00437",
                    format!("{}/ScontoMaggiorazione[{}]", body.doc_path(), i + 1),
                    "2.1.1.8.2 <Percentuale> e 2.1.1.8.3 <Importo> non presenti a fronte di \
                     2.1.1.8.1 <Tipo> valorizzato",
                ));
            }
        }
    }
    for (l, line) in body.lines.iter().enumerate() {
        for (i, sm) in line.children_named("ScontoMaggiorazione").enumerate() {
            if empty(sm) {
                findings.push(Finding::fatal(
                    "00438",
                    format!("{}/ScontoMaggiorazione[{}]", body.line_path(l), i + 1),
                    "2.2.1.10.2 <Percentuale> e 2.2.1.10.3 <Importo> non presenti a fronte di \
                     2.2.1.10.1 <Tipo> valorizzato",
                ));
            }
        }
    }
}

/// The rate/nature pairing rules of one kind of block (lines, pension funds, summaries).
#[derive(Debug)]
struct Pairing {
    missing_nature: (&'static str, &'static str),
    stray_nature: (&'static str, &'static str),
}

const LINE_PAIRING: Pairing = Pairing {
    missing_nature: (
        "00400",
        "2.2.1.14 <Natura> non presente a fronte di 2.2.1.12 <AliquotaIVA> pari a zero",
    ),
    stray_nature: (
        "00401",
        "2.2.1.14 <Natura> presente a fronte di 2.2.1.12 <AliquotaIVA> diversa da zero",
    ),
};
const FUND_PAIRING: Pairing = Pairing {
    missing_nature: (
        "00413",
        "2.1.1.7.7 <Natura> non presente a fronte di 2.1.1.7.5 <AliquotaIVA> pari a zero",
    ),
    stray_nature: (
        "00414",
        "2.1.1.7.7 <Natura> presente a fronte di 2.1.1.7.5 <Aliquota IVA> diversa da zero",
    ),
};
const SUMMARY_PAIRING: Pairing = Pairing {
    missing_nature: (
        "00429",
        "2.2.2.2 <Natura> non presente a fronte di 2.2.2.1 <AliquotaIVA> pari a zero",
    ),
    stray_nature: (
        "00430",
        "2.2.2.2 <Natura> presente a fronte di 2.2.2.1 <Aliquota IVA> diversa da zero",
    ),
};

/// 00400/00401, 00413/00414, 00429/00430 (rate and nature), 00424 (a rate written as a
/// fraction), 00445 (generic natures), 00420 (reverse charge with split payment).
fn check_rates_and_natures<'a>(body: &Body<'a>, findings: &mut Vec<Finding>) {
    let located = |elements: &[&'a Element], path: fn(&Body<'a>, usize) -> String| {
        elements
            .iter()
            .enumerate()
            .map(|(i, el)| (path(body, i), *el))
            .collect::<Vec<_>>()
    };
    let blocks = [
        (located(&body.lines, Body::line_path), &LINE_PAIRING),
        (located(&body.funds, Body::fund_path), &FUND_PAIRING),
        (
            located(&body.summaries, Body::summary_path),
            &SUMMARY_PAIRING,
        ),
    ];
    for (elements, pairing) in blocks {
        for (location, el) in elements {
            let nature = el.text_at(&["Natura"]);
            if let Some(rate) = rate(el) {
                let broken = match (rate.is_zero(), nature.is_some()) {
                    (true, false) => Some(pairing.missing_nature),
                    (false, true) => Some(pairing.stray_nature),
                    _ => None,
                };
                if let Some((code, message)) = broken {
                    findings.push(Finding::fatal(code, format!("{location}/Natura"), message));
                }
                if !rate.is_zero()
                    && rate
                        .checked_cmp(Decimal::cents(100))
                        .is_some_and(|o| o.is_lt())
                {
                    findings.push(Finding::fatal(
                        "00424",
                        format!("{location}/AliquotaIVA"),
                        "2.2.1.12 <AliquotaIVA> o 2.2.2.1 <AliquotaIVA> o 2.1.1.7.5 \
                         <AliquotaIVA> non indicata in termini percentuali",
                    ));
                }
            }
            if matches!(nature, Some("N2" | "N3" | "N6")) {
                findings.push(Finding::fatal(
                    "00445",
                    format!("{location}/Natura"),
                    "Non è più ammesso il valore generico N2, N3 o N6 come codice natura \
                     dell'operazione",
                ));
            }
        }
    }
    for (i, summary) in body.summaries.iter().enumerate() {
        let split_payment = summary.text_at(&["EsigibilitaIVA"]) == Some("S");
        let reverse_charge = summary
            .text_at(&["Natura"])
            .is_some_and(|n| n == "N6" || n.starts_with("N6."));
        if split_payment && reverse_charge {
            findings.push(Finding::fatal(
                "00420",
                format!("{}/Natura", body.summary_path(i)),
                "2.2.2.2 <Natura> con valore di tipo N6 a fronte di 2.2.2.7 <EsigibilitaIVA> \
                 uguale a S (scissione pagamenti)",
            ));
        }
    }
}

/// 00419, 00443, 00444: every rate and nature of the lines and pension funds needs a summary.
fn check_summary_correspondence(body: &Body<'_>, findings: &mut Vec<Finding>) {
    let summary_rates: Vec<Decimal> = body.summaries.iter().filter_map(|s| rate(s)).collect();
    let summary_natures: Vec<&str> = body
        .summaries
        .iter()
        .filter_map(|s| s.text_at(&["Natura"]))
        .collect();
    let has_rate = |r: Decimal| {
        summary_rates
            .iter()
            .any(|s| s.checked_cmp(r).is_some_and(|o| o.is_eq()))
    };

    let sources = body
        .funds
        .iter()
        .enumerate()
        .map(|(i, f)| (body.fund_path(i), *f))
        .chain(
            body.lines
                .iter()
                .enumerate()
                .map(|(i, l)| (body.line_path(i), *l)),
        );
    let mut distinct: Vec<Decimal> = Vec::new();
    for (location, el) in sources {
        if let Some(r) = rate(el) {
            if !distinct
                .iter()
                .any(|d| d.checked_cmp(r).is_some_and(|o| o.is_eq()))
            {
                distinct.push(r);
            }
            if !has_rate(r) {
                findings.push(Finding::fatal(
                    "00443",
                    format!("{location}/AliquotaIVA"),
                    "Non c'è corrispondenza tra i valori indicati nell'elemento 2.2.1.12 \
                     <AliquotaIVA> o 2.1.1.7.5 <AliquotaIVA> e quelli dell'elemento 2.2.2.1 \
                     <AliquotaIVA>",
                ));
            }
        }
        if let Some(nature) = el.text_at(&["Natura"])
            && !summary_natures.contains(&nature)
        {
            findings.push(Finding::fatal(
                "00444",
                format!("{location}/Natura"),
                "Non c'è corrispondenza tra i valori indicati nell'elemento 2.2.1.14 <Natura> o \
                 2.1.1.7.7 <Natura> e quelli dell'elemento 2.2.2.2 <Natura>",
            ));
        }
    }
    if body.summaries.len() < distinct.len() {
        findings.push(Finding::fatal(
            "00419",
            format!("{}/DatiBeniServizi/DatiRiepilogo", body.path),
            "2.2.2 <DatiRiepilogo> non presente in corrispondenza di almeno un valore di \
             2.1.1.7.5 <AliquotaIVA> o 2.2.1.12 <AliquotaIVA>",
        ));
    }
}

/// 00421 (`Imposta`), 00422 (`ImponibileImporto`), 00423 (`PrezzoTotale`). A value whose
/// computation would overflow is not judged: no real invoice gets there.
fn check_arithmetic(body: &Body<'_>, findings: &mut Vec<Finding>) {
    let cent = Decimal::cents(1);
    for (i, summary) in body.summaries.iter().enumerate() {
        let (Some(rate), Some(taxable), Some(tax)) = (
            rate(summary),
            amount(summary, "ImponibileImporto"),
            amount(summary, "Imposta"),
        ) else {
            continue;
        };
        let Some(expected) = product(taxable, rate)
            .and_then(Decimal::percent)
            .map(|v| v.round_half_away_from_zero(2))
        else {
            continue;
        };
        if tax.within(expected, cent) == Some(false) {
            findings.push(Finding::fatal(
                "00421",
                format!("{}/Imposta", body.summary_path(i)),
                format!(
                    "2.2.2.6 <Imposta> non calcolato secondo le regole definite nelle specifiche \
                     tecniche : indicato {}, calcolato {}",
                    shown(tax),
                    shown(expected)
                ),
            ));
        }
    }

    check_taxable_amounts(body, findings);

    for (i, line) in body.lines.iter().enumerate() {
        let (Some(total), Some(expected)) = (amount(line, "PrezzoTotale"), line_total(line)) else {
            continue;
        };
        if total.within(expected, cent) == Some(false) {
            findings.push(Finding::fatal(
                "00423",
                format!("{}/PrezzoTotale", body.line_path(i)),
                format!(
                    "2.2.1.11 <PrezzoTotale> non calcolato secondo le regole definite nelle \
                     specifiche tecniche : indicato {}, calcolato {}",
                    shown(total),
                    shown(expected)
                ),
            ));
        }
    }
}

/// 00422: per distinct rate of the lines and pension funds, the summaries' taxable amounts
/// against the line totals, the fund contributions and the summaries' roundings (±1 euro).
/// A rate without any summary is 00443's finding, not a wrong amount.
fn check_taxable_amounts(body: &Body<'_>, findings: &mut Vec<Finding>) {
    let same = |a: Decimal, b: Decimal| a.checked_cmp(b).is_some_and(|o| o.is_eq());
    let mut rates: Vec<Decimal> = Vec::new();
    for r in body.lines.iter().chain(&body.funds).filter_map(|e| rate(e)) {
        if !rates.iter().any(|x| same(*x, r)) {
            rates.push(r);
        }
    }
    for r in rates {
        let at_rate = |el: &&&Element| rate(el).is_some_and(|x| same(x, r));
        let summaries: Vec<(usize, &&Element)> = body
            .summaries
            .iter()
            .enumerate()
            .filter(|(_, s)| at_rate(s))
            .collect();
        let Some((first, _)) = summaries.first() else {
            continue;
        };
        let declared = sum(summaries
            .iter()
            .map(|(_, s)| amount(s, "ImponibileImporto")));
        let lines = sum(body
            .lines
            .iter()
            .filter(at_rate)
            .map(|l| amount(l, "PrezzoTotale")));
        let funds = sum(body
            .funds
            .iter()
            .filter(at_rate)
            .map(|f| amount(f, "ImportoContributoCassa")));
        let roundings = sum(summaries.iter().map(|(_, s)| amount(s, "Arrotondamento")));
        let expected = lines
            .zip(funds)
            .and_then(|(l, f)| l.checked_add(f))
            .zip(roundings)
            .and_then(|(v, r)| v.checked_add(r));
        let (Some(declared), Some(expected)) = (declared, expected) else {
            continue;
        };
        if declared.within(expected, Decimal::cents(100)) == Some(false) {
            findings.push(Finding::fatal(
                "00422",
                format!("{}/ImponibileImporto", body.summary_path(*first)),
                format!(
                    "2.2.2.5 <ImponibileImporto> non calcolato secondo le regole definite nelle \
                     specifiche tecniche : indicato {}, calcolato {}",
                    shown(declared),
                    shown(expected)
                ),
            ));
        }
    }
}

/// Adds the values present; `None` on overflow.
fn sum(items: impl Iterator<Item = Option<Decimal>>) -> Option<Decimal> {
    Decimal::sum(items.flatten())
}

/// The most decimals the two factors of a product may carry together (trailing zeros aside):
/// 8-decimal amounts times a few cascading percentages. A deeper cascade of discounts than
/// any real invoice's is not judged.
const MAX_PRODUCT_DECIMALS: u32 = 30;

/// `a × b`, exact; `None` on overflow or past [`MAX_PRODUCT_DECIMALS`]. The factors are
/// reduced first, so that trailing zeros (`1.00000000`) are never what overflows.
fn product(a: Decimal, b: Decimal) -> Option<Decimal> {
    let (a, b) = (a.reduced(), b.reduced());
    if a.scale() + b.scale() > MAX_PRODUCT_DECIMALS {
        return None;
    }
    a.checked_mul(b)
}

/// An amount as SDI's messages show it: without trailing zeros, but with at least two
/// decimals (`22.5` as `22.50`, `1.23450000` as `1.2345`).
fn shown(value: Decimal) -> Decimal {
    value.reduced().padded(2)
}

/// `(PrezzoUnitario ± discounts and surcharges) × Quantita`, the discounts applied in
/// cascade; where a block has both an amount and a percentage the amount counts (the
/// official worked example, case 3). `None` if a value is missing or the computation would
/// overflow.
pub(super) fn line_total(line: &Element) -> Option<Decimal> {
    let mut price = amount(line, "PrezzoUnitario")?;
    for sm in line.children_named("ScontoMaggiorazione") {
        let change = match (amount(sm, "Importo"), amount(sm, "Percentuale")) {
            (Some(importo), _) => importo,
            (None, Some(percent)) => product(price, percent.percent()?)?,
            (None, None) => continue,
        };
        price = match sm.text_at(&["Tipo"]) {
            Some("SC") => price.checked_sub(change)?,
            Some("MG") => price.checked_add(change)?,
            _ => price,
        };
    }
    let quantity = match line.child("Quantita") {
        Some(_) => amount(line, "Quantita")?,
        None => Decimal::cents(100),
    };
    product(price, quantity)
}

/// 00471-00475: what each type of document requires of the parties.
fn check_document_type(body: &Body<'_>, parties: &Parties<'_>, findings: &mut Vec<Finding>) {
    let code = body.type_code();
    let location = format!("{}/TipoDocumento", body.doc_path());
    let mut refuse = |rule: &str, message: &str| {
        findings.push(Finding::fatal(rule, location.clone(), message));
    };
    // SDI resolves a customer known only by codice fiscale through the Anagrafe Tributaria;
    // offline, the comparison is made only when the customer's IdFiscaleIVA is written.
    let same_party = parties.buyer.map(|buyer| parties.seller == Some(buyer));
    if SELF_INVOICE_FORBIDDEN.contains(&code) && same_party == Some(true) {
        refuse(
            "00471",
            "Per il valore indicato nell'elemento 2.1.1.1 <TipoDocumento> il cedente/prestatore \
             non può essere uguale al cessionario/committente",
        );
    }
    if code == "TD21" && same_party == Some(false) {
        refuse(
            "00472",
            "Per il valore indicato nell'elemento 2.1.1.1 <TipoDocumento> il cedente/prestatore \
             deve essere uguale al cessionario/committente",
        );
    }
    let seller_country = parties.seller.map(|(country, _)| country);
    let italian_seller = seller_country == Some("IT");
    if (FOREIGN_SUPPLIER_ONLY.contains(&code) && italian_seller)
        || (code == "TD29" && seller_country.is_some() && !italian_seller)
    {
        refuse(
            "00473",
            "Per il valore indicato nell'elemento 2.1.1.1 <TipoDocumento> il valore \
             nell'elemento 1.2.1.1.1 <IdPaese> non è ammesso",
        );
    }
    if code == "TD21"
        && body
            .lines
            .iter()
            .any(|l| rate(l).is_some_and(Decimal::is_zero))
    {
        refuse(
            "00474",
            "Per il valore indicato nell'elemento 2.1.1.1 <TipoDocumento> non sono ammesse linee \
             di dettaglio con l'elemento 2.2.1.12 <AliquotaIVA> contenente valore zero",
        );
    }
    if NEED_CUSTOMER_VAT_ID.contains(&code) && parties.buyer.is_none() {
        refuse(
            "00475",
            "Per il valore indicato nell'elemento 2.1.1.1 <TipoDocumento> deve essere presente \
             l'elemento 1.4.1.1 <IdFiscaleIVA> del cessionario/committente",
        );
    }
}

/// What SDI compares to find a duplicate invoice: 00404 against earlier files, 00409 between
/// the bodies of one lotto.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvoiceIdentity {
    /// The supplier's IdFiscaleIVA (IdPaese + IdCodice), or the customer's when the customer
    /// issues the invoice on the supplier's behalf (`SoggettoEmittente` = CC).
    pub issuer: String,
    pub number: String,
    pub date: Date,
    pub type_code: String,
    /// `Art73` = SI: the issuer numbers by date, so the full date is compared, not the year.
    pub art73: bool,
}

impl InvoiceIdentity {
    /// SDI's rule, symmetric: same issuer and number, same year (or date, with Art73), unless
    /// exactly one of the two is a credit note (TD04).
    pub(crate) fn duplicates(&self, other: &InvoiceIdentity) -> bool {
        self.issuer == other.issuer && (same_invoice(self, other) || same_invoice(other, self))
    }
}

/// Seen from `first`: its Art73 decides between comparing years and full dates.
fn same_invoice(first: &InvoiceIdentity, other: &InvoiceIdentity) -> bool {
    let same_period = if first.art73 {
        first.date == other.date
    } else {
        first.date.year() == other.date.year()
    };
    let credit_note = first.type_code == "TD04" || other.type_code == "TD04";
    first.number == other.number
        && same_period
        && (!credit_note || first.type_code == other.type_code)
}

/// The identity of each body, in order; `None` for a body without a number or a date.
pub(super) fn identities(root: &Element) -> Vec<Option<InvoiceIdentity>> {
    let issuer = root
        .child("FatturaElettronicaHeader")
        .map(|header| {
            let party = if header.text_at(&["SoggettoEmittente"]) == Some("CC") {
                "CessionarioCommittente"
            } else {
                "CedentePrestatore"
            };
            let id = header.at(&[party, "DatiAnagrafici", "IdFiscaleIVA"]);
            let text = |name: &str| id.and_then(|id| id.text_at(&[name])).unwrap_or_default();
            format!("{}{}", text("IdPaese"), text("IdCodice"))
        })
        .unwrap_or_default();
    root.children_named("FatturaElettronicaBody")
        .enumerate()
        .map(|(i, el)| {
            let body = Body::read(el, i + 1);
            Some(InvoiceIdentity {
                issuer: issuer.clone(),
                number: body.text("Numero")?.to_owned(),
                date: body.issue_date()?,
                type_code: body.type_code().to_owned(),
                art73: body.text("Art73") == Some("SI"),
            })
        })
        .collect()
}

/// 00409: two bodies of one lotto with the same number in the same year.
fn check_lotto(root: &Element, bodies: &[Body<'_>], findings: &mut Vec<Finding>) {
    let identities = identities(root);
    for (j, later) in identities.iter().enumerate() {
        let Some(later) = later else { continue };
        let duplicated = identities[..j]
            .iter()
            .flatten()
            .any(|earlier| earlier.duplicates(later));
        if duplicated && let Some(body) = bodies.get(j) {
            findings.push(Finding::fatal(
                "00409",
                format!("{}/Numero", body.doc_path()),
                "Fattura duplicata nel lotto",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(xml: &str) -> Element {
        let doc = crate::xml::parse(xml.as_bytes()).unwrap();
        doc.root
    }

    #[test]
    fn line_total_with_amount_discounts() {
        // Elenco controlli, 00423 case 1.
        let l = line(
            "<DettaglioLinee><Quantita>100.00</Quantita><PrezzoUnitario>500.00</PrezzoUnitario>\
             <ScontoMaggiorazione><Tipo>SC</Tipo><Importo>10.05</Importo></ScontoMaggiorazione>\
             <ScontoMaggiorazione><Tipo>SC</Tipo><Importo>5.25</Importo></ScontoMaggiorazione>\
             <ScontoMaggiorazione><Tipo>SC</Tipo><Importo>4.70</Importo></ScontoMaggiorazione>\
             </DettaglioLinee>",
        );
        assert_eq!(line_total(&l), Decimal::parse("48000.00"));
    }

    #[test]
    fn line_total_mixed_cascade_prefers_the_amount() {
        // Elenco controlli, 00423 case 3.
        let l = line(
            "<DettaglioLinee><Quantita>100.00</Quantita><PrezzoUnitario>500.00</PrezzoUnitario>\
             <ScontoMaggiorazione><Tipo>SC</Tipo><Percentuale>8.50</Percentuale></ScontoMaggiorazione>\
             <ScontoMaggiorazione><Tipo>SC</Tipo><Percentuale>5.15</Percentuale><Importo>23.56</Importo></ScontoMaggiorazione>\
             <ScontoMaggiorazione><Tipo>SC</Tipo><Importo>15.00</Importo></ScontoMaggiorazione>\
             <ScontoMaggiorazione><Tipo>SC</Tipo><Percentuale>2.00</Percentuale></ScontoMaggiorazione>\
             </DettaglioLinee>",
        );
        assert_eq!(line_total(&l), Decimal::parse("41056.12"));
    }

    #[test]
    fn line_total_defaults_quantity_to_one_and_adds_surcharges() {
        let l = line(
            "<DettaglioLinee><PrezzoUnitario>80.00</PrezzoUnitario>\
             <ScontoMaggiorazione><Tipo>MG</Tipo><Percentuale>10.00</Percentuale></ScontoMaggiorazione>\
             </DettaglioLinee>",
        );
        assert_eq!(line_total(&l), Decimal::parse("88.00"));
    }

    #[test]
    fn lotto_duplicates_follow_credit_note_and_art73_rules() {
        let d = |s: &str| date(s).unwrap();
        let id = |number: &str, date, type_code: &str, art73| InvoiceIdentity {
            issuer: "IT01234567897".to_owned(),
            number: number.to_owned(),
            date,
            type_code: type_code.to_owned(),
            art73,
        };
        let duplicates = same_invoice;
        let a = id("1", d("2026-01-10"), "TD01", false);
        assert!(duplicates(&a, &id("1", d("2026-05-01"), "TD01", false)));
        assert!(!duplicates(&a, &id("1", d("2025-05-01"), "TD01", false)));
        assert!(!duplicates(&a, &id("1", d("2026-05-01"), "TD04", false)));
        let nc = id("1", d("2026-01-10"), "TD04", false);
        assert!(duplicates(&nc, &id("1", d("2026-03-01"), "TD04", false)));
        let art73 = id("1", d("2026-01-10"), "TD01", true);
        assert!(!duplicates(
            &art73,
            &id("1", d("2026-01-11"), "TD01", false)
        ));
        assert!(duplicates(&art73, &id("1", d("2026-01-10"), "TD01", false)));
    }

    #[test]
    fn products_and_messages_keep_the_sdi_conventions() {
        let dec = |s: &str| Decimal::parse(s).unwrap();
        for (value, text) in [("1.23450000", "1.2345"), ("22.5", "22.50"), ("7", "7.00")] {
            assert_eq!(shown(dec(value)).to_string(), text);
        }
        // Trailing zeros never overflow a product...
        let price = dec("99999999999.00000000");
        let quantity = dec("999999999999.00000000");
        assert_eq!(price.checked_mul(quantity), None);
        let exact = Decimal::int(99_999_999_999).checked_mul(Decimal::int(999_999_999_999));
        assert_eq!(product(price, quantity), exact);
        // ...and more than 30 decimals between the factors are not judged.
        let deep = dec("0.12345678").checked_mul(dec("0.12345678")).unwrap();
        let deeper = deep.checked_mul(dec("0.12345678")).unwrap();
        assert!(product(deep, dec("0.12345678")).is_some());
        assert_eq!(product(deeper, dec("0.12345678")), None);
    }
}
