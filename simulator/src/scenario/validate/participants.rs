//! The `participants` section: ids that fit their network and are unique, Peppol document
//! types eisim knows, and tenants that exist.

use super::ids::{FirstSeen, duplicate};
use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::model::Scenario;
use crate::scenario::positions::ScenarioPositions;
use crate::scenario::{participant_id, suggest};
use crate::vocabulary::Network;

pub(super) fn check_participants(
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
