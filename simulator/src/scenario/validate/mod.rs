//! Checks that need the whole scenario: unique ids, references between sections, settings
//! that contradict each other, faults that could never fire, and suite steps that could not
//! be carried out.
//!
//! Unlike deserialization, which stops at the first error, these checks report every problem
//! at once, in file order, so a scenario can be fixed in one round.
//!
//! One file per section of the scenario file, named after it: `name.rs`, `clock.rs`,
//! `tenants.rs`, `participants.rs`, `limits.rs`, `behaviours.rs` (with each outcome's codes),
//! `webhooks.rs`, `ksef.rs`, `sdi.rs`, `peppol.rs`, `faults.rs`, `steps.rs`, and `suite.rs`
//! (`expect` and `suite`). `ids.rs` holds what the sections share about ids: well-formed, and
//! unique with a pointer to the first use. [`validate`] runs them all.

mod behaviours;
mod clock;
mod faults;
mod ids;
mod ksef;
mod limits;
mod name;
mod participants;
mod peppol;
mod sdi;
mod steps;
mod suite;
mod tenants;
mod webhooks;

use super::error::ScenarioError;
use super::model::Scenario;
use super::positions::ScenarioPositions;
use behaviours::check_behaviours;
use clock::check_clock;
use faults::check_faults;
use ksef::check_ksef;
use limits::check_limits;
use name::check_name;
use participants::check_participants;
use peppol::check_peppol;
use sdi::check_sdi;
use steps::check_steps;
use suite::{check_expect, check_suite};
use tenants::check_tenants;
use webhooks::check_webhooks;

/// Every problem the scenario has, sorted by where it is written. Problems at the same place
/// keep the order of the calls below, which `tests/scenarios/bad/` pins in its snapshots.
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
