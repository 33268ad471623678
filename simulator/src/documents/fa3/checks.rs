//! The value checks of FA(3): each element KSeF's XSD validation refuses most often, checked
//! against its type, under a `450.<check>` rule of its own so that an integrator (and a
//! fixture) can tell which one fired. Structure (order, unknown and missing children) is
//! [`super::sequence`]'s; this module walks the tree and calls it for each model it checks.

use jiff::civil::{Date, DateTime, date};

use crate::documents::{Element, FA3_NS, Finding, InspectionContext};

use super::codes;
use super::lexical::{self, Amount, ILOSCI, KWOTOWY, KWOTOWY2, Refusal};
use super::messages::{self, etd, tns};
use super::sequence::{self, UNKNOWN_ELEMENT};

/// `TDataT`'s range, used by `P_1` and the dates of corrected invoices.
const DATA_T_MIN: Date = date(2006, 1, 1);
const DATA_T_MAX: Date = date(2050, 1, 1);

/// `DataWytworzeniaFa`'s range: FA(3) documents can only have been made since FA(3) exists.
const CREATED_MIN: DateTime = date(2025, 9, 1).at(0, 0, 0, 0);
const CREATED_MAX: DateTime = date(2050, 1, 1).at(23, 59, 59, 0);

/// Amounts of `Fa`'s main sequence other than `P_15`: the per-rate sums and the exchange rates.
const FA_AMOUNTS: &[(&str, Amount)] = &[
    ("P_13_1", KWOTOWY),
    ("P_14_1", KWOTOWY),
    ("P_14_1W", KWOTOWY),
    ("P_13_2", KWOTOWY),
    ("P_14_2", KWOTOWY),
    ("P_14_2W", KWOTOWY),
    ("P_13_3", KWOTOWY),
    ("P_14_3", KWOTOWY),
    ("P_14_3W", KWOTOWY),
    ("P_13_4", KWOTOWY),
    ("P_14_4", KWOTOWY),
    ("P_14_4W", KWOTOWY),
    ("P_13_5", KWOTOWY),
    ("P_14_5", KWOTOWY),
    ("P_13_6_1", KWOTOWY),
    ("P_13_6_2", KWOTOWY),
    ("P_13_6_3", KWOTOWY),
    ("P_13_7", KWOTOWY),
    ("P_13_8", KWOTOWY),
    ("P_13_9", KWOTOWY),
    ("P_13_10", KWOTOWY),
    ("P_13_11", KWOTOWY),
    ("KursWalutyZ", ILOSCI),
    ("P_15ZK", KWOTOWY),
    ("KursWalutyZK", ILOSCI),
];

/// Quantities, prices and amounts of an invoice line.
const LINE_AMOUNTS: &[(&str, Amount)] = &[
    ("P_8B", ILOSCI),
    ("P_9A", KWOTOWY2),
    ("P_9B", KWOTOWY2),
    ("P_10", KWOTOWY2),
    ("P_11", KWOTOWY),
    ("P_11A", KWOTOWY),
    ("P_11Vat", KWOTOWY),
    ("KwotaAkcyzy", KWOTOWY),
    ("KursWaluty", ILOSCI),
];

/// Where findings go, and the context some checks need.
#[derive(Debug)]
pub(super) struct Checks<'a> {
    pub(super) findings: Vec<Finding>,
    context: &'a InspectionContext,
}

impl<'a> Checks<'a> {
    pub(super) fn new(context: &'a InspectionContext) -> Self {
        Self {
            findings: Vec::new(),
            context,
        }
    }

    fn fatal(&mut self, rule: &str, location: impl Into<String>, message: impl Into<String>) {
        self.findings.push(Finding::fatal(rule, location, message));
    }

    /// Records a refused value with the validator's message; gives the checked value back.
    fn value<T>(
        &mut self,
        rule: &str,
        location: &str,
        el: &Element,
        datatype: &str,
        checked: Result<T, Refusal>,
    ) -> Option<T> {
        match checked {
            Ok(value) => Some(value),
            Err(refusal) => {
                let value = el.text();
                let message =
                    messages::invalid_value(&el.name, value, datatype, &refusal.reason(value));
                self.fatal(rule, location, message);
                None
            }
        }
    }

