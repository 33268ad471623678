//! How a file reaches SDI, whichever way it comes: from the gateway ([`Sdi::submit`]), over
//! SDICoop (`SdIRiceviFile`, served by `http/sdi.rs`) or from another supplier for the
//! integrator (`sdi.inbound`, see `inbound.rs`). [`receive`] gives it its
//! `IdentificativoSdI` and takes its name for good, drawing one as a provider would for a
//! gateway document sent without a name.
//!
//! Reception plans everything the scenario decides at once: the checks (`checks.rs`), then the
//! delivery outcome and the recipient's answer from the first matching behaviour (`sdi: RC`,
//! `MC`, `NE` with `EC01`/`EC02`, or `NS` with codes), which `delivery.rs` runs when they fire.
//! What follows from SDI's own rules is planned when its cause happens: DT `outcome_deadline`
//! after RC (`outcome.rs`), AT `retry_period` after MC (`delivery.rs`). Each planned step looks
//! at where the file stands when it fires, so a late step cannot undo a final state.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::checks::{PriorInspection, check_archive, checks};
use super::delivery::{Planned, run_planned};
use super::file_state::update_gateway;
use super::inbound::attempt_inbound_delivery;
use super::registry::FileId;
use super::state::{Channel, FileState, Sdi, SdiFile};
use crate::clock::later;
use crate::codelists::sdi::Family;
use crate::documents::fatturapa::invoice_identities;
use crate::journal::Record;
use crate::lifecycle::{BehaviourSubject, SubmitOptions, chosen_behaviour_for, hold};
use crate::networks::sdi::messages::{ArchiveRef, Esito};
use crate::runtime::Context;
use crate::scenario::Outcome;
use crate::store::DocumentRecord;
use crate::vocabulary::{DocumentState, Network, TenantId};
use crate::xml;

/// A file arriving at SDI.
#[derive(Debug, Clone)]
pub(crate) struct Arrival {
    /// `None` for a gateway document the integrator sent without a name.
    pub(crate) file_name: Option<String>,
    pub(crate) bytes: Arc<[u8]>,
    pub(crate) channel: Channel,
    pub(crate) tenant: Option<TenantId>,
    pub(crate) document_id: Option<String>,
    /// The ZIP archive this file came in.
    pub(crate) archive: Option<ArchiveRef>,
    /// What the gateway already learnt of these bytes (gateway files only).
    pub(crate) prior: Option<Arc<PriorInspection>>,
}

/// The gateway hands over an SDI document: it reaches SDI as a file named as the envelope
/// said (or as a provider names it) once no outage holds SDI, and SDI's own lifecycle
/// takes it from there, starting with the checks.
pub(super) fn submit(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    tenant: &TenantId,
    doc: &DocumentRecord,
    options: &SubmitOptions,
) {
    let Some(at) = hold(ctx, tenant, doc, ctx.now, "the document's lifecycle") else {
        return;
    };
    let arrival = Arrival {
        file_name: options.file_name.clone(),
        bytes: doc.bytes.clone(),
        channel: Channel::Gateway,
        tenant: Some(tenant.clone()),
        document_id: Some(doc.id.clone()),
        // The context intake inspected the document in (its date, its name).
        archive: None,
        prior: Some(Arc::new(PriorInspection {
            content_hash: doc.content_hash.clone(),
            received: doc.created_at.to_zoned(TimeZone::UTC).date(),
            file_name: options.file_name.clone(),
            format: doc.format,
            findings: doc.findings.clone(),
        })),
    };
    let sdi = sdi.clone();
    ctx.events
        .schedule(at, format!("document {} -> SDI", doc.id), move |ctx| {
            receive(&sdi, ctx, arrival, ctx.now);
        });
}

/// The name a provider gives the SDI file it makes of a document sent without one: the
/// transmitter's id (`IdTrasmittente`, as Allegato A asks) and a progressivo of five base-36
/// characters drawn from `key`, so names differ between documents and repeat across runs.
fn provider_file_name(root: Option<&crate::documents::Element>, key: &str) -> String {
    let transmitter = root
        .and_then(|r| {
            let id = r.at(&[
                "FatturaElettronicaHeader",
                "DatiTrasmissione",
                "IdTrasmittente",
            ])?;
            Some(format!(
                "{}{}",
                id.text_at(&["IdPaese"])?,
                id.text_at(&["IdCodice"])?
            ))
        })
        .unwrap_or_else(|| "IT00000000000".to_owned());
    let mut n = crate::digest::unit_draw(key);
    let mut progressivo = String::new();
    for _ in 0..5 {
        n *= 36.0;
        let digit = n.floor();
        n -= digit;
        progressivo.push(
            char::from_digit(digit as u32 % 36, 36)
                .unwrap_or('0')
                .to_ascii_uppercase(),
        );
    }
    format!("{transmitter}_{progressivo}.xml")
}

