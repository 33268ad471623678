//! Who KSeF knows and what they may do, beyond the scenario's participants: the KSeF tokens,
//! who each login was and with which permissions, the TEST environment's test data (subjects,
//! persons, grants, attachment consent, blocked contexts) and the limits changed at run time.
//! One field of [`Ksef`](super::Ksef), each part behind its own lock, so that a token check
//! never waits for a session's invoices.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use jiff::Timestamp;

use super::limits::LimitOverrides;
use super::permissions::{Permission, Permissions};
use super::testdata::TestData;
use super::tokens::{Identifier, KsefToken, TokenBook, reference_of};
use crate::scenario::Scenario;
use crate::vocabulary::{Network, TenantId};

/// Who logged in through one authentication operation, and with what permissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Login {
    pub(crate) subject: Identifier,
    pub(crate) permissions: Permissions,
    /// The KSeF token (its reference) the login used, if it was a token login.
    pub(crate) token: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Registry {
    tokens: Mutex<TokenBook>,
    logins: Mutex<HashMap<String, Login>>,
    testdata: Mutex<TestData>,
    limits: Mutex<LimitOverrides>,
    /// Whose gateway sees what subjects created through `/testdata` send and receive: the
    /// first tenant owning a KSeF context, else the first tenant.
    testdata_tenant: Option<TenantId>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Registry {
    pub(crate) fn new(scenario: &Scenario, now: Timestamp) -> Self {
        let mut tokens = TokenBook::default();
        for token in &scenario.ksef.tokens {
            let permissions = token.permissions.as_ref().map_or_else(
                || Permission::FOR_TOKENS.into_iter().collect(),
                |names| {
                    names
                        .iter()
                        .filter_map(|n| Permission::for_token(n))
                        .collect()
                },
            );
            tokens.add(KsefToken {
                reference: reference_of(&token.token, now),
                secret: token.token.clone(),
                context: token.context.clone(),
                author: Identifier::nip(&token.context),
                description: token
                    .description
                    .clone()
                    .unwrap_or_else(|| "Token ze scenariusza eisim".to_owned()),
                permissions,
                created: now,
                active_from: now,
                revoking: None,
                failed: false,
                last_use: None,
                auth_status: token.auth_status,
            });
        }
        let testdata_tenant = scenario
            .participants
            .iter()
            .filter(|p| p.network == Network::Ksef)
            .find_map(|p| p.tenant.clone())
            .or_else(|| scenario.tenants.first().map(|t| t.id.clone()))
            .map(TenantId::new);
        Registry {
            tokens: Mutex::new(tokens),
            logins: Mutex::new(HashMap::new()),
            testdata: Mutex::new(TestData::new(&scenario.ksef.attachments)),
            limits: Mutex::new(LimitOverrides::default()),
            testdata_tenant,
        }
    }

    pub(crate) fn tokens(&self) -> MutexGuard<'_, TokenBook> {
        lock(&self.tokens)
    }

    pub(crate) fn testdata(&self) -> MutexGuard<'_, TestData> {
        lock(&self.testdata)
    }

    pub(crate) fn limits(&self) -> MutexGuard<'_, LimitOverrides> {
        lock(&self.limits)
    }

    pub(crate) fn testdata_tenant(&self) -> Option<TenantId> {
        self.testdata_tenant.clone()
    }

    /// Remembers who authentication operation `auth` logged in.
    pub(crate) fn note_login(&self, auth: &str, login: Login) {
        lock(&self.logins).insert(auth.to_owned(), login);
    }

    /// Who `auth` logged in; an operation eisim has no record of (none today) is treated as
    /// the context's owner.
    pub(crate) fn login(&self, auth: &str) -> Login {
        lock(&self.logins).get(auth).cloned().unwrap_or(Login {
            subject: Identifier::nip(""),
            permissions: Permissions::all(),
            token: None,
        })
    }

    pub(crate) fn permissions_of(&self, auth: &str) -> Permissions {
        lock(&self.logins)
            .get(auth)
            .map_or_else(Permissions::all, |login| login.permissions)
    }
}