    /// The whole document below the root.
    pub(super) fn faktura(&mut self, root: &Element) {
        sequence::FAKTURA.check(root, "/Faktura", &mut self.findings);
        if let Some(naglowek) = child(root, "Naglowek") {
            self.naglowek(naglowek, "/Faktura/Naglowek");
        }
        if let Some(podmiot1) = child(root, "Podmiot1") {
            self.podmiot1(podmiot1, "/Faktura/Podmiot1");
        }
        if let Some(podmiot2) = child(root, "Podmiot2") {
            self.podmiot2(podmiot2, "/Faktura/Podmiot2");
        }
        for (path, party) in indexed(root, "Podmiot3", "/Faktura").chain(indexed(
            root,
            "PodmiotUpowazniony",
            "/Faktura",
        )) {
            if let Some(nip) = party.at(&["DaneIdentyfikacyjne", "NIP"]) {
                self.nip(nip, &format!("{path}/DaneIdentyfikacyjne/NIP"));
            }
        }
        if let Some(fa) = child(root, "Fa") {
            self.fa(fa, "/Faktura/Fa");
        }
    }

    fn naglowek(&mut self, naglowek: &Element, path: &str) {
        sequence::NAGLOWEK.check(naglowek, path, &mut self.findings);
        if let Some(kod) = child(naglowek, "KodFormularza") {
            let location = format!("{path}/KodFormularza");
            // `TKodFormularza` is an `xsd:string`: compared as written, spaces included.
            if kod.raw_text != "FA" {
                let message = messages::invalid_value(
                    "KodFormularza",
                    &kod.raw_text,
                    &tns("TKodFormularza"),
                    messages::ENUMERATION,
                );
                self.fatal("450.kod-formularza", &location, message);
            }
            self.fixed_attribute(
                kod,
                &location,
                "kodSystemowy",
                "FA (3)",
                "450.kod-systemowy",
            );
            self.fixed_attribute(kod, &location, "wersjaSchemy", "1-0E", "450.wersja-schemy");
        }
        if let Some(wariant) = child(naglowek, "WariantFormularza") {
            let location = format!("{path}/WariantFormularza");
            let checked = lexical::choice_number(wariant.text(), &[3], "Byte");
            self.value(
                "450.wariant-formularza",
                &location,
                wariant,
                "Byte",
                checked,
            );
        }
        if let Some(created) = child(naglowek, "DataWytworzeniaFa") {
            let location = format!("{path}/DataWytworzeniaFa");
            let checked = match lexical::date_time_utc(created.text()) {
                None => Err(Refusal::NotValid("DateTime")),
                Some(at) if at < CREATED_MIN => Err(Refusal::Facet(messages::MIN_INCLUSIVE)),
                Some(at) if at > CREATED_MAX => Err(Refusal::Facet(messages::MAX_INCLUSIVE)),
                Some(at) => Ok(at),
            };
            let datatype = etd("TDataCzas");
            self.value(
                "450.data-wytworzenia-fa",
                &location,
                created,
                &datatype,
                checked,
            );
        }
    }

    fn fixed_attribute(&mut self, el: &Element, path: &str, name: &str, fixed: &str, rule: &str) {
        let location = format!("{path}/@{name}");
        match el.attr(name) {
            None => self.fatal(rule, location, messages::missing_attribute(name)),
            Some(value) if value != fixed => {
                self.fatal(rule, location, messages::fixed_attribute(name));
            }
            Some(_) => {}
        }
    }

