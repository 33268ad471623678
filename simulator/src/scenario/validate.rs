//! Checks that need the whole scenario: unique ids, references between sections, settings
//! that contradict each other, faults that could never fire, and suite steps that could not
//! be carried out.
//!
//! Unlike deserialization, which stops at the first error, these checks report every problem
//! at once, in file order, so a scenario can be fixed in one round.

use std::collections::HashMap;

use super::error::{ScenarioError, ScenarioErrorKind as Kind};
use super::faults::FaultKind;
use super::glob::glob_can_match_prefix;
use super::limits::{RateLimit, parse_byte_size};
use super::model::Scenario;
use super::positions::{Position, ScenarioPositions, top_level_key};
use super::steps::{Channel, RespondStep, Step, SubmitStep};
use super::{participant_id, suggest};
use crate::clock::ClockMode;
use crate::codelists::ksef::KSEF_CODES;
use crate::scenario::behaviours::{MLR_CODES, MLS_CODES, Outcome, PEPPOL_CODES, SDI_NOTIFICATIONS};
use crate::vocabulary::DocumentState;
use crate::vocabulary::Network;

pub(crate) fn validate(
    scenario: &Scenario,
    positions: &ScenarioPositions,
    source: &str,
) -> Vec<ScenarioError> {
    let mut errors = Vec::new();
    check_name(scenario, source, &mut errors);
    check_clock(scenario, positions, &mut errors);
    check_tenants(scenario, positions, &mut errors);
    check_participants(scenario, positions, &mut errors);
    check_limits(scenario, source, &mut errors);
    check_behaviours(scenario, source, &mut errors);
    check_webhooks(scenario, source, &mut errors);
    check_ksef(scenario, source, &mut errors);
    check_sdi(scenario, source, &mut errors);
    check_peppol(scenario, source, &mut errors);
    check_faults(scenario, positions, &mut errors);
    check_steps(scenario, positions, &mut errors);
    check_expect(scenario, positions, &mut errors);
    check_suite(scenario, source, &mut errors);
    errors.sort_by_key(|error| (error.line.unwrap_or(u64::MAX), error.column));
    errors
}

/// Limits that could never be met, or that would make every call fail (a token dead on
/// arrival), which no network does.
fn check_limits(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    let limits = &scenario.limits;
    let mut bad = |message: String, suggestion: Option<&str>| {
        errors.push(
            ScenarioError::new(Kind::BadValue, message)
                .at_position(top_level_key(source, "limits"))
                .with_suggestion(suggestion.map(str::to_owned)),
        );
    };
    if limits.token_ttl.is_some_and(|ttl| ttl.as_std().is_zero()) {
        bad(
            "expected a `token_ttl` longer than zero, found `0s`".to_owned(),
            Some("leave `token_ttl` out for the providers' 60 minutes"),
        );
    }
    if let Some(size) = &limits.max_body
        && let Err(message) = parse_byte_size(size)
    {
        bad(
            format!("`max_body`: {message}"),
            Some("write it like `5MB`"),
        );
    }
    let rates = limits
        .rate
        .iter()
        .map(|rate| ("rate".to_owned(), rate))
        .chain(
            limits
                .endpoints
                .iter()
                .map(|(group, rate)| (format!("endpoints.{}", group.as_str()), rate)),
        );
    for (key, RateLimit { requests, per }) in rates {
        if *requests == 0 || per.as_std().is_zero() {
            bad(
                format!("`{key}`: expected at least one request in a window longer than zero"),
                Some("leave the limit out to leave the endpoint unlimited"),
            );
        }
    }
    if let Some(dup) = &limits.duplicate_submission
        && !(400..=599).contains(&dup.status)
    {
        bad(
            format!(
                "`duplicate_submission.status`: expected an error status (4xx or 5xx), found {}",
                dup.status
            ),
            Some("429 is what providers answer"),
        );
    }
}

/// Webhook settings no delivery could honour.
fn check_webhooks(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    for (key, message, suggestion) in scenario.webhooks.problems() {
        errors.push(
            ScenarioError::new(Kind::BadValue, format!("`webhooks.{key}`: {message}"))
                .at_position(top_level_key(source, "webhooks"))
                .with_suggestion(Some(suggestion.to_owned())),
        );
    }
}

