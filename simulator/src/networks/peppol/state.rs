//! What the Peppol network knows in one run: the SML and SMP registrations the scenario
//! declares, every transmission eisim's access point made or received, the messages that came
//! back about each, and the AS4 MessageIds the receiving access point remembers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::smp::{SmpSigner, access_point_certificate_der};
use crate::codelists::invoice_response_order::Sent;
use crate::identifiers::peppol::{self as identifier, Capability, ParticipantId};
use crate::scenario::{PeppolSettings, Scenario};
use crate::vocabulary::Network;
use crate::vocabulary::TenantId;

#[derive(Debug)]
pub(crate) struct Peppol {
    pub(crate) settings: PeppolSettings,
    /// Registered participants by [`ParticipantId::key`], with their name and capabilities.
    registrations: HashMap<String, Registration>,
    /// Known to the SML, unknown to their SMP.
    sml_only: Vec<String>,
    /// The SMP's signing key, or why it could not be made.
    signer: Result<SmpSigner, String>,
    /// The receiving access point's certificate the SMP publishes, or why it could not be made.
    access_point_certificate: Result<Vec<u8>, String>,
    records: Mutex<Records>,
}

/// A participant as the SML and its SMP know it.
#[derive(Debug, Clone)]
pub(crate) struct Registration {
    pub id: ParticipantId,
    pub name: Option<String>,
    pub tenant: Option<TenantId>,
    pub capabilities: Vec<&'static Capability>,
}

#[derive(Debug, Default)]
pub(crate) struct Records {
    /// Gateway document id -> what happened to it on the network.
    pub(crate) transmissions: HashMap<String, Transmission>,
    /// AS4 MessageIds the receiving access point has seen, with when (lower-cased).
    pub(crate) seen_message_ids: HashMap<String, Timestamp>,
    next_message: u64,
}

/// One document's trip across the network, in either direction.
#[derive(Debug, Clone)]
pub(crate) struct Transmission {
    pub document_id: String,
    /// The AS4 MessageId, also the SBDH InstanceIdentifier the MLS and MLR refer to.
    pub message_id: String,
    pub sender: Option<ParticipantId>,
    pub receiver: ParticipantId,
    pub document_type: &'static str,
    /// AS4 sends made so far.
    pub attempts: u32,
    /// MLS, MLR and Invoice Responses, received or sent, in order.
    pub messages: Vec<PeppolMessage>,
    /// Invoice Responses so far, for the ordering rules.
    pub responses: Vec<Sent>,
}

/// A Peppol business document about a transmission: one ApplicationResponse.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PeppolMessage {
    /// `mls`, `mlr` or `invoice_response`.
    pub kind: MessageKind,
    /// Its response code (`AP`, `RE`...).
    pub code: String,
    /// The name it is downloaded under.
    pub name: String,
    pub at: Timestamp,
    /// `received` (from the network) or `sent` (by the integrator).
    pub direction: &'static str,
    #[serde(skip)]
    pub xml: Arc<str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum MessageKind {
    Mls,
    Mlr,
    InvoiceResponse,
}

impl MessageKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MessageKind::Mls => "mls",
            MessageKind::Mlr => "mlr",
            MessageKind::InvoiceResponse => "invoice_response",
        }
    }
}

/// Why a participant cannot be reached for a document type: the three layers of a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LookupFailure {
    /// No NAPTR record: the participant is not in Peppol at all.
    NotInSml { participant: ParticipantId },
    /// The SML points to an SMP that has no service group for the participant.
    NotInSmp { participant: ParticipantId },
    /// The SMP knows the participant, but it does not receive this document type.
    DocumentTypeNotSupported {
        participant: ParticipantId,
        document_type: String,
    },
}

impl LookupFailure {
    /// The SMP's own 404 text (phoss SMP's wording), or the resolver's for the SML.
    pub(crate) fn message(&self) -> String {
        match self {
            LookupFailure::NotInSml { participant } => format!(
                "Not found: participant '{}' is not registered in the SML (no NAPTR record for {})",
                participant.wire(),
                participant.naptr_host()
            ),
            LookupFailure::NotInSmp { participant } => format!(
                "Not found: Service Group '{}' is not registered on this SMP",
                participant.wire()
            ),
            LookupFailure::DocumentTypeNotSupported {
                participant,
                document_type,
            } => format!(
                "Not found: Service Group '{}' doesn't support the document type ID '{}::{document_type}'",
                participant.wire(),
                identifier::DOCUMENT_SCHEME
            ),
        }
    }

