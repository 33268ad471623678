//! The `behaviours` section: each rule names a known recipient and says what happens, in
//! codes the named network really uses (SDI notifications, KSeF statuses, Peppol MLS, MLR and
//! Invoice Responses), in an order the network allows.
//!
//! The Invoice Response check is also the `respond` step's (`steps.rs`): both write a buyer's
//! answer.

use crate::codelists::ksef::KSEF_CODES;
use crate::scenario::behaviours::{MLR_CODES, MLS_CODES, Outcome, PEPPOL_CODES, SDI_NOTIFICATIONS};
use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::model::Scenario;
use crate::scenario::positions::top_level_key;
use crate::scenario::suggest;
use crate::vocabulary::Network;

/// Every outcome must say what happens, in codes the named network really uses.
pub(super) fn check_behaviours(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
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
pub(super) fn check_invoice_response(
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