/// KSeF tokens must open a context some tenant owns, or nobody could see what is sent with
/// them.
fn check_ksef(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    let mut problems = scenario.ksef.problems();
    for (index, token) in scenario.ksef.tokens.iter().enumerate() {
        let id = format!("KSEF:{}", token.context);
        let owned = scenario
            .participants
            .iter()
            .any(|p| p.network == Network::Ksef && p.id == id && p.tenant.is_some());
        if !owned {
            problems.push((
                format!("tokens[{index}].context"),
                format!("no KSeF participant `{id}` with a `tenant:` is listed"),
                "list the context's NIP under `participants` as `KSEF:<NIP>` with the tenant it belongs to",
            ));
        }
    }
    for group in scenario.ksef.rate_limits.groups.keys() {
        if crate::codelists::ksef::RateGroup::from_name(group).is_none() {
            let names: Vec<&str> = crate::codelists::ksef::RateGroup::ALL
                .iter()
                .map(|g| g.name())
                .collect();
            problems.push((
                format!("rate_limits.groups.{group}"),
                format!(
                    "no KSeF rate-limit group is called `{group}`; the groups are {}",
                    names.join(", ")
                ),
                "use the group names of the KSeF limits table",
            ));
        }
    }
    for (key, message, suggestion) in problems {
        errors.push(
            ScenarioError::new(Kind::BadValue, format!("`ksef.{key}`: {message}"))
                .at_position(top_level_key(source, "ksef"))
                .with_suggestion(Some(suggestion.to_owned())),
        );
    }
}

/// SDI settings no network could run with, and a channel tenant that does not exist.
fn check_sdi(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    let mut problems = scenario.sdi.problems();
    if let Some(tenant) = &scenario.sdi.channel.tenant
        && !scenario.tenants.iter().any(|t| &t.id == tenant)
    {
        problems.push((
            "channel.tenant".to_owned(),
            format!("no tenant `{tenant}` is listed under `tenants`"),
            "name one of the scenario's tenants, or leave it out for the tenant that owns an SDI participant",
        ));
    }
    for (key, message, suggestion) in problems {
        errors.push(
            ScenarioError::new(Kind::BadValue, format!("`sdi.{key}`: {message}"))
                .at_position(top_level_key(source, "sdi"))
                .with_suggestion(Some(suggestion.to_owned())),
        );
    }
}

/// Peppol settings the network could not run with, and SML-only ids that are malformed or
/// contradict the participant list (a listed participant has an SMP entry).
fn check_peppol(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    let mut problems: Vec<(String, String, String)> = scenario
        .peppol
        .problems()
        .into_iter()
        .map(|(key, message, help)| (key, message, help.to_owned()))
        .collect();
    for (index, id) in scenario.peppol.sml_only.iter().enumerate() {
        let key = format!("sml_only[{index}]");
        if let Err(problem) = participant_id::check(id, Network::Peppol) {
            problems.push((key, problem.message, problem.help.unwrap_or_default()));
        } else if scenario.participants.iter().any(|p| &p.id == id) {
            problems.push((
                key,
                format!("`{id}` is listed under `participants`, so its SMP knows it"),
                "remove it from one of the two lists".to_owned(),
            ));
        }
    }
    for (key, message, suggestion) in problems {
        errors.push(
            ScenarioError::new(Kind::BadValue, format!("`peppol.{key}`: {message}"))
                .at_position(top_level_key(source, "peppol"))
                .with_suggestion((!suggestion.is_empty()).then_some(suggestion)),
        );
    }
}

/// Faults whose window never opens or whose path no request can have; and KSeF exceptions
/// aimed where there is no KSeF API to answer with them.
fn check_faults(
    scenario: &Scenario,
    positions: &ScenarioPositions,
    errors: &mut Vec<ScenarioError>,
) {
    for (index, fault) in scenario.faults.iter().enumerate() {
        let number = index + 1;
        if fault.lasts.is_some_and(|lasts| lasts.as_std().is_zero()) {
            errors.push(
                ScenarioError::new(
                    Kind::BadValue,
                    format!("fault {number}: expected a `for` longer than zero, found `0s`"),
                )
                .at_position(positions.fault(index))
                .with_suggestion(Some(
                    "leave `for` out for a fault that lasts until the end of the run".to_owned(),
                )),
            );
        }
        let Some(path) = fault.kind.path() else {
            continue;
        };
        let mut bad_path = |message: String, suggestion: String| {
            errors.push(
                ScenarioError::new(Kind::BadValue, format!("fault {number}: {message}"))
                    .at_position(positions.fault_path(index))
                    .with_suggestion(Some(suggestion)),
            );
        };
        if !(path.starts_with('/') || path.starts_with('*'))
            || path.chars().any(char::is_whitespace)
        {
            bad_path(
                format!(
                    "`path` `{path}` can never match: request paths start with `/` and hold no spaces"
                ),
                format!(
                    "write the path as it appears in the URL, e.g. `/{}`",
                    path.trim().trim_start_matches('/')
                ),
            );
        } else if path == "/_sim" || path.starts_with("/_sim/") {
            bad_path(
                format!(
                    "`path` `{path}` is the control API, which is never faulted so that a test can always reach it"
                ),
                "aim the fault at the gateway (`/api/v1/*`, `/connect/token`) or the KSeF API (`/v2/*`)".to_owned(),
            );
        } else if matches!(fault.kind, FaultKind::KsefException { .. })
            && !glob_can_match_prefix(path, "/v2/")
            && !glob_can_match_prefix(path, "/api/v2/")
        {
            bad_path(
                format!(
                    "`ksef_exception` answers only KSeF API requests (`/v2/...` or `/api/v2/...`), and `path` `{path}` matches none"
                ),
                "use `http_status` for the gateway, or a KSeF path such as `/v2/sessions/online/*/invoices`".to_owned(),
            );
        }
    }
}