    /// The lookup layer that failed: `sml`, `smp` or `document-type`.
    pub(crate) fn layer(&self) -> &'static str {
        match self {
            LookupFailure::NotInSml { .. } => "sml",
            LookupFailure::NotInSmp { .. } => "smp",
            LookupFailure::DocumentTypeNotSupported { .. } => "document-type",
        }
    }
}

impl Peppol {
    /// `now` places the certificates' validity: from a day before it until two years later.
    pub(crate) fn new(scenario: &Scenario, now: Timestamp) -> Self {
        let registrations = scenario
            .participants
            .iter()
            .filter(|p| p.network == Network::Peppol)
            .filter_map(|p| {
                let id = ParticipantId::parse(&p.id).ok()?;
                let capabilities = if p.capabilities.is_empty() {
                    // A participant listed without capabilities receives what Peppol's
                    // billing participants receive.
                    identifier::CAPABILITIES.iter().take(2).collect()
                } else {
                    p.capabilities
                        .iter()
                        .filter_map(|c| identifier::capability(c))
                        .collect()
                };
                Some((
                    id.key(),
                    Registration {
                        id,
                        name: p.name.clone(),
                        tenant: p.tenant.clone().map(TenantId::new),
                        capabilities,
                    },
                ))
            })
            .collect();
        let sml_only = scenario
            .peppol
            .sml_only
            .iter()
            .filter_map(|id| ParticipantId::parse(id).ok())
            .map(|id| id.key())
            .collect();
        let valid_from = now
            .checked_sub(SignedDuration::from_hours(24))
            .unwrap_or(now);
        let valid_to = now
            .checked_add(SignedDuration::from_hours(2 * 365 * 24))
            .unwrap_or(now);
        Peppol {
            settings: scenario.peppol.clone(),
            registrations,
            sml_only,
            signer: SmpSigner::new(valid_from, valid_to).map_err(|e| e.to_string()),
            access_point_certificate: access_point_certificate_der(valid_from, valid_to)
                .map_err(|e| e.to_string()),
            records: Mutex::new(Records::default()),
        }
    }

    pub(crate) fn records(&self) -> MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn signer(&self) -> Result<&SmpSigner, String> {
        self.signer.as_ref().map_err(Clone::clone)
    }

    pub(crate) fn access_point_certificate(&self) -> Result<&[u8], String> {
        self.access_point_certificate
            .as_deref()
            .map_err(Clone::clone)
    }

    /// Every registered participant, in no particular order.
    pub(crate) fn registrations(&self) -> impl Iterator<Item = &Registration> {
        self.registrations.values()
    }

    /// The service group of `participant`: what an SMP answers for `GET /{participant}`.
    pub(crate) fn service_group(
        &self,
        participant: &ParticipantId,
    ) -> Result<&Registration, LookupFailure> {
        let key = participant.key();
        if let Some(registration) = self.registrations.get(&key) {
            return Ok(registration);
        }
        if self.sml_only.contains(&key) {
            return Err(LookupFailure::NotInSmp {
                participant: participant.clone(),
            });
        }
        Err(LookupFailure::NotInSml {
            participant: participant.clone(),
        })
    }

    /// The full lookup a sending access point makes: SML, SMP, then the document type.
    pub(crate) fn lookup(
        &self,
        participant: &ParticipantId,
        document_type: &str,
    ) -> Result<(&Registration, &'static Capability), LookupFailure> {
        let registration = self.service_group(participant)?;
        let capability = identifier::capability(document_type)
            .filter(|c| registration.capabilities.contains(c))
            .ok_or_else(|| LookupFailure::DocumentTypeNotSupported {
                participant: participant.clone(),
                document_type: identifier::capability(document_type)
                    .map_or(document_type, |c| c.document_type)
                    .to_owned(),
            })?;
        Ok((registration, capability))
    }

    /// The tenant that owns the participant `id`, if it is one of a tenant's identities.
    pub(crate) fn owner(&self, id: &ParticipantId) -> Option<&TenantId> {
        self.registrations
            .get(&id.key())
            .and_then(|r| r.tenant.as_ref())
    }

    /// The transmission of gateway document `id`.
    pub(crate) fn transmission(&self, document_id: &str) -> Option<Transmission> {
        self.records().transmissions.get(document_id).cloned()
    }
}

impl Records {
    /// A name no other message of the run has: `<kind>-<n>.xml`.
    pub(crate) fn message_name(&mut self, kind: MessageKind) -> String {
        self.next_message += 1;
        format!(
            "{}-{:04}.xml",
            kind.as_str().replace('_', "-"),
            self.next_message
        )
    }
}
