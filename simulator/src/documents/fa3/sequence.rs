//! Content models: which children an FA(3) element may have, in which order, and which of
//! them it must have. The XSD enforces its `xsd:sequence`s strictly, and wrong order is one of
//! the most frequent 450s (#281, the `Adnotacje` children), so each model here is the XSD
//! sequence flattened into positions. Optional groups become optional positions and an
//! `xsd:choice` becomes alternatives sharing one position; the inside of those groups is
//! checked where the group's own rule lives.

use crate::documents::{Element, FA3_NS, Finding};

use super::messages;

/// One position of a flattened sequence.
#[derive(Debug)]
pub(super) struct Slot {
    name: &'static str,
    required: bool,
    repeatable: bool,
    /// An alternative of an `xsd:choice` with the slot before it: same position.
    alternative: bool,
    /// Rule for this element's absence when it has its own (`450.p2-missing`).
    missing_rule: Option<&'static str>,
}

const fn slot(name: &'static str, required: bool, repeatable: bool) -> Slot {
    Slot {
        name,
        required,
        repeatable,
        alternative: false,
        missing_rule: None,
    }
}

/// Required, once.
pub(super) const fn one(name: &'static str) -> Slot {
    slot(name, true, false)
}

/// Optional, at most once.
pub(super) const fn opt(name: &'static str) -> Slot {
    slot(name, false, false)
}

/// Optional, repeatable.
pub(super) const fn many(name: &'static str) -> Slot {
    slot(name, false, true)
}

/// Optional alternative to the slot before it.
pub(super) const fn or(name: &'static str) -> Slot {
    Slot {
        alternative: true,
        ..slot(name, false, false)
    }
}

/// Required, once, with its own rule when absent.
pub(super) const fn one_else(name: &'static str, missing_rule: &'static str) -> Slot {
    Slot {
        missing_rule: Some(missing_rule),
        ..slot(name, true, false)
    }
}

/// A flattened sequence and the rules its violations are reported under.
#[derive(Debug)]
pub(super) struct Model {
    pub(super) slots: &'static [Slot],
    pub(super) order_rule: &'static str,
    pub(super) missing_rule: &'static str,
}

pub(super) const UNKNOWN_ELEMENT: &str = "450.unknown-element";
pub(super) const ELEMENT_ORDER: &str = "450.element-order";
pub(super) const MISSING_ELEMENT: &str = "450.missing-element";

const fn model(slots: &'static [Slot]) -> Model {
    Model {
        slots,
        order_rule: ELEMENT_ORDER,
        missing_rule: MISSING_ELEMENT,
    }
}

pub(super) const FAKTURA: Model = model(&[
    one("Naglowek"),
    one("Podmiot1"),
    one("Podmiot2"),
    many("Podmiot3"),
    opt("PodmiotUpowazniony"),
    one("Fa"),
    opt("Stopka"),
    opt("Zalacznik"),
]);

pub(super) const NAGLOWEK: Model = model(&[
    one("KodFormularza"),
    one("WariantFormularza"),
    one("DataWytworzeniaFa"),
    opt("SystemInfo"),
]);

pub(super) const PODMIOT1: Model = model(&[
    opt("PrefiksPodatnika"),
    opt("NrEORI"),
    one("DaneIdentyfikacyjne"),
    one("Adres"),
    opt("AdresKoresp"),
    many("DaneKontaktowe"),
    opt("StatusInfoPodatnika"),
]);

/// `TPodmiot1`: the seller's NIP and name.
pub(super) const PODMIOT1_DANE: Model =
    model(&[one("NIP"), one_else("Nazwa", "450.podmiot1-nazwa")]);

pub(super) const PODMIOT2: Model = model(&[
    opt("NrEORI"),
    one("DaneIdentyfikacyjne"),
    opt("Adres"),
    opt("AdresKoresp"),
    many("DaneKontaktowe"),
    opt("NrKlienta"),
    opt("IDNabywcy"),
    one_else("JST", "450.jst"),
    one_else("GV", "450.gv"),
]);

/// `TAdres`.
pub(super) const ADRES: Model = model(&[
    one_else("KodKraju", "450.kod-kraju"),
    one_else("AdresL1", "450.adres-l1"),
    opt("AdresL2"),
    opt("GLN"),
]);

