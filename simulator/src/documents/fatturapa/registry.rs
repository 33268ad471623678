//! SDI's validity checks on identifiers (codes 003xx).
//!
//! The real SDI looks partite IVA and codici fiscali up in the Anagrafe Tributaria and
//! `CodiceDestinatario` in IndicePA or its channel registry. A simulator has no such
//! registry, so it checks what can be decided offline: a number that fails its own check
//! digit can never be registered, so refusing it is what SDI would do too. Identifiers
//! issued by foreign authorities are not checked (SDI does not check them either).

use super::super::{Element, Finding};
use super::HEADER;

/// Partita IVA: 11 digits, the last a Luhn-style check digit over the first ten.
pub(super) fn is_partita_iva(code: &str) -> bool {
    let bytes = code.as_bytes();
    if bytes.len() != 11 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let digits: Vec<u32> = bytes.iter().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = digits[..10]
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                d
            } else {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            }
        })
        .sum();
    (10 - sum % 10) % 10 == digits[10]
}

/// Codice fiscale: either the 11-digit numeric form (legal entities, checked like a partita
/// IVA) or the 16-character personal form with its check letter. Omocodia substitutes
/// letters for digits in the numeric positions, which the check letter still covers.
pub(super) fn is_codice_fiscale(code: &str) -> bool {
    match code.len() {
        11 => is_partita_iva(code),
        16 => is_personal_codice_fiscale(code),
        _ => false,
    }
}

/// Letters that replace digits 0-9 in an omocode codice fiscale.
const OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";
/// Month letters, January to December.
const MONTHS: &[u8; 12] = b"ABCDEHLMPRST";
/// Values of characters in odd positions (1st, 3rd, ...), for digits 0-9 and letters A-Z alike.
const ODD: [u32; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

fn is_personal_codice_fiscale(code: &str) -> bool {
    let bytes = code.as_bytes();
    let letter = |i: usize| bytes[i].is_ascii_uppercase();
    let digit_like = |i: usize| bytes[i].is_ascii_digit() || OMOCODIA.contains(&bytes[i]);
    let shape = (0..6).all(letter)
        && digit_like(6)
        && digit_like(7)
        && MONTHS.contains(&bytes[8])
        && digit_like(9)
        && digit_like(10)
        && letter(11)
        && (12..15).all(digit_like)
        && letter(15);
    if !shape {
        return false;
    }
    let sum: u32 = bytes[..15]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let index = if b.is_ascii_digit() {
                b - b'0'
            } else {
                b - b'A'
            };
            // Positions are counted from 1, so index 0 is an odd position.
            if i % 2 == 0 {
                ODD[usize::from(index)]
            } else {
                u32::from(index)
            }
        })
        .sum();
    let expected = b'A' + u8::try_from(sum % 26).unwrap_or(0);
    bytes[15] == expected
}

/// An `IdFiscaleIVA`-shaped element: (IdPaese, IdCodice) when both are present.
fn id_fiscale(el: Option<&Element>) -> Option<(&str, &str)> {
    let el = el?;
    Some((el.text_at(&["IdPaese"])?, el.text_at(&["IdCodice"])?))
}

/// Checks one Italian VAT id; pushes `code` with `message` when its IdCodice is invalid.
fn check_vat(
    id: Option<&Element>,
    location: &str,
    code: &str,
    message: &str,
    accept: fn(&str) -> bool,
    findings: &mut Vec<Finding>,
) {
    if let Some(("IT", id_codice)) = id_fiscale(id)
        && !accept(id_codice)
    {
        findings.push(Finding::fatal(
            code,
            format!("{location}/IdCodice"),
            format!("{message} : {id_codice}"),
        ));
    }
}

fn check_codice_fiscale(
    el: Option<&Element>,
    location: &str,
    code: &str,
    message: &str,
    findings: &mut Vec<Finding>,
) {
    if let Some(cf) = el.map(Element::text)
        && !is_codice_fiscale(cf)
    {
        findings.push(Finding::fatal(code, location, format!("{message} : {cf}")));
    }
}

