//! TEST's test data (`/testdata/...`): subjects and persons created at run time, permissions
//! granted in a context, consent to send invoices with attachments, and contexts whose
//! authentication is blocked. What it changes is what logins and sends are judged by:
//! [`Ksef::token_login`] and [`Ksef::xades_login`] decide a login here, whatever its method.
//!
//! Subjects created here belong, on eisim's gateway side, to the registry's test-data tenant
//! (the scenario's first KSeF tenant), so their invoices are journaled and seen like any other.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;

use super::error::KsefError;
use super::permissions::Permissions;
use super::registry::Login;
use super::state::Ksef;
use super::tokens::{Identifier, IdentifierKind, TokenStatus};
use crate::vocabulary::TenantId;

/// The 480 detail the OpenAPI gives for a blocked context.
const BLOCKED: &str = "Podejrzenie incydentu bezpieczeństwa. Skontaktuj się z Ministerstwem Finansów przez formularz zgłoszeniowy.";

/// The detail of status 415 for an invoice with attachments from a subject without consent.
pub(crate) const NO_ATTACHMENTS: &str =
    "Podmiot nie ma możliwości wysyłania faktur z załącznikiem (brak zgłoszenia).";

/// A subject created at run time; its type and description change nothing eisim does.
#[derive(Clone, Debug)]
pub(crate) struct Subject {
    /// The VAT group or JST unit it was created under.
    pub(crate) parent: Option<String>,
}

/// A person created at run time; owner of their NIP's context (a bailiff too, who as owner
/// already holds EnforcementOperations).
#[derive(Clone, Debug)]
pub(crate) struct Person {
    pub(crate) pesel: String,
    pub(crate) deceased: bool,
}

