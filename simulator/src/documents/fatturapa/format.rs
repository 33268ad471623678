//! SDI's format check (00200, 00201): the document against the FatturaPA 1.2.3 schema.
//!
//! The content models come from [`super::schema`]; this walks the tree against them
//! (mandatory, unexpected and out-of-order elements, stray text and attributes) and checks
//! every leaf by its simple type (dates, decimals with their exact digit patterns, integer
//! ranges, enumerations, code patterns, character repertoires and lengths). Each
//! non-conformity is one 00200 finding whose message says what is wrong, as SDI's does.
//! After 50 of them SDI stops and adds 00201; so does this.

use jiff::civil::Date;

use super::super::{Element, FATTURAPA_NS, Finding};
use super::schema::{Particle, complex_type};

const XMLDSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// SDI's cap on format errors in one notice.
const MAX_FORMAT_ERRORS: usize = 50;
const ROOT: &str = "/FatturaElettronica";

/// Every format finding of the document: at most 50 times 00200, then 00201.
pub(super) fn check(root: &Element) -> Vec<Finding> {
    let mut walk = Walk::default();
    if root.ns != FATTURAPA_NS || root.name != "FatturaElettronica" {
        walk.fail(
            ROOT,
            "elemento radice atteso <FatturaElettronica>".to_owned(),
        );
        return walk.findings;
    }
    for attr in &root.attrs {
        let value = attr.value.as_str();
        match (attr.ns.as_str(), attr.name.as_str()) {
            ("", "versione") => walk.value(
                &format!("{ROOT}/@versione"),
                "attributo versione",
                "FormatoTrasmissioneType",
                value,
            ),
            ("", "SistemaEmittente") => walk.value(
                &format!("{ROOT}/@SistemaEmittente"),
                "attributo SistemaEmittente",
                "String10Type",
                value,
            ),
            (XSI_NS, _) => {}
            (_, name) => walk.fail(ROOT, format!("attributo {name} non previsto")),
        }
    }
    if root.attr("versione").is_none() {
        walk.fail(
            ROOT,
            "attributo obbligatorio versione non presente".to_owned(),
        );
    }
    walk.complex(root, "FatturaElettronicaType", ROOT);

    let mut findings = walk.findings;
    if findings.len() > MAX_FORMAT_ERRORS {
        findings.truncate(MAX_FORMAT_ERRORS);
        findings.push(Finding::fatal(
            "00201",
            ROOT,
            "Non è possibile procedere con ulteriori controlli, perché gli errori di formato \
             presenti nel file superano il massimo previsto (50)",
        ));
    }
    findings
}

#[derive(Debug, Default)]
struct Walk {
    findings: Vec<Finding>,
}

impl Walk {
    fn fail(&mut self, location: &str, what: String) {
        self.findings.push(Finding::fatal(
            "00200",
            location,
            format!("File non conforme al formato : {what}"),
        ));
    }

    fn complex(&mut self, el: &Element, type_name: &str, path: &str) {
        let Some(particles) = complex_type(type_name) else {
            return;
        };
        if !el.raw_text.trim().is_empty() {
            self.fail(
                path,
                format!("testo non previsto nell'elemento <{}>", el.name),
            );
        }
        let children = &el.children;
        let mut next = 0;
        for particle in particles {
            match *particle {
                Particle::El(name, child_type, min, max) => {
                    let mut count = 0;
                    while next < children.len()
                        && children[next].name == name
                        && (max == 0 || count < max)
                    {
                        count += 1;
                        let child_path = if max == 1 {
                            format!("{path}/{name}")
                        } else {
                            format!("{path}/{name}[{count}]")
                        };
                        self.child(&children[next], child_type, &child_path);
                        next += 1;
                    }
                    if count < min {
                        self.fail(
                            &format!("{path}/{name}"),
                            format!(
                                "elemento obbligatorio <{name}> non presente in <{}>",
                                el.name
                            ),
                        );
                    }
                }
                Particle::DenominazioneOrNomeCognome => {
                    let at = |i: usize| children.get(i).map(|c| c.name.as_str());
                    match at(next) {
                        Some("Denominazione") => {
                            self.child(
                                &children[next],
                                "String80LatinType",
                                &format!("{path}/Denominazione"),
                            );
                            next += 1;
                        }
                        Some("Nome") => {
                            self.child(&children[next], "String60LatinType", &format!("{path}/Nome"));
                            next += 1;
                            if at(next) == Some("Cognome") {
                                self.child(
                                    &children[next],
                                    "String60LatinType",
                                    &format!("{path}/Cognome"),
                                );
                                next += 1;
                            } else {
                                self.fail(
                                    &format!("{path}/Cognome"),
                                    format!(
                                        "elemento obbligatorio <Cognome> non presente in <{}>",
                                        el.name
                                    ),
                                );
                            }
                        }
                        _ => self.fail(
                            &format!("{path}/Denominazione"),
                            format!(
                                "elemento <Denominazione> o <Nome> e <Cognome> non presente in <{}>",
                                el.name
                            ),
                        ),
                    }
                }
            }
        }
        for extra in &children[next..] {
            self.fail(
                &format!("{path}/{}", extra.name),
                format!(
                    "elemento <{}> non previsto in <{}> in questa posizione",
                    extra.name, el.name
                ),
            );
        }
    }

