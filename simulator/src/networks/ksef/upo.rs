//! UPO (Urzędowe Poświadczenie Odbioru), the official receipt KSeF issues, in the v4-3 schema
//! (`upo-v4-3.xsd`, root `Potwierdzenie`, namespace `http://upo.schematy.mf.gov.pl/KSeF/v4-3`).
//!
//! There is one UPO per accepted invoice, and, once a session is closed, a collective UPO in
//! pages of at most [`MAX_DOCUMENTS_PER_PAGE`] documents. MF signs its UPOs with XAdES; the schema
//! does not require a signature and the simulator's receipts are unsigned, so clients that verify
//! signatures have nothing to trip over except the missing one.
//!
//! The output follows the official examples: UTF-8 with an XML declaration, the UPO namespace as
//! the default namespace (no prefix), tab indentation. Values are written as given: callers pass
//! values that already satisfy the schema's patterns (NIP, KSeF number, reference numbers,
//! 44-character hashes); this module only guarantees well-formed, escaped XML in schema order.

use std::fmt::Write as _;
use std::ops::Range;

use jiff::Timestamp;
use jiff::civil::Date;
use quick_xml::escape::escape;

/// Most `Dokument` elements one UPO may hold (`maxOccurs="10000"` in the schema).
pub(crate) const MAX_DOCUMENTS_PER_PAGE: usize = 10_000;

const NAMESPACE: &str = "http://upo.schematy.mf.gov.pl/KSeF/v4-3";
const SCHEMA_VERSION: &str = "4-3";
/// The schema fixes this value, so the `- środowisko testowe (TE)` suffix that MF's TEST
/// environment appends would make the document invalid; the simulator keeps to the schema.
const RECEIVER: &str = "Ministerstwo Finansów";

/// The context the session was authenticated in (`IdKontekstu`). Sessions authenticate in a
/// NIP context only so far; the schema's other kinds are rendered and schema-checked in the
/// tests, ready for when other contexts are simulated.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) enum ContextId {
    /// `Nip`: a 10-digit NIP.
    Nip(String),
    /// `IdWewnetrzny`: `{NIP}-{5 digits}`.
    InternalId(String),
    /// `IdZlozonyVatUE`: `{NIP}-{EU VAT number}`.
    NipVatUe(String),
    /// `IdDostawcyUslugPeppol`: `P` + 2 letters + 6 digits.
    PeppolId(String),
}

/// How the session's owner proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuthProof {
    /// `NumerReferencyjnyTokenaKSeF`: the reference number of the KSeF token used.
    KsefTokenReference(String),
    /// `SkrotDokumentuUwierzytelniajacego`: Base64 SHA-256 of the signed auth request, as received.
    DocumentHash(String),
}

/// The form the session's invoices were sent under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Form {
    /// `NazwaStrukturyLogicznej`, e.g. `Schemat_FA(3)_v1-0E.xsd`.
    pub logical_structure: String,
    /// `KodFormularza`, e.g. `FA (3)`.
    pub form_code: String,
}

/// What every UPO of one session shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UpoHeader {
    /// `NumerReferencyjnySesji` (the `SO`/`SB` reference).
    pub session_reference: String,
    pub context: ContextId,
    pub auth: AuthProof,
    pub form: Form,
}

/// One accepted invoice (`Dokument`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UpoEntry {
    /// `NipSprzedawcy`: `Podmiot1` NIP from the invoice.
    pub seller_nip: String,
    /// `NumerKSeFDokumentu`.
    pub ksef_number: String,
    /// `NumerFaktury`: the invoice's `P_2`.
    pub invoice_number: String,
    /// `DataWystawieniaFaktury`: the invoice's `P_1`.
    pub issue_date: Date,
    /// `DataPrzeslaniaDokumentu`.
    pub sent_at: Timestamp,
    /// `DataNadaniaNumeruKSeF` (the status's `acquisitionDate`).
    pub numbered_at: Timestamp,
    /// `SkrotDokumentu`: Base64 SHA-256 of the invoice as sent (44 characters).
    pub invoice_hash: String,
    /// `TrybWysylki`: `Offline` when the invoice was issued in offline mode.
    pub offline: bool,
}

