//! Peppol's public lookup services, as integrators' code calls them: the SML (as the NAPTR
//! record it would publish), the SMP's REST API and the Directory's search.
//!
//! All three are unauthenticated reads, like the real ones. The three ways a lookup fails
//! answer differently, so code that tells them apart can be tested: no NAPTR record (404 from
//! the SML, and from the SMP with `X-Eisim-Lookup: sml`), no service group on the SMP, and no
//! service for the document type.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

use crate::http::server::AppState;
use crate::identifiers::peppol::{self as identifier, ParticipantId};
use crate::networks::peppol::sending::RECEIVING_AP_URL;
use crate::networks::peppol::smp::{self, ServiceGroup, ServiceMetadata};
use crate::networks::peppol::state::{LookupFailure, Registration};

/// Most results a Directory search returns over all pages (phoss Directory's limit).
const MAX_RESULTS: usize = 1000;
const DEFAULT_PAGE_COUNT: usize = 20;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/peppol/sml/{participant}", get(sml))
        .route("/peppol/smp/{participant}", get(service_group))
        .route(
            "/peppol/smp/{participant}/services/{document_type}",
            get(service_metadata),
        )
        .route("/peppol/certificates/{which}", get(certificate))
        .route("/peppol/directory/search/1.0/json", get(search))
        .route(
            "/peppol/directory/search/{version}/{format}",
            get(search_elsewhere),
        )
}

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

fn xml(body: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

fn not_found(failure: &LookupFailure) -> Response {
    let mut response = text(StatusCode::NOT_FOUND, failure.message());
    if let Ok(value) = header::HeaderValue::from_str(failure.layer()) {
        response.headers_mut().insert("x-eisim-lookup", value);
    }
    response
}

/// A malformed participant id, answered 400 with the reason (and the rule it breaks).
struct Malformed(String);

impl IntoResponse for Malformed {
    fn into_response(self) -> Response {
        text(StatusCode::BAD_REQUEST, self.0)
    }
}

fn participant(raw: &str) -> Result<ParticipantId, Malformed> {
    ParticipantId::parse(raw).map_err(|e| Malformed(e.to_string()))
}

/// `http://<Host>/peppol/smp`: the SMP's base URL as this client reaches it.
fn smp_base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}/peppol/smp")
}

/// `GET /peppol/sml/{participant}`: the NAPTR record the SML publishes for a participant,
/// under its real host name, or NXDOMAIN.
async fn sml(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    let id = match participant(&raw) {
        Ok(id) => id,
        Err(malformed) => return malformed.into_response(),
    };
    let run = state.simulation.run();
    let host = id.naptr_host();
    match run.peppol.service_group(&id) {
        Err(failure @ LookupFailure::NotInSml { .. }) => (
            StatusCode::NOT_FOUND,
            Json(json!({
                "participant": id.wire(),
                "name": host,
                "status": "NXDOMAIN",
                "detail": failure.message(),
            })),
        )
            .into_response(),
        _ => {
            let base = smp_base(&headers);
            Json(json!({
                "participant": id.wire(),
                "name": host,
                "type": "NAPTR",
                "order": 100,
                "preference": 10,
                "flags": "U",
                "service": "Meta:SMP",
                "regexp": format!("!^.*$!{base}!"),
                "smp_url": base,
            }))
            .into_response()
        }
    }
}

/// `GET /peppol/smp/{participant}`: the participant's ServiceGroup.
async fn service_group(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    let id = match participant(&raw) {
        Ok(id) => id,
        Err(malformed) => return malformed.into_response(),
    };
    let run = state.simulation.run();
    match run.peppol.service_group(&id) {
        Ok(registration) => xml(smp::render_service_group(
            &ServiceGroup {
                participant: registration.id.short(),
                references: registration
                    .capabilities
                    .iter()
                    .map(|c| c.document_type.to_owned())
                    .collect(),
            },
            &smp_base(&headers),
        )),
        Err(failure) => not_found(&failure),
    }
}

/// `GET /peppol/smp/{participant}/services/{documentType}`: the signed endpoint record.
async fn service_metadata(
    State(state): State<AppState>,
    Path((raw, document_type)): Path<(String, String)>,
) -> Response {
    let id = match participant(&raw) {
        Ok(id) => id,
        Err(malformed) => return malformed.into_response(),
    };
    let Some(document_type) = document_type
        .split_once("::")
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case(identifier::DOCUMENT_SCHEME))
        .map(|(_, value)| value.to_owned())
    else {
        return text(
            StatusCode::BAD_REQUEST,
            format!(
                "`{document_type}` is not a document type identifier: expected `{}::<value>`",
                identifier::DOCUMENT_SCHEME
            ),
        );
    };
    let run = state.simulation.run();
    let (registration, capability) = match run.peppol.lookup(&id, &document_type) {
        Ok(found) => found,
        Err(failure) => return not_found(&failure),
    };
    let (signer, certificate) = match (run.peppol.signer(), run.peppol.access_point_certificate()) {
        (Ok(signer), Ok(certificate)) => (signer, certificate),
        (Err(why), _) | (_, Err(why)) => {
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the SMP cannot sign: {why}"),
            );
        }
    };
    let metadata = ServiceMetadata {
        participant: registration.id.short(),
        document_type: capability.document_type.to_owned(),
        process: capability.process.to_owned(),
        endpoint_url: RECEIVING_AP_URL.to_owned(),
        activation: None,
        expiration: None,
        description: format!(
            "eisim's simulated receiving access point for {}",
            registration.name.as_deref().unwrap_or("this participant")
        ),
        technical_contact_url: "https://github.com/eisim/eisim".to_owned(),
    };
    match smp::render_signed_service_metadata(&metadata, signer, certificate) {
        Ok(body) => xml(body),
        Err(why) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the SMP cannot sign: {why}"),
        ),
    }
}

