//! The one place that calls the YAML parser, and the translation of its errors into
//! [`ScenarioError`]s that say what was expected, what was found and where.
//!
//! serde-saphyr is pinned (see the workspace `Cargo.toml`) because its errors are part of our
//! user interface; only this file knows its error type, so a parser change is a change here.

use serde::de::DeserializeOwned;
use serde_saphyr::{Error, Location};

use super::behaviours::{Behaviour, Match, Outcome};
use super::clock_spec::ClockSpec;
use super::error::{ScenarioError, ScenarioErrorKind, ScenarioErrors};
use super::faults::Fault;
use super::limits::{DuplicateSubmissionLimit, Limits, RateLimit};
use super::model::{Credential, Participant, Scenario, Tenant};
use super::positions::{Position, ScenarioPositions};
use super::steps::{Channel, ExpectStateStep, RespondStep, ResubmitStep, Step, SubmitStep};
use super::suite::SuiteSettings;
use super::webhooks::WebhookPolicy;
use super::{suggest, validate};
use crate::vocabulary::Network;

/// Reads a scenario from YAML text and checks it.
///
/// `origin` names the source in messages: a file path, `<embedded default>` or
/// `<request body>`. Deserialization stops at the first error; the checks that follow report
/// every problem they find.
pub fn parse(source: &str, origin: &str) -> Result<Scenario, ScenarioErrors> {
    let scenario = deserialize::<Scenario>(source)
        .map_err(|error| ScenarioErrors::single(origin, translate(&error, source)))?;
    // Cannot fail once the typed parse has succeeded; without positions the checks would
    // still run, only without line numbers.
    let positions = deserialize::<ScenarioPositions>(source).unwrap_or_default();
    let errors = validate::validate(&scenario, &positions, source);
    if errors.is_empty() {
        Ok(scenario)
    } else {
        Err(ScenarioErrors {
            origin: origin.to_owned(),
            errors,
        })
    }
}

fn deserialize<T: DeserializeOwned>(source: &str) -> Result<T, Error> {
    let options = serde_saphyr::options! {
        // We print our own messages and never the parser's snippets.
        with_snippet: false,
        // `yes`, `no`, `on` and `off` are booleans in YAML 1.1 and text in YAML 1.2; in a
        // scenario they are mistakes to point out, not values to guess.
        strict_booleans: true,
        // A tag such as `!include` would otherwise be dropped without a word.
        reject_unsupported_tags: true,
    };
    serde_saphyr::from_str_with_options(source, options)
}

/// The error that carries the real cause: snippet and alias wrappers removed.
fn innermost(error: &Error) -> &Error {
    match error.without_snippet() {
        Error::AliasError { error, .. } => innermost(error),
        other => other,
    }
}