/// Where one page of a collective UPO sits (`OpisPotwierdzenia`). Positions are 1-based
/// ordinals and both ends are inclusive: the official example lists 2 documents as
/// `ZakresDokumentowOd` 1, `ZakresDokumentowDo` 2, although the schema's annotation calls the
/// upper bound "exclusive".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageInfo {
    /// `Strona`, from 1.
    pub page: u32,
    /// `LiczbaStron`.
    pub pages: u32,
    /// `CalkowitaLiczbaDokumentow`: documents on all pages together.
    pub total_documents: u32,
    /// `ZakresDokumentowOd`: ordinal of the first document on this page.
    pub first_document: u32,
    /// `ZakresDokumentowDo`: ordinal of the last document on this page.
    pub last_document: u32,
}

/// The UPO of a single invoice. It has no `OpisPotwierdzenia`: that element only describes
/// pages of a collective UPO.
pub(crate) fn invoice_upo(header: &UpoHeader, entry: &UpoEntry) -> String {
    document(header, None, std::slice::from_ref(entry))
}

/// One page of a session's collective UPO, holding `entries` (the documents `page` describes,
/// at most [`MAX_DOCUMENTS_PER_PAGE`] and at least one, as the schema requires).
pub(crate) fn session_upo_page(
    header: &UpoHeader,
    page: &PageInfo,
    entries: &[UpoEntry],
) -> String {
    document(header, Some(page), entries)
}

/// Splits a session's documents (in `ordinalNumber` order) into UPO pages; each range indexes
/// `entries`. A session without documents gets no UPO, hence no page.
pub(crate) fn paginate(entries: &[UpoEntry]) -> Vec<(PageInfo, Range<usize>)> {
    let total = entries.len();
    let pages = total.div_ceil(MAX_DOCUMENTS_PER_PAGE);
    (0..pages)
        .map(|index| {
            let start = index.saturating_mul(MAX_DOCUMENTS_PER_PAGE);
            let end = start.saturating_add(MAX_DOCUMENTS_PER_PAGE).min(total);
            let info = PageInfo {
                page: saturating_u32(index.saturating_add(1)),
                pages: saturating_u32(pages),
                total_documents: saturating_u32(total),
                first_document: saturating_u32(start.saturating_add(1)),
                last_document: saturating_u32(end),
            };
            (info, start..end)
        })
        .collect()
}

/// Counts beyond `u32` cannot occur (sessions hold far fewer invoices), so saturating is only
/// there to keep the conversion total.
fn saturating_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn document(header: &UpoHeader, page: Option<&PageInfo>, entries: &[UpoEntry]) -> String {
    let mut xml = Xml::new();
    xml.out.push_str(&format!(
        "<Potwierdzenie xmlns=\"{NAMESPACE}\" wersjaSchemy=\"{SCHEMA_VERSION}\">"
    ));
    xml.depth = 1;

    xml.leaf("NazwaPodmiotuPrzyjmujacego", RECEIVER);
    xml.leaf("NumerReferencyjnySesji", &header.session_reference);

    xml.open("Uwierzytelnienie");
    xml.open("IdKontekstu");
    match &header.context {
        ContextId::Nip(value) => xml.leaf("Nip", value),
        ContextId::InternalId(value) => xml.leaf("IdWewnetrzny", value),
        ContextId::NipVatUe(value) => xml.leaf("IdZlozonyVatUE", value),
        ContextId::PeppolId(value) => xml.leaf("IdDostawcyUslugPeppol", value),
    }
    xml.close("IdKontekstu");
    match &header.auth {
        AuthProof::KsefTokenReference(value) => xml.leaf("NumerReferencyjnyTokenaKSeF", value),
        AuthProof::DocumentHash(value) => xml.leaf("SkrotDokumentuUwierzytelniajacego", value),
    }
    xml.close("Uwierzytelnienie");

    if let Some(page) = page {
        xml.open("OpisPotwierdzenia");
        xml.leaf("Strona", &page.page.to_string());
        xml.leaf("LiczbaStron", &page.pages.to_string());
        xml.leaf("ZakresDokumentowOd", &page.first_document.to_string());
        xml.leaf("ZakresDokumentowDo", &page.last_document.to_string());
        xml.leaf(
            "CalkowitaLiczbaDokumentow",
            &page.total_documents.to_string(),
        );
        xml.close("OpisPotwierdzenia");
    }

    xml.leaf("NazwaStrukturyLogicznej", &header.form.logical_structure);
    xml.leaf("KodFormularza", &header.form.form_code);

    for entry in entries {
        xml.open("Dokument");
        xml.leaf("NipSprzedawcy", &entry.seller_nip);
        xml.leaf("NumerKSeFDokumentu", &entry.ksef_number);
        xml.leaf("NumerFaktury", &entry.invoice_number);
        xml.leaf("DataWystawieniaFaktury", &xsd_date(entry.issue_date));
        xml.leaf("DataPrzeslaniaDokumentu", &xsd_date_time(entry.sent_at));
        xml.leaf("DataNadaniaNumeruKSeF", &xsd_date_time(entry.numbered_at));
        xml.leaf("SkrotDokumentu", &entry.invoice_hash);
        xml.leaf(
            "TrybWysylki",
            if entry.offline { "Offline" } else { "Online" },
        );
        xml.close("Dokument");
    }

    xml.depth = 0;
    xml.close("Potwierdzenie");
    xml.out
}

