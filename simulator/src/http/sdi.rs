//! SDI's SDICoop services (`SdIRiceviFile`, `SdIRiceviNotifica`) at the paths of the real
//! endpoints, and the `/_sim/sdi` control resources: the channel registration, every file
//! with its messages, and the certificate SDI signs with.
//!
//! SOAP errors are SOAP faults (HTTP 500); SDI's own refusals are answers: EI01/EI02/EI03 in
//! `rispostaSdIRiceviFile`, ES00/ES02 in `rispostaSdINotificaEsito`.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use crate::faults::Availability;
use crate::http::problem::AppError;
use crate::http::server::AppState;
use crate::networks::sdi::Arrival;
use crate::networks::sdi::messages::italian_date_time;
use crate::networks::sdi::soap::{self, ErroreInvio, EsitoNotifica, Operation, SoapMessage};
use crate::networks::sdi::state::{Channel, Endpoints, SdiFile};
use crate::simulation::Run;
use crate::vocabulary::Network;

/// The SOAP services, at the real endpoints' paths (`https://servizi.fatturapa.it/ricevi_file`)
/// and at the service names.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ricevi_file", post(ricevi_file))
        .route("/SdIRiceviFile", post(ricevi_file))
        .route("/ricevi_notifica", post(notifica_esito))
        .route("/SdIRiceviNotifica", post(notifica_esito))
}

/// `/_sim/sdi/...`.
pub(crate) fn control_routes() -> Router<AppState> {
    Router::new()
        .route("/channel", get(get_channel).put(put_channel))
        .route("/files", get(list_files))
        .route("/files/{id}", get(get_file))
        .route("/files/{id}/messages/{name}", get(get_message))
        .route("/certificate", get(certificate))
}