/// Whether an FA(3) invoice carries attachments (`Zalacznik`, in any namespace prefix).
/// Looks at the markup only: text cannot hold a `<`.
pub(crate) fn has_attachment(bytes: &[u8]) -> bool {
    bytes.windows(11).enumerate().any(|(at, window)| {
        let name = window.get(1..10) == Some(b"Zalacznik".as_slice());
        let end = window
            .get(10)
            .is_some_and(|c| matches!(c, b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n'));
        let opens = match window.first() {
            Some(b'<') => true,
            Some(b':') => bytes
                .get(..at)
                .and_then(|head| head.iter().rposition(|c| matches!(c, b'<' | b'>')))
                .and_then(|i| bytes.get(i))
                .is_some_and(|c| *c == b'<'),
            _ => false,
        };
        name && end && opens
    })
}

#[derive(Debug, Default)]
pub(crate) struct TestData {
    subjects: BTreeMap<String, Subject>,
    /// By NIP: a person owns the context of their NIP.
    persons: BTreeMap<String, Person>,
    grants: HashMap<(String, Identifier), Permissions>,
    attachments: BTreeSet<String>,
    /// Context identifier values.
    blocked: BTreeSet<String>,
}

impl TestData {
    pub(crate) fn new(attachments: &[String]) -> Self {
        TestData {
            attachments: attachments.iter().cloned().collect(),
            ..TestData::default()
        }
    }
}

/// True for eleven digits whose PESEL check digit holds.
pub(crate) fn pesel_ok(pesel: &str) -> bool {
    const WEIGHTS: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    if pesel.len() != 11 || !pesel.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = pesel.chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    Some(&((10 - sum % 10) % 10)) == digits.last()
}

/// True for ten digits whose NIP check digit holds.
pub(crate) fn nip_ok(nip: &str) -> bool {
    nip.len() == 10
        && nip.bytes().all(|b| b.is_ascii_digit())
        && crate::documents::nip_checksum_ok(nip)
}

fn exists_already(what: String) -> KsefError {
    KsefError::exception(30001, [what])
}

fn not_found(what: String) -> KsefError {
    KsefError::invalid_input(what)
}

/// What a finished login check says: the status code, its details, and who logged in.
pub(crate) type LoginVerdict = Result<Login, (u16, Vec<String>)>;

fn refused(code: u16, detail: &str) -> (u16, Vec<String>) {
    (code, vec![detail.to_owned()])
}

impl Ksef {
    /// Whether `nip` is a subject KSeF knows: a scenario context with a tenant, or created
    /// through test data (a subject or a person's NIP).
    pub(crate) fn subject_exists(&self, nip: &str) -> bool {
        self.tenant_of(nip).is_some()
    }

    /// Whose gateway sees the context `nip`'s invoices, if anyone can log into it.
    pub(crate) fn tenant_of(&self, nip: &str) -> Option<TenantId> {
        if let Some(tenant) = self.owner(nip) {
            return Some(tenant);
        }
        let testdata = self.registry.testdata();
        (testdata.subjects.contains_key(nip) || testdata.persons.contains_key(nip))
            .then(|| self.registry.testdata_tenant())
            .flatten()
    }

    /// `POST /testdata/subject`, with its subunits.
    pub(crate) fn create_subject(&self, nip: &str, subunits: &[String]) -> Result<(), KsefError> {
        for candidate in std::iter::once(nip).chain(subunits.iter().map(String::as_str)) {
            if !nip_ok(candidate) {
                return Err(KsefError::invalid_input(format!(
                    "Nieprawidłowy NIP `{candidate}` (suma kontrolna)."
                )));
            }
            if self.subject_exists(candidate) {
                return Err(exists_already(format!(
                    "Podmiot o identyfikatorze {candidate} już istnieje."
                )));
            }
        }
        let mut testdata = self.registry.testdata();
        testdata
            .subjects
            .insert(nip.to_owned(), Subject { parent: None });
        for unit in subunits {
            testdata.subjects.insert(
                unit.clone(),
                Subject {
                    parent: Some(nip.to_owned()),
                },
            );
        }
        Ok(())
    }

    /// `POST /testdata/subject/remove`: with its subunits, the grants in them and their
    /// tokens.
    pub(crate) fn remove_subject(&self, nip: &str, now: Timestamp) -> Result<(), KsefError> {
        let removed: Vec<String> = {
            let mut testdata = self.registry.testdata();
            if !testdata.subjects.contains_key(nip) {
                return Err(not_found(format!(
                    "Podmiot testowy o identyfikatorze {nip} nie istnieje."
                )));
            }
            let removed: Vec<String> = testdata
                .subjects
                .iter()
                .filter(|(key, s)| key.as_str() == nip || s.parent.as_deref() == Some(nip))
                .map(|(key, _)| key.clone())
                .collect();
            for key in &removed {
                testdata.subjects.remove(key);
                testdata.grants.retain(|(context, _), _| context != key);
            }
            removed
        };
        let mut tokens = self.registry.tokens();
        for key in &removed {
            tokens.retire_context(key, now);
        }
        Ok(())
    }

    /// `POST /testdata/person`: the person owns the context of their NIP.
    pub(crate) fn create_person(&self, nip: &str, person: Person) -> Result<(), KsefError> {
        if !nip_ok(nip) {
            return Err(KsefError::invalid_input(format!(
                "Nieprawidłowy NIP `{nip}` (suma kontrolna)."
            )));
        }
        if !pesel_ok(&person.pesel) {
            return Err(KsefError::invalid_input(format!(
                "Nieprawidłowy PESEL `{}` (suma kontrolna).",
                person.pesel
            )));
        }
        let taken = {
            let testdata = self.registry.testdata();
            testdata.persons.contains_key(nip)
                || testdata.persons.values().any(|p| p.pesel == person.pesel)
        };
        if taken || self.owner(nip).is_some() {
            return Err(exists_already(format!(
                "Osoba o identyfikatorze {nip} / {} już istnieje.",
                person.pesel
            )));
        }
        self.registry
            .testdata()
            .persons
            .insert(nip.to_owned(), person);
        Ok(())
    }

    /// `POST /testdata/person/remove`: with every permission the person held.
    pub(crate) fn remove_person(&self, nip: &str, now: Timestamp) -> Result<(), KsefError> {
        {
            let mut testdata = self.registry.testdata();
            let Some(person) = testdata.persons.remove(nip) else {
                return Err(not_found(format!(
                    "Osoba testowa o identyfikatorze {nip} nie istnieje."
                )));
            };
            testdata.grants.retain(|(context, who), _| {
                context != nip && who.value != nip && who.value != person.pesel
            });
        }
        if !self.subject_exists(nip) {
            self.registry.tokens().retire_context(nip, now);
        }
        Ok(())
    }

    /// `POST /testdata/permissions`: adds to what `who` already holds in `context`.
    pub(crate) fn grant(&self, context: &str, who: Identifier, permissions: Permissions) {
        let mut testdata = self.registry.testdata();
        let held = testdata
            .grants
            .entry((context.to_owned(), who))
            .or_default();
        *held = held.iter().chain(permissions.iter()).collect();
    }

    /// `POST /testdata/permissions/revoke`: everything `who` held in `context`.
    pub(crate) fn revoke_grant(&self, context: &str, who: &Identifier) -> Result<(), KsefError> {
        self.registry
            .testdata()
            .grants
            .remove(&(context.to_owned(), who.clone()))
            .map(drop)
            .ok_or_else(|| {
                not_found(format!(
                    "Brak uprawnień podmiotu {} w kontekście {context}.",
                    who.value
                ))
            })
    }

    /// `POST /testdata/attachment` and `/attachment/revoke`.
    pub(crate) fn allow_attachments(&self, nip: &str, allowed: bool) {
        let mut testdata = self.registry.testdata();
        if allowed {
            testdata.attachments.insert(nip.to_owned());
        } else {
            testdata.attachments.remove(nip);
        }
    }

    /// Whether `nip` may send invoices with attachments.
    pub(crate) fn attachments_allowed(&self, nip: &str) -> bool {
        self.registry.testdata().attachments.contains(nip)
    }

    /// `POST /testdata/context/block` and `/context/unblock`.
    pub(crate) fn block_context(&self, context: &str, blocked: bool) {
        let mut testdata = self.registry.testdata();
        if blocked {
            testdata.blocked.insert(context.to_owned());
        } else {
            testdata.blocked.remove(context);
        }
    }

    fn blocked(&self, context: &str) -> bool {
        self.registry.testdata().blocked.contains(context)
    }

    /// A `/auth/ksef-token` login with the token `secret` into `context`: the token's status
    /// first (only an active token logs in), then the context. Returns the verdict and the
    /// reference of the token, when it is one.
    pub(crate) fn token_login(
        &self,
        secret: &str,
        context: &str,
        now: Timestamp,
    ) -> (LoginVerdict, Option<String>) {
        let mut tokens = self.registry.tokens();
        let Some(token) = tokens.by_secret(secret).cloned() else {
            return (Err(refused(450, "Nieprawidłowy token")), None);
        };
        let reference = Some(token.reference.clone());
        let verdict = match token.status(now) {
            TokenStatus::Pending | TokenStatus::Failed => Err(refused(450, "Token nieaktywny")),
            TokenStatus::Revoking | TokenStatus::Revoked => Err(refused(450, "Token unieważniony")),
            TokenStatus::Active if token.context != context => {
                Err(refused(415, "Brak przypisanych uprawnień"))
            }
            TokenStatus::Active if self.blocked(context) => Err(refused(480, BLOCKED)),
            TokenStatus::Active => match token.auth_status.unwrap_or(200) {
                200 => Ok(Login {
                    subject: token.author.clone(),
                    permissions: token.permissions,
                    token: Some(token.reference.clone()),
                }),
                code => Err((code, default_details(code))),
            },
        };
        if verdict.is_ok()
            && let Some(used) = tokens.get_mut(&token.reference)
        {
            used.last_use = Some(now);
        }
        (verdict, reference)
    }

    /// A XAdES login into the NIP `context` by a certificate naming `nip` or `pesel` (or
    /// neither, identified by `fingerprint`). A context's own NIP is its owner; a person owns
    /// the context of their NIP; test-data grants give their permissions; a certificate with
    /// another NIP and no grant has none (415). TEST's leniency stays: a certificate without a
    /// NIP that nothing says anything about acts as the owner of a context that exists.
    pub(crate) fn xades_login(
        &self,
        context: &str,
        nip: Option<&str>,
        pesel: Option<&str>,
        fingerprint: &str,
    ) -> LoginVerdict {
        let no_permissions = || refused(415, "Brak przypisanych uprawnień");
        if !self.subject_exists(context) {
            return Err(no_permissions());
        }
        if self.blocked(context) {
            return Err(refused(480, BLOCKED));
        }
        let subject = match (nip, pesel) {
            (Some(nip), _) => Identifier::nip(nip),
            (None, Some(pesel)) => Identifier {
                kind: IdentifierKind::Pesel,
                value: pesel.to_owned(),
            },
            (None, None) => Identifier {
                kind: IdentifierKind::Fingerprint,
                value: fingerprint.to_owned(),
            },
        };
        let owner = |subject: Identifier| {
            Ok(Login {
                subject,
                permissions: Permissions::all(),
                token: None,
            })
        };
        if nip == Some(context) {
            return owner(subject);
        }
        let testdata = self.registry.testdata();
        if let (Some(pesel), Some(person)) = (pesel, testdata.persons.get(context))
            && person.pesel == pesel
        {
            if person.deceased {
                return Err(refused(
                    470,
                    "Próba wykorzystania metod autoryzacyjnych osoby zmarłej",
                ));
            }
            return owner(subject);
        }
        let granted: Permissions = testdata
            .grants
            .iter()
            .filter(|((in_context, who), _)| in_context == context && *who == subject)
            .flat_map(|(_, held)| held.iter())
            .collect();
        if !granted.is_empty() {
            return Ok(Login {
                subject,
                permissions: granted,
                token: None,
            });
        }
        if nip.is_none()
            && !testdata
                .persons
                .values()
                .any(|p| Some(p.pesel.as_str()) == pesel)
        {
            return owner(subject);
        }
        Err(no_permissions())
    }
}

/// The detail a scenario token's forced failure shows.
fn default_details(code: u16) -> Vec<String> {
    let detail = match code {
        415 => "Brak przypisanych uprawnień",
        425 => "Uwierzytelnienie i powiązane refresh tokeny zostały unieważnione przez użytkownika",
        450 => "Token unieważniony",
        460 => "Niepoprawny certyfikat",
        480 => "Uwierzytelnienie zablokowane",
        _ => return Vec::new(),
    };
    vec![detail.to_owned()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::networks::ksef::permissions::Permission;

    const CONTEXT: &str = "5265877635";
    const PESEL: &str = "15062788702";

    fn ksef() -> Ksef {
        let scenario = crate::scenario::parse(
            "name: t\ntenants: [{ id: acme, credentials: [{ client_id: a, client_secret: b }] }]\nparticipants:\n  - { id: \"KSEF:5265877635\", network: ksef, tenant: acme }\n",
            "t.yaml",
        )
        .unwrap();
        Ksef::new(&scenario, 1, Timestamp::UNIX_EPOCH)
    }

    fn code(verdict: &LoginVerdict) -> u16 {
        verdict.as_ref().map_or_else(|(code, _)| *code, |_| 200)
    }

    #[test]
    fn xades_logins_follow_owners_persons_grants_and_blocks() {
        let ksef = ksef();
        let seal =
            |nip: Option<&str>, pesel: Option<&str>| ksef.xades_login(CONTEXT, nip, pesel, "AB12");
        // The context's own NIP is its owner; another NIP has nothing; a PESEL nobody knows
        // keeps TEST's leniency.
        assert_eq!(
            seal(Some(CONTEXT), None).unwrap().permissions,
            Permissions::all()
        );
        assert_eq!(code(&seal(Some("7762811692"), None)), 415);
        assert_eq!(code(&seal(None, Some(PESEL))), 200);
        // A context nobody owns cannot be logged into.
        assert_eq!(
            code(&ksef.xades_login("7762811692", Some("7762811692"), None, "AB12")),
            415
        );

        // A grant to another NIP gives exactly its permissions.
        let read: Permissions = [Permission::InvoiceRead].into_iter().collect();
        ksef.grant(CONTEXT, Identifier::nip("7762811692"), read);
        assert_eq!(seal(Some("7762811692"), None).unwrap().permissions, read);

        // A person owns the context of their NIP, unless deceased (470).
        ksef.create_person(
            "7762811692",
            Person {
                pesel: PESEL.to_owned(),
                deceased: true,
            },
        )
        .unwrap();
        let by_pesel = ksef.xades_login("7762811692", None, Some(PESEL), "AB12");
        assert_eq!(code(&by_pesel), 470);
        ksef.remove_person("7762811692", Timestamp::UNIX_EPOCH)
            .unwrap();
        // Removing the person took their grants with them.
        assert_eq!(code(&seal(Some("7762811692"), None)), 415);

        ksef.block_context(CONTEXT, true);
        assert_eq!(code(&seal(Some(CONTEXT), None)), 480);
        ksef.block_context(CONTEXT, false);
        assert_eq!(code(&seal(Some(CONTEXT), None)), 200);
    }

    #[test]
    fn pesel_and_nip_check_digits() {
        assert!(pesel_ok("15062788702"));
        assert!(!pesel_ok("15062788703"));
        assert!(!pesel_ok("1506278870"));
        assert!(nip_ok("5265877635"));
        assert!(!nip_ok("5265877636"));
        assert!(!nip_ok("526-587-76-35"));
        assert!(has_attachment(
            b"<Faktura><Zalacznik><BlokDanych/></Zalacznik></Faktura>"
        ));
        assert!(has_attachment(
            b"<a:Faktura><a:Zalacznik>x</a:Zalacznik></a:Faktura>"
        ));
        assert!(!has_attachment(b"<Faktura><P_2>Zalacznik</P_2></Faktura>"));
        assert!(!has_attachment(
            b"<Faktura><P_2>x:Zalacznik></P_2></Faktura>"
        ));
    }
}