/// Every outcome must say what happens, in codes the named network really uses.
fn check_behaviours(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    let position = top_level_key(source, "behaviours");
    let known: Vec<&str> = scenario
        .participants
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    for (index, behaviour) in scenario.behaviours.iter().enumerate() {
        let rule = index + 1;
        if let Some(recipient) = behaviour.when.recipient.as_deref()
            && !known.contains(&recipient)
        {
            errors.push(
                ScenarioError::new(
                    Kind::BadValue,
                    format!(
                        "behaviour {rule}: `when.recipient` `{recipient}` is not one of the participants"
                    ),
                )
                .at_position(position)
                .with_suggestion(
                    suggest::nearest(recipient, known.iter().copied()).map(suggest::did_you_mean),
                ),
            );
        }
        if behaviour.then.is_empty() {
            errors.push(
                ScenarioError::new(
                    Kind::BadValue,
                    format!("behaviour {rule}: `then` needs at least one outcome"),
                )
                .at_position(position),
            );
        }
        if let Err(message) = check_peppol_sequence(&behaviour.then) {
            errors.push(
                ScenarioError::new(Kind::BadValue, format!("behaviour {rule}, {message}"))
                    .at_position(position),
            );
        }
        for (step, outcome) in behaviour.then.iter().enumerate() {
            if let Err(message) = check_outcome(outcome, behaviour.when.network) {
                errors.push(
                    ScenarioError::new(
                        Kind::BadValue,
                        format!("behaviour {rule}, outcome {}: {message}", step + 1),
                    )
                    .at_position(position),
                );
            }
        }
    }
}

fn check_outcome(outcome: &Outcome, network: Option<Network>) -> Result<(), String> {
    let codes = [
        outcome.sdi.is_some().then_some(Network::Sdi),
        outcome.ksef.is_some().then_some(Network::Ksef),
        outcome.is_peppol().then_some(Network::Peppol),
    ];
    let named: Vec<Network> = codes.into_iter().flatten().collect();
    if named.len() > 1 {
        return Err("name the code of one network only (`sdi`, `ksef` or `peppol`)".into());
    }
    let peppol_keys = [&outcome.peppol, &outcome.mls, &outcome.mlr];
    if peppol_keys.iter().filter(|key| key.is_some()).count() > 1 {
        return Err(
            "an outcome is one message: give one of `mls`, `mlr` and `peppol` (an Invoice Response)"
                .into(),
        );
    }
    if outcome.peppol.is_none()
        && (outcome.reason.is_some() || outcome.action.is_some() || outcome.text.is_some())
    {
        return Err(
            "`reason`, `action` and `text` belong to an Invoice Response (`peppol: RE`...)".into(),
        );
    }
    if let (Some(code_network), Some(network)) = (named.first(), network)
        && *code_network != network
    {
        return Err(format!(
            "a {} code on a behaviour for {network} documents",
            code_network.display_name()
        ));
    }
    if let Some(sdi) = outcome.sdi.as_deref()
        && !SDI_NOTIFICATIONS.contains(&sdi.to_ascii_uppercase().as_str())
    {
        return Err(format!(
            "`sdi: {sdi}` is not an SDI notification; expected one of {}",
            SDI_NOTIFICATIONS.join(", ")
        ));
    }
    if let Some(sdi) = outcome.sdi.as_deref() {
        check_sdi_outcome(&sdi.to_ascii_uppercase(), &outcome.errors)?;
    }
    if let Some(code) = outcome.ksef
        && !KSEF_CODES.contains(&code)
    {
        return Err(format!(
            "`ksef: {code}` is not a KSeF invoice status code; expected one of {}",
            KSEF_CODES.map(|c| c.to_string()).join(", ")
        ));
    }
    if let Some(peppol) = outcome.peppol.as_deref()
        && !PEPPOL_CODES.contains(&peppol.to_ascii_uppercase().as_str())
    {
        return Err(format!(
            "`peppol: {peppol}` is not a Peppol response code; expected one of {}",
            PEPPOL_CODES.join(", ")
        ));
    }
    if outcome.is_peppol() {
        check_peppol_outcome(outcome)?;
    }
    if outcome.state == Some(crate::vocabulary::DocumentState::Received) {
        return Err(
            "`state: received` is where every document starts; an outcome moves it on".into(),
        );
    }
    if outcome.gateway_state().is_none() {
        return Err("say what happens: give a `state` (sent, accepted, delivered, refused, failed) or a network code (`sdi`, `ksef`, `peppol`)".into());
    }
    Ok(())
}

