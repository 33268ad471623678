//! Scenario files: the YAML that says who exists on which network and how the world behaves.
//!
//! A scenario is read once, when the simulator starts or when the control API loads a new one:
//! [`parse`] (or [`load_file`]) deserializes it into [`Scenario`] and then checks what
//! deserialization alone cannot (unique ids, references between sections, participant ids
//! that fit their network). Every problem comes back as a [`ScenarioError`] naming the file,
//! line and column, what was expected and what was found.
//!
//! The conformance suite's sections (`steps`, `expect`, `suite`) are modelled and checked here
//! with the rest, so `eisim check` catches a step naming an unknown recipient; the simulator
//! itself ignores them and `eisim-suite` runs them.
//!
//! `eisim serve` without a scenario runs [`default_scenario`], compiled into the binary from
//! `scenarios/default.yaml`.

mod behaviours;
mod clock_spec;
mod duration;
mod error;
mod faults;
mod glob;
mod ksef;
mod limits;
mod model;
mod parse;
mod participant_id;
mod peppol;
mod positions;
mod probability;
mod sdi;
mod steps;
mod suggest;
mod suite;
mod validate;
mod webhooks;

use std::path::Path;

use crate::vocabulary::Network;

pub use behaviours::{Behaviour, Match, Outcome};
pub use clock_spec::ClockSpec;
pub use duration::{Duration, DurationError};
pub use error::{ScenarioError, ScenarioErrorKind, ScenarioErrors};
pub use faults::{Fault, FaultKind};
pub use glob::glob_matches;
pub(crate) use ksef::storage_base;
pub use ksef::{
    KsefGroupLimit, KsefLimits, KsefRateLimits, KsefSessionLimits, KsefSettings, KsefTiming,
    KsefToken,
};
pub use limits::{DuplicateSubmissionLimit, EndpointGroup, Limits, RateLimit, parse_byte_size};
pub use model::*;
pub use parse::parse;
pub use peppol::{PeppolInbound, PeppolSettings, PeppolTiming};
pub use probability::Probability;
pub use sdi::{InboundInvoice, SdiChannel, SdiSettings, SdiTiming};
pub use steps::{Channel, ExpectStateStep, RespondStep, ResubmitStep, Step, SubmitStep};
pub use suite::SuiteSettings;
pub use webhooks::WebhookPolicy;

/// The scenario `eisim serve` runs when given none, compiled in so the binary needs no files.
pub const DEFAULT_SCENARIO_YAML: &str = include_str!("../../../scenarios/default.yaml");

/// The origin named in errors about the embedded default scenario.
pub const DEFAULT_ORIGIN: &str = "<embedded default>";

/// The embedded default scenario.
///
/// A test parses the same text, so this cannot fail in a released binary; it still returns a
/// `Result` so that a broken edit shows up as an error, never as a panic.
pub fn default_scenario() -> Result<Scenario, ScenarioErrors> {
    parse(DEFAULT_SCENARIO_YAML, DEFAULT_ORIGIN)
}

/// Reads a participant id as the networks write it (`0208:0123456749`, `SDI:ABC1234`,
/// `KSEF:5265877635`) and says which network it belongs to, or what is wrong with it.
pub fn check_participant_id(id: &str) -> Result<Network, String> {
    let network = participant_id::network_of(id).ok_or_else(|| {
        format!(
            "expected a participant id `ICD:identifier` (Peppol, e.g. `0208:0123456749`), `SDI:<code>` or `KSEF:<NIP>`, found `{id}`"
        )
    })?;
    participant_id::check(id, network).map_err(|problem| match problem.help {
        Some(help) => format!("{}; {help}", problem.message),
        None => problem.message,
    })?;
    Ok(network)
}

/// Reads and parses a scenario file; errors name `path` as given.
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioErrors> {
    let origin = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|error| {
        ScenarioErrors::single(
            origin.clone(),
            ScenarioError::new(
                ScenarioErrorKind::Io,
                format!("cannot read the scenario file: {error}"),
            ),
        )
    })?;
    let mut scenario = parse(&source, &origin)?;
    let base = path.parent().unwrap_or(Path::new("."));
    read_inbound_files(&mut scenario, Some(base), &source)
        .map_err(|error| ScenarioErrors::single(origin, error))?;
    Ok(scenario)
}

/// Reads the files `sdi.inbound` and `peppol.inbound` name, relative to the scenario file's
/// folder. A scenario that did not come from a file (`base` is `None`) has no folder to read
/// them from.
pub fn read_inbound_files(
    scenario: &mut Scenario,
    base: Option<&Path>,
    source: &str,
) -> Result<(), ScenarioError> {
    let sdi = scenario
        .sdi
        .inbound
        .iter_mut()
        .map(|inbound| (&inbound.file, &mut inbound.bytes));
    read_files("sdi", sdi, base, source)?;
    let peppol = scenario
        .peppol
        .inbound
        .iter_mut()
        .map(|inbound| (&inbound.file, &mut inbound.bytes));
    read_files("peppol", peppol, base, source)
}

type FileSlot<'a> = (&'a String, &'a mut Option<std::sync::Arc<[u8]>>);

