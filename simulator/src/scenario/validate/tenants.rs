//! The `tenants` section: ids and client ids unique (the token endpoint finds the tenant by
//! its client id), and credentials that can be used.

use super::ids::{FirstSeen, check_identifier, duplicate};
use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::model::Scenario;
use crate::scenario::positions::ScenarioPositions;

pub(super) fn check_tenants(
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