/// What each Peppol message may carry: an MLS its line status reasons, an MLR the rules the
/// receiver found broken, an Invoice Response the code lists of BIS Invoice Response 3.0.
fn check_peppol_outcome(outcome: &Outcome) -> Result<(), String> {
    if let Some(code) = outcome.mls.as_deref() {
        let code = code.to_ascii_uppercase();
        if !MLS_CODES.contains(&code.as_str()) {
            return Err(format!(
                "`mls: {code}` is not a Message Level Status code; expected one of {}",
                MLS_CODES.join(", ")
            ));
        }
        let reasons = ["FD", "BV", "SV", "BW"];
        if let Some(bad) = outcome
            .errors
            .iter()
            .find(|e| !reasons.contains(&e.to_ascii_uppercase().as_str()))
        {
            return Err(format!(
                "`{bad}` is not an MLS line status reason; expected FD (delivery failed), BV, SV or BW"
            ));
        }
        let fatal = outcome.errors.iter().any(|e| !e.eq_ignore_ascii_case("BW"));
        if code == "RE" && !fatal {
            return Err("`mls: RE` needs the reason in `errors`: FD (delivery to the receiver failed), BV (business rule violation) or SV (syntax violation)".into());
        }
        if code != "RE" && fatal {
            return Err(format!(
                "a positive MLS (`mls: {code}`) may only carry BW warnings"
            ));
        }
    }
    if let Some(code) = outcome.mlr.as_deref() {
        let code = code.to_ascii_uppercase();
        if !MLR_CODES.contains(&code.as_str()) {
            return Err(format!(
                "`mlr: {code}` is not a Message Level Response code; expected one of {}",
                MLR_CODES.join(", ")
            ));
        }
        if code == "RE" && outcome.errors.is_empty() {
            return Err(
                "`mlr: RE` needs the broken rules in `errors`, e.g. `errors: [\"BR-CO-10\"]`"
                    .into(),
            );
        }
    }
    if let Some(code) = outcome.peppol.as_deref() {
        check_invoice_response(
            "peppol",
            code,
            outcome.reason.as_deref(),
            outcome.action.as_deref(),
        )?;
        if !outcome.errors.is_empty() {
            return Err(
                "an Invoice Response carries a `reason`, an `action` and a `text`, not `errors`"
                    .into(),
            );
        }
    }
    Ok(())
}

/// An Invoice Response as BIS Invoice Response 3.0 allows it: a code from its list, a reason
/// and an action from theirs, and a clarification where the code needs one. `key` is what the
/// code is written under: `peppol` in a behaviour's outcome, `code` in a `respond` step.
fn check_invoice_response(
    key: &str,
    code: &str,
    reason: Option<&str>,
    action: Option<&str>,
) -> Result<(), String> {
    use crate::codelists::peppol::{InvoiceResponseCode, StatusAction, StatusReason};
    let Some(code) = InvoiceResponseCode::parse(code) else {
        return Err(format!(
            "`{key}: {code}` is not an Invoice Response code; expected one of {}",
            PEPPOL_CODES.join(", ")
        ));
    };
    if let Some(reason) = reason
        && StatusReason::parse(reason).is_none()
    {
        return Err(format!(
            "`reason: {reason}` is not in the OPStatusReason code list (NON, REF, LEG, REC, QUA, DEL, PRI, QTY, ITM, PAY, UNR, FIN, PPD, OTH)"
        ));
    }
    if let Some(action) = action
        && StatusAction::parse(action).is_none()
    {
        return Err(format!(
            "`action: {action}` is not in the OPStatusAction code list (NOA, PIN, NIN, CNF, CNP, CNA, OTH)"
        ));
    }
    if code.requires_clarification() && reason.is_none() && action.is_none() {
        return Err(format!(
            "PEPPOL-T111-R001: `{key}: {}` needs a clarification: give a `reason` (e.g. REF) or an `action` (e.g. NIN)",
            code.as_str()
        ));
    }
    Ok(())
}