fn read_files<'a>(
    section: &str,
    files: impl Iterator<Item = FileSlot<'a>>,
    base: Option<&Path>,
    source: &str,
) -> Result<(), ScenarioError> {
    let position = positions::top_level_key(source, section);
    for (index, (file, bytes)) in files.enumerate() {
        let Some(base) = base else {
            return Err(ScenarioError::new(
                ScenarioErrorKind::BadValue,
                format!(
                    "`{section}.inbound[{index}].file`: a scenario sent in a request has no folder to read `{file}` from"
                ),
            )
            .at_position(position)
            .with_suggestion(Some(
                "start eisim with the scenario file (`eisim serve SCENARIO`) so its files can be read".to_owned(),
            )));
        };
        let path = base.join(file);
        let read = std::fs::read(&path).map_err(|error| {
            ScenarioError::new(
                ScenarioErrorKind::BadValue,
                format!(
                    "`{section}.inbound[{index}].file`: cannot read `{}`: {error}",
                    path.display()
                ),
            )
            .at_position(position)
        })?;
        *bytes = Some(read.into());
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    const SCENARIOS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios");
    const BAD_SCENARIOS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scenarios/bad");

    fn yaml_files(dir: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|error| panic!("cannot list {dir}: {error}"))
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
            .collect();
        files.sort();
        files
    }

    /// Renders the errors for a broken scenario under a machine-independent origin.
    fn check_bad(name: &str) -> String {
        let path = format!("{BAD_SCENARIOS_DIR}/{name}");
        let source = std::fs::read_to_string(&path).unwrap();
        let origin = format!("tests/scenarios/bad/{name}");
        match parse(&source, &origin) {
            Ok(_) => panic!("{origin} parsed, but it is meant to be refused"),
            Err(errors) => errors.to_string(),
        }
    }

    #[test]
    fn default_scenario_parses() {
        let scenario = default_scenario().unwrap_or_else(|errors| panic!("{errors}"));
        assert_eq!(scenario.name, "default");
        assert_eq!(scenario.clock.mode, crate::clock::ClockMode::Real);
        // The demo integrator, and the KSeF buyer that buys from it.
        assert_eq!(scenario.tenants.len(), 2);
        assert_eq!(scenario.tenants[0].id, "demo");
        assert_eq!(scenario.tenants[1].id, "demo-buyer");
        assert_eq!(scenario.tenants[0].credentials[0].client_id, "demo-client");
        assert_eq!(
            scenario.tenants[0].credentials[0].client_secret,
            "demo-secret"
        );
        for network in Network::ALL {
            let on_network = scenario
                .participants
                .iter()
                .filter(|p| p.network == network);
            assert!(
                on_network.clone().count() >= 2,
                "few {network} participants"
            );
            assert!(
                on_network
                    .clone()
                    .any(|p| p.tenant.as_deref() == Some("demo")),
                "the demo tenant has no {network} identity"
            );
        }
    }

    #[test]
    fn every_shipped_scenario_parses() {
        let files = yaml_files(SCENARIOS_DIR);
        assert!(!files.is_empty(), "no scenarios in {SCENARIOS_DIR}");
        for path in files {
            if let Err(errors) = load_file(&path) {
                panic!("{errors}");
            }
        }
    }

    /// The default scenario is the first file a newcomer reads: its ids should pass the real
    /// networks' check digits, not only our shape checks.
    #[test]
    fn default_participant_ids_have_valid_check_digits() {
        let scenario = default_scenario().unwrap();
        for participant in &scenario.participants {
            let id = participant.id.as_str();
            let valid = match id.split_once(':') {
                Some(("0208", kbo)) => belgian_mod_97(kbo),
                Some(("9925", vat)) => vat.strip_prefix("BE").is_some_and(belgian_mod_97),
                Some(("0007", number)) => luhn(number),
                Some(("KSEF", nip)) => polish_nip(nip),
                Some(("SDI", _)) => true,
                _ => false,
            };
            assert!(valid, "{id} fails its check digits");
        }
    }

    fn digits(text: &str) -> Vec<u32> {
        text.chars().map(|c| c.to_digit(10).unwrap()).collect()
    }

    fn belgian_mod_97(number: &str) -> bool {
        let (body, check) = number.split_at(8);
        97 - body.parse::<u64>().unwrap() % 97 == check.parse::<u64>().unwrap()
    }

    fn luhn(number: &str) -> bool {
        let sum: u32 = digits(number)
            .iter()
            .rev()
            .enumerate()
            .map(|(index, &d)| match (index % 2, d * 2) {
                (0, _) => d,
                (_, doubled) if doubled > 9 => doubled - 9,
                (_, doubled) => doubled,
            })
            .sum();
        sum.is_multiple_of(10)
    }

    fn polish_nip(nip: &str) -> bool {
        let digits = digits(nip);
        let weights = [6, 5, 7, 2, 3, 4, 5, 6, 7];
        let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
        sum % 11 != 10 && sum % 11 == digits[9]
    }

    /// One snapshot per file in `tests/scenarios/bad/`, named after it: the rendered errors
    /// are what `eisim check` prints, so a change in wording shows up in review.
    #[test]
    fn bad_scenarios_are_refused_with_clear_errors() {
        let files = yaml_files(BAD_SCENARIOS_DIR);
        assert!(
            files.len() >= 7,
            "bad scenarios missing from {BAD_SCENARIOS_DIR}"
        );
        for path in files {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let snapshot = name.trim_end_matches(".yaml").to_owned();
            insta::assert_snapshot!(snapshot, check_bad(&name));
        }
    }

    #[test]
    fn unreadable_file_names_the_file() {
        let errors = load_file(Path::new("no/such/scenario.yaml")).unwrap_err();
        assert_eq!(errors.origin, "no/such/scenario.yaml");
        assert_eq!(errors.errors[0].kind, ScenarioErrorKind::Io);
        assert!(
            errors
                .to_string()
                .starts_with("no/such/scenario.yaml: error[io]: cannot read the scenario file: ")
        );
    }
}