    fn child(&mut self, el: &Element, type_name: &str, path: &str) {
        if type_name == "ds:Signature" {
            if el.ns != XMLDSIG_NS {
                self.fail(
                    path,
                    "elemento <Signature> fuori dal namespace di XML Signature".to_owned(),
                );
            }
            return;
        }
        if !el.ns.is_empty() {
            self.fail(
                path,
                format!(
                    "elemento <{}> qualificato con il namespace {}: gli elementi interni non \
                     hanno namespace",
                    el.name, el.ns
                ),
            );
        }
        for attr in el.attrs.iter().filter(|a| a.ns != XSI_NS) {
            self.fail(
                path,
                format!(
                    "attributo {} non previsto nell'elemento <{}>",
                    attr.name, el.name
                ),
            );
        }
        if complex_type(type_name).is_some() {
            self.complex(el, type_name, path);
            return;
        }
        if let Some(first) = el.children.first() {
            self.fail(
                path,
                format!(
                    "elemento <{}> non previsto in <{}>, che contiene solo un valore",
                    first.name, el.name
                ),
            );
            return;
        }
        self.value(
            path,
            &format!("elemento <{}>", el.name),
            type_name,
            &el.raw_text,
        );
    }

    fn value(&mut self, path: &str, what: &str, type_name: &str, raw: &str) {
        if let Err(expected) = check_value(type_name, raw) {
            self.fail(
                path,
                format!("valore '{raw}' non valido per {what}: {expected}"),
            );
        }
    }
}

