//! What the KSeF simulation holds for one scenario run: its keys, the challenges, the
//! authentication operations and the tokens they issued, the online sessions and the invoices
//! sent in them. Times that only pass (auth 100 -> 200, storage, UPO readiness, a session's
//! collective UPO) are worked out from the clock when asked; steps that change a document (the
//! invoice statuses) run as events on the clock, because they raise webhooks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::error::KsefError;
use super::jwt::{Claims, JwtSigner, TokenType};
use super::keys::KsefKeys;
use super::number::reference_number;
use super::upo::{AuthProof, ContextId};
use crate::codelists::ksef::RateGroup;
use crate::networks::ksef::rate::{RateConfig, RateLimiter, Thresholds};
use crate::scenario::{KsefSettings, Scenario};
use crate::vocabulary::Network;
use crate::vocabulary::TenantId;

/// A challenge is good for ten minutes.
const CHALLENGE_TTL: Duration = Duration::from_secs(600);
/// Authentication operations answer for seven days, then 410.
const AUTH_RETENTION: Duration = Duration::from_secs(7 * 86_400);

/// The KSeF side of one run.
#[derive(Debug)]
pub(crate) struct Ksef {
    keys: Result<KsefKeys, String>,
    pub(crate) jwt: JwtSigner,
    pub(crate) limiter: RateLimiter,
    pub(crate) settings: KsefSettings,
    seed: u64,
    /// Contexts (NIPs) and the tenant owning each.
    owners: HashMap<String, TenantId>,
    minted: AtomicU64,
    records: Mutex<Records>,
    /// Batch sessions' packages and uploads (`batch.rs`).
    pub(crate) batches: super::batch::Batches,
    /// Tokens, logins, test data and changed limits (`registry.rs`).
    pub(crate) registry: super::registry::Registry,
    /// Every invoice with a KSeF number, for whoever is a party to it (the buyer's side).
    pub(crate) repository: std::sync::Arc<super::repository::Repository>,
}

/// What one run's KSeF has on record, behind one lock.
#[derive(Debug, Default)]
pub(crate) struct Records {
    pub(crate) challenges: HashMap<String, Challenge>,
    pub(crate) auths: HashMap<String, AuthOperation>,
    pub(crate) tokens: HashMap<String, Issued>,
    pub(crate) sessions: HashMap<String, super::sessions::Session>,
    pub(crate) invoices: HashMap<String, super::sessions::Invoice>,
    /// (seller NIP, invoice kind, invoice number) -> (KSeF number, session) of the invoice
    /// that got its number first: KSeF's global duplicate key.
    pub(crate) numbered: HashMap<(String, String, String), (String, String)>,
    /// KSeF number -> invoice reference.
    pub(crate) by_ksef_number: HashMap<String, String>,
    /// Challenges issued, so expired ones are swept once per [`CHALLENGE_SWEEP_EVERY`].
    challenges_issued: u64,
}

/// How many challenges are issued between two sweeps of the expired ones.
const CHALLENGE_SWEEP_EVERY: u64 = 1024;

#[derive(Debug, Clone)]
pub(crate) struct Challenge {
    pub(crate) timestamp: Timestamp,
    pub(crate) used: bool,
}

/// How an authentication was proven, as the UPO names it.
#[derive(Debug, Clone)]
pub(crate) enum Method {
    /// A KSeF token, with the reference number it was created under.
    Token { token_reference: String },
    /// A XAdES-signed request, with its SHA-256.
    Xades { document_hash: String },
}

#[derive(Debug, Clone)]
pub(crate) struct AuthOperation {
    pub(crate) reference: String,
    pub(crate) started: Timestamp,
    pub(crate) decided: Timestamp,
    pub(crate) method: Method,
    pub(crate) context: String,
    pub(crate) tenant: Option<TenantId>,
    /// The code `GET /auth/{ref}` shows once `decided` has passed, and its details.
    pub(crate) outcome: u16,
    pub(crate) details: Vec<String>,
    pub(crate) redeemed: bool,
    pub(crate) refresh_token: Option<String>,
    pub(crate) refresh_valid_until: Option<Timestamp>,
    pub(crate) last_refresh: Option<Timestamp>,
    pub(crate) revoked: bool,
}

/// A token eisim issued, and what it opens.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub(crate) kind: TokenType,
    pub(crate) auth: String,
    pub(crate) valid_until: Timestamp,
}

/// Who is calling, once a bearer token has been checked.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub(crate) auth: String,
    pub(crate) context: String,
    pub(crate) tenant: TenantId,
    /// What the login behind the token may do; checked with [`Grant::require`].
    pub(crate) permissions: super::permissions::Permissions,
}

