//! What SDI remembers across files to refuse duplicates: every file name it ever received
//! (00002) and the invoices of files that stand (00404).
//!
//! A file name is taken the moment SDI receives it, whether the file then passes or not: a
//! refused file cannot be sent again under its old name. An invoice stands from the moment its
//! file passes the checks until the recipient refuses it (EC02); a file SDI refuses leaves
//! nothing behind but its name. 00409 (two bodies of one lotto) needs no memory and is
//! checked with the rest of the document.

use std::collections::{HashMap, HashSet};

use crate::documents::fatturapa::InvoiceIdentity;

/// SDI's file id (`IdentificativoSdI`).
pub(crate) type FileId = u64;

#[derive(Debug, Default)]
pub(crate) struct Registry {
    names: HashSet<String>,
    /// Standing invoices by (issuer, number), with the file each belongs to.
    invoices: HashMap<(String, String), Vec<(FileId, InvoiceIdentity)>>,
}

impl Registry {
    /// Takes `name` for good and says whether it had been taken before. SDI compares names as
    /// sent: `IT01234567897_00001.xml` and `IT01234567897_00001.XML` are two names.
    pub(crate) fn take_name(&mut self, name: &str) -> bool {
        !self.names.insert(name.to_owned())
    }

    /// Whether a file was already sent under `name`.
    pub(crate) fn is_taken(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// The bodies that repeat a standing invoice of another file.
    pub(crate) fn duplicates(
        &self,
        identities: &[Option<InvoiceIdentity>],
    ) -> Vec<(usize, FileId)> {
        identities
            .iter()
            .enumerate()
            .filter_map(|(index, identity)| {
                let identity = identity.as_ref()?;
                let key = (identity.issuer.clone(), identity.number.clone());
                let (file, _) = self
                    .invoices
                    .get(&key)?
                    .iter()
                    .find(|(_, standing)| standing.duplicates(identity))?;
                Some((index + 1, *file))
            })
            .collect()
    }

    /// The invoices of `file`, which passed the checks, now stand.
    pub(crate) fn admit(&mut self, file: FileId, identities: &[Option<InvoiceIdentity>]) {
        for identity in identities.iter().flatten() {
            self.invoices
                .entry((identity.issuer.clone(), identity.number.clone()))
                .or_default()
                .push((file, identity.clone()));
        }
    }

    /// The recipient refused `file` (EC02): its invoices may be sent again.
    pub(crate) fn release(&mut self, file: FileId) {
        self.invoices.retain(|_, standing| {
            standing.retain(|(owner, _)| *owner != file);
            !standing.is_empty()
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use jiff::civil::{Date, date};
    use proptest::prelude::*;

    use super::*;

    fn identity(number: &str, day: Date, type_code: &str, art73: bool) -> InvoiceIdentity {
        InvoiceIdentity {
            issuer: "IT01234567897".to_owned(),
            number: number.to_owned(),
            date: day,
            type_code: type_code.to_owned(),
            art73,
        }
    }

    #[test]
    fn the_rules_of_00404() {
        let mut registry = Registry::default();
        let original = identity("1", date(2026, 3, 1), "TD01", false);
        registry.admit(7, &[Some(original)]);
        let same_year = identity("1", date(2026, 9, 1), "TD01", false);
        assert_eq!(
            registry.duplicates(&[Some(same_year.clone())]),
            vec![(1, 7)]
        );
        let next_year = identity("1", date(2027, 1, 1), "TD01", false);
        assert!(registry.duplicates(&[Some(next_year)]).is_empty());
        let credit_note = identity("1", date(2026, 3, 1), "TD04", false);
        assert!(registry.duplicates(&[Some(credit_note)]).is_empty());
        let other_issuer = InvoiceIdentity {
            issuer: "IT09876543217".to_owned(),
            ..same_year.clone()
        };
        assert!(registry.duplicates(&[Some(other_issuer)]).is_empty());
        registry.release(7);
        assert!(registry.duplicates(&[Some(same_year)]).is_empty());
    }

    #[test]
    fn art73_compares_the_full_date() {
        let mut registry = Registry::default();
        registry.admit(1, &[Some(identity("5", date(2026, 3, 1), "TD01", true))]);
        let other_day = identity("5", date(2026, 3, 2), "TD01", true);
        assert!(registry.duplicates(&[Some(other_day)]).is_empty());
        let same_day = identity("5", date(2026, 3, 1), "TD01", true);
        assert_eq!(registry.duplicates(&[Some(same_day)]), vec![(1, 1)]);
    }

    #[test]
    fn a_name_is_taken_once_and_for_good() {
        let mut registry = Registry::default();
        assert!(!registry.take_name("IT01234567897_00001.xml"));
        assert!(registry.take_name("IT01234567897_00001.xml"));
        assert!(!registry.take_name("IT01234567897_00002.xml"));
    }

    /// One submission in a random sequence: a file name from a small pool, the invoices of
    /// its bodies (numbers from a small pool, years 2025/2026, sometimes a credit note), and
    /// whether the recipient later refuses it.
    #[derive(Debug, Clone)]
    struct Submission {
        name: u8,
        bodies: Vec<(u8, bool, bool)>,
        refused_later: bool,
    }

    fn submission() -> impl Strategy<Value = Submission> {
        (
            0u8..6,
            prop::collection::vec((0u8..4, any::<bool>(), prop::bool::weighted(0.2)), 1..4),
            prop::bool::weighted(0.2),
        )
            .prop_map(|(name, bodies, refused_later)| Submission {
                name,
                bodies,
                refused_later,
            })
    }

    fn identities_of(s: &Submission) -> Vec<Option<InvoiceIdentity>> {
        s.bodies
            .iter()
            .map(|(number, later_year, credit)| {
                let year = if *later_year { 2026 } else { 2025 };
                Some(identity(
                    &number.to_string(),
                    date(year, 5, 1),
                    if *credit { "TD04" } else { "TD01" },
                    false,
                ))
            })
            .collect()
    }

    /// (number, year, credit note) of one body.
    type Key = (String, i16, bool);
    /// An earlier submission in the model: its name, its bodies' keys, whether it stands.
    type Past = (u8, Vec<Key>, bool);

    proptest! {
        /// The registry's 00002/00404/00409 decisions over random sequences of submissions
        /// (resubmissions after NS, duplicates, lotti, EC02 refusals) match a naive model that
        /// keeps every past submission in a list and reads the rules off it.
        #[test]
        fn decisions_match_a_model_of_the_rules(
            submissions in prop::collection::vec(submission(), 1..40)
        ) {
            let mut registry = Registry::default();
            // The model: every earlier submission with whether it stands.
            let mut history: Vec<Past> = Vec::new();
            for (index, s) in submissions.iter().enumerate() {
                let file = index as FileId;
                let name = format!("IT01234567897_{:05}.xml", s.name);
                let identities = identities_of(s);
                let keys: Vec<Key> = s.bodies.iter().map(|(n, later, credit)| {
                    (n.to_string(), if *later { 2026 } else { 2025 }, *credit)
                }).collect();

                let model_name_reused = history.iter().any(|(n, _, _)| *n == s.name);
                let model_in_lotto = keys.iter().enumerate().any(|(j, k)| keys[..j].contains(k));
                let model_duplicate = keys.iter().any(|k| {
                    history.iter().any(|(_, earlier, stands)| *stands && earlier.contains(k))
                });

                let name_reused = registry.take_name(&name);
                let in_lotto = identities.iter().enumerate().any(|(j, id)| {
                    identities[..j].iter().flatten().any(|e| id.as_ref().is_some_and(|id| e.duplicates(id)))
                });
                let duplicates = registry.duplicates(&identities);
                prop_assert_eq!(name_reused, model_name_reused, "00002 at {}", index);
                prop_assert_eq!(in_lotto, model_in_lotto, "00409 at {}", index);
                prop_assert_eq!(!duplicates.is_empty(), model_duplicate, "00404 at {}", index);

                let passes = !name_reused && !in_lotto && duplicates.is_empty();
                if passes {
                    registry.admit(file, &identities);
                }
                let stands = passes && !s.refused_later;
                if passes && s.refused_later {
                    registry.release(file);
                }
                history.push((s.name, keys, stands));
            }
        }
    }
}
