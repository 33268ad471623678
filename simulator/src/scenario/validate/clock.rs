//! The `clock` section: settings that only some clock modes can honour.

use crate::clock::ClockMode;
use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::model::Scenario;
use crate::scenario::positions::ScenarioPositions;

pub(super) fn check_clock(
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