impl Ksef {
    pub(crate) fn new(scenario: &Scenario, seed: u64, now: Timestamp) -> Self {
        let wall = Timestamp::now();
        let (early, late) = if now < wall { (now, wall) } else { (wall, now) };
        let day = SignedDuration::from_hours(24);
        let valid_from = early.checked_sub(day).unwrap_or(early);
        let valid_to = late.checked_add(day * 730).unwrap_or(late);
        let settings = scenario.ksef.clone();
        let settings_storage = settings.storage();
        let overrides = settings
            .rate_limits
            .groups
            .iter()
            .filter_map(|(name, limit)| {
                Some((
                    RateGroup::from_name(name)?,
                    Thresholds {
                        per_second: limit.per_second,
                        per_minute: limit.per_minute,
                        per_hour: limit.per_hour,
                    },
                ))
            })
            .collect();
        let owners = scenario
            .participants
            .iter()
            .filter(|p| p.network == Network::Ksef)
            .filter_map(|p| {
                let nip = p.id.strip_prefix("KSEF:")?;
                Some((nip.to_owned(), TenantId::new(p.tenant.clone()?)))
            })
            .collect();
        Ksef {
            keys: KsefKeys::new(valid_from, valid_to).map_err(|e| e.to_string()),
            jwt: JwtSigner::new(format!("eisim-ksef-jwt:{seed}").as_bytes()),
            limiter: RateLimiter::new(RateConfig {
                enabled: settings.rate_limits.enabled,
                overrides,
            }),
            settings,
            seed,
            owners,
            minted: AtomicU64::new(0),
            records: Mutex::new(Records::default()),
            batches: super::batch::Batches::default(),
            registry: super::registry::Registry::new(scenario, now),
            repository: std::sync::Arc::new(super::repository::Repository::new(settings_storage)),
        }
    }

    /// The key pair; only a broken build could make it fail, and then every call that needs
    /// it says so instead of the server refusing to start.
    pub(crate) fn keys(&self) -> Result<&KsefKeys, KsefError> {
        self.keys.as_ref().map_err(|error| KsefError::Exception {
            status: 500,
            code: 500,
            description: crate::codelists::ksef::exception_description(500).to_owned(),
            details: vec![format!("eisim could not build its KSeF key: {error}")],
        })
    }

    pub(crate) fn records(&self) -> MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// A fresh reference number of kind `kind`, the same in a replay of the same run.
    pub(crate) fn mint(&self, kind: &str, now: Timestamp) -> String {
        let n = self.minted.fetch_add(1, Ordering::Relaxed);
        reference_number(date_of(now), kind, &format!("{}:{kind}:{n}", self.seed))
    }

    pub(crate) fn owner(&self, nip: &str) -> Option<TenantId> {
        self.owners.get(nip).cloned()
    }

    /// `POST /auth/challenge`.
    pub(crate) fn challenge(&self, now: Timestamp) -> (String, Timestamp) {
        let reference = self.mint("CR", now);
        let mut records = self.records();
        // An expired challenge is refused with the same 21111 as an unknown one, so it can be
        // forgotten: otherwise a client that asks for a challenge per call (or never finishes
        // authenticating) grows this map for ever.
        records.challenges_issued += 1;
        if records
            .challenges_issued
            .is_multiple_of(CHALLENGE_SWEEP_EVERY)
        {
            records.challenges.retain(|_, challenge| {
                challenge
                    .timestamp
                    .checked_add(CHALLENGE_TTL)
                    .is_ok_and(|until| now < until)
            });
        }
        records.challenges.insert(
            reference.clone(),
            Challenge {
                timestamp: now,
                used: false,
            },
        );
        (reference, now)
    }

    /// Takes a challenge for one authentication: unknown, expired or used challenges are
    /// 21111. Returns when it was issued.
    pub(crate) fn use_challenge(
        &self,
        challenge: &str,
        now: Timestamp,
    ) -> Result<Timestamp, KsefError> {
        let mut records = self.records();
        let bad = || {
            KsefError::exception(
                21111,
                [format!(
                    "Wyzwanie {challenge} jest nieprawidłowe, wygasło lub zostało już użyte."
                )],
            )
        };
        let entry = records.challenges.get_mut(challenge).ok_or_else(bad)?;
        let expired = entry
            .timestamp
            .checked_add(CHALLENGE_TTL)
            .is_ok_and(|until| now >= until);
        if entry.used || expired {
            return Err(bad());
        }
        entry.used = true;
        Ok(entry.timestamp)
    }

    /// Records a started authentication and issues its operation token.
    pub(crate) fn start_auth(
        &self,
        method: Method,
        context: String,
        outcome: (u16, Vec<String>),
        now: Timestamp,
    ) -> (String, String, Timestamp) {
        let reference = self.mint("AU", now);
        let decided = now.checked_add(self.settings.auth_delay()).unwrap_or(now);
        let tenant = self.tenant_of(&context);
        let (token, valid_until) =
            self.issue(TokenType::Operation, &reference, &context, &method, now);
        self.records().auths.insert(
            reference.clone(),
            AuthOperation {
                reference: reference.clone(),
                started: now,
                decided,
                method,
                context,
                tenant,
                outcome: outcome.0,
                details: outcome.1,
                redeemed: false,
                refresh_token: None,
                refresh_valid_until: None,
                last_refresh: None,
                revoked: false,
            },
        );
        (reference, token, valid_until)
    }