/// Checks a lexical value against a simple type of the schema; `Err` says what was expected.
pub(super) fn check_value(type_name: &str, raw: &str) -> Result<(), String> {
    let collapsed = raw.trim();
    match type_name {
        "xs:date" => date(collapsed).map(drop),
        "DataFatturaType" => {
            let d = date(collapsed)?;
            if d < Date::constant(1970, 1, 1) {
                return Err("data non anteriore al 1970-01-01".into());
            }
            Ok(())
        }
        "xs:dateTime" => date_time(collapsed),
        "xs:base64Binary" => base64(raw),
        "Amount2DecimalType" => decimal(collapsed, true, 11, 2, 2),
        "Amount8DecimalType" => decimal(collapsed, true, 11, 2, 8),
        "QuantitaType" => decimal(collapsed, false, 12, 2, 8),
        "PesoType" => decimal(collapsed, false, 4, 1, 2),
        "RateType" => {
            decimal(collapsed, false, 3, 2, 2)?;
            let over_100 = collapsed
                .split_once('.')
                .and_then(|(i, _)| i.parse::<u32>().ok())
                .is_some_and(|i| i > 100 || (i == 100 && !collapsed.ends_with(".00")));
            if over_100 {
                return Err("aliquota non superiore a 100.00".into());
            }
            Ok(())
        }
        "RiferimentoNumeroLineaType" | "NumeroColliType" | "NumeroLineaType" => {
            integer(collapsed, 1, 9999)
        }
        "RiferimentoFaseType" => integer(collapsed, 1, 999),
        "GiorniTerminePagamentoType" => integer(collapsed, 0, 999),
        "CodiceDestinatarioType" => chars(raw, 6, 7, is_upper_alnum, "lettere maiuscole o cifre"),
        "CodiceFiscaleType" => chars(raw, 11, 16, is_upper_alnum, "lettere maiuscole o cifre"),
        "CodiceFiscalePFType" => chars(raw, 16, 16, is_upper_alnum, "lettere maiuscole o cifre"),
        // An empty element with a default value takes the default (IT), which is valid.
        "NazioneDefaultITType" if raw.is_empty() => Ok(()),
        "ProvinciaType" | "NazioneType" | "NazioneDefaultITType" => {
            chars(raw, 2, 2, |c| c.is_ascii_uppercase(), "lettere maiuscole")
        }
        "DivisaType" | "TipoResaType" => {
            chars(raw, 3, 3, |c| c.is_ascii_uppercase(), "lettere maiuscole")
        }
        "CAPType" | "ABIType" | "CABType" => chars(raw, 5, 5, |c| c.is_ascii_digit(), "cifre"),
        "CodiceType" => chars(raw, 1, 28, |_| true, "caratteri"),
        "CodEORIType" => chars(raw, 13, 17, |_| true, "caratteri"),
        "IBANType" => iban(raw),
        "BICType" => bic(raw),
        "TitoloType" => {
            let collapsed: Vec<&str> = raw.split_whitespace().collect();
            chars(
                &collapsed.join(" "),
                2,
                10,
                is_basic_latin,
                "caratteri Basic Latin",
            )
        }
        "String10Type" => text(raw, 1, 10, false),
        "String15Type" => text(raw, 1, 15, false),
        "String20Type" => text(raw, 1, 20, false),
        "String35Type" => text(raw, 1, 35, false),
        "String60Type" => text(raw, 1, 60, false),
        "String80Type" => text(raw, 1, 80, false),
        "String100Type" => text(raw, 1, 100, false),
        "NumeroCivicoType" => text(raw, 1, 8, false),
        "TelFaxType" => text(raw, 5, 12, false),
        "String35LatinExtType" => chars(raw, 1, 35, |_| true, "caratteri"),
        "String60LatinType" => text(raw, 1, 60, true),
        "String80LatinType" => text(raw, 1, 80, true),
        "String100LatinType" => text(raw, 1, 100, true),
        "String200LatinType" => text(raw, 1, 200, true),
        "String1000LatinType" => text(raw, 1, 1000, true),
        "EmailType" => email(collapsed),
        "EmailContattiType" => email_contatti(raw),
        other => match enumeration(other) {
            Some(values) if values.contains(&raw) => Ok(()),
            Some(values) => Err(format!("valori ammessi: {}", values.join(", "))),
            None => Ok(()),
        },
    }
}

