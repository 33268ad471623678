//! The `steps` section, which the conformance suite carries out in order: each step must be
//! possible in this scenario's world, so recipients, earlier submissions, states and inbound
//! invoices it names are looked up here.

use super::behaviours::check_invoice_response;
use super::ids::check_identifier;
use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::model::Scenario;
use crate::scenario::positions::ScenarioPositions;
use crate::scenario::steps::{Channel, RespondStep, Step, SubmitStep};
use crate::scenario::suggest;
use crate::vocabulary::{DocumentState, Network};

/// One problem with a step: its kind, the message, and a suggestion.
type StepProblem = (Kind, String, Option<String>);

/// The suite carries steps out in order against this scenario's world, so each must be
/// possible there: a recipient that exists on the network named, an earlier `submit` behind
/// every `of`, a state the gateway has, an inbound invoice behind every `respond`. Fixtures are
/// the suite's to find, so they are not looked up here.
pub(super) fn check_steps(
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