/// `xsd:date` without a zone (`YYYY-MM-DD`), as the examples write the issue date.
fn xsd_date(date: Date) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail, and the date's format needs no data it could lack.
    let _ = write!(out, "{}", date.strftime("%Y-%m-%d"));
    out
}

/// `xsd:dateTime` with milliseconds and the Polish offset, e.g. `2025-09-16T11:05:40.841+02:00`
/// (the format of MF's UPOs). Sub-millisecond digits are truncated.
fn xsd_date_time(at: Timestamp) -> String {
    let mut out = String::new();
    // As above: `write!` rather than `to_string` so that no formatting error can panic.
    let _ = write!(
        out,
        "{}",
        // MF writes UPO times in Polish local time (`+01:00` / `+02:00` in its examples).
        at.to_zoned(crate::civil_time::central_european())
            .strftime("%Y-%m-%dT%H:%M:%S%.3f%:z")
    );
    out
}

/// A minimal pretty-printing writer: the UPO is flat, so a depth counter and escaped text
/// leaves are all it needs.
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn new() -> Self {
        Self {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            depth: 0,
        }
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push('\t');
        }
    }

    fn open(&mut self, name: &str) {
        self.newline();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self.depth = self.depth.saturating_add(1);
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.newline();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.newline();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self.out.push_str(&text_content(text));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }
}