/// `GET /peppol/certificates/smp` and `/ap`: the PEM certificates a sender configures as
/// trusted for eisim's SMP signatures and its access point.
async fn certificate(State(state): State<AppState>, Path(which): Path<String>) -> Response {
    let run = state.simulation.run();
    let der = match which.as_str() {
        "smp" => run.peppol.signer().map(|s| s.certificate_der().to_vec()),
        "ap" => run.peppol.access_point_certificate().map(<[u8]>::to_vec),
        other => {
            return text(
                StatusCode::NOT_FOUND,
                format!("no certificate `{other}`; eisim publishes `smp` and `ap`"),
            );
        }
    };
    match der {
        Ok(der) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/x-pem-file")],
            crate::certificate::pem(&der),
        )
            .into_response(),
        Err(why) => text(StatusCode::INTERNAL_SERVER_ERROR, why),
    }
}

#[derive(Debug, Default, Deserialize)]
struct SearchQuery {
    q: Option<String>,
    participant: Option<String>,
    name: Option<String>,
    country: Option<String>,
    doctype: Option<String>,
    #[serde(alias = "resultPageIndex")]
    rpi: Option<usize>,
    #[serde(alias = "resultPageCount")]
    rpc: Option<usize>,
}

/// `GET /peppol/directory/search/1.0/json`: the business cards of registered participants.
/// Only the SML and SMP are authoritative; the Directory is what participants chose to show.
async fn search(State(state): State<AppState>, Query(query): Query<SearchQuery>) -> Response {
    let terms: Vec<(&str, &String)> = [
        ("q", &query.q),
        ("participant", &query.participant),
        ("name", &query.name),
        ("country", &query.country),
        ("doctype", &query.doctype),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.as_ref().map(|v| (key, v)))
    .collect();
    if terms.is_empty() {
        return text(
            StatusCode::BAD_REQUEST,
            "No query term given: use q, participant, name, country or doctype".to_owned(),
        );
    }
    let wanted_participant = match query.participant.as_deref().map(ParticipantId::parse) {
        Some(Ok(id)) => Some(id),
        Some(Err(error)) => return text(StatusCode::BAD_REQUEST, error.to_string()),
        None => None,
    };
    let run = state.simulation.run();
    let mut found: Vec<&Registration> = run
        .peppol
        .registrations()
        .filter(|r| {
            let name = r.name.clone().unwrap_or_default().to_lowercase();
            query.q.as_deref().is_none_or(|q| {
                let q = q.to_lowercase();
                name.contains(&q) || r.id.key().contains(&q)
            }) && wanted_participant
                .as_ref()
                .is_none_or(|p| p.key() == r.id.key())
                && query
                    .name
                    .as_deref()
                    .is_none_or(|n| name.contains(&n.to_lowercase()))
                && query.country.as_deref().is_none_or(|c| {
                    country_of(&r.id.icd).is_some_and(|k| k.eq_ignore_ascii_case(c))
                })
                && query.doctype.as_deref().is_none_or(|d| {
                    identifier::capability(d).is_some_and(|c| r.capabilities.contains(&c))
                })
        })
        .collect();
    found.sort_by_key(|r| r.id.key());
    found.truncate(MAX_RESULTS);
    let count = query
        .rpc
        .unwrap_or(DEFAULT_PAGE_COUNT)
        .clamp(1, MAX_RESULTS);
    let index = query.rpi.unwrap_or(0);
    let first = index.saturating_mul(count).min(found.len());
    let page: Vec<&Registration> = found.iter().skip(first).take(count).copied().collect();
    let matches: Vec<serde_json::Value> = page
        .iter()
        .map(|r| {
            json!({
                "participantID": { "scheme": identifier::PARTICIPANT_SCHEME, "value": r.id.short() },
                "docTypes": r.capabilities.iter().map(|c| json!({
                    "scheme": identifier::DOCUMENT_SCHEME,
                    "value": c.document_type,
                })).collect::<Vec<_>>(),
                "entities": [{
                    "name": [{ "name": r.name.clone().unwrap_or_default() }],
                    "countryCode": country_of(&r.id.icd),
                }],
            })
        })
        .collect();
    let query_terms = terms
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    Json(json!({
        "version": "1.0",
        "total-result-count": found.len(),
        "used-result-count": page.len(),
        "result-page-index": index,
        "result-page-count": count,
        "first-result-index": first,
        "last-result-index": (first + page.len()).saturating_sub(1),
        "query-terms": query_terms,
        "creation-dt": run.clock.now().to_string(),
        "matches": matches,
    }))
    .into_response()
}

/// Other versions and the XML flavour: the Directory answers 404 for unknown versions, and
/// eisim serves only the JSON one.
async fn search_elsewhere(Path((version, format)): Path<(String, String)>) -> Response {
    if version != "1.0" {
        return text(
            StatusCode::NOT_FOUND,
            format!("Unsupported search API version `{version}`; use 1.0"),
        );
    }
    text(
        StatusCode::NOT_IMPLEMENTED,
        format!("eisim's Directory serves search/1.0/json only, not `{format}`"),
    )
}

/// The country an ICD's register belongs to, for a business card's `countryCode`.
fn country_of(icd: &str) -> Option<&'static str> {
    Some(match icd {
        "0208" | "9925" => "BE",
        "0007" | "9955" => "SE",
        "0192" => "NO",
        "0184" => "DK",
        "0151" => "AU",
        "0201" | "0210" | "0211" | "9906" | "9907" => "IT",
        "0002" | "0009" | "9957" => "FR",
        "0106" | "0190" | "9944" => "NL",
        "0204" | "9930" => "DE",
        "9914" | "9915" => "AT",
        _ => return None,
    })
}
