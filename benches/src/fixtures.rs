//! Documents for the benches: the repository's minimal fixtures, renumbered so every
//! submission is a distinct invoice, and grown to many lines with totals recomputed so the
//! large documents stay valid (a finding would change what a figure measures).

/// Peppol BIS Billing 3 invoice, one line of 100.00 at 21 %.
pub const UBL_MINIMAL: &str = include_str!("../../fixtures/peppol/invoice-minimal.xml");
/// FatturaPA B2B (FPR12) to channel ABC1234, two lines.
pub const FPR12_MINIMAL: &str = include_str!("../../fixtures/sdi/FPR12-minimal.xml");
/// FatturaPA to a public administration (FPA12), the document SDI's PA lifecycle applies to.
pub const FPA12_MINIMAL: &str = include_str!("../../fixtures/sdi/FPA12-minimal.xml");
/// KSeF FA(3), one line.
pub const FA3_MINIMAL: &str = include_str!("../../fixtures/ksef/fa3-minimal.xml");

/// `doc` split around the stretch from the first `open` to the end of the last `close`; the
/// whole document as head when either is missing (the bench then reports it invalid).
fn cut<'a>(doc: &'a str, open: &str, close: &str) -> (&'a str, &'a str, &'a str) {
    match (doc.find(open), doc.rfind(close)) {
        (Some(start), Some(end)) if start <= end => {
            let end = end + close.len();
            (&doc[..start], &doc[start..end], &doc[end..])
        }
        _ => (doc, "", ""),
    }
}

/// The text between `<tag>` and `</tag>` at its first occurrence replaced by `value`.
fn set_first(doc: &str, tag: &str, value: &str) -> String {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    match doc.find(&open) {
        Some(start) => {
            let from = start + open.len();
            match doc[from..].find(&close) {
                Some(len) => format!("{}{value}{}", &doc[..from], &doc[from + len..]),
                None => doc.to_owned(),
            }
        }
        None => doc.to_owned(),
    }
}

/// UBL invoice with `lines` lines of 100.00 at 21 %, totals recomputed (BR-CO-10..15 hold).
pub fn large_ubl(lines: usize) -> String {
    let (head, line, tail) = cut(UBL_MINIMAL, "<cac:InvoiceLine>", "</cac:InvoiceLine>");
    let mut body = String::new();
    for n in 1..=lines {
        body.push_str(&line.replace("<cbc:ID>1</cbc:ID>", &format!("<cbc:ID>{n}</cbc:ID>")));
        body.push_str("\n  ");
    }
    let head = head
        .replace(">100.00<", &format!(">{}.00<", 100 * lines))
        .replace(">21.00<", &format!(">{}.00<", 21 * lines))
        .replace(">121.00<", &format!(">{}.00<", 121 * lines));
    format!("{head}{body}{tail}")
}

/// FatturaPA FPR12 with `lines` lines of 100.00 at 22 % and one summary that adds them up.
pub fn large_fatturapa(lines: usize) -> String {
    let (head, _, tail) = cut(FPR12_MINIMAL, "<DatiBeniServizi>", "</DatiBeniServizi>");
    let mut body = String::from("<DatiBeniServizi>\n");
    for n in 1..=lines {
        body.push_str(&format!(
            "      <DettaglioLinee>\n        <NumeroLinea>{n}</NumeroLinea>\n        \
             <Descrizione>Manutenzione ordinaria impianto</Descrizione>\n        \
             <Quantita>2.00</Quantita>\n        <UnitaMisura>ore</UnitaMisura>\n        \
             <PrezzoUnitario>50.00</PrezzoUnitario>\n        \
             <PrezzoTotale>100.00</PrezzoTotale>\n        \
             <AliquotaIVA>22.00</AliquotaIVA>\n      </DettaglioLinee>\n"
        ));
    }
    body.push_str(&format!(
        "      <DatiRiepilogo>\n        <AliquotaIVA>22.00</AliquotaIVA>\n        \
         <ImponibileImporto>{}.00</ImponibileImporto>\n        <Imposta>{}.00</Imposta>\n        \
         <EsigibilitaIVA>I</EsigibilitaIVA>\n      </DatiRiepilogo>\n    </DatiBeniServizi>",
        100 * lines,
        22 * lines
    ));
    format!("{head}{body}{tail}").replace(">142.00<", &format!(">{}.00<", 122 * lines))
}

/// FA(3) with `lines` lines of 1000.00 at 23 % and P_13_1, P_14_1 and P_15 to match.
pub fn large_fa3(lines: usize) -> String {
    let (head, line, tail) = cut(FA3_MINIMAL, "<FaWiersz>", "</FaWiersz>");
    let mut body = String::new();
    for n in 1..=lines {
        body.push_str(&line.replace(
            "<NrWierszaFa>1</NrWierszaFa>",
            &format!("<NrWierszaFa>{n}</NrWierszaFa>"),
        ));
        body.push_str("\n    ");
    }
    let head = set_first(head, "P_13_1", &format!("{}.00", 1000 * lines));
    let head = set_first(&head, "P_14_1", &format!("{}.00", 230 * lines));
    let head = set_first(&head, "P_15", &format!("{}.00", 1230 * lines));
    format!("{head}{body}{tail}")
}

/// The minimal FatturaPA of `template` (FPR12 or FPA12) with invoice number `number`.
pub fn fatturapa_numbered(template: &str, number: &str) -> String {
    set_first(template, "Numero", number)
}

/// The minimal UBL invoice with invoice number `number`.
pub fn ubl_numbered(number: &str) -> String {
    set_first(UBL_MINIMAL, "cbc:ID", number)
}

/// The minimal FA(3) invoice with invoice number `number`.
pub fn fa3_numbered(number: &str) -> String {
    set_first(FA3_MINIMAL, "P_2", number)
}

/// scenarios/sdi-pa-outcomes.yaml with its virtual clock moved to 2026-11-02, after the
/// fixtures' invoice dates (SDI refuses an invoice dated after its receipt: 00403).
pub fn sdi_pa_scenario() -> String {
    include_str!("../../scenarios/sdi-pa-outcomes.yaml").replace(
        "start: 2026-01-15T09:00:00+01:00",
        "start: 2026-11-02T09:00:00+01:00",
    )
}