fn translate(error: &Error, source: &str) -> ScenarioError {
    use ScenarioErrorKind as Kind;

    // An error inside an aliased node is reported where the alias is used.
    let location = error.location();
    let found = || found_at(source, location);
    let (kind, message, suggestion) = match innermost(error) {
        Error::SerdeUnknownField {
            field, expected, ..
        } => {
            let context = match name_of_section(expected) {
                Some(name) => format!(" in {name}"),
                None => String::new(),
            };
            let message = if expected.is_empty() {
                format!("unknown key `{field}`{context}; it takes no keys")
            } else {
                format!(
                    "unknown key `{field}`{context}; expected one of {}",
                    quoted_list(expected)
                )
            };
            let suggestion = suggest::nearest(field, expected.iter().copied());
            (
                Kind::UnknownKey,
                message,
                suggestion.map(suggest::did_you_mean),
            )
        }
        Error::SerdeUnknownVariant {
            variant, expected, ..
        } => {
            let (kind, what) = match name_of_choice(expected) {
                // A step's kind is written as its key: `- submit: {...}`.
                Some("step") => (Kind::UnknownKey, "step"),
                Some(name) => (Kind::BadValue, name),
                None => (Kind::BadValue, "value"),
            };
            let message = format!(
                "unknown {what} `{variant}`; expected one of {}",
                quoted_list(expected)
            );
            let suggestion = suggest::nearest(variant, expected.iter().copied());
            (kind, message, suggestion.map(suggest::did_you_mean))
        }
        Error::SerdeMissingField { field, .. } => (
            Kind::MissingKey,
            format!("missing key `{field}`, which is required here"),
            None,
        ),
        Error::InvalidScalar { ty, .. } => (
            Kind::WrongType,
            format!("expected {}, found {}", describe_type(ty), found()),
            None,
        ),
        Error::InvalidBooleanStrict { .. } => (
            Kind::WrongType,
            format!("expected `true` or `false`, found {}", found()),
            None,
        ),
        Error::NullIntoString { .. } => (
            Kind::WrongType,
            "expected text, found an empty value".to_owned(),
            None,
        ),
        Error::Unexpected { expected, .. } => (
            Kind::WrongType,
            format!("expected {}, found {}", describe_token(expected), found()),
            None,
        ),
        Error::SerdeInvalidType {
            unexpected,
            expected,
            ..
        } => (
            Kind::WrongType,
            format!(
                "expected {expected}, found {}",
                describe_unexpected(unexpected)
            ),
            None,
        ),
        Error::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => (
            Kind::BadValue,
            format!("expected {expected}, found {unexpected}"),
            None,
        ),
        Error::SerdeInvalidLength { len, expected, .. } => (
            Kind::WrongType,
            format!("expected {expected}, found {len} items"),
            None,
        ),
        // Our own value checks (durations, clock modes, probabilities, faults) end up here.
        Error::Message { msg, .. } => {
            let (message, suggestion) = suggest::split(msg);
            (Kind::BadValue, message, suggestion)
        }
        Error::DuplicateMappingKey { key, .. } => {
            let key = key.as_deref().map_or_else(found, |key| format!("`{key}`"));
            (
                Kind::Duplicate,
                format!("duplicate key {key}; a key may appear only once in a mapping"),
                None,
            )
        }
        // Steps are the only enum written as a one-key map, so these three are about steps.
        Error::ExpectedStringKeyForExternallyTaggedEnum { .. }
        | Error::ExternallyTaggedEnumExpectedScalarOrMapping { .. } => (
            Kind::WrongType,
            format!(
                "expected a step, a map with one key naming its kind ({}), found {}",
                quoted_list(&keys_of_choice::<Step>()),
                found()
            ),
            None,
        ),
        Error::ExpectedMappingEndAfterEnumVariantValue { .. } => {
            let key = location
                .and_then(|location| text_at(source, location.line(), location.column()))
                .map(|rest| format!(" `{}`", shorten(plain_scalar(&rest))))
                .unwrap_or_default();
            (
                Kind::WrongType,
                format!("expected one key per step, found a second key{key}"),
                Some("start each step with its own `-`".to_owned()),
            )
        }
        Error::Eof { .. } if is_blank(source) => (
            Kind::Syntax,
            "the file is empty; expected a scenario, a map with at least `name`".to_owned(),
            None,
        ),
        Error::IOError { cause } => (Kind::Io, cause.to_string(), None),
        other => {
            let formatter = serde_saphyr::UserMessageFormatter;
            let message =
                serde_saphyr::MessageFormatter::format_message(&formatter, other).into_owned();
            (Kind::Syntax, printable(&message), None)
        }
    };

    ScenarioError::new(kind, message)
        .at_position(location.map(|location| Position {
            line: location.line(),
            column: location.column(),
        }))
        .with_suggestion(suggestion)
}

/// A name for messages, and how to ask serde for the keys (or values) it accepts.
type Named = (&'static str, fn() -> Vec<&'static str>);

/// serde says which keys a map takes but not which section it is; the key list identifies it.
fn name_of_section(expected: &[&str]) -> Option<&'static str> {
    let sections: [Named; 18] = [
        ("scenario", keys_of_section::<Scenario>),
        ("tenant", keys_of_section::<Tenant>),
        ("tenant credential", keys_of_section::<Credential>),
        ("participant", keys_of_section::<Participant>),
        ("clock", keys_of_section::<ClockSpec>),
        ("behaviour", keys_of_section::<Behaviour>),
        ("behaviour `when`", keys_of_section::<Match>),
        ("behaviour outcome", keys_of_section::<Outcome>),
        ("fault", keys_of_section::<Fault>),
        ("limits", keys_of_section::<Limits>),
        (
            "`duplicate_submission` limit",
            keys_of_section::<DuplicateSubmissionLimit>,
        ),
        ("`rate` limit", keys_of_section::<RateLimit>),
        ("webhooks", keys_of_section::<WebhookPolicy>),
        ("`submit` step", keys_of_section::<SubmitStep>),
        ("`resubmit` step", keys_of_section::<ResubmitStep>),
        ("`expect_state` step", keys_of_section::<ExpectStateStep>),
        ("`respond` step", keys_of_section::<RespondStep>),
        ("suite", keys_of_section::<SuiteSettings>),
    ];
    name_by_keys(&sections, expected)
}