/// The enumerations of FatturaPA 1.2.3, by simple type.
pub(super) fn enumeration(type_name: &str) -> Option<&'static [&'static str]> {
    Some(match type_name {
        "FormatoTrasmissioneType" => &["FPA12", "FPR12"],
        "CausalePagamentoType" => &[
            "A", "B", "C", "D", "E", "G", "H", "I", "L", "M", "N", "O", "P", "Q", "R", "S", "T",
            "U", "V", "W", "X", "Y", "Z", "L1", "M1", "M2", "O1", "V1", "ZO",
        ],
        "TipoScontoMaggiorazioneType" => &["SC", "MG"],
        "Art73Type" | "RitenutaType" | "BolloVirtualeType" => &["SI"],
        "TipoCassaType" => &[
            "TC01", "TC02", "TC03", "TC04", "TC05", "TC06", "TC07", "TC08", "TC09", "TC10", "TC11",
            "TC12", "TC13", "TC14", "TC15", "TC16", "TC17", "TC18", "TC19", "TC20", "TC21", "TC22",
        ],
        "TipoDocumentoType" => &[
            "TD01", "TD02", "TD03", "TD04", "TD05", "TD06", "TD16", "TD17", "TD18", "TD19", "TD20",
            "TD21", "TD22", "TD23", "TD24", "TD25", "TD26", "TD27", "TD28", "TD29",
        ],
        "TipoRitenutaType" => &["RT01", "RT02", "RT03", "RT04", "RT05", "RT06"],
        "SoggettoEmittenteType" => &["CC", "TZ"],
        "RegimeFiscaleType" => &[
            "RF01", "RF02", "RF04", "RF05", "RF06", "RF07", "RF08", "RF09", "RF10", "RF11", "RF12",
            "RF13", "RF14", "RF15", "RF16", "RF17", "RF18", "RF19", "RF20",
        ],
        "CondizioniPagamentoType" => &["TP01", "TP02", "TP03"],
        "ModalitaPagamentoType" => &[
            "MP01", "MP02", "MP03", "MP04", "MP05", "MP06", "MP07", "MP08", "MP09", "MP10", "MP11",
            "MP12", "MP13", "MP14", "MP15", "MP16", "MP17", "MP18", "MP19", "MP20", "MP21", "MP22",
            "MP23",
        ],
        "EsigibilitaIVAType" => &["D", "I", "S"],
        "NaturaType" => &[
            "N1", "N2", "N2.1", "N2.2", "N3", "N3.1", "N3.2", "N3.3", "N3.4", "N3.5", "N3.6", "N4",
            "N5", "N6", "N6.1", "N6.2", "N6.3", "N6.4", "N6.5", "N6.6", "N6.7", "N6.8", "N6.9",
            "N7",
        ],
        "SocioUnicoType" => &["SU", "SM"],
        "StatoLiquidazioneType" => &["LS", "LN"],
        "TipoCessionePrestazioneType" => &["SC", "PR", "AB", "AC"],
        _ => return None,
    })
}

fn is_upper_alnum(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

fn is_basic_latin(c: char) -> bool {
    c.is_ascii()
}

/// A run of `min..=max` characters all satisfying `ok`.
fn chars(
    value: &str,
    min: usize,
    max: usize,
    ok: fn(char) -> bool,
    what: &str,
) -> Result<(), String> {
    let count = value.chars().count();
    if (min..=max).contains(&count) && value.chars().all(ok) {
        return Ok(());
    }
    Err(if min == max {
        format!("attesi {min} {what}")
    } else {
        format!("attesi da {min} a {max} {what}")
    })
}

/// `xs:normalizedString` restricted to Basic Latin (or Basic Latin and Latin-1 Supplement).
fn text(raw: &str, min: usize, max: usize, latin1: bool) -> Result<(), String> {
    // normalizedString turns tabs and line breaks into spaces; the count is unchanged.
    let repertoire = if latin1 {
        "caratteri Basic Latin o Latin-1 Supplement"
    } else {
        "caratteri Basic Latin"
    };
    let ok = if latin1 {
        |c: char| u32::from(c) <= 0xFF
    } else {
        is_basic_latin
    };
    chars(raw, min, max, ok, repertoire)
}

fn digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// The FatturaPA decimal patterns: `[-]?[0-9]{1,int}\.[0-9]{frac_min,frac_max}`.
fn decimal(
    value: &str,
    signed: bool,
    int: usize,
    frac_min: usize,
    frac_max: usize,
) -> Result<(), String> {
    let unsigned = if signed {
        value.strip_prefix('-').unwrap_or(value)
    } else {
        value
    };
    let ok = unsigned
        .split_once('.')
        .is_some_and(|(i, f)| digits(i, 1, int) && digits(f, frac_min, frac_max));
    if ok {
        return Ok(());
    }
    let decimals = if frac_min == frac_max {
        format!("{frac_min}")
    } else {
        format!("da {frac_min} a {frac_max}")
    };
    let sign = if signed {
        ", eventualmente preceduto da -"
    } else {
        ""
    };
    Err(format!(
        "numero atteso con al massimo {int} cifre intere e {decimals} decimali separati dal \
         punto{sign}"
    ))
}

fn integer(value: &str, min: i64, max: i64) -> Result<(), String> {
    let unsigned = value.strip_prefix(['+', '-']).unwrap_or(value);
    let parsed = (!unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()))
        .then(|| value.parse::<i64>().ok())
        .flatten();
    match parsed {
        Some(n) if (min..=max).contains(&n) => Ok(()),
        _ => Err(format!("intero atteso da {min} a {max}")),
    }
}