    /// Signs a token of `kind` for the authentication `auth` and remembers it.
    pub(crate) fn issue(
        &self,
        kind: TokenType,
        auth: &str,
        context: &str,
        method: &Method,
        now: Timestamp,
    ) -> (String, Timestamp) {
        let ttl = match kind {
            TokenType::Refresh => self.settings.refresh_token_ttl(),
            _ => self.settings.access_token_ttl(),
        };
        let valid_until = now.checked_add(ttl).unwrap_or(Timestamp::MAX);
        let claims = Claims {
            token_type: kind,
            context_type: "Nip".to_owned(),
            context_value: context.to_owned(),
            authentication_method: match method {
                Method::Token { .. } => "Token",
                Method::Xades { .. } => "QualifiedSeal",
            }
            .to_owned(),
            reference_number: auth.to_owned(),
            issued_at: now,
            expires_at: valid_until,
            unique: self.mint("JT", now),
        };
        let token = self.jwt.sign(&claims.to_json());
        self.records().tokens.insert(
            token.clone(),
            Issued {
                kind,
                auth: auth.to_owned(),
                valid_until,
            },
        );
        (token, valid_until)
    }

    /// The code and details `GET /auth/{ref}` shows now.
    pub(crate) fn auth_status(op: &AuthOperation, now: Timestamp) -> (u16, Vec<String>) {
        if op.revoked {
            return (425, vec!["Uwierzytelnienie i powiązane refresh tokeny zostały unieważnione przez użytkownika".to_owned()]);
        }
        if now < op.decided {
            (100, Vec::new())
        } else {
            (op.outcome, op.details.clone())
        }
    }

    /// Checks the bearer `token` (from `Authorization: Bearer`) for one of `kinds`: a missing,
    /// unknown, expired or wrong-kind token is 401 (always problem details).
    pub(crate) fn bearer(
        &self,
        token: Option<&str>,
        kinds: &[TokenType],
        now: Timestamp,
    ) -> Result<(Issued, AuthOperation), KsefError> {
        let token = token.ok_or_else(|| {
            KsefError::Unauthorized(
                "Brak tokenu uwierzytelniającego: wymagany nagłówek Authorization: Bearer <token>."
                    .to_owned(),
            )
        })?;
        // A token that is not one of ours fails here, before any lookup.
        self.jwt.verify(token).map_err(|error| {
            KsefError::Unauthorized(format!("Nieprawidłowy token uwierzytelniający ({error})."))
        })?;
        let records = self.records();
        let issued = records
            .tokens
            .get(token)
            .filter(|issued| kinds.contains(&issued.kind))
            .ok_or_else(|| {
                KsefError::Unauthorized("Nieprawidłowy token uwierzytelniający.".to_owned())
            })?;
        if now >= issued.valid_until {
            return Err(KsefError::Unauthorized(format!(
                "Token wygasł ({}).",
                super::wire::ksef_time(issued.valid_until)
            )));
        }
        let op = records.auths.get(&issued.auth).cloned().ok_or_else(|| {
            KsefError::Unauthorized("Nieprawidłowy token uwierzytelniający.".to_owned())
        })?;
        Ok((issued.clone(), op))
    }

    /// Checks an access token and names the context and tenant it acts for.
    pub(crate) fn access(&self, token: Option<&str>, now: Timestamp) -> Result<Grant, KsefError> {
        let (_, op) = self.bearer(token, &[TokenType::Access], now)?;
        let tenant = op.tenant.clone().ok_or_else(|| KsefError::Forbidden {
            reason: "missing-permissions",
            detail: format!("Brak uprawnień w kontekście {}.", op.context),
        })?;
        Ok(Grant {
            permissions: self.registry.permissions_of(&op.reference),
            auth: op.reference,
            context: op.context,
            tenant,
        })
    }

    /// The UPO's account of who authenticated, and how.
    pub(crate) fn proof_of(&self, auth: &str) -> (ContextId, AuthProof) {
        let records = self.records();
        match records.auths.get(auth) {
            Some(op) => (
                ContextId::Nip(op.context.clone()),
                match &op.method {
                    Method::Token { token_reference } => {
                        AuthProof::KsefTokenReference(token_reference.clone())
                    }
                    Method::Xades { document_hash } => {
                        AuthProof::DocumentHash(document_hash.clone())
                    }
                },
            ),
            None => (
                ContextId::Nip(String::new()),
                AuthProof::KsefTokenReference(String::new()),
            ),
        }
    }

    /// True once the operation is past its retention (then 410).
    pub(crate) fn auth_gone(op: &AuthOperation, now: Timestamp) -> bool {
        op.started
            .checked_add(AUTH_RETENTION)
            .is_ok_and(|until| now >= until)
    }
}

/// The UTC calendar day of `at`, which reference numbers and KSeF numbers carry.
pub(crate) fn date_of(at: Timestamp) -> jiff::civil::Date {
    at.to_zoned(TimeZone::UTC).date()
}