    fn podmiot1(&mut self, podmiot1: &Element, path: &str) {
        sequence::PODMIOT1.check(podmiot1, path, &mut self.findings);
        if let Some(prefix) = child(podmiot1, "PrefiksPodatnika")
            && prefix.text() != "PL"
        {
            self.fatal(
                "450.prefiks-podatnika",
                format!("{path}/PrefiksPodatnika"),
                messages::fixed_element("PrefiksPodatnika"),
            );
        }
        if let Some(dane) = child(podmiot1, "DaneIdentyfikacyjne") {
            let dane_path = format!("{path}/DaneIdentyfikacyjne");
            sequence::PODMIOT1_DANE.check(dane, &dane_path, &mut self.findings);
            if let Some(nip) = child(dane, "NIP") {
                self.nip(nip, &format!("{dane_path}/NIP"));
            }
            if let Some(nazwa) = child(dane, "Nazwa") {
                let checked = lexical::token(nazwa.text(), 1, 512);
                let location = format!("{dane_path}/Nazwa");
                let datatype = tns("TZnakowy512");
                self.value("450.podmiot1-nazwa", &location, nazwa, &datatype, checked);
            }
        }
        if let Some(adres) = child(podmiot1, "Adres") {
            self.adres(adres, &format!("{path}/Adres"));
        }
        self.emails(podmiot1, path);
    }

    fn podmiot2(&mut self, podmiot2: &Element, path: &str) {
        sequence::PODMIOT2.check(podmiot2, path, &mut self.findings);
        if let Some(dane) = child(podmiot2, "DaneIdentyfikacyjne") {
            self.buyer_identification(dane, &format!("{path}/DaneIdentyfikacyjne"));
        }
        if let Some(adres) = child(podmiot2, "Adres") {
            self.adres(adres, &format!("{path}/Adres"));
        }
        self.emails(podmiot2, path);
        for (name, rule) in [("JST", "450.jst"), ("GV", "450.gv")] {
            if let Some(flag) = child(podmiot2, name) {
                let checked = lexical::choice_number(flag.text(), &[1, 2], "Integer");
                self.value(rule, &format!("{path}/{name}"), flag, "Integer", checked);
            }
        }
    }

    /// `TPodmiot2`: exactly one way of identifying the buyer, then an optional name.
    fn buyer_identification(&mut self, dane: &Element, path: &str) {
        const SHAPES: &[&[&[&str]]] = &[
            &[&["NIP"]],
            &[&["KodUE"], &["NrVatUE"]],
            &[&["KodKraju"], &["NrID"]],
            &[&["NrID"]],
            &[&["BrakID"]],
        ];
        const KNOWN: &[&str] = &[
            "NIP", "KodUE", "NrVatUE", "KodKraju", "NrID", "BrakID", "Nazwa",
        ];
        let mut unknown = false;
        for c in &dane.children {
            if c.ns != FA3_NS || !KNOWN.contains(&c.name.as_str()) {
                let message = messages::invalid_child(&dane.name, &c.name, &c.ns, &[]);
                self.fatal(UNKNOWN_ELEMENT, format!("{path}/{}", c.name), message);
                unknown = true;
            }
        }
        if unknown {
            return;
        }
        let mut ids: Vec<&Element> = dane.children.iter().collect();
        if ids.last().is_some_and(|c| c.name == "Nazwa") {
            ids.pop();
        }
        if let Err(message) = match_shapes(dane, &ids, SHAPES, "Nazwa") {
            self.fatal("450.podmiot2-id", path, message);
            return;
        }
        for id in ids {
            let location = format!("{path}/{}", id.name);
            match id.name.as_str() {
                "NIP" => self.nip(id, &location),
                "KodKraju" => self.country(id, &location),
                "KodUE" => {
                    let checked = member(codes::EU_COUNTRIES, id.text());
                    let datatype = tns("TKodyKrajowUE");
                    self.value("450.podmiot2-id", &location, id, &datatype, checked);
                }
                "NrVatUE" => {
                    let checked = vat_ue(id.text());
                    self.value("450.podmiot2-id", &location, id, &tns("TNrVatUE"), checked);
                }
                "BrakID" => {
                    let checked = lexical::choice_number(id.text(), &[1], "Byte");
                    self.value("450.podmiot2-id", &location, id, &etd("TWybor1"), checked);
                }
                _ => {}
            }
        }
    }

    fn nip(&mut self, nip: &Element, location: &str) {
        let value = nip.text();
        if !lexical::is_nip(value) {
            let message = messages::invalid_value("NIP", value, &etd("TNrNIP"), messages::PATTERN);
            self.fatal("450.nip-format", location, message);
        } else if !lexical::nip_checksum_ok(value) {
            self.findings.push(Finding::warning(
                "450.nip-checksum",
                location,
                format!(
                    "Nieprawidłowa suma kontrolna NIP {value}. KSeF sprawdza ją tylko w \
                     środowisku produkcyjnym."
                ),
            ));
        }
    }