/// Strips an `xs:date`/`xs:dateTime` timezone suffix (`Z`, `+01:00`).
fn without_timezone(value: &str) -> &str {
    if let Some(rest) = value.strip_suffix('Z') {
        return rest;
    }
    let bytes = value.as_bytes();
    if bytes.len() > 6 {
        let tz = &value[value.len() - 6..];
        let b = tz.as_bytes();
        if (b[0] == b'+' || b[0] == b'-')
            && digits(&tz[1..3], 2, 2)
            && b[3] == b':'
            && digits(&tz[4..6], 2, 2)
        {
            return &value[..value.len() - 6];
        }
    }
    value
}

pub(super) fn date(value: &str) -> Result<Date, String> {
    let expected = || "data attesa nel formato AAAA-MM-GG".to_owned();
    let plain = without_timezone(value);
    let parts: Vec<&str> = plain.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(expected());
    };
    if !(digits(y, 4, 4) && digits(m, 2, 2) && digits(d, 2, 2)) {
        return Err(expected());
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i16>(), m.parse::<i8>(), d.parse::<i8>()) else {
        return Err(expected());
    };
    Date::new(y, m, d).map_err(|_| format!("{}: giorno inesistente", expected()))
}

fn date_time(value: &str) -> Result<(), String> {
    let expected = || "data e ora attese nel formato AAAA-MM-GGThh:mm:ss".to_owned();
    let plain = without_timezone(value);
    let Some((day, time)) = plain.split_once('T') else {
        return Err(expected());
    };
    date(day).map_err(|_| expected())?;
    let (hms, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let parts: Vec<&str> = hms.split(':').collect();
    let [h, m, s] = parts.as_slice() else {
        return Err(expected());
    };
    let in_range = |v: &str, max: u32| digits(v, 2, 2) && v.parse::<u32>().is_ok_and(|n| n <= max);
    if in_range(h, 23) && in_range(m, 59) && in_range(s, 59) && digits(fraction, 1, 12) {
        Ok(())
    } else {
        Err(expected())
    }
}

fn base64(raw: &str) -> Result<(), String> {
    let compact: Vec<u8> = raw.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let body_end = compact
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(0, |i| i + 1);
    let padding = compact.len() - body_end;
    let ok = compact.len().is_multiple_of(4)
        && padding <= 2
        && compact[..body_end]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    if ok {
        Ok(())
    } else {
        Err("contenuto atteso codificato in base64".into())
    }
}

fn iban(raw: &str) -> Result<(), String> {
    let b = raw.as_bytes();
    let ok = (15..=34).contains(&b.len())
        && b[..2].iter().all(u8::is_ascii_alphabetic)
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b[4..].iter().all(u8::is_ascii_alphanumeric);
    if ok {
        Ok(())
    } else {
        Err("IBAN atteso: 2 lettere, 2 cifre e da 11 a 30 caratteri alfanumerici".into())
    }
}

fn bic(raw: &str) -> Result<(), String> {
    let b = raw.as_bytes();
    let ok = (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && (b[6].is_ascii_uppercase() || (b'2'..=b'9').contains(&b[6]))
        && ((b[7].is_ascii_uppercase() && b[7] != b'O') || b[7].is_ascii_digit())
        && b[8..].iter().all(|&c| is_upper_alnum(char::from(c)));
    if ok {
        Ok(())
    } else {
        Err("BIC atteso di 8 o 11 caratteri".into())
    }
}

/// `atext` of the schema's e-mail pattern: `[!#-'*+/-9=?A-Z^-~-]`.
fn is_atext(c: char) -> bool {
    matches!(c, '!' | '#'..='\'' | '*' | '+' | '/'..='9' | '=' | '?' | 'A'..='Z' | '^'..='~' | '-')
}

fn is_dot_atom(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(is_atext))
}

/// `EmailType`: a dot-atom or quoted local part, `@`, a dot-atom or bracketed domain.
fn email(value: &str) -> Result<(), String> {
    let (local, domain) = if let Some(rest) = value.strip_prefix('"') {
        match rest.find("\"@") {
            Some(end) if end > 0 => ("\"quoted\"", &rest[end + 2..]),
            _ => ("", ""),
        }
    } else {
        value.split_once('@').unwrap_or(("", ""))
    };
    let local_ok = local == "\"quoted\"" || is_dot_atom(local);
    let domain_ok = is_dot_atom(domain)
        || (domain.starts_with('[')
            && domain.ends_with(']')
            && domain.len() >= 2
            && domain[1..domain.len() - 1]
                .chars()
                .all(|c| c == '\t' || (' '..='Z').contains(&c) || ('^'..='~').contains(&c)));
    if value.chars().count() <= 256 && local_ok && domain_ok {
        Ok(())
    } else {
        Err("indirizzo e-mail atteso (massimo 256 caratteri)".into())
    }
}

/// `EmailContattiType`: 7 to 256 characters matching `.+@.+[.]+.+`.
fn email_contatti(raw: &str) -> Result<(), String> {
    let count = raw.chars().count();
    let single_line = !raw.contains(['\n', '\r']);
    let shaped = raw.char_indices().any(|(at, c)| {
        c == '@' && at > 0 && {
            let rest = &raw[at + 1..];
            rest.char_indices()
                .any(|(dot, d)| d == '.' && dot > 0 && dot + 1 < rest.len())
        }
    });
    if (7..=256).contains(&count) && single_line && shaped {
        Ok(())
    } else {
        Err("indirizzo e-mail atteso (da 7 a 256 caratteri)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_named_in_the_table_is_known() {
        for (_, particles) in super::super::schema::tests_table() {
            for p in *particles {
                if let Particle::El(name, ty, _, _) = *p {
                    let known = complex_type(ty).is_some()
                        || ty == "ds:Signature"
                        || enumeration(ty).is_some()
                        || check_value(ty, &"\u{1}".repeat(1001)).is_err();
                    assert!(known, "{name}: {ty}");
                }
            }
        }
    }

    #[test]
    fn decimals_follow_the_schema_patterns() {
        assert!(check_value("Amount2DecimalType", "-1234.50").is_ok());
        assert!(check_value("Amount2DecimalType", "1234.5").is_err());
        assert!(check_value("Amount2DecimalType", "1234").is_err());
        assert!(check_value("Amount2DecimalType", "1,234.50").is_err());
        assert!(check_value("Amount8DecimalType", "0.12345678").is_ok());
        assert!(check_value("QuantitaType", "-1.00").is_err());
        assert!(check_value("RateType", "100.00").is_ok());
        assert!(check_value("RateType", "100.01").is_err());
        assert!(check_value("RateType", "22.0").is_err());
    }

    #[test]
    fn dates_and_codes() {
        assert!(check_value("xs:date", "2026-02-28").is_ok());
        assert!(check_value("xs:date", "2026-02-29").is_err());
        assert!(check_value("xs:date", "28/02/2026").is_err());
        assert!(check_value("xs:date", "2026-02-28Z").is_ok());
        assert!(check_value("DataFatturaType", "1969-12-31").is_err());
        assert!(check_value("xs:dateTime", "2026-02-28T10:15:00.000+01:00").is_ok());
        assert!(check_value("xs:dateTime", "2026-02-28 10:15:00").is_err());
        assert!(check_value("CodiceDestinatarioType", "ABC1234").is_ok());
        assert!(check_value("CodiceDestinatarioType", "abc1234").is_err());
        assert!(check_value("TipoDocumentoType", "TD01").is_ok());
        assert!(check_value("TipoDocumentoType", "TD07").is_err());
        assert!(check_value("String20Type", "FT/2026/0001").is_ok());
        assert!(check_value("String20Type", "").is_err());
        assert!(check_value("String20Type", "Fattura n° 1").is_err());
        assert!(check_value("String80LatinType", "Caffè Società").is_ok());
        assert!(check_value("IBANType", "IT60X0542811101000000123456").is_ok());
        assert!(check_value("BICType", "BPPIITRRXXX").is_ok());
        assert!(check_value("EmailType", "fatture@pec.example.it").is_ok());
        assert!(check_value("EmailType", "fatture.example.it").is_err());
        assert!(check_value("EmailContattiType", "a@b.it").is_err());
        assert!(check_value("EmailContattiType", "ab@cd.it").is_ok());
        assert!(check_value("xs:base64Binary", "SGVsbG8=").is_ok());
        assert!(check_value("xs:base64Binary", "SGVsbG8").is_err());
    }
}