/// Like [`name_of_section`], for a value chosen from a fixed set.
fn name_of_choice(expected: &[&str]) -> Option<&'static str> {
    let choices: [Named; 3] = [
        ("network", keys_of_choice::<Network>),
        ("step", keys_of_choice::<Step>),
        ("channel", keys_of_choice::<Channel>),
    ];
    name_by_keys(&choices, expected)
}

fn name_by_keys(table: &[Named], expected: &[&str]) -> Option<&'static str> {
    table
        .iter()
        .find(|(_, keys)| keys() == expected)
        .map(|(name, _)| *name)
}

/// The keys a section accepts, as serde lists them when it meets a key it does not know.
fn keys_of_section<T: DeserializeOwned>() -> Vec<&'static str> {
    match deserialize::<T>("__eisim_probe__: 0")
        .as_ref()
        .map_err(innermost)
    {
        Err(Error::SerdeUnknownField { expected, .. }) => expected.clone(),
        _ => Vec::new(),
    }
}

/// The values a choice accepts, as serde lists them when it meets one it does not know.
fn keys_of_choice<T: DeserializeOwned>() -> Vec<&'static str> {
    match deserialize::<T>("__eisim_probe__")
        .as_ref()
        .map_err(innermost)
    {
        Err(Error::SerdeUnknownVariant { expected, .. }) => expected.clone(),
        _ => Vec::new(),
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_type(ty: &str) -> &'static str {
    match ty {
        "u8" => "a whole number from 0 to 255",
        "u16" => "a whole number from 0 to 65535",
        "u32" => "a whole number from 0 to 4294967295",
        "u64" | "u128" | "usize" => "a non-negative whole number",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "bool" => "`true` or `false`",
        "char" => "a single character",
        _ => "a different type of value",
    }
}

/// The parser's name for the token it wanted, in the words of a scenario author.
fn describe_token(expected: &str) -> String {
    match expected {
        "sequence start" => "a list".to_owned(),
        "mapping start" => "a map of keys to values".to_owned(),
        "string scalar" | "scalar" => "a single value".to_owned(),
        other => other.to_owned(),
    }
}

/// serde's name for what it found, in the words used elsewhere in our messages.
fn describe_unexpected(unexpected: &str) -> String {
    match unexpected {
        "sequence" => "a list".to_owned(),
        "map" => "a map".to_owned(),
        other => other.to_owned(),
    }
}

/// What the text at `location` is, for "found ..." in messages.
fn found_at(source: &str, location: Option<Location>) -> String {
    match location {
        Some(location) => describe_text_at(
            source,
            location.line(),
            location.column(),
            location.span().len(),
        ),
        None => "something else".to_owned(),
    }
}

/// A list, a map, nothing, or the scalar itself (`span_len` characters when known).
fn describe_text_at(source: &str, line: u64, column: u64, span_len: u64) -> String {
    let Some(rest) = text_at(source, line, column) else {
        return "the end of the file".to_owned();
    };
    let rest = rest.trim_end();
    if rest.is_empty() || rest.starts_with('#') {
        return "nothing".to_owned();
    }
    if rest.starts_with('}') {
        return "the end of the map".to_owned();
    }
    if rest.starts_with('[') || rest == "-" || rest.starts_with("- ") {
        return "a list".to_owned();
    }
    if rest.starts_with('{') {
        return "a map".to_owned();
    }

    let span_len = usize::try_from(span_len).unwrap_or(0);
    let token: String = if span_len > 0 && span_len <= rest.chars().count() {
        rest.chars().take(span_len).collect()
    } else {
        plain_scalar(rest).to_owned()
    };
    let after: String = rest.chars().skip(token.chars().count()).collect();
    let after = after.trim_start();
    if after.starts_with(": ") || after == ":" {
        return "a map".to_owned();
    }
    format!("`{}`", shorten(&token))
}

/// The rest of the line from a 1-based line and column; `None` past the end of the file.
fn text_at(source: &str, line: u64, column: u64) -> Option<String> {
    let line_index = usize::try_from(line.saturating_sub(1)).ok()?;
    let column_index = usize::try_from(column.saturating_sub(1)).ok()?;
    let line = source.lines().nth(line_index)?;
    Some(line.chars().skip(column_index).collect())
}