    fn country(&mut self, code: &Element, location: &str) {
        let checked = member(codes::COUNTRIES, code.text());
        self.value("450.kod-kraju", location, code, &etd("TKodKraju"), checked);
    }

    fn adres(&mut self, adres: &Element, path: &str) {
        sequence::ADRES.check(adres, path, &mut self.findings);
        if let Some(code) = child(adres, "KodKraju") {
            self.country(code, &format!("{path}/KodKraju"));
        }
        if let Some(line) = child(adres, "AdresL1") {
            let checked = lexical::token(line.text(), 1, 512);
            let datatype = tns("TZnakowy512");
            self.value(
                "450.adres-l1",
                &format!("{path}/AdresL1"),
                line,
                &datatype,
                checked,
            );
        }
    }

    /// `DaneKontaktowe/Email` (`etd:TAdresEmail`: 3 to 255 characters, `(.)+@(.)+`).
    fn emails(&mut self, party: &Element, path: &str) {
        for (contact_path, contact) in indexed(party, "DaneKontaktowe", path) {
            let Some(email) = child(contact, "Email") else {
                continue;
            };
            let value = email.text();
            let checked = lexical::token(value, 3, 255).and_then(|()| {
                let shaped = value
                    .split_once('@')
                    .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
                if shaped {
                    Ok(())
                } else {
                    Err(Refusal::Facet(messages::PATTERN))
                }
            });
            let location = format!("{contact_path}/Email");
            self.value("450.email", &location, email, &etd("TAdresEmail"), checked);
        }
    }

    fn fa(&mut self, fa: &Element, path: &str) {
        sequence::FA.check(fa, path, &mut self.findings);
        if let Some(currency) = child(fa, "KodWaluty") {
            let checked = member(codes::CURRENCIES, currency.text());
            let location = format!("{path}/KodWaluty");
            self.value(
                "450.kod-waluty",
                &location,
                currency,
                &tns("TKodWaluty"),
                checked,
            );
        }
        if let Some(p1) = child(fa, "P_1") {
            let location = format!("{path}/P_1");
            let checked = lexical::date(p1.text(), DATA_T_MIN, DATA_T_MAX);
            let issued = self.value("450.p1-format", &location, p1, &tns("TDataT"), checked);
            let received = self.context.received;
            if let Some(issued) = issued
                && issued > received
            {
                let message = format!(
                    "Data wystawienia faktury (P_1) {issued} jest późniejsza niż data przyjęcia \
                     faktury {received}."
                );
                self.fatal("450.p1-after-acceptance", location, message);
            }
        }
        if let Some(p2) = child(fa, "P_2") {
            let checked = lexical::token(p2.text(), 1, 256);
            self.value(
                "450.p2-length",
                &format!("{path}/P_2"),
                p2,
                &tns("TZnakowy"),
                checked,
            );
        }
        if let Some(p15) = child(fa, "P_15") {
            let location = format!("{path}/P_15");
            let checked = KWOTOWY.check(p15.text());
            self.value(
                "450.p15-format",
                &location,
                p15,
                &tns(KWOTOWY.datatype),
                checked,
            );
        }
        self.amounts(fa, path, FA_AMOUNTS, "450.amount-format");
        if let Some(kind) = child(fa, "RodzajFaktury") {
            let checked = member(codes::INVOICE_KINDS, &lexical::collapse(kind.text()));
            let location = format!("{path}/RodzajFaktury");
            self.value(
                "450.rodzaj-faktury",
                &location,
                kind,
                &tns("TRodzajFaktury"),
                checked,
            );
        }
        if let Some(adnotacje) = child(fa, "Adnotacje") {
            self.adnotacje(adnotacje, &format!("{path}/Adnotacje"));
        }
        self.correction(fa, path);
        for (line_path, line) in indexed(fa, "FaWiersz", path) {
            self.line(line, &line_path);
        }
    }

