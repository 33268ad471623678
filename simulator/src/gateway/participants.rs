//! `GET /api/v1/participants/{id}`: can this recipient be reached, on which network, for which
//! document types? Integrators ask before sending rather than learn it from a refusal.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::auth::Authenticated;
use crate::errors::AppError;
use crate::scenario::{self, Network};
use crate::server::AppState;

#[derive(Debug, Serialize)]
struct ParticipantView {
    id: String,
    network: Network,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    reachable: bool,
    document_types: Vec<String>,
}

pub(crate) async fn lookup(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let network = scenario::check_participant_id(&id).map_err(AppError::MalformedParticipantId)?;
    let epoch = state.world.epoch();
    let participant =
        epoch
            .store
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
    })
    .into_response();
    response.extensions_mut().insert(tenant);
    Ok(response)
}