/// A Peppol behaviour is the receiving side's story in order: the access point's MLS comes
/// first (or the default one does), and the buyer's Invoice Responses obey OP-BR111.
fn check_peppol_sequence(outcomes: &[Outcome]) -> Result<(), String> {
    use crate::codelists::invoice_response_order::{Sent, check_next};
    use crate::codelists::peppol::{InvoiceResponseCode, StatusReason};
    if let Some(late) = outcomes.iter().skip(1).position(|o| o.mls.is_some()) {
        return Err(format!(
            "outcome {}: the MLS is the receiving access point's answer to the AS4 message and comes first; move it to the top",
            late + 2
        ));
    }
    let mut history: Vec<Sent> = Vec::new();
    for (index, outcome) in outcomes.iter().enumerate() {
        let Some(code) = outcome
            .peppol
            .as_deref()
            .and_then(InvoiceResponseCode::parse)
        else {
            continue;
        };
        let next = Sent {
            code,
            reason: outcome.reason.as_deref().and_then(StatusReason::parse),
        };
        if let Err(violation) = check_next(&history, &next) {
            return Err(format!("outcome {}: {}", index + 1, violation.message()));
        }
        history.push(next);
    }
    Ok(())
}

/// What each SDI notification may carry: NS the refusal codes, NE the administration's
/// outcome; DT and AT are SDI's own consequences, never the scenario's choice.
fn check_sdi_outcome(code: &str, errors: &[String]) -> Result<(), String> {
    match code {
        "NS" => {
            if errors.is_empty() {
                return Err(
                    "`sdi: NS` needs the refusal codes in `errors`, e.g. `errors: [\"00404\"]`"
                        .into(),
                );
            }
            if let Some(bad) = errors
                .iter()
                .find(|e| e.len() != 5 || !e.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(format!(
                    "`{bad}` is not an SDI refusal code; they are five digits, e.g. `00404`"
                ));
            }
        }
        "NE" => {
            if errors.len() > 1
                || errors
                    .iter()
                    .any(|e| !e.eq_ignore_ascii_case("EC01") && !e.eq_ignore_ascii_case("EC02"))
            {
                return Err("`sdi: NE` carries the administration's outcome: `errors: [EC01]` (accepted, the default) or `errors: [EC02]` (refused)".into());
            }
        }
        "DT" => {
            return Err("DT follows from SDI's rules: it comes `sdi.timing.outcome_deadline` (15d) after RC when no NE does; leave it out".into());
        }
        "AT" => {
            return Err("AT follows from SDI's rules: it comes `sdi.timing.retry_period` (10d) after MC when no later RC does; leave it out".into());
        }
        _ => {
            if !errors.is_empty() {
                return Err(format!(
                    "`sdi: {code}` carries no `errors`; only NS (refusal codes) and NE (EC01/EC02) do"
                ));
            }
        }
    }
    Ok(())
}

fn check_name(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    if scenario.name.trim().is_empty() {
        errors.push(
            ScenarioError::new(
                Kind::BadValue,
                "expected a scenario name, found an empty value",
            )
            .at_position(top_level_key(source, "name")),
        );
    }
}

fn check_clock(
    scenario: &Scenario,
    positions: &ScenarioPositions,
    errors: &mut Vec<ScenarioError>,
) {
    let clock = &scenario.clock;
    if clock.auto_advance && clock.mode != ClockMode::Virtual {
        errors.push(
            ScenarioError::new(
                Kind::BadValue,
                format!(
                    "`auto_advance` needs a virtual clock, found mode `{}`",
                    clock.mode
                ),
            )
            .at_position(positions.clock())
            .with_suggestion(Some(
                "use `mode: virtual`, or leave out `auto_advance`".to_owned(),
            )),
        );
    }
    if clock.start.is_some() && clock.mode == ClockMode::Real {
        errors.push(
            ScenarioError::new(
                Kind::BadValue,
                "a `real` clock runs at the wall-clock time and cannot have a `start`",
            )
            .at_position(positions.clock())
            .with_suggestion(Some(
                "use `mode: virtual` or `mode: scaled:N` to start at a chosen time".to_owned(),
            )),
        );
    }
}

fn check_tenants(
    scenario: &Scenario,
    positions: &ScenarioPositions,
    errors: &mut Vec<ScenarioError>,
) {
    let mut tenant_ids = FirstSeen::default();
    let mut client_ids = FirstSeen::default();
    for (t, tenant) in scenario.tenants.iter().enumerate() {
        let id_position = positions.tenant_id(t);
        if let Err(message) = check_identifier(&tenant.id, "tenant id") {
            errors.push(ScenarioError::new(Kind::BadValue, message).at_position(id_position));
        } else if let Some(first) = tenant_ids.insert(&tenant.id, id_position) {
            errors.push(duplicate("tenant id", &tenant.id, id_position, first));
        }

        if tenant.credentials.is_empty() {
            errors.push(
                ScenarioError::new(
                    Kind::MissingKey,
                    format!(
                        "tenant `{}` has no credentials; expected at least one \
                         `client_id` and `client_secret` pair under `credentials`",
                        tenant.id
                    ),
                )
                .at_position(id_position),
            );
        }
        for (c, credential) in tenant.credentials.iter().enumerate() {
            let client_id = &credential.client_id;
            let client_position = positions.client_id(t, c);
            if let Err(message) = check_identifier(client_id, "client id") {
                errors
                    .push(ScenarioError::new(Kind::BadValue, message).at_position(client_position));
            } else if let Some(first) = client_ids.insert(client_id, client_position) {
                // The token endpoint finds the tenant by client id, so it must be unambiguous.
                errors.push(duplicate("client id", client_id, client_position, first));
            }
            if credential.client_secret.is_empty() {
                let client = if client_id.is_empty() {
                    String::new()
                } else {
                    format!(" for client `{client_id}`")
                };
                errors.push(
                    ScenarioError::new(
                        Kind::BadValue,
                        format!("expected a client secret{client}, found an empty value"),
                    )
                    .at_position(client_position),
                );
            }
        }
    }
}