    fn amounts(&mut self, el: &Element, path: &str, fields: &[(&str, Amount)], rule: &str) {
        for (name, amount) in fields {
            if let Some(value) = child(el, name) {
                let checked = amount.check(value.text());
                let location = format!("{path}/{name}");
                self.value(rule, &location, value, &tns(amount.datatype), checked);
            }
        }
    }

    fn adnotacje(&mut self, adnotacje: &Element, path: &str) {
        sequence::ADNOTACJE.check(adnotacje, path, &mut self.findings);
        for name in ["P_16", "P_17", "P_18", "P_18A", "P_23"] {
            if let Some(flag) = child(adnotacje, name) {
                self.flag(
                    flag,
                    &format!("{path}/{name}"),
                    &[1, 2],
                    "450.adnotacje-value",
                );
            }
        }
        const ZWOLNIENIE: &[&[&[&str]]] =
            &[&[&["P_19"], &["P_19A", "P_19B", "P_19C"]], &[&["P_19N"]]];
        const NOWE_SRODKI: &[&[&[&str]]] = &[
            &[&["P_22"], &["P_42_5"], &["NowySrodekTransportu"]],
            &[&["P_22N"]],
        ];
        const PMARZY: &[&[&[&str]]] = &[
            &[
                &["P_PMarzy"],
                &["P_PMarzy_2", "P_PMarzy_3_1", "P_PMarzy_3_2", "P_PMarzy_3_3"],
            ],
            &[&["P_PMarzyN"]],
        ];
        for (name, shapes, rule) in [
            ("Zwolnienie", ZWOLNIENIE, "450.zwolnienie"),
            (
                "NoweSrodkiTransportu",
                NOWE_SRODKI,
                "450.nowe-srodki-transportu",
            ),
            ("PMarzy", PMARZY, "450.pmarzy"),
        ] {
            let Some(group) = child(adnotacje, name) else {
                continue;
            };
            let group_path = format!("{path}/{name}");
            // `NowySrodekTransportu` repeats (up to 10000): one position however many.
            let mut children: Vec<&Element> = group.children.iter().collect();
            children.dedup_by(|a, b| a.name == "NowySrodekTransportu" && a.name == b.name);
            if let Err(message) = match_shapes(group, &children, shapes, "") {
                self.fatal(rule, &group_path, message);
                continue;
            }
            for c in children {
                let location = format!("{group_path}/{}", c.name);
                match c.name.as_str() {
                    "P_42_5" => self.flag(c, &location, &[1, 2], rule),
                    "P_19A" | "P_19B" | "P_19C" => {
                        let checked = lexical::token(c.text(), 1, 256);
                        self.value(rule, &location, c, &tns("TZnakowy"), checked);
                    }
                    "NowySrodekTransportu" => {}
                    _ => self.flag(c, &location, &[1], rule),
                }
            }
        }
    }

    /// A `TWybor1` (only 1) or `TWybor1_2` (1 or 2) marker.
    fn flag(&mut self, flag: &Element, location: &str, allowed: &[i64], rule: &str) {
        let datatype = etd(if allowed.len() == 1 {
            "TWybor1"
        } else {
            "TWybor1_2"
        });
        let checked = lexical::choice_number(flag.text(), allowed, "Byte");
        self.value(rule, location, flag, &datatype, checked);
    }