/// Escapes markup, and keeps the document well-formed whatever the text holds: characters XML
/// 1.0 cannot carry become U+FFFD, and a carriage return is written as a reference so that a
/// parser's line-end normalisation does not turn it into a line feed.
fn text_content(text: &str) -> String {
    let legal: String = text
        .chars()
        .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
        .collect();
    escape(legal.as_str()).replace('\r', "&#13;")
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    use super::*;
    use crate::testing::texts;
    use jiff::civil::date;

    fn header() -> UpoHeader {
        UpoHeader {
            session_reference: "20250916-SO-2A3B4C5D6E-0F1E2D3C4B-BB".into(),
            context: ContextId::Nip("5265877635".into()),
            auth: AuthProof::DocumentHash("kyqH+QUgP8ATWd/95IY632mP4uqibwG66Oqclq9+qno=".into()),
            form: Form {
                logical_structure: "Schemat_FA(3)_v1-0E.xsd".into(),
                form_code: "FA (3)".into(),
            },
        }
    }

    fn entry() -> UpoEntry {
        UpoEntry {
            seller_nip: "5265877635".into(),
            ksef_number: "5265877635-20250916-0200A0D6723E-C2".into(),
            invoice_number: "FA/2025/09/0001".into(),
            issue_date: date(2025, 9, 16),
            sent_at: "2025-09-16T09:05:40.841Z".parse().unwrap(),
            numbered_at: "2025-09-16T09:05:41.045Z".parse().unwrap(),
            invoice_hash: "GZMGNVzs3krF6URKgvaw77OOeG3nJ+WGziT5xguliQ8=".into(),
            offline: false,
        }
    }

    fn three_entries() -> Vec<UpoEntry> {
        let second = UpoEntry {
            seller_nip: "5261040828".into(),
            ksef_number: "5261040828-20250916-0300B1E7834F-AD".into(),
            invoice_number: "R&D <2025> \"B\"".into(),
            offline: true,
            ..entry()
        };
        let third = UpoEntry {
            ksef_number: "5265877635-20250916-010040741B3E-46".into(),
            invoice_number: "FA/2025/09/0003".into(),
            issue_date: date(2025, 1, 31),
            sent_at: "2025-01-31T22:59:59.999999Z".parse().unwrap(),
            numbered_at: "2025-01-31T23:00:00Z".parse().unwrap(),
            ..entry()
        };
        vec![entry(), second, third]
    }

    #[test]
    fn invoice_upo_matches_the_official_layout() {
        let expected = "\
<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<Potwierdzenie xmlns=\"http://upo.schematy.mf.gov.pl/KSeF/v4-3\" wersjaSchemy=\"4-3\">
\t<NazwaPodmiotuPrzyjmujacego>Ministerstwo Finansów</NazwaPodmiotuPrzyjmujacego>
\t<NumerReferencyjnySesji>20250916-SO-2A3B4C5D6E-0F1E2D3C4B-BB</NumerReferencyjnySesji>
\t<Uwierzytelnienie>
\t\t<IdKontekstu>
\t\t\t<Nip>5265877635</Nip>
\t\t</IdKontekstu>
\t\t<SkrotDokumentuUwierzytelniajacego>kyqH+QUgP8ATWd/95IY632mP4uqibwG66Oqclq9+qno=</SkrotDokumentuUwierzytelniajacego>
\t</Uwierzytelnienie>
\t<NazwaStrukturyLogicznej>Schemat_FA(3)_v1-0E.xsd</NazwaStrukturyLogicznej>
\t<KodFormularza>FA (3)</KodFormularza>
\t<Dokument>
\t\t<NipSprzedawcy>5265877635</NipSprzedawcy>
\t\t<NumerKSeFDokumentu>5265877635-20250916-0200A0D6723E-C2</NumerKSeFDokumentu>
\t\t<NumerFaktury>FA/2025/09/0001</NumerFaktury>
\t\t<DataWystawieniaFaktury>2025-09-16</DataWystawieniaFaktury>
\t\t<DataPrzeslaniaDokumentu>2025-09-16T11:05:40.841+02:00</DataPrzeslaniaDokumentu>
\t\t<DataNadaniaNumeruKSeF>2025-09-16T11:05:41.045+02:00</DataNadaniaNumeruKSeF>
\t\t<SkrotDokumentu>GZMGNVzs3krF6URKgvaw77OOeG3nJ+WGziT5xguliQ8=</SkrotDokumentu>
\t\t<TrybWysylki>Online</TrybWysylki>
\t</Dokument>
</Potwierdzenie>";
        let upo = invoice_upo(&header(), &entry());
        assert_eq!(upo, expected);
        assert!(!upo.contains("OpisPotwierdzenia"));
    }

    #[test]
    fn invoice_numbers_are_escaped_and_read_back_intact() {
        let tricky = UpoEntry {
            invoice_number: "A&B <x> \"q\" 'z'".into(),
            ..entry()
        };
        let upo = invoice_upo(&header(), &tricky);
        assert!(upo.contains(
            "<NumerFaktury>A&amp;B &lt;x&gt; &quot;q&quot; &apos;z&apos;</NumerFaktury>"
        ));
        assert_eq!(texts(&upo, "NumerFaktury"), ["A&B <x> \"q\" 'z'"]);
    }

    #[test]
    fn characters_xml_cannot_carry_do_not_break_the_document() {
        let odd = UpoEntry {
            invoice_number: "A\u{1}B\rC".into(),
            ..entry()
        };
        let upo = invoice_upo(&header(), &odd);
        assert!(upo.contains("<NumerFaktury>A\u{FFFD}B&#13;C</NumerFaktury>"));
    }

    #[test]
    fn times_carry_the_polish_offset_of_their_season() {
        assert_eq!(
            xsd_date_time("2025-01-31T22:59:59.999999Z".parse().unwrap()),
            "2025-01-31T23:59:59.999+01:00"
        );
        assert_eq!(
            xsd_date_time("2025-07-01T00:00:00Z".parse().unwrap()),
            "2025-07-01T02:00:00.000+02:00"
        );
        // Summer time starts on the last Sunday of March at 01:00 UTC.
        assert_eq!(
            xsd_date_time("2026-03-29T00:59:59Z".parse().unwrap()),
            "2026-03-29T01:59:59.000+01:00"
        );
        assert_eq!(
            xsd_date_time("2026-03-29T01:00:00Z".parse().unwrap()),
            "2026-03-29T03:00:00.000+02:00"
        );
        // And ends on the last Sunday of October at 01:00 UTC.
        assert_eq!(
            xsd_date_time("2026-10-25T01:00:00Z".parse().unwrap()),
            "2026-10-25T02:00:00.000+01:00"
        );
    }

    #[test]
    fn session_page_describes_its_range_in_schema_order() {
        let entries = three_entries();
        let pages = paginate(&entries);
        let (info, range) = pages[0].clone();
        let upo = session_upo_page(&header(), &info, &entries[range]);

        let order = [
            "<NumerReferencyjnySesji>",
            "<Uwierzytelnienie>",
            "<OpisPotwierdzenia>",
            "<Strona>1</Strona>",
            "<LiczbaStron>1</LiczbaStron>",
            "<ZakresDokumentowOd>1</ZakresDokumentowOd>",
            "<ZakresDokumentowDo>3</ZakresDokumentowDo>",
            "<CalkowitaLiczbaDokumentow>3</CalkowitaLiczbaDokumentow>",
            "</OpisPotwierdzenia>",
            "<NazwaStrukturyLogicznej>",
            "<KodFormularza>",
            "<Dokument>",
        ];
        let positions: Vec<usize> = order.iter().map(|tag| upo.find(tag).unwrap()).collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]));

        assert_eq!(
            texts(&upo, "NumerKSeFDokumentu"),
            entries
                .iter()
                .map(|e| e.ksef_number.clone())
                .collect::<Vec<_>>()
        );
        assert_eq!(texts(&upo, "TrybWysylki"), ["Online", "Offline", "Online"]);
        assert_eq!(texts(&upo, "NumerFaktury")[1], "R&D <2025> \"B\"");
        assert_eq!(
            texts(&upo, "DataNadaniaNumeruKSeF")[2],
            "2025-02-01T00:00:00.000+01:00"
        );
        assert_eq!(texts(&upo, "DataWystawieniaFaktury")[2], "2025-01-31");
    }

    #[test]
    fn identical_input_gives_identical_bytes() {
        let entries = three_entries();
        let info = paginate(&entries)[0].0;
        assert_eq!(
            session_upo_page(&header(), &info, &entries),
            session_upo_page(&header(), &info, &entries)
        );
        assert_eq!(
            invoice_upo(&header(), &entry()),
            invoice_upo(&header(), &entry())
        );
    }

    #[test]
    fn every_context_and_proof_lands_in_its_own_element() {
        let cases = [
            (ContextId::Nip("5265877635".into()), "<Nip>5265877635</Nip>"),
            (
                ContextId::InternalId("5265877635-00001".into()),
                "<IdWewnetrzny>5265877635-00001</IdWewnetrzny>",
            ),
            (
                ContextId::NipVatUe("5265877635-DE123456789".into()),
                "<IdZlozonyVatUE>5265877635-DE123456789</IdZlozonyVatUE>",
            ),
            (
                ContextId::PeppolId("PPL123456".into()),
                "<IdDostawcyUslugPeppol>PPL123456</IdDostawcyUslugPeppol>",
            ),
        ];
        for (context, element) in cases {
            let upo = invoice_upo(
                &UpoHeader {
                    context,
                    ..header()
                },
                &entry(),
            );
            assert!(upo.contains(element), "{element} missing from {upo}");
        }
        let token = UpoHeader {
            auth: AuthProof::KsefTokenReference("20250916-EC-1111AAAA22-BBBB3333CC-7A".into()),
            ..header()
        };
        let upo = invoice_upo(&token, &entry());
        assert!(upo.contains(
            "<NumerReferencyjnyTokenaKSeF>20250916-EC-1111AAAA22-BBBB3333CC-7A</NumerReferencyjnyTokenaKSeF>"
        ));
        assert!(!upo.contains("SkrotDokumentuUwierzytelniajacego"));
    }

    fn entries(count: usize) -> Vec<UpoEntry> {
        vec![entry(); count]
    }

    #[test]
    fn no_documents_means_no_page() {
        assert!(paginate(&[]).is_empty());
    }

    #[test]
    fn one_document_is_one_page() {
        let pages = paginate(&entries(1));
        assert_eq!(
            pages,
            [(
                PageInfo {
                    page: 1,
                    pages: 1,
                    total_documents: 1,
                    first_document: 1,
                    last_document: 1
                },
                0..1
            )]
        );
    }

    #[test]
    fn a_full_page_stays_one_page() {
        let pages = paginate(&entries(10_000));
        assert_eq!(
            pages,
            [(
                PageInfo {
                    page: 1,
                    pages: 1,
                    total_documents: 10_000,
                    first_document: 1,
                    last_document: 10_000
                },
                0..10_000
            )]
        );
    }

    #[test]
    fn one_document_more_opens_a_second_page() {
        let pages = paginate(&entries(10_001));
        assert_eq!(
            pages,
            [
                (
                    PageInfo {
                        page: 1,
                        pages: 2,
                        total_documents: 10_001,
                        first_document: 1,
                        last_document: 10_000
                    },
                    0..10_000
                ),
                (
                    PageInfo {
                        page: 2,
                        pages: 2,
                        total_documents: 10_001,
                        first_document: 10_001,
                        last_document: 10_001
                    },
                    10_000..10_001
                ),
            ]
        );
    }

    /// Where the official schemas are, or why the schema check cannot run here.
    fn schema_check_setup() -> Result<PathBuf, String> {
        let Some(dir) = std::env::var_os("EISIM_SCHEMAS_DIR") else {
            return Err("EISIM_SCHEMAS_DIR is not set".into());
        };
        match Command::new("xmllint").arg("--version").output() {
            Ok(_) => Ok(PathBuf::from(dir)),
            Err(error) => Err(format!("xmllint is not available ({error})")),
        }
    }

    /// Runs xmllint against the official UPO schema; `Err` carries its diagnostics.
    fn xmllint(schemas: &Path, name: &str, xml: &str) -> Result<(), String> {
        let file =
            std::env::temp_dir().join(format!("eisim-upo-test-{}-{name}.xml", std::process::id()));
        std::fs::write(&file, xml).unwrap();
        let output = Command::new("xmllint")
            .env("XML_CATALOG_FILES", schemas.join("catalog.xml"))
            .args(["--nonet", "--noout", "--schema"])
            .arg(schemas.join("ksef/faktury/upo/schemy/upo-v4-3.xsd"))
            .arg(&file)
            .output()
            .unwrap();
        std::fs::remove_file(&file).unwrap();
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "exit {:?}: {}",
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    #[test]
    fn documents_validate_against_the_official_schema() {
        let schemas = match schema_check_setup() {
            Ok(schemas) => schemas,
            Err(reason) => {
                println!("skipped: {reason}");
                return;
            }
        };

        let entries = three_entries();
        let (info, range) = paginate(&entries)[0].clone();
        let page = session_upo_page(&header(), &info, &entries[range]);
        xmllint(&schemas, "session-page", &page).unwrap();

        let contexts = [
            ContextId::Nip("5265877635".into()),
            ContextId::InternalId("5265877635-00001".into()),
            ContextId::NipVatUe("5265877635-DE123456789".into()),
            ContextId::PeppolId("PPL123456".into()),
        ];
        for (index, context) in contexts.into_iter().enumerate() {
            let auth = if index % 2 == 0 {
                AuthProof::DocumentHash("kyqH+QUgP8ATWd/95IY632mP4uqibwG66Oqclq9+qno=".into())
            } else {
                AuthProof::KsefTokenReference("20250916-EC-1111AAAA22-BBBB3333CC-7A".into())
            };
            let header = UpoHeader {
                context,
                auth,
                ..header()
            };
            let upo = invoice_upo(&header, &entries[1]);
            xmllint(&schemas, &format!("invoice-{index}"), &upo).unwrap();
        }

        // The check must be able to fail: a document missing a required element is rejected.
        let incomplete = page.replacen("<KodFormularza>FA (3)</KodFormularza>", "", 1);
        assert!(xmllint(&schemas, "broken", &incomplete).is_err());
    }
}
