//! A file's life at SDI on the simulator clock (reference §7), whichever way it came in.
//!
//! Reception plans everything the scenario decides at once: the checks, then the delivery
//! outcome and the recipient's answer from the first matching behaviour (`sdi: RC`, `MC`,
//! `NE` with `EC01`/`EC02`, or `NS` with codes). What follows from SDI's own rules is planned
//! when its cause happens: DT `outcome_deadline` after RC, AT `retry_period` after MC. Each
//! planned step looks at where the file stands when it fires, so a late step cannot undo a
//! final state: an NE after the deadline becomes the administration's SE, an RC after the
//! attestation is dropped.
//!
//! Every message is rendered, stored with the file, journaled, and handed to whoever gets it:
//! the gateway document's state and webhooks (gateway files), the integrator's
//! `TrasmissioneFatture` service (SDICoop files) or its `RicezioneFatture` service (inbound
//! files).

use crate::clock::later;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::message_bytes::MessageBytes;
use super::outbox::{Job, JobPurpose};
use super::registry::FileId;
use super::soap::{self, EsitoNotifica};
use super::state::Sdi;
use super::state::{Channel, FileState, Party, SdiFile, StoredMessage};
use crate::civil_time::central_european_date;
use crate::codelists::sdi as codes;
use crate::codelists::sdi::{Family, MessageType};
use crate::documents::fatturapa::invoice_identities;
use crate::documents::{self, InspectionContext};
use crate::journal::{Journal, Record, SdiMessage};
use crate::lifecycle::{
    BehaviourSubject, SubmitOptions, chosen_behaviour_for, hold, record_change,
};
use crate::networks::sdi::archive;
use crate::networks::sdi::messages::{
    Body, Esito, EsitoCommittente, FileRef, InvoiceRef, Notification, Scarto, ScartoError,
    message_file_name, parse_esito_committente,
};
use crate::runtime::Context;
use crate::scenario::Outcome;
use crate::store::{DocumentChange, DocumentRecord, InboundOrigin, NetworkDetail};
use crate::vocabulary::Network;
use crate::vocabulary::{DocumentState, TenantId};
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
    /// What the gateway already learnt of these bytes (gateway files only).
    pub(crate) prior: Option<Arc<PriorInspection>>,
}

/// The gateway's inspection of a document it hands to SDI. SDI's own checks inspect the file
/// again with SDI's context (its reception date and the file's final name); when that context
/// is the one the gateway used, the answer is the same function of the same input, so SDI
/// takes it instead of parsing and validating the file a second time.
#[derive(Debug, Clone)]
pub(crate) struct PriorInspection {
    pub(crate) content_hash: String,
    pub(crate) received: jiff::civil::Date,
    pub(crate) file_name: Option<String>,
    pub(crate) format: documents::Format,
    pub(crate) findings: Vec<documents::Finding>,
}