    /// The corrected invoices of a correction: the optional group after `RodzajFaktury`, in
    /// which `DaneFaKorygowanej` is required once any of the group is there.
    fn correction(&mut self, fa: &Element, path: &str) {
        const RULE: &str = "450.dane-fa-korygowanej";
        const GROUP: &[&str] = &[
            "PrzyczynaKorekty",
            "TypKorekty",
            "OkresFaKorygowanej",
            "NrFaKorygowany",
            "Podmiot1K",
            "Podmiot2K",
            "P_15ZK",
        ];
        const SHAPES: &[&[&[&str]]] = &[
            &[
                &["DataWystFaKorygowanej"],
                &["NrFaKorygowanej"],
                &["NrKSeF"],
                &["NrKSeFFaKorygowanej"],
            ],
            &[
                &["DataWystFaKorygowanej"],
                &["NrFaKorygowanej"],
                &["NrKSeFN"],
            ],
        ];
        let corrected: Vec<(String, &Element)> = indexed(fa, "DaneFaKorygowanej", path).collect();
        if corrected.is_empty() {
            if let Some(first) = GROUP.iter().find_map(|name| child(fa, name)) {
                let message = messages::invalid_child(
                    &fa.name,
                    &first.name,
                    &first.ns,
                    &["DaneFaKorygowanej"],
                );
                self.fatal(RULE, format!("{path}/DaneFaKorygowanej"), message);
            }
            return;
        }
        for (item_path, item) in corrected {
            let children: Vec<&Element> = item.children.iter().collect();
            if let Err(message) = match_shapes(item, &children, SHAPES, "") {
                self.fatal(RULE, item_path, message);
                continue;
            }
            for c in children {
                let location = format!("{item_path}/{}", c.name);
                match c.name.as_str() {
                    "DataWystFaKorygowanej" => {
                        let checked = lexical::date(c.text(), DATA_T_MIN, DATA_T_MAX);
                        self.value(RULE, &location, c, &tns("TDataT"), checked);
                    }
                    "NrFaKorygowanej" => {
                        let checked = lexical::token(c.text(), 1, 256);
                        self.value(RULE, &location, c, &tns("TZnakowy"), checked);
                    }
                    "NrKSeFFaKorygowanej" => {
                        let checked = if is_ksef_number(c.text()) {
                            Ok(())
                        } else {
                            Err(Refusal::Facet(messages::PATTERN))
                        };
                        self.value(RULE, &location, c, &tns("TNumerKSeF"), checked);
                    }
                    _ => self.flag(c, &location, &[1], RULE),
                }
            }
        }
    }

    fn line(&mut self, line: &Element, path: &str) {
        sequence::FA_WIERSZ.check(line, path, &mut self.findings);
        if let Some(number) = child(line, "NrWierszaFa") {
            let checked = lexical::natural(number.text());
            let location = format!("{path}/NrWierszaFa");
            self.value(
                "450.nr-wiersza-fa",
                &location,
                number,
                &tns("TNaturalny"),
                checked,
            );
        }
        self.amounts(line, path, LINE_AMOUNTS, "450.line-amount-format");
        if let Some(rate) = child(line, "P_12") {
            let checked = member(codes::TAX_RATES, &lexical::collapse(rate.text()));
            let location = format!("{path}/P_12");
            self.value("450.p12", &location, rate, &tns("TStawkaPodatku"), checked);
        }
    }
}

/// The first child with this name in the FA(3) namespace.
fn child<'a>(el: &'a Element, name: &str) -> Option<&'a Element> {
    el.children
        .iter()
        .find(|c| c.ns == FA3_NS && c.name == name)
}

/// The children with this name and their locations: `path/Name`, or `path/Name[i]` when
/// there are several.
fn indexed<'a>(
    el: &'a Element,
    name: &'a str,
    path: &'a str,
) -> impl Iterator<Item = (String, &'a Element)> + 'a {
    let count = el
        .children
        .iter()
        .filter(|c| c.ns == FA3_NS && c.name == name)
        .count();
    el.children
        .iter()
        .filter(move |c| c.ns == FA3_NS && c.name == name)
        .enumerate()
        .map(move |(i, c)| {
            let location = if count > 1 {
                format!("{path}/{name}[{}]", i + 1)
            } else {
                format!("{path}/{name}")
            };
            (location, c)
        })
}

fn member(list: &[&str], value: &str) -> Result<(), Refusal> {
    if codes::contains(list, value) {
        Ok(())
    } else {
        Err(Refusal::Facet(messages::ENUMERATION))
    }
}

/// `TNrVatUE`: `(\d|[A-Z]|\+|\*){1,12}`.
fn vat_ue(value: &str) -> Result<(), Refusal> {
    let ok = (1..=12).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'+' || b == b'*');
    if ok {
        Ok(())
    } else {
        Err(Refusal::Facet(messages::PATTERN))
    }
}