/// The main sequence of `Fa`.
pub(super) const FA: Model = model(&[
    one("KodWaluty"),
    one("P_1"),
    opt("P_1M"),
    one_else("P_2", "450.p2-missing"),
    many("WZ"),
    opt("P_6"),
    or("OkresFa"),
    opt("P_13_1"),
    opt("P_14_1"),
    opt("P_14_1W"),
    opt("P_13_2"),
    opt("P_14_2"),
    opt("P_14_2W"),
    opt("P_13_3"),
    opt("P_14_3"),
    opt("P_14_3W"),
    opt("P_13_4"),
    opt("P_14_4"),
    opt("P_14_4W"),
    opt("P_13_5"),
    opt("P_14_5"),
    opt("P_13_6_1"),
    opt("P_13_6_2"),
    opt("P_13_6_3"),
    opt("P_13_7"),
    opt("P_13_8"),
    opt("P_13_9"),
    opt("P_13_10"),
    opt("P_13_11"),
    one("P_15"),
    opt("KursWalutyZ"),
    one("Adnotacje"),
    one("RodzajFaktury"),
    opt("PrzyczynaKorekty"),
    opt("TypKorekty"),
    many("DaneFaKorygowanej"),
    opt("OkresFaKorygowanej"),
    opt("NrFaKorygowany"),
    opt("Podmiot1K"),
    many("Podmiot2K"),
    opt("P_15ZK"),
    opt("KursWalutyZK"),
    many("ZaliczkaCzesciowa"),
    opt("FP"),
    opt("TP"),
    many("DodatkowyOpis"),
    many("FakturaZaliczkowa"),
    opt("ZwrotAkcyzy"),
    many("FaWiersz"),
    opt("Rozliczenie"),
    opt("Platnosc"),
    opt("WarunkiTransakcji"),
    opt("Zamowienie"),
]);

/// Every child of `Adnotacje` is required, in this order.
pub(super) const ADNOTACJE: Model = Model {
    slots: &[
        one("P_16"),
        one("P_17"),
        one("P_18"),
        one("P_18A"),
        one("Zwolnienie"),
        one("NoweSrodkiTransportu"),
        one("P_23"),
        one("PMarzy"),
    ],
    order_rule: "450.adnotacje-order",
    missing_rule: "450.adnotacje-missing",
};

pub(super) const FA_WIERSZ: Model = model(&[
    one_else("NrWierszaFa", "450.nr-wiersza-fa"),
    opt("UU_ID"),
    opt("P_6A"),
    opt("P_7"),
    opt("Indeks"),
    opt("GTIN"),
    opt("PKWiU"),
    opt("CN"),
    opt("PKOB"),
    opt("P_8A"),
    opt("P_8B"),
    opt("P_9A"),
    opt("P_9B"),
    opt("P_10"),
    opt("P_11"),
    opt("P_11A"),
    opt("P_11Vat"),
    opt("P_12"),
    opt("P_12_XII"),
    opt("P_12_Zal_15"),
    opt("KwotaAkcyzy"),
    opt("GTU"),
    opt("Procedura"),
    opt("KursWaluty"),
    opt("StanPrzed"),
]);

impl Model {
    /// The position of each slot: an alternative shares the one before it.
    fn rank(&self, index: usize) -> usize {
        let mut rank = index;
        while rank > 0 && self.slots.get(rank).is_some_and(|s| s.alternative) {
            rank -= 1;
        }
        rank
    }

    fn find(&self, child: &Element) -> Option<usize> {
        if child.ns != FA3_NS {
            return None;
        }
        self.slots.iter().position(|s| s.name == child.name)
    }