/// A provider never reuses a name it gave: five base-36 characters drawn per document collide
/// by the birthday bound (about once in 10,000 documents), so a taken name is drawn again with
/// the next salt.
fn fresh_file_name(
    registry: &super::registry::Registry,
    root: Option<&crate::documents::Element>,
    key: &str,
) -> String {
    let mut name = provider_file_name(root, key);
    let mut salt = 0u32;
    while registry.is_taken(&name) && salt < u32::MAX {
        salt += 1;
        name = provider_file_name(root, &format!("{key}:{salt}"));
    }
    name
}

/// What fixes a file's seeded draws: its gateway document, else its name.
fn subject_key(arrival: &Arrival) -> String {
    arrival
        .document_id
        .clone()
        .or_else(|| arrival.file_name.clone())
        .unwrap_or_default()
}

/// Takes a file in: gives it its `IdentificativoSdI`, takes its name for good, and plans its
/// checks and the scenario's outcomes.
pub(crate) fn receive(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    arrival: Arrival,
    now: Timestamp,
) -> FileId {
    let lower = arrival
        .file_name
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let is_archive = lower.ends_with(".zip") && arrival.archive.is_none();
    // A `.p7m` is read for its invoice here; its signature is judged with SDI's checks.
    let invoice: Option<Arc<[u8]>> = lower
        .ends_with(".p7m")
        .then(|| crate::signed::cades::content(&arrival.bytes).ok())
        .flatten()
        .map(Arc::from);
    let readable: &[u8] = invoice.as_deref().unwrap_or(&arrival.bytes);
    let parsed = if lower.ends_with(".zip") {
        None
    } else {
        xml::parse(readable).ok()
    };
    let root = parsed.as_ref().map(|doc| &doc.root);
    let format = root
        .and_then(|r| r.attr("versione"))
        .unwrap_or_default()
        .to_owned();
    let recipient_code = root
        .and_then(|r| {
            r.text_at(&[
                "FatturaElettronicaHeader",
                "DatiTrasmissione",
                "CodiceDestinatario",
            ])
        })
        .unwrap_or_default()
        .to_owned();
    let identities = root.map(invoice_identities).unwrap_or_default();
    let numbers: Vec<String> = identities
        .iter()
        .flatten()
        .map(|i| i.number.clone())
        .collect();

    let (id, name_reused, file_name) = {
        let mut records = sdi.records();
        let file_name = arrival.file_name.clone().unwrap_or_else(|| {
            let key = format!("{}:{}", ctx.seed, subject_key(&arrival));
            fresh_file_name(&records.registry, root, &key)
        });
        let id = records.mint_file_id();
        let name_reused = records.registry.take_name(&file_name);
        if let Some(document) = &arrival.document_id {
            records.by_document.insert(document.clone(), id);
        }
        records.files.insert(
            id,
            SdiFile {
                identificativo_sdi: id,
                file_name: file_name.clone(),
                hash: arrival.prior.as_ref().map_or_else(
                    || crate::digest::sha256_hex(&arrival.bytes),
                    |prior| prior.content_hash.clone(),
                ),
                bytes: arrival.bytes.clone(),
                // A file whose format cannot be read is answered in the PA family, the older one.
                family: Family::from_formato_trasmissione(&format).unwrap_or(Family::Pa),
                format,
                received_at: now,
                channel: arrival.channel,
                tenant: arrival.tenant.clone(),
                document_id: arrival.document_id.clone(),
                recipient_code: recipient_code.clone(),
                identities,
                state: FileState::Received,
                delivered_at: None,
                undelivered_at: None,
                delivery_attempts: 0,
                counter: 0,
                messages: Vec::new(),
                prior: arrival.prior.clone(),
                archive: arrival.archive.clone(),
                invoice,
            },
        );
        (id, name_reused, file_name)
    };
    ctx.journal.append(
        now,
        arrival.tenant.clone(),
        Record::StateChange {
            subject: format!("sdi file {id}"),
            from: None,
            to: "received".to_owned(),
            detail: Some(format!(
                "{} received over {}",
                file_name,
                arrival.channel.as_str()
            )),
        },
    );
    update_gateway(sdi, ctx, id, DocumentState::Sent, None, Vec::new(), now);

    if is_archive {
        plan_unpacking(sdi, ctx, id, &file_name, &arrival, name_reused, now);
        return id;
    }
    if arrival.channel == Channel::Inbound {
        // Another supplier's file: SDI checks it and delivers it to the integrator at once.
        let at = now;
        let sdi = sdi.clone();
        ctx.events
            .schedule(at, format!("sdi: checks for {file_name}"), move |ctx| {
                if checks(&sdi, ctx, id, name_reused, &[], ctx.now) {
                    attempt_inbound_delivery(&sdi, ctx, id, ctx.now);
                }
            });
        return id;
    }

    let subject_recipient = format!("SDI:{recipient_code}");
    let subject_id = subject_key(&arrival);
    let outcomes: Vec<Outcome> = chosen_behaviour_for(
        ctx.seed,
        &ctx.scenario.behaviours,
        &BehaviourSubject {
            network: Network::Sdi,
            recipient: Some(&subject_recipient),
            numbers: numbers.iter().map(String::as_str).collect(),
            id: &subject_id,
        },
    )
    .map(|b| b.then.clone())
    .unwrap_or_default();
    plan(sdi, ctx, id, &file_name, name_reused, &outcomes, now);
    id
}