/// `TNumerKSeF`: `{NIP | M + 9 digits | 3 letters + 7 digits}-{YYYYMMDD, year ≥ 2020}-{6 hex}`
/// `-?{6 hex}-{2 hex}` (upper-case hex). The CRC is not part of the pattern.
fn is_ksef_number(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let (id, day, hex, crc) = match parts.as_slice() {
        [id, day, a, b, crc] if a.len() == 6 && b.len() == 6 => {
            (*id, *day, format!("{a}{b}"), *crc)
        }
        [id, day, ab, crc] if ab.len() == 12 => (*id, *day, (*ab).to_owned(), *crc),
        _ => return false,
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let upper_hex = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    };
    let id_ok = lexical::is_nip(id)
        || (id.len() == 10 && id.starts_with('M') && digits(&id[1..]))
        || (id.len() == 10
            && id.bytes().take(3).all(|b| b.is_ascii_uppercase())
            && digits(&id[3..]));
    let day_ok = day.len() == 8
        && digits(day)
        && day[..4].parse::<u32>().is_ok_and(|y| y >= 2020)
        && day[4..6]
            .parse::<u32>()
            .is_ok_and(|m| (1..=12).contains(&m))
        && day[6..].parse::<u32>().is_ok_and(|d| (1..=31).contains(&d));
    id_ok && day_ok && upper_hex(&hex) && crc.len() == 2 && upper_hex(crc)
}

/// Matches children against the alternatives of an `xsd:choice`, each a sequence of
/// positions, each position the names allowed there (a nested choice). `then` names what may
/// follow a complete alternative in the parent (for the message). The error is the
/// validator's message.
fn match_shapes(
    parent: &Element,
    children: &[&Element],
    shapes: &[&[&[&str]]],
    then: &str,
) -> Result<(), String> {
    let mut alive: Vec<&[&[&str]]> = shapes.to_vec();
    for (i, c) in children.iter().enumerate() {
        let next: Vec<&[&[&str]]> = alive
            .iter()
            .copied()
            .filter(|shape| {
                c.ns == FA3_NS
                    && shape
                        .get(i)
                        .is_some_and(|names| names.contains(&c.name.as_str()))
            })
            .collect();
        if next.is_empty() {
            let mut expected = next_names(&alive, i);
            if !then.is_empty() && alive.iter().any(|s| s.len() == i) {
                expected.push(then);
            }
            return Err(messages::invalid_child(
                &parent.name,
                &c.name,
                &c.ns,
                &expected,
            ));
        }
        alive = next;
    }
    if alive.iter().any(|s| s.len() == children.len()) {
        Ok(())
    } else {
        Err(messages::incomplete(
            &parent.name,
            &next_names(&alive, children.len()),
        ))
    }
}

fn next_names<'a>(alive: &[&[&[&'a str]]], position: usize) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for shape in alive {
        for name in shape.get(position).copied().unwrap_or_default() {
            if !names.contains(name) {
                names.push(name);
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ksef_numbers() {
        assert!(is_ksef_number("5265877635-20250826-0100001AF629-AF"));
        assert!(!is_ksef_number("5265877635-20250826-0100001-AF629-AF"));
        assert!(is_ksef_number("5265877635-20250826-010000-1AF629-AF"));
        assert!(is_ksef_number("M123456789-20250826-0100001AF629-AF"));
        assert!(!is_ksef_number("5265877635-20190826-0100001AF629-AF"));
        assert!(!is_ksef_number("5265877635-20250826-0100001af629-AF"));
        assert!(!is_ksef_number("5265877635-20250826-0100001AF629"));
    }

    #[test]
    fn vat_numbers() {
        assert_eq!(vat_ue("123456789"), Ok(()));
        assert_eq!(vat_ue("B12345+*"), Ok(()));
        assert!(vat_ue("de123456789").is_err());
        assert!(vat_ue("1234567890123").is_err());
    }

    #[test]
    fn code_lists_are_sorted() {
        for list in [
            codes::CURRENCIES,
            codes::COUNTRIES,
            codes::EU_COUNTRIES,
            codes::TAX_RATES,
            codes::INVOICE_KINDS,
        ] {
            assert!(list.windows(2).all(|w| w[0] < w[1]));
        }
        assert!(codes::contains(codes::CURRENCIES, "PLN"));
        assert!(!codes::contains(codes::CURRENCIES, "pln"));
    }
}
