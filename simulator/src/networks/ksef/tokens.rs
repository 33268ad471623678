//! KSeF tokens (`/tokens`): created in a context by someone logged into it, carrying the
//! permissions they chose, and used to log in through `/auth/ksef-token`. A token becomes
//! usable only once KSeF has activated it, and stops being usable the moment its revocation
//! is asked for; both steps take a moment on the simulated clock (the scenario's
//! `ksef.timing.token`), which is what `Pending` and `Revoking` show. The scenario's own
//! `ksef.tokens` are in the book from the start, already active.

use std::collections::HashMap;

use jiff::Timestamp;

use super::error::KsefError;
use super::number::{is_reference_number, reference_number};
use super::permissions::{Permission, Permissions};
use super::state::{Grant, Ksef, date_of};
use crate::digest::sha256_hex;

/// A token's status as `GET /tokens` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenStatus {
    Pending,
    Active,
    Revoking,
    Revoked,
    Failed,
}

impl TokenStatus {
    pub(crate) const fn name(self) -> &'static str {
        match self {
            TokenStatus::Pending => "Pending",
            TokenStatus::Active => "Active",
            TokenStatus::Revoking => "Revoking",
            TokenStatus::Revoked => "Revoked",
            TokenStatus::Failed => "Failed",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        [
            TokenStatus::Pending,
            TokenStatus::Active,
            TokenStatus::Revoking,
            TokenStatus::Revoked,
            TokenStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// How a person or company is identified: who authored a token, who logged in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum IdentifierKind {
    Nip,
    Pesel,
    Fingerprint,
}

impl IdentifierKind {
    pub(crate) const fn name(self) -> &'static str {
        match self {
            IdentifierKind::Nip => "Nip",
            IdentifierKind::Pesel => "Pesel",
            IdentifierKind::Fingerprint => "Fingerprint",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        [
            IdentifierKind::Nip,
            IdentifierKind::Pesel,
            IdentifierKind::Fingerprint,
        ]
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(name.trim()))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Identifier {
    pub(crate) kind: IdentifierKind,
    pub(crate) value: String,
}

impl Identifier {
    pub(crate) fn nip(value: &str) -> Self {
        Identifier {
            kind: IdentifierKind::Nip,
            value: value.to_owned(),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct KsefToken {
    pub(crate) reference: String,
    /// The token itself, as `POST /tokens` returned it once.
    pub(crate) secret: String,
    pub(crate) context: String,
    pub(crate) author: Identifier,
    pub(crate) description: String,
    pub(crate) permissions: Permissions,
    pub(crate) created: Timestamp,
    pub(crate) active_from: Timestamp,
    /// When revocation was asked for, and when it is done.
    pub(crate) revoking: Option<(Timestamp, Timestamp)>,
    /// Its context was removed before the token was activated.
    pub(crate) failed: bool,
    pub(crate) last_use: Option<Timestamp>,
    /// A scenario token's forced authentication outcome (`auth_status`).
    pub(crate) auth_status: Option<u16>,
}

impl KsefToken {
    pub(crate) fn status(&self, now: Timestamp) -> TokenStatus {
        if self.failed {
            return TokenStatus::Failed;
        }
        match self.revoking {
            Some((_, done)) if now >= done => TokenStatus::Revoked,
            Some(_) => TokenStatus::Revoking,
            None if now < self.active_from => TokenStatus::Pending,
            None => TokenStatus::Active,
        }
    }
}

/// Every KSeF token of a run, in creation order.
#[derive(Debug, Default)]
pub(crate) struct TokenBook {
    tokens: Vec<KsefToken>,
    by_secret: HashMap<String, usize>,
    by_reference: HashMap<String, usize>,
}

impl TokenBook {
    pub(crate) fn add(&mut self, token: KsefToken) {
        let index = self.tokens.len();
        self.by_secret.insert(token.secret.clone(), index);
        self.by_reference.insert(token.reference.clone(), index);
        self.tokens.push(token);
    }

    pub(crate) fn by_secret(&self, secret: &str) -> Option<&KsefToken> {
        self.tokens.get(*self.by_secret.get(secret)?)
    }

    pub(crate) fn get(&self, reference: &str) -> Option<&KsefToken> {
        self.tokens.get(*self.by_reference.get(reference)?)
    }

    pub(crate) fn get_mut(&mut self, reference: &str) -> Option<&mut KsefToken> {
        self.tokens.get_mut(*self.by_reference.get(reference)?)
    }

    /// The tokens of `context`, newest first (`GET /tokens` sorts by `dateCreated` desc).
    pub(crate) fn in_context<'a>(
        &'a self,
        context: &'a str,
    ) -> impl Iterator<Item = &'a KsefToken> + 'a {
        self.tokens
            .iter()
            .rev()
            .filter(move |t| t.context == context)
    }

    /// A removed context's tokens stop working: pending ones fail, the others are revoked.
    pub(crate) fn retire_context(&mut self, context: &str, now: Timestamp) {
        for token in self.tokens.iter_mut().filter(|t| t.context == context) {
            if token.revoking.is_some() || token.failed {
                continue;
            }
            if now < token.active_from {
                token.failed = true;
            } else {
                token.revoking = Some((now, now));
            }
        }
    }
}

/// The reference number a scenario token stands for: the part before its first `|` when it
/// is one (real tokens start with it), else one derived from the token.
pub(crate) fn reference_of(token: &str, now: Timestamp) -> String {
    token
        .split('|')
        .next()
        .filter(|head| is_reference_number(head))
        .map_or_else(
            || reference_number(date_of(now), "EC", token),
            str::to_owned,
        )
}

/// What a caller may see and revoke of the context's tokens (the rules of `GET` and
/// `DELETE /tokens`): everything with CredentialsManage (CredentialsRead for seeing);
/// otherwise a token login only its own token, any other login the tokens it authored.
fn in_scope(
    token: &KsefToken,
    grant: &Grant,
    login: &super::registry::Login,
    manage: bool,
) -> bool {
    let broad = if manage {
        grant.permissions.contains(Permission::CredentialsManage)
    } else {
        grant.permissions.contains(Permission::CredentialsManage)
            || grant.permissions.contains(Permission::CredentialsRead)
    };
    if broad {
        return true;
    }
    match &login.token {
        Some(reference) => *reference == token.reference,
        None => token.author == login.subject,
    }
}

/// 21405 for a token reference the caller cannot see (unknown, another context's, or out
/// of its scope): KSeF tells none of these apart.
fn no_token(reference: &str) -> KsefError {
    KsefError::invalid_input(format!(
        "Token o numerze referencyjnym {reference} nie został odnaleziony."
    ))
}

impl Ksef {
    /// `POST /tokens`: the caller may give a token only permissions it holds (26001).
    pub(crate) fn create_token(
        &self,
        grant: &Grant,
        description: &str,
        permissions: Permissions,
        now: Timestamp,
    ) -> Result<(String, String), KsefError> {
        grant.require(Permission::CredentialsManage)?;
        if !permissions.is_subset_of(grant.permissions) {
            let missing: Vec<&str> = permissions
                .iter()
                .filter(|p| !grant.permissions.contains(*p))
                .map(Permission::name)
                .collect();
            return Err(KsefError::exception(
                26001,
                [format!("Brakujące uprawnienia: {}.", missing.join(", "))],
            ));
        }
        let login = self.registry.login(&grant.auth);
        let reference = self.mint("EC", now);
        let secret = format!(
            "{reference}|nip-{}|{}",
            grant.context,
            sha256_hex(format!("{}:{reference}:ksef-token", self.seed()).as_bytes())
        );
        let active_from = now
            .checked_add(self.settings.token_activation())
            .unwrap_or(now);
        self.registry.tokens().add(KsefToken {
            reference: reference.clone(),
            secret: secret.clone(),
            context: grant.context.clone(),
            author: login.subject,
            description: description.to_owned(),
            permissions,
            created: now,
            active_from,
            revoking: None,
            failed: false,
            last_use: None,
            auth_status: None,
        });
        Ok((reference, secret))
    }

    /// The tokens `GET /tokens` shows this caller, newest first.
    pub(crate) fn visible_tokens(&self, grant: &Grant) -> Vec<KsefToken> {
        let login = self.registry.login(&grant.auth);
        self.registry
            .tokens()
            .in_context(&grant.context)
            .filter(|t| in_scope(t, grant, &login, false))
            .cloned()
            .collect()
    }

    /// `GET /tokens/{ref}`.
    pub(crate) fn token(&self, grant: &Grant, reference: &str) -> Result<KsefToken, KsefError> {
        let login = self.registry.login(&grant.auth);
        self.registry
            .tokens()
            .get(reference)
            .filter(|t| t.context == grant.context && in_scope(t, grant, &login, false))
            .cloned()
            .ok_or_else(|| no_token(reference))
    }

    /// `DELETE /tokens/{ref}`: a token the caller can see but not revoke is 403; revoking one
    /// already on its way out changes nothing.
    pub(crate) fn revoke_token(
        &self,
        grant: &Grant,
        reference: &str,
        now: Timestamp,
    ) -> Result<(), KsefError> {
        let login = self.registry.login(&grant.auth);
        let delay = self.settings.token_activation();
        let mut tokens = self.registry.tokens();
        let token = tokens
            .get_mut(reference)
            .filter(|t| t.context == grant.context && in_scope(t, grant, &login, false))
            .ok_or_else(|| no_token(reference))?;
        if !in_scope(token, grant, &login, true) {
            return Err(KsefError::MissingPermissions {
                required: vec![Permission::CredentialsManage.name()],
                present: grant.permissions.names(),
            });
        }
        if token.revoking.is_none() && !token.failed {
            token.revoking = Some((now, now.checked_add(delay).unwrap_or(now)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(reference: &str, created: i64, active_after: i64) -> KsefToken {
        let at = |s| Timestamp::from_second(s).unwrap();
        KsefToken {
            reference: reference.to_owned(),
            secret: format!("{reference}-secret"),
            context: "5265877635".to_owned(),
            author: Identifier::nip("5265877635"),
            description: "Token testowy".to_owned(),
            permissions: Permissions::all(),
            created: at(created),
            active_from: at(created + active_after),
            revoking: None,
            failed: false,
            last_use: None,
            auth_status: None,
        }
    }

    #[test]
    fn statuses_move_on_the_clock_and_a_removed_context_retires_its_tokens() {
        let at = |s| Timestamp::from_second(s).unwrap();
        let mut book = TokenBook::default();
        book.add(token("active", 0, 1));
        book.add(token("pending", 10, 5));
        assert_eq!(
            book.get("active").unwrap().status(at(0)),
            TokenStatus::Pending
        );
        assert_eq!(
            book.get("active").unwrap().status(at(1)),
            TokenStatus::Active
        );
        let newest: Vec<&str> = book
            .in_context("5265877635")
            .map(|t| t.reference.as_str())
            .collect();
        assert_eq!(newest, ["pending", "active"]);
        book.retire_context("5265877635", at(12));
        assert_eq!(
            book.get("active").unwrap().status(at(12)),
            TokenStatus::Revoked
        );
        assert_eq!(
            book.get("pending").unwrap().status(at(20)),
            TokenStatus::Failed
        );
        assert_eq!(
            book.by_secret("pending-secret").unwrap().reference,
            "pending"
        );
    }
}