fn soap_response(message: SoapMessage) -> Response {
    let mut response = (StatusCode::OK, message.body).into_response();
    if let Ok(value) = HeaderValue::from_str(&message.content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

fn soap_fault(faultcode: &str, why: &str) -> Response {
    let message = soap::fault(faultcode, why);
    let mut response = soap_response(message);
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

/// The SOAPAction header, which decides the operation when the client sends one (SOAP 1.1
/// lets it be empty).
fn soap_action(headers: &HeaderMap) -> Option<&str> {
    headers.get("soapaction").and_then(|v| v.to_str().ok())
}

/// SDI answers in the form it was asked in: MTOM for MTOM, plain for plain.
fn is_mtom(headers: &HeaderMap) -> bool {
    content_type(headers).is_some_and(|ct| {
        ct.trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/related")
    })
}

/// SDI's time as `DataOraRicezione` shows it: Italian local time with its offset, as in its
/// messages.
fn xsd_now(run: &Run) -> String {
    italian_date_time(run.clock.now())
}

/// True while a scenario outage of SDI is on: SDI answers "service unavailable".
fn in_outage(run: &Run) -> bool {
    !matches!(
        run.faults.availability(Network::Sdi, run.clock.now()),
        Availability::Due
    )
}

/// `SdIRiceviFile.RiceviFile`: the transmitter sends a file; SDI answers at once with its
/// `IdentificativoSdI`, and the outcome follows on the transmitter's `TrasmissioneFatture`.
async fn ricevi_file(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let mtom = is_mtom(&headers);
    let request =
        match soap::parse_request_with_action(content_type(&headers), soap_action(&headers), &body)
        {
            Ok(request) => request,
            Err(problem) => return soap_fault(problem.faultcode(), &problem.to_string()),
        };
    if request.operation != Operation::RiceviFile {
        return soap_fault(
            "soap:Client",
            "SdIRiceviFile takes fileSdIAccoglienza (NomeFile, File)",
        );
    }
    let run = state.simulation.run();
    let received = xsd_now(&run);
    // With an error SDI still fills both mandatory fields; 0 says no file was taken.
    let refuse =
        |errore| soap_response(soap::risposta_ricevi_file(0, &received, Some(errore), mtom));
    let Some(tenant) = run.sdi.channel_tenant.clone() else {
        return refuse(ErroreInvio::UtenteNonAbilitato);
    };
    if in_outage(&run) {
        return refuse(ErroreInvio::ServizioNonDisponibile);
    }
    let Some(name) = request.text("NomeFile").map(str::to_owned) else {
        return soap_fault("soap:Client", "fileSdIAccoglienza has no NomeFile");
    };
    let file = match request.binary("File") {
        Ok(file) => file,
        Err(problem) => return soap_fault("soap:Client", &problem.to_string()),
    };
    if file.is_empty() {
        return refuse(ErroreInvio::FileVuoto);
    }
    let id = run.sdi.receive(
        &run.context_now(),
        Arrival {
            file_name: Some(name),
            bytes: file.into(),
            channel: Channel::Sdicoop,
            tenant: Some(tenant),
            document_id: None,
            archive: None,
            prior: None,
        },
    );
    soap_response(soap::risposta_ricevi_file(id, &received, None, mtom))
}

/// `SdIRiceviNotifica.NotificaEsito`: a public administration's outcome (EC01/EC02) on an
/// invoice SDI delivered to it. ES01 accepted (NE to the transmitter), ES00 with an SE when
/// the notice is malformed (EN00) or not admissible (EN01), ES02 during an outage.
async fn notifica_esito(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mtom = is_mtom(&headers);
    let request =
        match soap::parse_request_with_action(content_type(&headers), soap_action(&headers), &body)
        {
            Ok(request) => request,
            Err(problem) => return soap_fault(problem.faultcode(), &problem.to_string()),
        };
    if request.operation != Operation::NotificaEsito {
        return soap_fault(
            "soap:Client",
            "SdIRiceviNotifica takes fileSdI (IdentificativoSdI, NomeFile, File)",
        );
    }
    let run = state.simulation.run();
    if in_outage(&run) {
        return soap_response(soap::risposta_notifica_esito(
            EsitoNotifica::ServizioNonDisponibile,
            None,
            mtom,
        ));
    }
    let (Some(id), Some(name)) = (
        request
            .text("IdentificativoSdI")
            .and_then(|id| id.trim().parse::<u64>().ok()),
        request.text("NomeFile").map(str::to_owned),
    ) else {
        return soap_fault(
            "soap:Client",
            "fileSdI needs an IdentificativoSdI (an integer) and a NomeFile",
        );
    };
    let bytes = match request.binary("File") {
        Ok(bytes) => bytes,
        Err(problem) => return soap_fault("soap:Client", &problem.to_string()),
    };
    let (esito, se) = run.sdi.take_esito(&run.context_now(), id, &name, &bytes);
    soap_response(soap::risposta_notifica_esito(esito, se, mtom))
}

#[derive(Debug, Serialize)]
struct ChannelView {
    tenant: Option<String>,
    #[serde(flatten)]
    endpoints: Endpoints,
}

async fn get_channel(State(state): State<AppState>) -> Json<ChannelView> {
    let run = state.simulation.run();
    Json(ChannelView {
        tenant: run
            .sdi
            .channel_tenant
            .as_ref()
            .map(|t| t.as_str().to_owned()),
        endpoints: run.sdi.endpoints(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Registration {
    trasmissione_fatture: Option<String>,
    ricezione_fatture: Option<String>,
    mtom: Option<bool>,
}

/// The integrator names its SDICoop services, as it would in SDI's accreditation system.
async fn put_channel(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<ChannelView>, AppError> {
    let registration: Registration = serde_json::from_slice(&body).map_err(|e| {
        AppError::BadRequest(format!(
            "expected {{\"trasmissione_fatture\": URL, \"ricezione_fatture\": URL, \"mtom\": bool}}: {e}"
        ))
    })?;
    for url in [
        &registration.trasmissione_fatture,
        &registration.ricezione_fatture,
    ]
    .into_iter()
    .flatten()
    {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(AppError::BadRequest(format!(
                "`{url}` is not an http:// URL"
            )));
        }
    }
    let run = state.simulation.run();
    run.sdi.register(Endpoints {
        trasmissione_fatture: registration.trasmissione_fatture,
        ricezione_fatture: registration.ricezione_fatture,
        mtom: registration.mtom.unwrap_or(true),
    });
    Ok(get_channel(State(state)).await)
}

async fn list_files(State(state): State<AppState>) -> Json<Vec<SdiFile>> {
    Json(state.simulation.run().sdi.files())
}

async fn get_file(
    State(state): State<AppState>,
    Path(id): Path<u64>,
) -> Result<Json<SdiFile>, AppError> {
    state
        .simulation
        .run()
        .sdi
        .file(id)
        .map(Json)
        .ok_or_else(|| AppError::SdiFileNotFound(id.to_string()))
}

async fn get_message(
    State(state): State<AppState>,
    Path((id, name)): Path<(u64, String)>,
) -> Result<Response, AppError> {
    let file = state
        .simulation
        .run()
        .sdi
        .file(id)
        .ok_or_else(|| AppError::SdiFileNotFound(id.to_string()))?;
    message_response(&file, &name)
}

/// One stored message as a download, for the control API and the gateway alike.
pub(crate) fn message_response(file: &SdiFile, name: &str) -> Result<Response, AppError> {
    if file.invoice.is_some() && file.file_name == name {
        // The signed file itself (a `.p7m`), as received.
        let mut response = (StatusCode::OK, file.bytes.to_vec()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/pkcs7-mime"),
        );
        if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
        return Ok(response);
    }
    let message = file
        .messages
        .iter()
        .find(|m| m.file_name == name)
        .ok_or_else(|| {
            AppError::SdiFileNotFound(format!("{} has no message {name}", file.file_name))
        })?;
    let bytes = message.bytes.get().map_err(|why| {
        AppError::Internal(format!("the message {name} could not be made: {why}"))
    })?;
    let mut response = (StatusCode::OK, bytes.to_vec()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(message.content_type()),
    );
    if let Ok(value) =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", message.file_name))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

async fn certificate(State(state): State<AppState>) -> Result<Response, AppError> {
    let pem = state
        .simulation
        .run()
        .sdi
        .certificate_pem()
        .map_err(AppError::Internal)?;
    let mut response = (StatusCode::OK, pem).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-pem-file"),
    );
    Ok(response)
}