/// The plain scalar at the start of `text`: up to a flow delimiter or a key's colon.
fn plain_scalar(text: &str) -> &str {
    let mut end = text.len();
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        let ends_key = c == ':' && chars.peek().is_none_or(|(_, next)| *next == ' ');
        if matches!(c, ',' | ']' | '}') || ends_key {
            end = index;
            break;
        }
    }
    text[..end].trim_end()
}

fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head}…")
    }
}

fn is_blank(source: &str) -> bool {
    source
        .lines()
        .map(str::trim)
        .all(|line| line.is_empty() || line.starts_with('#') || line == "---")
}

/// Parser messages can quote input; control characters must not reach a terminal.
fn printable(message: &str) -> String {
    message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::scenario::{Duration, FaultKind, Probability};

    /// The sketch from DESIGN.md, which every section of the model must be able to hold.
    const DESIGN_SKETCH: &str = r#"
name: sdi-scarto-duplicate
clock: virtual
seed: 42
participants:
  - { id: "0208:0123456749", network: peppol, capabilities: [bis-billing-3-invoice] }
  - { id: "SDI:ABC1234",     network: sdi }
  - { id: "KSEF:5265877635", network: ksef }
behaviours:
  - when: { network: sdi, invoice_number: "DUP-*" }
    then: [ { after: 2m, sdi: NS, errors: ["00404"] } ]
faults:
  - { outage: ksef, from: 10m, for: 30m }
limits:
  token_ttl: 60m
  duplicate_submission: { after: 3, status: 429, retry_after: 60s }
webhooks: { retry: [5s, 5m, 30m, 2h, 5h, 10h, 10h], duplicate_rate: 0.1 }
steps:                      # what the suite asks the integration to do
  - submit: { fixture: fatturapa/FPR12-minimal.xml, network: sdi, recipient: "SDI:ABC1234" }
expect: [AUTH-1, SUB-1, SDI-1, HOOK-2]
"#;

    /// Rendered errors for a source that must be refused.
    fn refused(source: &str) -> String {
        match parse(source, "t.yaml") {
            Ok(scenario) => panic!("accepted: {scenario:?}"),
            Err(errors) => errors.to_string(),
        }
    }

    #[test]
    fn design_sketch_fills_every_section_of_the_model() {
        let scenario = deserialize::<Scenario>(DESIGN_SKETCH).unwrap();
        assert_eq!(scenario.clock.mode, crate::clock::ClockMode::Virtual);
        assert_eq!(scenario.seed, 42);
        assert_eq!(scenario.participants[2].network, Network::Ksef);
        let behaviour = &scenario.behaviours[0];
        assert_eq!(behaviour.when.invoice_number.as_deref(), Some("DUP-*"));
        assert_eq!(behaviour.then[0].after, Duration::from_secs(120));
        assert_eq!(behaviour.then[0].errors, ["00404"]);
        let fault = &scenario.faults[0];
        assert_eq!(
            fault.kind,
            FaultKind::Outage {
                network: Network::Ksef
            }
        );
        assert_eq!(
            (fault.from, fault.lasts),
            (Duration::from_secs(600), Some(Duration::from_secs(1_800)))
        );
        let duplicates = scenario.limits.duplicate_submission.as_ref().unwrap();
        assert_eq!((duplicates.after, duplicates.status), (3, 429));
        assert_eq!(scenario.limits.token_ttl, Some(Duration::from_secs(3_600)));
        assert_eq!(scenario.webhooks.retry().len(), 7);
        assert_eq!(scenario.webhooks.duplicate_rate, Probability::new(0.1));
        assert_eq!(
            scenario.steps,
            [Step::Submit(SubmitStep {
                fixture: "fatturapa/FPR12-minimal.xml".to_owned(),
                network: Network::Sdi,
                recipient: "SDI:ABC1234".to_owned(),
                channel: Channel::Gateway,
                file_name: None,
                number: None,
                alias: None,
            })]
        );
        assert_eq!(scenario.expect, ["AUTH-1", "SUB-1", "SDI-1", "HOOK-2"]);
    }

    #[test]
    fn design_sketch_passes_every_check() {
        let scenario = parse(DESIGN_SKETCH, "sketch.yaml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scenario.suite, SuiteSettings::default());
        assert_eq!(
            scenario.suite.min_poll_interval(),
            std::time::Duration::from_secs(1)
        );
        assert_eq!(
            scenario.suite.time_limit(),
            std::time::Duration::from_secs(60)
        );
    }

    /// Every kind of step with every key it takes, as the conformance suite reads them.
    #[test]
    fn the_suite_sections_are_read_in_full() {
        let source = r#"
name: suite-steps
participants:
  - { id: "SDI:ABC1234", network: sdi }
  - { id: "KSEF:5265877635", network: ksef }
peppol:
  inbound: [ { at: 1m, file: invoices/peppol-inbound-1.xml } ]
steps:
  - submit: { fixture: sdi/valid/FPR12-minimal.xml, network: sdi, recipient: "SDI:ABC1234",
              file_name: IT01234567890_00001.xml, number: "A-17", as: first }
  - submit: { fixture: ksef/fa3-minimal.xml, network: ksef, recipient: "KSEF:5265877635",
              channel: native }
  - resubmit: { of: first, fixture: sdi/valid/FPR12-minimal.xml, number: "A-18",
                file_name: IT01234567890_00002.xml }
  - advance: 15d
  - expect_state: { of: first, state: delivered }
  - expect_state: { of: ksef/fa3-minimal.xml, state: refused }
  - respond: { invoice: peppol-inbound-1.xml, code: RE, reason: REF, text: "wrong order" }
  - respond: { invoice: invoices/peppol-inbound-1.xml, code: ab }
expect: [AUTH-1, SUB-1]
suite: { min_poll_interval: 2s, time_limit: 90s }
"#;
        let scenario = parse(source, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
        let [
            Step::Submit(first),
            Step::Submit(native),
            Step::Resubmit(resubmit),
            Step::Advance(advance),
            Step::ExpectState(expect),
            _,
            Step::Respond(respond),
            _,
        ] = scenario.steps.as_slice()
        else {
            panic!("steps read as {:?}", scenario.steps);
        };
        assert_eq!(first.name(), "first");
        assert_eq!(first.channel, Channel::Gateway);
        assert_eq!(first.file_name.as_deref(), Some("IT01234567890_00001.xml"));
        assert_eq!(first.number.as_deref(), Some("A-17"));
        assert_eq!(native.name(), "ksef/fa3-minimal.xml");
        assert_eq!(native.channel, Channel::Native);
        assert_eq!(
            resubmit,
            &ResubmitStep {
                of: "first".to_owned(),
                fixture: "sdi/valid/FPR12-minimal.xml".to_owned(),
                number: Some("A-18".to_owned()),
                file_name: Some("IT01234567890_00002.xml".to_owned()),
            }
        );
        assert_eq!(*advance, Duration::from_secs(15 * 86_400));
        assert_eq!(
            expect,
            &ExpectStateStep {
                of: "first".to_owned(),
                state: "delivered".to_owned(),
            }
        );
        assert_eq!(
            respond,
            &RespondStep {
                invoice: "peppol-inbound-1.xml".to_owned(),
                code: "RE".to_owned(),
                reason: Some("REF".to_owned()),
                action: None,
                text: Some("wrong order".to_owned()),
            }
        );
        assert_eq!(scenario.expect, ["AUTH-1", "SUB-1"]);
        assert_eq!(
            scenario.suite.min_poll_interval(),
            std::time::Duration::from_secs(2)
        );
        assert_eq!(
            scenario.suite.time_limit(),
            std::time::Duration::from_secs(90)
        );
    }

    #[test]
    fn a_response_needs_an_inbound_invoice() {
        assert_eq!(
            refused("name: x\nsteps:\n  - respond: { invoice: a.xml, code: AP }\n"),
            "t.yaml:3:5: error[bad-value]: step 1 (`respond`): there is no inbound invoice to \
             respond to\n  help: list the invoice under `peppol.inbound`"
        );
    }

    #[test]
    fn suite_keys_and_channels_are_checked_by_name() {
        assert_eq!(
            refused("name: x\nsuite: { min_poll: 1s }\n"),
            "t.yaml:2:10: error[unknown-key]: unknown key `min_poll` in suite; expected one of \
             `min_poll_interval`, `time_limit`"
        );
        assert_eq!(
            refused(
                "name: x\nsteps:\n  - submit: { fixture: a, network: ksef, recipient: b, channel: nativ }\n"
            ),
            "t.yaml:3:65: error[bad-value]: unknown channel `nativ`; expected one of `gateway`, \
             `native`\n  help: did you mean `native`?"
        );
        assert_eq!(
            refused("name: x\nsteps:\n  - resubmit: { of: a, fixture: b, as: c }\n"),
            "t.yaml:3:36: error[unknown-key]: unknown key `as` in `resubmit` step; expected one \
             of `of`, `fixture`, `number`, `file_name`"
        );
    }

    #[test]
    fn empty_sections_are_accepted() {
        let source =
            "name: x\nbehaviours: []\nfaults:\nlimits: {}\nwebhooks: {}\nsteps: []\nexpect: []\n";
        assert!(parse(source, "t.yaml").is_ok());
    }

    #[test]
    fn every_fault_kind_is_read() {
        let source = "- { outage: sdi }\n\
                      - { http_status: 503, path: /api/v1/*, from: 1m, for: 5m, rate: 0.5 }\n\
                      - { latency: 2s, path: /connect/token }\n\
                      - { ksef_exception: 21184, path: /v2/sessions/online/*/invoices, rate: 0.1 }\n\
                      - { system_warning: '[21999]: Przerwa techniczna', path: /v2/* }\n\
                      - { http_status: 429, path: /v2/*, retry_after: 45s }\n";
        let faults = deserialize::<Vec<Fault>>(source).unwrap();
        let kinds: Vec<&FaultKind> = faults.iter().map(|fault| &fault.kind).collect();
        assert_eq!(
            kinds,
            [
                &FaultKind::Outage {
                    network: Network::Sdi
                },
                &FaultKind::HttpStatus {
                    status: 503,
                    path: "/api/v1/*".to_owned(),
                    rate: Probability::new(0.5),
                    retry_after: None,
                },
                &FaultKind::Latency {
                    delay: Duration::from_secs(2),
                    path: "/connect/token".to_owned(),
                },
                &FaultKind::KsefException {
                    code: 21184,
                    path: "/v2/sessions/online/*/invoices".to_owned(),
                    rate: Probability::new(0.1),
                },
                &FaultKind::SystemWarning {
                    text: "[21999]: Przerwa techniczna".to_owned(),
                    path: "/v2/*".to_owned(),
                },
                &FaultKind::HttpStatus {
                    status: 429,
                    path: "/v2/*".to_owned(),
                    rate: None,
                    retry_after: Some(Duration::from_secs(45)),
                },
            ]
        );
        assert_eq!(faults[0].from, Duration::ZERO);
        assert_eq!(faults[0].lasts, None);
    }

    #[test]
    fn each_fault_kind_takes_only_its_own_keys() {
        let fault = |body: &str| refused(&format!("name: x\nfaults:\n  - {{ {body} }}\n"));
        assert_eq!(
            fault("outage: ksef, http_status: 503, path: /v2/*"),
            "t.yaml:3:5: error[bad-value]: expected a fault with exactly one of `outage`, \
             `http_status`, `latency`, `ksef_exception` or `system_warning`, found `outage` and `http_status`"
        );
        assert_eq!(
            fault("system_warning: hi, path: /v2/*, rate: 0.5"),
            "t.yaml:3:5: error[bad-value]: `rate` applies only to `http_status` and `ksef_exception` faults"
        );
        assert_eq!(
            fault("ksef_exception: 21184, path: /v2/*, retry_after: 30s"),
            "t.yaml:3:5: error[bad-value]: `retry_after` applies only to `http_status` faults"
        );
        assert_eq!(
            fault("ksef_exception: 21999, path: /v2/*"),
            "t.yaml:3:5: error[bad-value]: expected a KSeF exception code such as 21184, 21180 or \
             21405 for `ksef_exception`, found `21999`"
        );
        assert_eq!(
            fault("ksef_exception: 21184"),
            "t.yaml:3:5: error[bad-value]: a `ksef_exception` fault needs a `path`, a glob over \
             request paths such as `/api/v1/*`"
        );
        assert_eq!(
            fault("http_status: 204, path: /api/v1/*"),
            "t.yaml:3:5: error[bad-value]: expected an error status from 400 to 599 for \
             `http_status`, found `204`"
        );
        assert_eq!(
            fault("system_warning: '  ', path: /v2/*"),
            "t.yaml:3:5: error[bad-value]: expected the text of the `system_warning` header, \
             found an empty value (KSeF writes `[code]: message`)"
        );
        assert_eq!(
            fault("system_warning: \"a\\r\\nSet-Cookie: x\", path: /v2/*"),
            "t.yaml:3:5: error[bad-value]: expected the `system_warning` text on one line \
             without control characters, found `a\\r\\nSet-Cookie: x`"
        );
    }

    #[test]
    fn faults_that_could_never_fire_are_all_reported() {
        let source = "name: x\nfaults:\n\
                      - { http_status: 503, path: api/v1/*, for: 0s }\n\
                      - { latency: 1s, path: /_sim/health }\n\
                      - { ksef_exception: 21184, path: /api/v1/invoices }\n\
                      - { ksef_exception: 21184, path: '*/invoices' }\n";
        assert_eq!(
            refused(source),
            "t.yaml:3:3: error[bad-value]: fault 1: expected a `for` longer than zero, found `0s`\n  \
             help: leave `for` out for a fault that lasts until the end of the run\n\n\
             t.yaml:3:29: error[bad-value]: fault 1: `path` `api/v1/*` can never match: request \
             paths start with `/` and hold no spaces\n  \
             help: write the path as it appears in the URL, e.g. `/api/v1/*`\n\n\
             t.yaml:4:24: error[bad-value]: fault 2: `path` `/_sim/health` is the control API, \
             which is never faulted so that a test can always reach it\n  \
             help: aim the fault at the gateway (`/api/v1/*`, `/connect/token`) or the KSeF API (`/v2/*`)\n\n\
             t.yaml:5:34: error[bad-value]: fault 3: `ksef_exception` answers only KSeF API \
             requests (`/v2/...` or `/api/v2/...`), and `path` `/api/v1/invoices` matches none\n  \
             help: use `http_status` for the gateway, or a KSeF path such as `/v2/sessions/online/*/invoices`"
        );
    }

    #[test]
    fn clock_long_form() {
        let scenario = parse(
            "name: x\nclock: { mode: scaled:60, start: 2025-01-15T09:00:00+01:00 }\n",
            "t.yaml",
        )
        .unwrap();
        assert_eq!(scenario.clock.mode, crate::clock::ClockMode::Scaled(60.0));
        assert_eq!(
            scenario.clock.start,
            Some("2025-01-15T08:00:00Z".parse().unwrap())
        );
        assert_eq!(
            refused("name: x\nclock: { mode: virtual, start: 2025-01-15 09:00 }\n"),
            "t.yaml:2:32: error[bad-value]: expected an RFC 3339 timestamp with an offset, \
             such as `2025-01-15T09:00:00+01:00` or `2025-01-15T08:00:00Z`, found `2025-01-15 09:00`"
        );
    }

    #[test]
    fn empty_files_and_broken_yaml() {
        assert_eq!(
            refused("# nothing yet\n"),
            "t.yaml:2:1: error[syntax]: the file is empty; expected a scenario, a map with at least `name`"
        );
        assert_eq!(
            refused("name: x\n  bad: [\n"),
            "t.yaml:2:6: error[syntax]: mapping values are not allowed in this context"
        );
        assert_eq!(
            refused("- name: x\n"),
            "t.yaml:1:1: error[wrong-type]: expected a map of keys to values, found a list"
        );
        assert_eq!(
            refused("name: x\n---\nname: y\n"),
            "t.yaml:3:1: error[syntax]: only single YAML document expected but multiple found"
        );
    }

    #[test]
    fn duplicate_keys_are_refused() {
        assert_eq!(
            refused("name: x\nseed: 1\nname: y\n"),
            "t.yaml:3:1: error[duplicate]: duplicate key `name`; a key may appear only once in a mapping"
        );
    }

    #[test]
    fn yaml_1_1_booleans_are_refused() {
        assert_eq!(
            refused("name: x\nclock: { mode: virtual, auto_advance: yes }\n"),
            "t.yaml:2:39: error[wrong-type]: expected `true` or `false`, found `yes`"
        );
    }

    #[test]
    fn numbers_out_of_range_name_the_range() {
        assert_eq!(
            refused("name: x\nlimits: { rate: { requests: -5, per: 1s } }\n"),
            "t.yaml:2:29: error[wrong-type]: expected a whole number from 0 to 4294967295, found `-5`"
        );
    }

    #[test]
    fn bare_numbers_are_not_durations() {
        assert_eq!(
            refused("name: x\nlimits: { token_ttl: 60 }\n"),
            "t.yaml:2:22: error[bad-value]: expected a duration such as 90s, 5m, 2h or 15d, \
             found `60` (a bare number is ambiguous: add a unit such as s, m, h or d)"
        );
    }

    #[test]
    fn probabilities_above_one_are_refused() {
        assert_eq!(
            refused("name: x\nwebhooks: { duplicate_rate: 10 }\n"),
            "t.yaml:2:29: error[bad-value]: expected a probability from 0 to 1 (0.1 means 10 %), found `10`"
        );
    }

    #[test]
    fn unknown_keys_name_their_section() {
        assert_eq!(
            refused("name: x\nlimits: { rate: { request: 5, per: 1s } }\n"),
            "t.yaml:2:19: error[unknown-key]: unknown key `request` in `rate` limit; \
             expected one of `requests`, `per`\n  help: did you mean `requests`?"
        );
        assert_eq!(
            refused("name: x\nfaults:\n  - { outage: ksef, pth: x }\n"),
            "t.yaml:3:21: error[unknown-key]: unknown key `pth` in fault; expected one of \
             `outage`, `http_status`, `latency`, `ksef_exception`, `system_warning`, `path`, \
             `from`, `for`, `rate`, `retry_after`\n  help: did you mean `path`?"
        );
    }

    #[test]
    fn a_step_has_one_key() {
        assert_eq!(
            refused(
                "name: x\nsteps:\n  - advance: 5m\n    submit: { fixture: a, network: sdi, recipient: b }\n"
            ),
            "t.yaml:4:5: error[wrong-type]: expected one key per step, found a second key `submit`\n  \
             help: start each step with its own `-`"
        );
        assert_eq!(
            refused("name: x\nsteps:\n  - {}\n"),
            "t.yaml:3:6: error[wrong-type]: expected a step, a map with one key naming its kind \
             (`submit`, `resubmit`, `advance`, `expect_state`, `respond`), found the end of the map"
        );
    }

    #[test]
    fn unsupported_yaml_tags_are_refused() {
        assert_eq!(
            refused("name: x\nexpect: !include rules.yaml\n"),
            "t.yaml:2:18: error[syntax]: unsupported tag `!include`"
        );
    }

    #[test]
    fn anchors_and_merge_keys_work() {
        let source = "name: x\nparticipants:\n  - &sdi { id: 'SDI:ABC1234', network: sdi }\n  - { <<: *sdi, id: 'SDI:DEF5678' }\n";
        let scenario = parse(source, "t.yaml").unwrap();
        assert_eq!(scenario.participants[1].network, Network::Sdi);
        assert_eq!(scenario.participants[1].id, "SDI:DEF5678");
    }

    #[test]
    fn every_section_is_recognised_by_its_keys() {
        assert_eq!(
            name_of_section(&keys_of_section::<Scenario>()),
            Some("scenario")
        );
        assert_eq!(
            name_of_section(&keys_of_section::<Credential>()),
            Some("tenant credential")
        );
        assert_eq!(name_of_section(&keys_of_section::<Fault>()), Some("fault"));
        assert_eq!(
            name_of_section(&keys_of_section::<ClockSpec>()),
            Some("clock")
        );
        assert_eq!(
            name_of_choice(&keys_of_choice::<Network>()),
            Some("network")
        );
        assert_eq!(
            keys_of_choice::<Step>(),
            ["submit", "resubmit", "advance", "expect_state", "respond"]
        );
        assert_eq!(
            name_of_section(&keys_of_section::<SuiteSettings>()),
            Some("suite")
        );
    }

    #[test]
    fn found_text_is_described_by_shape() {
        let source = "a: [1]\nb: { c: 1 }\nc: \"text\" # note\nd:\ne: 5 minutes\n";
        let at = |line, column, len| describe_text_at(source, line, column, len);
        assert_eq!(at(1, 4, 1), "a list");
        assert_eq!(at(2, 4, 1), "a map");
        assert_eq!(at(2, 1, 0), "a map");
        assert_eq!(at(3, 4, 6), "`\"text\"`");
        assert_eq!(at(4, 3, 0), "nothing");
        assert_eq!(at(5, 4, 0), "`5 minutes`");
        assert_eq!(at(9, 1, 0), "the end of the file");
    }
}