/// A ZIP archive: at the checks' time SDI opens it and takes each file in on its own, with
/// its own `IdentificativoSdI`, the archive's reception time and a reference to the archive;
/// an archive it cannot open is refused whole (`checks::check_archive`).
fn plan_unpacking(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    file_name: &str,
    arrival: &Arrival,
    name_reused: bool,
    now: Timestamp,
) {
    let sdi = sdi.clone();
    let archive = ArchiveRef {
        identificativo_sdi: id,
        file_name: file_name.to_owned(),
    };
    let channel = arrival.channel;
    let tenant = arrival.tenant.clone();
    ctx.events.schedule(
        later(now, sdi.settings.checks()),
        format!("sdi: opening the archive {file_name}"),
        move |ctx| {
            let Some(entries) = check_archive(&sdi, ctx, id, name_reused, ctx.now) else {
                return;
            };
            for entry in entries {
                let inner = Arrival {
                    file_name: Some(entry.name),
                    bytes: Arc::from(entry.bytes),
                    channel,
                    tenant: tenant.clone(),
                    document_id: None,
                    archive: Some(archive.clone()),
                    prior: None,
                };
                receive(&sdi, ctx, inner, now);
            }
        },
    );
}

fn plan(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    file_name: &str,
    name_reused: bool,
    outcomes: &[Outcome],
    now: Timestamp,
) {
    let settings = &sdi.settings;
    let sdi_outcomes: Vec<&Outcome> = outcomes.iter().filter(|o| o.sdi.is_some()).collect();
    let forced_scarto = sdi_outcomes
        .first()
        .filter(|o| code_of(o) == "NS")
        .map(|o| (o.after.as_std(), o.errors.clone()));
    let checks_at = later(
        now,
        forced_scarto
            .as_ref()
            .map_or(settings.checks(), |(after, _)| *after),
    );
    let forced = forced_scarto
        .as_ref()
        .map(|(_, errors)| errors.clone())
        .unwrap_or_default();
    let checked = sdi.clone();
    ctx.events.schedule(
        checks_at,
        format!("sdi: checks for {file_name}"),
        move |ctx| {
            checks(&checked, ctx, id, name_reused, &forced, ctx.now);
        },
    );
    if forced_scarto.is_some() {
        return;
    }

    let steps: Vec<(Duration, Planned)> = if sdi_outcomes.is_empty() {
        vec![(settings.checks() + settings.delivery(), Planned::Deliver)]
    } else {
        sdi_outcomes
            .iter()
            .filter_map(|o| {
                let planned = match code_of(o).as_str() {
                    "RC" => Planned::Deliver,
                    "MC" => Planned::FailDelivery,
                    "NE" => Planned::Outcome {
                        esito: if o.errors.iter().any(|e| e.eq_ignore_ascii_case("EC02")) {
                            Esito::Rifiuto
                        } else {
                            Esito::Accettazione
                        },
                        description: None,
                    },
                    // NS only decides as the first outcome; DT and AT follow from the rules.
                    _ => return None,
                };
                Some((o.after.as_std(), planned))
            })
            .collect()
    };
    let mut at = now;
    for (after, planned) in steps {
        at = later(at, after).max(checks_at);
        let label = format!("sdi: {planned:?} for {file_name}");
        let sdi = sdi.clone();
        ctx.events.schedule(at, label, move |ctx| {
            run_planned(&sdi, ctx, id, &planned, ctx.now);
        });
    }
}

fn code_of(outcome: &Outcome) -> String {
    outcome
        .sdi
        .as_deref()
        .unwrap_or_default()
        .to_ascii_uppercase()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Regression (issue 9's SDI lifecycle bench): two gateway documents drew the same
    /// five-character progressivo, and SDI refused the second with NS 00002.
    #[test]
    fn a_drawn_file_name_already_taken_is_drawn_again() {
        let mut registry = super::super::registry::Registry::default();
        let first = fresh_file_name(&registry, None, "7:doc-1");
        assert!(first.starts_with("IT00000000000_") && first.ends_with(".xml"));
        registry.take_name(&first);
        let again = fresh_file_name(&registry, None, "7:doc-1");
        assert_ne!(again, first);
        assert!(!registry.is_taken(&again));
        // Untaken, the same key keeps giving the same name: runs still replay.
        assert_eq!(
            fresh_file_name(
                &super::super::registry::Registry::default(),
                None,
                "7:doc-1"
            ),
            first
        );
    }
}