    /// What may come after the slot at `after` (or first, for `None`): every slot up to and
    /// including the next required one, as the .NET validator lists them.
    fn expected_after(&self, after: Option<usize>) -> Vec<&'static str> {
        let start = after.map_or(0, |i| i + 1);
        let mut expected = Vec::new();
        if let Some(current) = after.and_then(|i| self.slots.get(i))
            && current.repeatable
        {
            expected.push(current.name);
        }
        for slot in self.slots.iter().skip(start) {
            expected.push(slot.name);
            if slot.required {
                break;
            }
        }
        expected
    }

    /// Checks the children of `el` (found at `path`) against this model: unknown children,
    /// the first misplaced or repeated one, and every required one that is absent.
    pub(super) fn check(&self, el: &Element, path: &str, findings: &mut Vec<Finding>) {
        let mut last: Option<usize> = None;
        let mut order_reported = false;
        for child in &el.children {
            let location = format!("{path}/{}", child.name);
            let Some(index) = self.find(child) else {
                findings.push(Finding::fatal(
                    UNKNOWN_ELEMENT,
                    location,
                    messages::invalid_child(
                        &el.name,
                        &child.name,
                        &child.ns,
                        &self.expected_after(last),
                    ),
                ));
                continue;
            };
            if let Some(previous) = last {
                let (rank, previous_rank) = (self.rank(index), self.rank(previous));
                let repeats =
                    index == previous && self.slots.get(index).is_some_and(|s| s.repeatable);
                if rank < previous_rank || (rank == previous_rank && !repeats) {
                    if !order_reported {
                        findings.push(Finding::fatal(
                            self.order_rule,
                            location,
                            messages::invalid_child(
                                &el.name,
                                &child.name,
                                &child.ns,
                                &self.expected_after(Some(previous)),
                            ),
                        ));
                        order_reported = true;
                    }
                    continue;
                }
            }
            last = Some(index);
        }

        for (index, slot) in self.slots.iter().enumerate() {
            if !slot.required || self.has(el, slot.name) {
                continue;
            }
            let before = self.slots[..index]
                .iter()
                .rposition(|s| self.has(el, s.name));
            let expected = self.expected_after(before);
            let next = el.children.iter().find(|c| {
                self.find(c)
                    .is_some_and(|i| self.rank(i) > self.rank(index))
            });
            let message = match next {
                Some(next) => messages::invalid_child(&el.name, &next.name, &next.ns, &expected),
                None => messages::incomplete(&el.name, &expected),
            };
            findings.push(Finding::fatal(
                slot.missing_rule.unwrap_or(self.missing_rule),
                format!("{path}/{}", slot.name),
                message,
            ));
        }
    }

    fn has(&self, el: &Element, name: &str) -> bool {
        el.children.iter().any(|c| c.ns == FA3_NS && c.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(name: &str, children: &[&str]) -> Element {
        Element {
            ns: FA3_NS.to_owned(),
            name: name.to_owned(),
            children: children
                .iter()
                .map(|c| Element {
                    ns: FA3_NS.to_owned(),
                    name: (*c).to_owned(),
                    ..Element::default()
                })
                .collect(),
            ..Element::default()
        }
    }

    fn rules(model: &Model, el: &Element) -> Vec<String> {
        let mut findings = Vec::new();
        model.check(el, "/x", &mut findings);
        findings
            .into_iter()
            .map(|f| format!("{} {}", f.rule, f.location))
            .collect()
    }

    #[test]
    fn accepts_the_sequence_with_repeats_and_one_alternative() {
        let el = element(
            "Fa",
            &[
                "KodWaluty",
                "P_1",
                "P_2",
                "OkresFa",
                "P_15",
                "Adnotacje",
                "RodzajFaktury",
                "FaWiersz",
                "FaWiersz",
            ],
        );
        assert!(rules(&FA, &el).is_empty());
    }

    #[test]
    fn reports_swapped_repeated_and_both_alternatives() {
        let swapped = element(
            "Adnotacje",
            &[
                "P_17",
                "P_16",
                "P_18",
                "P_18A",
                "Zwolnienie",
                "NoweSrodkiTransportu",
                "P_23",
                "PMarzy",
            ],
        );
        assert_eq!(rules(&ADNOTACJE, &swapped), ["450.adnotacje-order /x/P_16"]);
        let twice = element(
            "Naglowek",
            &[
                "KodFormularza",
                "KodFormularza",
                "WariantFormularza",
                "DataWytworzeniaFa",
            ],
        );
        assert_eq!(
            rules(&NAGLOWEK, &twice),
            ["450.element-order /x/KodFormularza"]
        );
        let both = element(
            "Fa",
            &[
                "KodWaluty",
                "P_1",
                "P_2",
                "P_6",
                "OkresFa",
                "P_15",
                "Adnotacje",
                "RodzajFaktury",
            ],
        );
        assert_eq!(rules(&FA, &both), ["450.element-order /x/OkresFa"]);
    }

    #[test]
    fn reports_missing_with_the_next_sibling() {
        let el = element(
            "Fa",
            &["KodWaluty", "P_1", "P_15", "Adnotacje", "RodzajFaktury"],
        );
        let mut findings = Vec::new();
        FA.check(&el, "/Faktura/Fa", &mut findings);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule, "450.p2-missing");
        assert!(
            findings[0].message.contains("invalid child element 'P_15'"),
            "{}",
            findings[0].message
        );
        assert!(
            findings[0].message.contains("'P_1M, P_2'"),
            "{}",
            findings[0].message
        );
    }
}
