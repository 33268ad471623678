//! `GET /api/v1/participants/{id}`: can this recipient be reached, on which network, for which
//! document types? Integrators ask before sending rather than learn it from a refusal.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::auth::Authenticated;
use crate::http::problem::AppError;
use crate::http::server::AppState;
use crate::identifiers::peppol::ParticipantId;
use crate::networks::peppol::{LookupFailure, Peppol};
use crate::scenario;
use crate::vocabulary::Network;

#[derive(Debug, Serialize)]
struct ParticipantView {
    id: String,
    network: Network,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    reachable: bool,
    document_types: Vec<String>,
    /// Why a participant the network knows cannot be sent to.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

pub(crate) async fn lookup(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let network = scenario::check_participant_id(&id).map_err(AppError::MalformedParticipantId)?;
    let run = state.simulation.run();
    if network == Network::Peppol {
        let mut response = Json(peppol_lookup(&run.peppol, &id)?).into_response();
        response.extensions_mut().insert(tenant);
        return Ok(response);
    }
    let participant =
        run.store
            .participant(network, &id)
            .ok_or_else(|| AppError::ParticipantNotFound {
                id: id.clone(),
                network,
            })?;
    let mut response = Json(ParticipantView {
        id: participant.id.clone(),
        network: participant.network,
        name: participant.name.clone(),
        reachable: true,
        document_types: participant.capabilities.clone(),
        reason: None,
    })
    .into_response();
    response.extensions_mut().insert(tenant);
    Ok(response)
}

/// A Peppol lookup goes where an access point's goes: the SML, then the SMP. Unknown to the
/// SML is "not found"; known to the SML but not to its SMP is found and unreachable.
fn peppol_lookup(peppol: &Peppol, id: &str) -> Result<ParticipantView, AppError> {
    let participant =
        ParticipantId::parse(id).map_err(|e| AppError::MalformedParticipantId(e.to_string()))?;
    match peppol.service_group(&participant) {
        Ok(registration) => Ok(ParticipantView {
            id: registration.id.short(),
            network: Network::Peppol,
            name: registration.name.clone(),
            reachable: !registration.capabilities.is_empty(),
            document_types: registration
                .capabilities
                .iter()
                .map(|c| c.name.to_owned())
                .collect(),
            reason: registration
                .capabilities
                .is_empty()
                .then(|| "its SMP lists no document type eisim knows".to_owned()),
        }),
        Err(LookupFailure::NotInSml { .. }) => Err(AppError::ParticipantNotFound {
            id: id.to_owned(),
            network: Network::Peppol,
        }),
        Err(failure) => Ok(ParticipantView {
            id: participant.short(),
            network: Network::Peppol,
            name: None,
            reachable: false,
            document_types: Vec::new(),
            reason: Some(failure.message()),
        }),
    }
}