impl PriorInspection {
    fn fits(&self, context: &InspectionContext) -> bool {
        self.received == context.received && self.file_name == context.file_name
    }
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

/// What the scenario's behaviour says will happen after the checks.
#[derive(Debug, Clone, PartialEq)]
enum Planned {
    Deliver,
    FailDelivery,
    Outcome {
        esito: Esito,
        description: Option<String>,
    },
}

/// Takes a file in: gives it its `IdentificativoSdI`, takes its name for good, and plans its
/// checks and the scenario's outcomes.
pub(crate) fn receive(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    arrival: Arrival,
    now: Timestamp,
) -> FileId {
    let parsed = xml::parse(&arrival.bytes).ok();
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
        let mut books = sdi.books();
        let file_name = arrival.file_name.clone().unwrap_or_else(|| {
            let key = format!("{}:{}", ctx.seed, subject_key(&arrival));
            fresh_file_name(&books.registry, root, &key)
        });
        let id = books.mint_file_id();
        let name_reused = books.registry.take_name(&file_name);
        if let Some(document) = &arrival.document_id {
            books.by_document.insert(document.clone(), id);
        }
        books.files.insert(
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

/// SDI's checks (reference §9), with the cross-file ones (00002, 00404) from the registry.
/// True when the file passed.
fn checks(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    name_reused: bool,
    forced: &[String],
    now: Timestamp,
) -> bool {
    let Some(file) = sdi.file(id) else {
        return false;
    };
    let mut errors: Vec<ScartoError> = Vec::new();
    if name_reused {
        errors.push(scarto(
            "00002",
            format!("Nome file duplicato : {}", file.file_name),
            Some("Non sono accettati file con nome già trasmesso: rinominare il file con un nuovo progressivo"),
        ));
    }
    let context = InspectionContext {
        received: now.to_zoned(TimeZone::UTC).date(),
        file_name: Some(file.file_name.clone()),
    };
    let mut conforms = true;
    let lower = file.file_name.to_ascii_lowercase();
    let unread = if lower.ends_with(".zip") {
        Some("eisim non legge archivi ZIP: inviare i file XML uno per uno")
    } else if lower.ends_with(".p7m") {
        Some(
            "eisim non legge file firmati CAdES (.p7m): inviare l'XML, non firmato o firmato XAdES",
        )
    } else {
        None
    };
    let prior = file.prior.as_deref().filter(|p| p.fits(&context));
    let inspected = match (unread, prior) {
        (Some(why), _) => Err(why.to_owned()),
        (None, Some(prior)) => Ok((prior.format, std::borrow::Cow::Borrowed(&prior.findings))),
        (None, None) => documents::inspect(&file.bytes, &context)
            .map(|i| (i.format, std::borrow::Cow::Owned(i.findings)))
            .map_err(|e| e.to_string()),
    };
    if file.prior.is_some()
        && let Some(kept) = sdi.books().files.get_mut(&id)
    {
        // Used once: the file's memory goes back to its bytes and books.
        kept.prior = None;
    }
    match inspected {
        Ok((format, findings)) => {
            for finding in findings
                .iter()
                .filter(|f| f.severity == documents::Severity::Fatal)
            {
                if finding.rule == "00200" || finding.rule == "00201" {
                    conforms = false;
                }
                errors.push(scarto(&finding.rule, finding.message.clone(), None));
            }
            if !matches!(
                format,
                documents::Format::FatturaPaFpa12 | documents::Format::FatturaPaFpr12
            ) {
                conforms = false;
                errors.push(scarto(
                    "00200",
                    format!(
                        "File non conforme al formato : il file è {}, non una FatturaPA",
                        format.as_str()
                    ),
                    None,
                ));
            }
        }
        Err(error) => {
            conforms = false;
            errors.push(scarto(
                "00200",
                format!("File non conforme al formato : {error}"),
                None,
            ));
        }
    }
    if conforms {
        let duplicates = sdi.books().registry.duplicates(&file.identities);
        for (position, original) in duplicates {
            let number = file
                .identities
                .get(position - 1)
                .and_then(Option::as_ref)
                .map(|i| i.number.clone())
                .unwrap_or_default();
            errors.push(scarto(
                "00404",
                format!(
                    "Fattura duplicata : il numero {number} è già stato trasmesso con il file IdentificativoSdI {original}"
                ),
                None,
            ));
        }
    }
    for code in forced {
        if !errors.iter().any(|e| &e.code == code) {
            errors.push(scarto(code, codes::description(code).to_owned(), None));
        }
    }

    if !errors.is_empty() {
        set_state(sdi, ctx, id, FileState::Rejected, now);
        let codes: Vec<String> = errors.iter().map(|e| e.code.clone()).collect();
        issue(
            sdi,
            ctx,
            id,
            Body::Scarto { errors },
            Party::Transmitter,
            now,
        );
        update_gateway(
            sdi,
            ctx,
            id,
            DocumentState::Refused,
            Some(MessageType::NS),
            codes,
            now,
        );
        return false;
    }
    {
        let mut books = sdi.books();
        books.registry.admit(id, &file.identities);
    }
    set_state(sdi, ctx, id, FileState::DeliveryPending, now);
    update_gateway(sdi, ctx, id, DocumentState::Accepted, None, Vec::new(), now);
    true
}

fn scarto(code: &str, description: String, suggestion: Option<&str>) -> ScartoError {
    ScartoError {
        code: code.to_owned(),
        description,
        suggestion: suggestion.map(str::to_owned),
    }
}

fn run_planned(sdi: &Arc<Sdi>, ctx: &Context<'_>, id: FileId, planned: &Planned, now: Timestamp) {
    let Some(file) = sdi.file(id) else {
        return;
    };
    match planned {
        Planned::Deliver => deliver(sdi, ctx, &file, now),
        Planned::FailDelivery => fail_delivery(sdi, ctx, &file, now),
        Planned::Outcome { esito, description } => {
            recipient_outcome(sdi, ctx, &file, *esito, description.clone(), now);
        }
    }
}

/// RC: the recipient has the invoice. For a PA the outcome deadline starts now.
fn deliver(sdi: &Arc<Sdi>, ctx: &Context<'_>, file: &SdiFile, now: Timestamp) {
    if !matches!(
        file.state,
        FileState::DeliveryPending | FileState::Undelivered
    ) {
        note(
            ctx.journal,
            file,
            now,
            format!("RC not sent: the file is {:?}", file.state),
        );
        return;
    }
    delivered(sdi, ctx, file, now);
}

/// The file reached its recipient: RC to the transmitter, and for a PA the outcome deadline
/// starts. Shared by files the integrator sent and files sent to it.
fn delivered(sdi: &Arc<Sdi>, ctx: &Context<'_>, file: &SdiFile, now: Timestamp) {
    let id = file.identificativo_sdi;
    set_state_at(sdi, ctx, id, FileState::Delivered, now, |f| {
        f.delivered_at = Some(now);
    });
    issue(
        sdi,
        ctx,
        id,
        Body::RicevutaConsegna {
            delivered_at: now,
            recipient_code: file.recipient_code.clone(),
            recipient_name: recipient_name(sdi, ctx, &file.recipient_code),
        },
        Party::Transmitter,
        now,
    );
    update_gateway(
        sdi,
        ctx,
        id,
        DocumentState::Delivered,
        Some(MessageType::RC),
        Vec::new(),
        now,
    );
    if file.family == Family::Pa {
        plan_deadline(sdi, ctx, file, now);
    }
}

fn plan_deadline(sdi: &Arc<Sdi>, ctx: &Context<'_>, file: &SdiFile, now: Timestamp) {
    let id = file.identificativo_sdi;
    let at = later(now, sdi.settings.outcome_deadline());
    let sdi = sdi.clone();
    ctx.events.schedule(
        at,
        format!("sdi: outcome deadline for {}", file.file_name),
        move |ctx| {
            let Some(file) = sdi.file(id) else {
                return;
            };
            if file.state == FileState::Delivered {
                decorrenza_termini(&sdi, ctx, &file, ctx.now);
            }
        },
    );
}

/// DT: no outcome in time. The transmitter and the administration both get it.
fn decorrenza_termini(sdi: &Arc<Sdi>, ctx: &Context<'_>, file: &SdiFile, now: Timestamp) {
    let id = file.identificativo_sdi;
    set_state(sdi, ctx, id, FileState::Expired, now);
    let invoice = lone_invoice(file);
    issue(
        sdi,
        ctx,
        id,
        Body::DecorrenzaTermini {
            invoice,
            description: Some(
                "Decorsi i termini per la notifica di esito da parte del committente".to_owned(),
            ),
        },
        if file.channel == Channel::Inbound {
            Party::Recipient
        } else {
            Party::Transmitter
        },
        now,
    );
    update_gateway(
        sdi,
        ctx,
        id,
        DocumentState::Delivered,
        Some(MessageType::DT),
        Vec::new(),
        now,
    );
}

/// The first delivery did not get through. PA: MC and retries until AT. B2B: the invoice
/// goes to the recipient's reserved area, for good.
fn fail_delivery(sdi: &Arc<Sdi>, ctx: &Context<'_>, file: &SdiFile, now: Timestamp) {
    if file.state != FileState::DeliveryPending {
        note(
            ctx.journal,
            file,
            now,
            format!("MC not sent: the file is {:?}", file.state),
        );
        return;
    }
    let id = file.identificativo_sdi;
    match file.family {
        Family::Pa => {
            undelivered(
                sdi,
                ctx,
                file,
                Some(
                    "Impossibilità di recapitare la fattura: il Sistema di Interscambio ritenterà l'invio per 10 giorni"
                        .to_owned(),
                ),
                now,
            );
            let at = later(now, sdi.settings.retry_period());
            let sdi = sdi.clone();
            ctx.events.schedule(
                at,
                format!("sdi: retry period over for {}", file.file_name),
                move |ctx| {
                    if let Some(file) = sdi.file(id)
                        && file.state == FileState::Undelivered
                    {
                        attestazione(&sdi, ctx, &file, ctx.now);
                    }
                },
            );
        }
        Family::B2b => reserved_area(
            sdi,
            ctx,
            file,
            "La fattura è a disposizione del destinatario nella sua area riservata del sito dell'Agenzia delle Entrate",
            now,
        ),
    }
}

/// PA: the first delivery window closed without success: MC to the transmitter while SDI
/// keeps trying.
fn undelivered(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    file: &SdiFile,
    description: Option<String>,
    now: Timestamp,
) {
    let id = file.identificativo_sdi;
    set_state_at(sdi, ctx, id, FileState::Undelivered, now, |f| {
        f.undelivered_at = Some(now);
    });
    issue(
        sdi,
        ctx,
        id,
        Body::MancataConsegna {
            description,
            available_from: Some(central_european_date(now)),
        },
        Party::Transmitter,
        now,
    );
    update_gateway(
        sdi,
        ctx,
        id,
        DocumentState::Accepted,
        Some(MessageType::MC),
        Vec::new(),
        now,
    );
}

/// B2B: delivery is impossible; the invoice waits in the recipient's reserved area and counts
/// as issued (RicevutaImpossibilitaRecapito, final).
fn reserved_area(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    file: &SdiFile,
    description: &str,
    now: Timestamp,
) {
    let id = file.identificativo_sdi;
    set_state(sdi, ctx, id, FileState::ReservedArea, now);
    issue(
        sdi,
        ctx,
        id,
        Body::MancataConsegna {
            description: Some(description.to_owned()),
            available_from: Some(central_european_date(now)),
        },
        Party::Transmitter,
        now,
    );
    update_gateway(
        sdi,
        ctx,
        id,
        DocumentState::Delivered,
        Some(MessageType::MC),
        Vec::new(),
        now,
    );
}

/// AT: ten days of retries failed; the transmitter gets the attestation with its invoice and
/// must deliver it by other means.
fn attestazione(sdi: &Arc<Sdi>, ctx: &Context<'_>, file: &SdiFile, now: Timestamp) {
    let id = file.identificativo_sdi;
    set_state(sdi, ctx, id, FileState::Attested, now);
    issue(
        sdi,
        ctx,
        id,
        Body::Attestazione {
            recipient_code: file.recipient_code.clone(),
            recipient_name: recipient_name(sdi, ctx, &file.recipient_code),
        },
        Party::Transmitter,
        now,
    );
    update_gateway(
        sdi,
        ctx,
        id,
        DocumentState::Failed,
        Some(MessageType::AT),
        Vec::new(),
        now,
    );
}

/// A (simulated) administration answers: in time, NE to the transmitter; too late or about a
/// file it cannot answer for, SDI refuses its notice (SE EN01).
fn recipient_outcome(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    file: &SdiFile,
    esito: Esito,
    description: Option<String>,
    now: Timestamp,
) {
    let outcome = EsitoCommittente {
        identificativo_sdi: file.identificativo_sdi,
        invoice: lone_invoice(file),
        esito,
        description,
        message_id_committente: None,
    };
    if file.family == Family::B2b {
        note(
            ctx.journal,
            file,
            now,
            "an outcome (EC) exists only for invoices to public administrations (FPA12); the behaviour's NE was not sent".to_owned(),
        );
        return;
    }
    store_received(
        sdi,
        ctx,
        file.identificativo_sdi,
        Body::EsitoCommittente(outcome.clone()),
        now,
    );
    match accept_outcome(sdi, ctx, file, &outcome, now) {
        Ok(()) => {}
        Err(scarto) => {
            issue(
                sdi,
                ctx,
                file.identificativo_sdi,
                Body::ScartoEsito {
                    invoice: outcome.invoice.clone(),
                    scarto,
                    message_id_committente: None,
                },
                Party::Recipient,
                now,
            );
        }
    }
}

/// An outcome SDI can take: NE to the transmitter, the file final. Otherwise why not (EN01).
pub(crate) fn accept_outcome(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    file: &SdiFile,
    outcome: &EsitoCommittente,
    now: Timestamp,
) -> Result<(), Scarto> {
    let deadline = file
        .delivered_at
        .map(|at| later(at, sdi.settings.outcome_deadline()));
    let in_time = file.state == FileState::Delivered && deadline.is_some_and(|d| now <= d);
    if !in_time || file.family != Family::Pa {
        note(
            ctx.journal,
            file,
            now,
            format!(
                "outcome {} refused (EN01): the file is {:?}{}",
                outcome.esito.as_str(),
                file.state,
                if file.state == FileState::Expired {
                    ", its deadline passed"
                } else {
                    ""
                }
            ),
        );
        return Err(Scarto::NonAmmissibile);
    }
    let id = file.identificativo_sdi;
    let refused = outcome.esito == Esito::Rifiuto;
    set_state(
        sdi,
        ctx,
        id,
        if refused {
            FileState::Refused
        } else {
            FileState::Accepted
        },
        now,
    );
    if refused {
        sdi.books().registry.release(id);
    }
    issue(
        sdi,
        ctx,
        id,
        Body::Esito {
            outcome: outcome.clone(),
        },
        Party::Transmitter,
        now,
    );
    update_gateway(
        sdi,
        ctx,
        id,
        if refused {
            DocumentState::Refused
        } else {
            DocumentState::Delivered
        },
        Some(MessageType::NE),
        vec![outcome.esito.as_str().to_owned()],
        now,
    );
    Ok(())
}

/// The invoice a message refers to when the file holds exactly one.
fn lone_invoice(file: &SdiFile) -> Option<InvoiceRef> {
    match file.identities.as_slice() {
        [Some(identity)] => Some(InvoiceRef {
            number: identity.number.clone(),
            year: identity.date.year(),
            position: None,
        }),
        _ => None,
    }
}

fn recipient_name(_sdi: &Arc<Sdi>, ctx: &Context<'_>, code: &str) -> Option<String> {
    ctx.store
        .participant(Network::Sdi, &format!("SDI:{code}"))
        .and_then(|p| p.name.clone())
}

// --- inbound: the integrator is the recipient ---

/// Puts the scenario's inbound invoices (`sdi.inbound`) on the agenda of a new run: each
/// reaches SDI `at` after the start, named as its file is.
impl Sdi {
    /// The gateway hands over an SDI document: it reaches SDI as a file named as the envelope
    /// said (or as a provider names it) once no outage holds SDI, and SDI's own lifecycle
    /// takes it from there, starting with the checks.
    pub fn submit(
        self: &Arc<Self>,
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
            prior: Some(Arc::new(PriorInspection {
                content_hash: doc.content_hash.clone(),
                received: doc.created_at.to_zoned(TimeZone::UTC).date(),
                file_name: options.file_name.clone(),
                format: doc.format,
                findings: doc.findings.clone(),
            })),
        };
        let sdi = self.clone();
        ctx.events
            .schedule(at, format!("document {} -> SDI", doc.id), move |ctx| {
                receive(&sdi, ctx, arrival, ctx.now);
            });
    }

    pub fn plan_inbound(self: &Arc<Self>, ctx: &Context<'_>) {
        let sdi = self;
        let start = ctx.clock.start();
        for inbound in &sdi.settings.inbound {
            let file_name = std::path::Path::new(&inbound.file).file_name().map_or_else(
                || inbound.file.clone(),
                |n| n.to_string_lossy().into_owned(),
            );
            let at = later(start, inbound.at.as_std());
            let Some(bytes) = inbound.bytes.clone() else {
                // Only a scenario read from a file can name files; `parse` alone leaves them unread.
                continue;
            };
            let arrival = Arrival {
                file_name: Some(file_name.clone()),
                bytes,
                channel: Channel::Inbound,
                tenant: sdi.channel_tenant.clone(),
                document_id: None,
                prior: None,
            };
            let sdi = sdi.clone();
            ctx.events.schedule(
                at,
                format!("sdi: {file_name} arrives for the integrator"),
                move |ctx| {
                    receive(&sdi, ctx, arrival, ctx.now);
                },
            );
        }
    }
}

/// Delivers an inbound file: to the integrator's `RicezioneFatture` when it has one (the
/// answer decides), otherwise straight to its gateway inbox.
pub(crate) fn attempt_inbound_delivery(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    now: Timestamp,
) {
    let endpoint = sdi.endpoints();
    let attempts = {
        let mut books = sdi.books();
        let Some(file) = books.files.get_mut(&id) else {
            return;
        };
        if !matches!(
            file.state,
            FileState::DeliveryPending | FileState::Undelivered
        ) {
            return;
        }
        file.delivery_attempts += 1;
        file.delivery_attempts
    };
    let Some(url) = endpoint.ricezione_fatture else {
        inbound_answered(sdi, ctx, id, true, now);
        return;
    };
    let Some(file) = sdi.file(id) else {
        return;
    };
    let format = file.format.clone();
    let Some(metadata) = issue(
        sdi,
        ctx,
        id,
        Body::Metadati {
            recipient_code: file.recipient_code.clone(),
            format,
            attempts,
        },
        Party::Recipient,
        now,
    ) else {
        return;
    };
    let Some(metadata_bytes) = wire_bytes(ctx.journal, &file, &metadata, now) else {
        return;
    };
    let call = soap::ricevi_fatture(
        id,
        &file.file_name,
        &file.bytes,
        &metadata.file_name,
        &metadata_bytes,
        endpoint.mtom,
    );
    sdi.outbox.send(Job {
        run: sdi.run,
        tenant: file.tenant.clone(),
        url,
        operation: "RiceviFatture",
        call,
        identificativo_sdi: id,
        file_name: file.file_name.clone(),
        purpose: JobPurpose::InboundDelivery,
    });
}

/// The integrator's answer to `RiceviFatture` (or the gateway inbox taking the file).
pub(crate) fn inbound_answered(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    taken: bool,
    now: Timestamp,
) {
    let Some(file) = sdi.file(id) else {
        return;
    };
    if !matches!(
        file.state,
        FileState::DeliveryPending | FileState::Undelivered
    ) {
        return;
    }
    let settings = &sdi.settings;
    if taken {
        delivered(sdi, ctx, &file, now);
        record_inbound_document(sdi, ctx, &file, now);
        return;
    }
    let window_closed = now >= later(file.received_at, settings.first_attempt());
    match (file.family, file.state) {
        (Family::B2b, _) if window_closed => {
            reserved_area(
                sdi,
                ctx,
                &file,
                "La fattura è a disposizione del destinatario nella sua area riservata",
                now,
            );
            record_inbound_document(sdi, ctx, &file, now);
            return;
        }
        (Family::Pa, FileState::DeliveryPending) if window_closed => {
            undelivered(sdi, ctx, &file, None, now);
        }
        (Family::Pa, FileState::Undelivered)
            if file
                .undelivered_at
                .is_some_and(|at| now >= later(at, settings.retry_period())) =>
        {
            attestazione(sdi, ctx, &file, now);
            return;
        }
        _ => {}
    }
    let at = later(now, settings.redelivery());
    let sdi = sdi.clone();
    ctx.events.schedule(
        at,
        format!("sdi: delivery attempt for {}", file.file_name),
        move |ctx| attempt_inbound_delivery(&sdi, ctx, id, ctx.now),
    );
}

/// The inbound invoice appears in the tenant's gateway (`direction: incoming`), raising
/// `invoice.received`.
fn record_inbound_document(sdi: &Arc<Sdi>, ctx: &Context<'_>, file: &SdiFile, now: Timestamp) {
    let Some(tenant) = file.tenant.clone() else {
        return;
    };
    let context = InspectionContext {
        received: now.to_zoned(TimeZone::UTC).date(),
        file_name: Some(file.file_name.clone()),
    };
    let Ok(inspection) = documents::inspect(&file.bytes, &context) else {
        return;
    };
    let id = ctx.store.ledger.mint_id("inv", ctx.seed);
    let record = DocumentRecord::inbound(
        InboundOrigin {
            id: id.clone(),
            submission_id: format!("sdi-{}", file.identificativo_sdi),
            network: Network::Sdi,
            recipient: format!("SDI:{}", file.recipient_code),
            network_id: file.identificativo_sdi.to_string(),
            content_hash: file.hash.clone(),
            bytes: file.bytes.clone(),
        },
        inspection,
        now,
    );
    crate::lifecycle::file_inbound(&ctx.at(now), &tenant, &record, file.file_name.clone());
    {
        let mut books = sdi.books();
        books.by_document.insert(id, file.identificativo_sdi);
        if let Some(f) = books.files.get_mut(&file.identificativo_sdi) {
            f.document_id = Some(record.id.clone());
        }
    }
    record_change(
        &ctx.at(now),
        &tenant,
        &DocumentChange::of(&record, None),
        Some(format!(
            "received from SDI as {} (IdentificativoSdI {})",
            file.file_name, file.identificativo_sdi
        )),
    );
}

// --- messages ---

/// Renders, stores, journals and sends one message about file `id`. `None` when it could not
/// be rendered (the journal says why).
pub(crate) fn issue(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    body: Body,
    to: Party,
    now: Timestamp,
) -> Option<StoredMessage> {
    let (message, file) = keep(sdi, ctx, id, body, to, now)?;
    dispatch(sdi, ctx, &file, &message, now);
    Some(message)
}

/// Keeps a message a (simulated) recipient sent to SDI (EC), as SDI received it.
pub(crate) fn store_received(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    body: Body,
    now: Timestamp,
) -> Option<StoredMessage> {
    keep(sdi, ctx, id, body, Party::Sdi, now).map(|(message, _)| message)
}

/// Renders a message about file `id` under the file's next name, keeps it with the file and
/// journals it. The AT travels as a ZIP with the original invoice.
fn keep(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    body: Body,
    to: Party,
    now: Timestamp,
) -> Option<(StoredMessage, SdiFile)> {
    let (rendered, kind, file) = {
        let mut books = sdi.books();
        let message_id = books.mint_message_id();
        let file = books.files.get_mut(&id)?;
        let counter = file.next_counter();
        let notification = Notification {
            family: file.family,
            file: FileRef {
                identificativo_sdi: id,
                file_name: file.file_name.clone(),
                hash: file.hash.clone(),
                received_at: file.received_at,
                archive: None,
            },
            message_id,
            note: None,
            body,
        };
        let kind = notification.message_type();
        let rendered = prepare(sdi, ctx, notification, file, counter, now);
        if let Ok((name, bytes)) = &rendered {
            file.messages.push(StoredMessage {
                file_name: name.clone(),
                message_type: kind,
                at: now,
                to,
                bytes: bytes.clone(),
            });
        }
        (rendered, kind, file.clone())
    };
    let message = match rendered {
        Ok(_) => file.messages.last().cloned()?,
        Err(why) => {
            note(
                ctx.journal,
                &file,
                now,
                format!("the {} could not be made: {why}", kind.as_str()),
            );
            return None;
        }
    };
    journal_message(ctx.journal, &file, &message);
    Some((message, file))
}

/// The journal's record of one message about `file`.
pub(crate) fn journal_message(journal: &Journal, file: &SdiFile, message: &StoredMessage) {
    journal.append(
        message.at,
        file.tenant.clone(),
        Record::SdiMessage(SdiMessage {
            identificativo_sdi: file.identificativo_sdi,
            invoice_file: file.file_name.clone(),
            message_type: message.message_type.as_str().to_owned(),
            file_name: message.file_name.clone(),
            to: message.to.as_str().to_owned(),
            channel: file.channel.as_str().to_owned(),
            detail: None,
        }),
    );
}

/// The message's file name and the recipe of its bytes (signed XML, or for AT the ZIP),
/// every field checked now; the signing waits until the bytes are first needed.
fn prepare(
    sdi: &Arc<Sdi>,
    _ctx: &Context<'_>,
    notification: Notification,
    file: &SdiFile,
    counter: u32,
    now: Timestamp,
) -> Result<(String, MessageBytes), String> {
    let kind = notification.message_type();
    let signer = Arc::clone(sdi.signer()?);
    notification.check().map_err(|e| e.to_string())?;
    let name = message_file_name(&file.file_name, kind, counter).map_err(|e| e.to_string())?;
    if kind != MessageType::AT {
        return Ok((name, MessageBytes::notification(notification, signer, now)));
    }
    let zip_name = archive::attestazione_zip_name(&name).map_err(|e| e.to_string())?;
    let bytes = MessageBytes::attestation(
        notification,
        signer,
        now,
        name,
        file.file_name.clone(),
        Arc::clone(&file.bytes),
    );
    Ok((zip_name, bytes))
}

/// A message's bytes for sending now (made here if nobody read it yet); `None`, journaled,
/// when they cannot be made.
fn wire_bytes(
    journal: &Journal,
    file: &SdiFile,
    message: &StoredMessage,
    now: Timestamp,
) -> Option<Arc<[u8]>> {
    match message.bytes.get() {
        Ok(bytes) => Some(bytes),
        Err(why) => {
            let what = message.message_type.as_str();
            let name = &message.file_name;
            note(
                journal,
                file,
                now,
                format!("the {what} {name} could not be made, so it was not sent: {why}"),
            );
            None
        }
    }
}

/// Sends a message over SDICoop to the integrator, when it is the party the message is for.
fn dispatch(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    file: &SdiFile,
    message: &StoredMessage,
    now: Timestamp,
) {
    let endpoints = sdi.endpoints();
    let sent = matches!(
        (file.channel, message.message_type),
        (Channel::Sdicoop, _) | (Channel::Inbound, MessageType::DT)
    );
    if !sent {
        return;
    }
    let Some(bytes) = wire_bytes(ctx.journal, file, message, now) else {
        return;
    };
    let (url, operation, call) = match (file.channel, message.message_type) {
        (Channel::Sdicoop, kind) => {
            let Some(op) = kind.trasmissione_operation() else {
                return;
            };
            let Some(url) = endpoints.trasmissione_fatture.clone() else {
                return;
            };
            let call = soap::trasmissione_fatture(
                op,
                file.identificativo_sdi,
                &message.file_name,
                &bytes,
                endpoints.mtom,
            );
            (url, op.name(), call)
        }
        (Channel::Inbound, MessageType::DT) => {
            let Some(url) = endpoints.ricezione_fatture.clone() else {
                return;
            };
            let call = soap::notifica_decorrenza_termini(
                file.identificativo_sdi,
                &message.file_name,
                &bytes,
                endpoints.mtom,
            );
            (url, "NotificaDecorrenzaTermini", call)
        }
        _ => return,
    };
    sdi.outbox.send(Job {
        run: sdi.run,
        tenant: file.tenant.clone(),
        url,
        operation,
        call,
        identificativo_sdi: file.identificativo_sdi,
        file_name: message.file_name.clone(),
        purpose: JobPurpose::Notification,
    });
}

// --- bookkeeping ---

fn set_state(sdi: &Arc<Sdi>, ctx: &Context<'_>, id: FileId, to: FileState, now: Timestamp) {
    set_state_at(sdi, ctx, id, to, now, |_| {});
}

/// Moves file `id` to `to`, noting what else the move records (`delivered_at`...) under the
/// same lock, and journals the change.
fn set_state_at(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    to: FileState,
    now: Timestamp,
    also: impl FnOnce(&mut SdiFile),
) {
    let (from, tenant) = {
        let mut books = sdi.books();
        let Some(file) = books.files.get_mut(&id) else {
            return;
        };
        let from = file.state;
        file.state = to;
        also(file);
        (from, file.tenant.clone())
    };
    ctx.journal.append(
        now,
        tenant,
        Record::StateChange {
            subject: format!("sdi file {id}"),
            from: Some(state_name(from)),
            to: state_name(to),
            detail: None,
        },
    );
}

fn state_name(state: FileState) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn note(journal: &Journal, file: &SdiFile, now: Timestamp, message: String) {
    journal.append(
        now,
        file.tenant.clone(),
        Record::Simulator {
            message: format!("sdi: file {}: {message}", file.identificativo_sdi),
        },
    );
}

/// Moves the gateway document a gateway file carries, with SDI's word as the network detail.
fn update_gateway(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    to: DocumentState,
    message: Option<MessageType>,
    errors: Vec<String>,
    now: Timestamp,
) {
    let Some(file) = sdi.file(id) else {
        return;
    };
    if file.channel != Channel::Gateway {
        return;
    }
    let (Some(tenant), Some(document)) = (file.tenant.clone(), file.document_id.clone()) else {
        return;
    };
    let status = message.map(|m| m.as_str().to_owned());
    let detail = NetworkDetail {
        description: message.map(|m| codes::notification_description(m, file.family).to_owned()),
        status: status.clone(),
        errors,
        network_id: Some(id.to_string()),
    };
    if let Some(change) = ctx
        .store
        .ledger
        .transition(&tenant, &document, to, Some(detail), now)
    {
        let why = status.map(|s| format!("SDI {s}"));
        record_change(&ctx.at(now), &tenant, &change, why);
    }
}

impl Sdi {
    /// `NotificaEsito`: a public administration's outcome (EC01/EC02) on an invoice SDI
    /// delivered to it, as the integrator sent it over SDICoop. The EC is kept as sent; the
    /// answer is ES01 (NE to the transmitter), or ES00 with an SE when the notice is malformed
    /// (EN00) or not admissible (EN01), or without one when SDI never issued that file.
    pub(crate) fn take_esito(
        self: &Arc<Self>,
        ctx: &Context<'_>,
        id: FileId,
        name: &str,
        bytes: &[u8],
    ) -> (EsitoNotifica, Option<(String, Vec<u8>)>) {
        let sdi = self;
        let now = ctx.now;
        let Some(file) = sdi.file(id) else {
            ctx.journal.append(
                now,
                sdi.channel_tenant.clone(),
                Record::Simulator {
                    message: format!(
                        "sdi: NotificaEsito {name} names IdentificativoSdI {id}, which SDI never issued; answered ES00 without SE"
                    ),
                },
            );
            return (EsitoNotifica::NotificaNonAccettata, None);
        };
        keep_received(sdi, ctx, &file, name, bytes);
        let (scarto, outcome, why): (Scarto, Option<EsitoCommittente>, String) =
            match parse_esito_committente(bytes) {
                Err(problem) => (Scarto::NonConforme, None, problem.to_string()),
                Ok(outcome) if outcome.identificativo_sdi != id => {
                    let why = format!(
                        "the EC names IdentificativoSdI {} but was sent for {id}",
                        outcome.identificativo_sdi
                    );
                    (Scarto::NonAmmissibile, Some(outcome), why)
                }
                Ok(outcome) if file.channel != Channel::Inbound => (
                    Scarto::NonAmmissibile,
                    Some(outcome),
                    "the file was not delivered to this channel".to_owned(),
                ),
                Ok(outcome) => match accept_outcome(sdi, ctx, &file, &outcome, now) {
                    Ok(()) => return (EsitoNotifica::NotificaAccettata, None),
                    Err(scarto) => (scarto, Some(outcome), "not admissible".to_owned()),
                },
            };
        ctx.journal.append(
            now,
            file.tenant.clone(),
            Record::Simulator {
                message: format!(
                    "sdi: NotificaEsito {name} refused ({}): {why}",
                    scarto.as_str()
                ),
            },
        );
        let se = issue(
            sdi,
            ctx,
            id,
            Body::ScartoEsito {
                invoice: outcome.as_ref().and_then(|o| o.invoice.clone()),
                scarto,
                message_id_committente: outcome.and_then(|o| o.message_id_committente),
            },
            Party::Recipient,
            now,
        );
        (
            EsitoNotifica::NotificaNonAccettata,
            se.and_then(|m| {
                m.bytes
                    .get()
                    .ok()
                    .map(|bytes| (m.file_name, bytes.to_vec()))
            }),
        )
    }
}

/// Keeps the EC exactly as the administration sent it, under its own name.
fn keep_received(sdi: &Sdi, ctx: &Context<'_>, file: &SdiFile, name: &str, bytes: &[u8]) {
    let message = StoredMessage {
        file_name: name.to_owned(),
        message_type: crate::codelists::sdi::MessageType::EC,
        at: ctx.now,
        to: Party::Sdi,
        bytes: MessageBytes::ready(bytes.into()),
    };
    {
        let mut books = sdi.books();
        if let Some(f) = books.files.get_mut(&file.identificativo_sdi) {
            f.next_counter();
            f.messages.push(message.clone());
        }
    }
    journal_message(ctx.journal, file, &message);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// SDI takes the gateway's inspection only for the very context it was made in: another
    /// date (a check after midnight) or another name (one SDI drew) is inspected again.
    #[test]
    fn the_gateway_inspection_is_reused_only_in_its_own_context() {
        let day: jiff::civil::Date = "2026-11-21".parse().unwrap();
        let prior = PriorInspection {
            content_hash: String::new(),
            received: day,
            file_name: Some("IT01234567890_00001.xml".into()),
            format: documents::Format::FatturaPaFpa12,
            findings: Vec::new(),
        };
        assert!(prior.fits(&InspectionContext::new(day).file_name("IT01234567890_00001.xml")));
        assert!(!prior.fits(
            &InspectionContext::new(day.tomorrow().unwrap()).file_name("IT01234567890_00001.xml")
        ));
        assert!(!prior.fits(&InspectionContext::new(day).file_name("IT01234567890_0000A.xml")));
        assert!(!prior.fits(&InspectionContext::new(day)));
    }

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