fn check_participants(
    scenario: &Scenario,
    positions: &ScenarioPositions,
    errors: &mut Vec<ScenarioError>,
) {
    let tenant_ids: Vec<&str> = scenario.tenants.iter().map(|t| t.id.as_str()).collect();
    let mut participant_ids = FirstSeen::default();
    for (p, participant) in scenario.participants.iter().enumerate() {
        let id = &participant.id;
        let id_position = positions.participant_id(p);
        if let Err(problem) = participant_id::check(id, participant.network) {
            errors.push(
                ScenarioError::new(Kind::BadValue, problem.message)
                    .at_position(id_position)
                    .with_suggestion(problem.help),
            );
        } else if let Some(first) = participant_ids.insert(id, id_position) {
            errors.push(duplicate("participant id", id, id_position, first));
        }

        if participant.network == Network::Peppol
            && participant_id::check(id, participant.network).is_ok()
            && let Err(problem) = crate::identifiers::peppol::ParticipantId::parse(id)
        {
            errors.push(
                ScenarioError::new(Kind::BadValue, problem.to_string()).at_position(id_position),
            );
        }
        if participant.network == Network::Peppol {
            for capability in &participant.capabilities {
                if crate::identifiers::peppol::capability(capability).is_none() {
                    let names: Vec<&str> = crate::identifiers::peppol::CAPABILITIES
                        .iter()
                        .map(|c| c.name)
                        .collect();
                    errors.push(
                        ScenarioError::new(
                            Kind::BadValue,
                            format!(
                                "`{capability}` is not a Peppol document type eisim knows; expected one of {} (or a full document type id)",
                                names.join(", ")
                            ),
                        )
                        .at_position(id_position)
                        .with_suggestion(
                            suggest::nearest(capability, names.iter().copied())
                                .map(suggest::did_you_mean),
                        ),
                    );
                }
            }
        }
        if let Some(tenant) = &participant.tenant
            && !tenant_ids.contains(&tenant.as_str())
        {
            let message = if tenant_ids.is_empty() {
                format!("unknown tenant `{tenant}`; the scenario has no tenants")
            } else {
                format!(
                    "unknown tenant `{tenant}`; expected one of {}",
                    tenant_ids
                        .iter()
                        .map(|id| format!("`{id}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let suggestion = suggest::nearest(tenant, tenant_ids.iter().copied());
            errors.push(
                ScenarioError::new(Kind::BadValue, message)
                    .at_position(positions.participant_tenant(p))
                    .with_suggestion(suggestion.map(suggest::did_you_mean)),
            );
        }
    }
}

/// One problem with a step: its kind, the message, and a suggestion.
type StepProblem = (Kind, String, Option<String>);

/// The suite carries steps out in order against this scenario's world, so each must be
/// possible there: a recipient that exists on the network named, an earlier `submit` behind
/// every `of`, a state the gateway has, an inbound invoice behind every `respond`. Fixtures are
/// the suite's to find, so they are not looked up here.
fn check_steps(
    scenario: &Scenario,
    positions: &ScenarioPositions,
    errors: &mut Vec<ScenarioError>,
) {
    // Each submit's name, with its step number and what later steps need to know about it.
    let mut submits: Vec<(&str, usize, &SubmitStep)> = Vec::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        let number = index + 1;
        let problems = match step {
            Step::Submit(submit) => check_submit(scenario, submit, &submits),
            Step::Resubmit(resubmit) => {
                let mut problems = Vec::new();
                match earlier_submit(&resubmit.of, &submits) {
                    Ok(original) => {
                        if resubmit.file_name.is_some() && original.network != Network::Sdi {
                            problems.push((
                                Kind::BadValue,
                                format!(
                                    "`file_name` applies only to sdi documents, and `{}` went to {}",
                                    resubmit.of, original.network
                                ),
                                Some("leave `file_name` out".to_owned()),
                            ));
                        }
                    }
                    Err(problem) => problems.push(problem),
                }
                problems.extend(check_number(resubmit.number.as_deref()));
                problems
            }
            Step::Advance(_) => Vec::new(),
            Step::ExpectState(expect) => {
                let mut problems = Vec::new();
                if let Err(problem) = earlier_submit(&expect.of, &submits) {
                    problems.push(problem);
                }
                if let Err(message) = expect.state.parse::<DocumentState>() {
                    let names = DocumentState::ALL.map(DocumentState::as_str);
                    problems.push((
                        Kind::BadValue,
                        format!("`state`: {message}"),
                        suggest::nearest(&expect.state, names).map(suggest::did_you_mean),
                    ));
                }
                problems
            }
            Step::Respond(respond) => check_respond(scenario, respond),
        };
        for (kind, message, suggestion) in problems {
            errors.push(
                ScenarioError::new(
                    kind,
                    format!("step {number} (`{}`): {message}", step.kind()),
                )
                .at_position(positions.step(index))
                .with_suggestion(suggestion),
            );
        }
        if let Step::Submit(submit) = step {
            submits.push((submit.name(), number, submit));
        }
    }
}

fn check_submit(
    scenario: &Scenario,
    submit: &SubmitStep,
    earlier: &[(&str, usize, &SubmitStep)],
) -> Vec<StepProblem> {
    let mut problems = Vec::new();
    let network = submit.network;
    let recipient = submit.recipient.as_str();
    // An SML-only Peppol id is a recipient on purpose: the lookup that fails is the test.
    let sml_only = scenario.peppol.sml_only.iter().map(String::as_str);
    let on_network: Vec<&str> = scenario
        .participants
        .iter()
        .filter(|p| p.network == network)
        .map(|p| p.id.as_str())
        .chain(sml_only.filter(|_| network == Network::Peppol))
        .collect();
    if !on_network.contains(&recipient) {
        let elsewhere = scenario
            .participants
            .iter()
            .find(|p| p.id == recipient)
            .map(|p| p.network);
        let message = match elsewhere {
            Some(other) => {
                format!("`recipient` `{recipient}` is a participant on {other}, not on {network}")
            }
            None => format!("`recipient` `{recipient}` is not a participant on {network}"),
        };
        let suggestion = suggest::nearest(recipient, on_network.iter().copied())
            .map(suggest::did_you_mean)
            .or_else(|| {
                Some(format!(
                    "list `{recipient}` under `participants` with `network: {network}`"
                ))
            });
        problems.push((Kind::BadValue, message, suggestion));
    }
    if submit.channel == Channel::Native && network != Network::Ksef {
        problems.push((
            Kind::BadValue,
            "the native channel is only supported for ksef by the suite".to_owned(),
            Some("leave `channel` out to submit through the gateway".to_owned()),
        ));
    }
    if submit.file_name.is_some() && network != Network::Sdi {
        problems.push((
            Kind::BadValue,
            format!("`file_name` applies only to sdi documents, not {network}"),
            Some("leave `file_name` out".to_owned()),
        ));
    }
    if let Some(alias) = submit.alias.as_deref() {
        if let Err(message) = check_identifier(alias, "name after `as`") {
            problems.push((Kind::BadValue, message, None));
        } else if let Some((_, step, _)) = earlier.iter().find(|(name, ..)| *name == alias) {
            problems.push((
                Kind::Duplicate,
                format!("duplicate name `{alias}`; step {step} is already called that"),
                Some("give each submitted document its own `as`".to_owned()),
            ));
        }
    }
    problems.extend(check_number(submit.number.as_deref()));
    problems
}

/// An invoice number the suite writes into a fixture: networks compare numbers as written, so
/// one with spaces would be a different number to each of them.
fn check_number(number: Option<&str>) -> Option<StepProblem> {
    let number = number?;
    (number.is_empty() || number.chars().any(char::is_whitespace)).then(|| {
        (
            Kind::BadValue,
            format!(
                "expected a `number` without spaces, found `{}`",
                number.escape_debug()
            ),
            None,
        )
    })
}

/// The one earlier `submit` step called `name`.
fn earlier_submit<'a>(
    name: &str,
    earlier: &[(&str, usize, &'a SubmitStep)],
) -> Result<&'a SubmitStep, StepProblem> {
    let named: Vec<&(&str, usize, &SubmitStep)> =
        earlier.iter().filter(|(n, ..)| *n == name).collect();
    match named.as_slice() {
        [(_, _, submit)] => Ok(submit),
        [] => Err((
            Kind::BadValue,
            format!("`of` `{name}` names no earlier `submit` step"),
            suggest::nearest(name, earlier.iter().map(|(n, ..)| *n))
                .map(suggest::did_you_mean)
                .or_else(|| {
                    Some(
                        "name a document submitted before this step, by its `as` or its fixture"
                            .to_owned(),
                    )
                }),
        )),
        several => Err((
            Kind::BadValue,
            format!(
                "`of` `{name}` is ambiguous: it names the documents of steps {}",
                several
                    .iter()
                    .map(|(_, step, _)| step.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some("tell the submissions apart with `as:`".to_owned()),
        )),
    }
}

fn check_respond(scenario: &Scenario, respond: &RespondStep) -> Vec<StepProblem> {
    let mut problems = Vec::new();
    let files: Vec<&str> = scenario
        .peppol
        .inbound
        .iter()
        .map(|inbound| inbound.file.as_str())
        .collect();
    if files.is_empty() {
        problems.push((
            Kind::BadValue,
            "there is no inbound invoice to respond to".to_owned(),
            Some("list the invoice under `peppol.inbound`".to_owned()),
        ));
    } else {
        let names: Vec<&str> = files.iter().map(|file| base_name(file)).collect();
        if !files.contains(&respond.invoice.as_str()) && !names.contains(&respond.invoice.as_str())
        {
            problems.push((
                Kind::BadValue,
                format!(
                    "`invoice` `{}` is not one of the `peppol.inbound` files ({})",
                    respond.invoice,
                    files.join(", ")
                ),
                suggest::nearest(&respond.invoice, files.iter().chain(&names).copied())
                    .map(suggest::did_you_mean),
            ));
        }
    }
    if let Err(message) = check_invoice_response(
        "code",
        &respond.code,
        respond.reason.as_deref(),
        respond.action.as_deref(),
    ) {
        problems.push((Kind::BadValue, message, None));
    }
    problems
}

/// A path's last component: the name a network gives an inbound file.
fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Rule ids are the suite's to know; here only their shape and uniqueness are checked, so a
/// typo such as `AUTH1` is caught by `eisim check` too.
fn check_expect(
    scenario: &Scenario,
    positions: &ScenarioPositions,
    errors: &mut Vec<ScenarioError>,
) {
    let mut seen = FirstSeen::default();
    for (index, id) in scenario.expect.iter().enumerate() {
        let position = positions.expected_rule(index);
        if !is_rule_id(id) {
            errors.push(
                ScenarioError::new(
                    Kind::BadValue,
                    format!(
                        "expected a rule id such as `AUTH-1` (capital letters, a dash, digits), found `{}`",
                        id.escape_debug()
                    ),
                )
                .at_position(position)
                .with_suggestion(Some(if is_rule_id(&id.to_ascii_uppercase()) {
                    suggest::did_you_mean(&id.to_ascii_uppercase())
                } else {
                    "`eisim-suite rules` lists the catalogue".to_owned()
                })),
            );
        } else if let Some(first) = seen.insert(id, position) {
            errors.push(duplicate("rule id", id, position, first));
        }
    }
}

/// `^[A-Z]+-[0-9]+$`
fn is_rule_id(id: &str) -> bool {
    id.split_once('-').is_some_and(|(area, number)| {
        !area.is_empty()
            && area.bytes().all(|b| b.is_ascii_uppercase())
            && !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
    })
}

/// A run with no time at all could only ever fail.
fn check_suite(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    if scenario
        .suite
        .time_limit
        .is_some_and(|limit| limit.as_std().is_zero())
    {
        errors.push(
            ScenarioError::new(
                Kind::BadValue,
                "`suite.time_limit`: expected a period longer than zero, found `0s`",
            )
            .at_position(top_level_key(source, "suite"))
            .with_suggestion(Some("leave it out for the suite's 60 s".to_owned())),
        );
    }
}

/// Ids are looked up by exact text, so surrounding spaces would make them unreachable.
fn check_identifier(id: &str, what: &str) -> Result<(), String> {
    if id.trim().is_empty() {
        Err(format!("expected a {what}, found an empty value"))
    } else if id.trim() != id || id.chars().any(char::is_control) {
        Err(format!(
            "expected a {what} without surrounding spaces or control characters, found `{}`",
            id.escape_debug()
        ))
    } else {
        Ok(())
    }
}

fn duplicate(
    what: &str,
    id: &str,
    position: Option<Position>,
    first: Option<Position>,
) -> ScenarioError {
    let message = match first {
        Some(first) => format!(
            "duplicate {what} `{id}`; it is already used at line {}",
            first.line
        ),
        None => format!("duplicate {what} `{id}`"),
    };
    ScenarioError::new(Kind::Duplicate, message).at_position(position)
}

/// Remembers where each id was first written.
#[derive(Default)]
struct FirstSeen<'a> {
    positions: HashMap<&'a str, Option<Position>>,
}

impl<'a> FirstSeen<'a> {
    /// `None` the first time; then `Some` with the first occurrence's position.
    fn insert(&mut self, id: &'a str, position: Option<Position>) -> Option<Option<Position>> {
        match self.positions.get(id) {
            Some(first) => Some(*first),
            None => {
                self.positions.insert(id, position);
                None
            }
        }
    }
}