/// 00300-00306 and 00311 on a schema-valid header.
pub(super) fn check(header: &Element, findings: &mut Vec<Finding>) {
    // The transmitter may be a person: its IdCodice is then a codice fiscale.
    check_vat(
        header.at(&["DatiTrasmissione", "IdTrasmittente"]),
        &format!("{HEADER}/DatiTrasmissione/IdTrasmittente"),
        "00300",
        "1.1.1.2 <IdCodice> non valido",
        |c| is_partita_iva(c) || is_codice_fiscale(c),
        findings,
    );

    let seller = header.at(&["CedentePrestatore", "DatiAnagrafici"]);
    let seller_path = format!("{HEADER}/CedentePrestatore/DatiAnagrafici");
    check_vat(
        seller.and_then(|s| s.child("IdFiscaleIVA")),
        &format!("{seller_path}/IdFiscaleIVA"),
        "00301",
        "1.2.1.1.2 <IdCodice> non valido",
        is_partita_iva,
        findings,
    );
    check_codice_fiscale(
        seller.and_then(|s| s.child("CodiceFiscale")),
        &format!("{seller_path}/CodiceFiscale"),
        "00302",
        "1.2.1.2 <CodiceFiscale> non valido",
        findings,
    );

    let message_00303 = "1.3.1.1.2 <IdCodice> o 1.4.4.1.2 <IdCodice> non valido";
    let representative = header.at(&["RappresentanteFiscale", "DatiAnagrafici"]);
    let representative_path = format!("{HEADER}/RappresentanteFiscale/DatiAnagrafici");
    check_vat(
        representative.and_then(|r| r.child("IdFiscaleIVA")),
        &format!("{representative_path}/IdFiscaleIVA"),
        "00303",
        message_00303,
        is_partita_iva,
        findings,
    );
    check_vat(
        header.at(&[
            "CessionarioCommittente",
            "RappresentanteFiscale",
            "IdFiscaleIVA",
        ]),
        &format!("{HEADER}/CessionarioCommittente/RappresentanteFiscale/IdFiscaleIVA"),
        "00303",
        message_00303,
        is_partita_iva,
        findings,
    );
    check_codice_fiscale(
        representative.and_then(|r| r.child("CodiceFiscale")),
        &format!("{representative_path}/CodiceFiscale"),
        "00304",
        "1.3.1.2 <CodiceFiscale> non valido",
        findings,
    );

    let buyer = header.at(&["CessionarioCommittente", "DatiAnagrafici"]);
    let buyer_path = format!("{HEADER}/CessionarioCommittente/DatiAnagrafici");
    check_vat(
        buyer.and_then(|b| b.child("IdFiscaleIVA")),
        &format!("{buyer_path}/IdFiscaleIVA"),
        "00305",
        "1.4.1.1.2 <IdCodice> non valido",
        is_partita_iva,
        findings,
    );
    check_codice_fiscale(
        buyer.and_then(|b| b.child("CodiceFiscale")),
        &format!("{buyer_path}/CodiceFiscale"),
        "00306",
        "1.4.1.2 <CodiceFiscale> non valido",
        findings,
    );

    check_codice_destinatario(header, findings);
}

/// 00311 as far as it can be decided without IndicePA: `000000` is the B2B "no channel"
/// convention cut to six characters, and no public administration office carries it. Codes
/// that are well-formed but unknown are the network's registry question, not the document's.
fn check_codice_destinatario(header: &Element, findings: &mut Vec<Finding>) {
    let format = header.text_at(&["DatiTrasmissione", "FormatoTrasmissione"]);
    let code = header.text_at(&["DatiTrasmissione", "CodiceDestinatario"]);
    if format == Some("FPA12") && code == Some("000000") {
        findings.push(Finding::fatal(
            "00311",
            format!("{HEADER}/DatiTrasmissione/CodiceDestinatario"),
            "1.1.4 <CodiceDestinatario> non valido : 000000 non è un codice ufficio IPA",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partita_iva_check_digit() {
        assert!(is_partita_iva("01234567897"));
        assert!(!is_partita_iva("01234567890"));
        assert!(is_partita_iva("12345678903"));
        assert!(!is_partita_iva("1234567890"));
        assert!(!is_partita_iva("0123456789A"));
    }

    #[test]
    fn codice_fiscale_forms() {
        assert!(is_codice_fiscale("RSSMRA85T10A562S"));
        assert!(!is_codice_fiscale("RSSMRA85T10A562T"));
        // Omocodia: the last digit 2 written as N, check letter recomputed.
        assert!(is_codice_fiscale("RSSMRA85T10A56NH"));
        assert!(!is_codice_fiscale("RSSMRA85Z10A562S"));
        assert!(is_codice_fiscale("01234567897"));
        assert!(!is_codice_fiscale("01234567890"));
        assert!(!is_codice_fiscale("RSSMRA85T10A562"));
    }
}
