//! `/api/v1/submissions`: a batch of documents, each validated on its own, answered at once
//! with the submission id; `GET` on it is the one call integrators should poll.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::auth::Authenticated;
use super::envelope;
use super::idempotency::{Reply, idempotent};
use super::intake::{Admission, Intake};
use super::meter::meter;
use super::views::SubmissionView;
use crate::http::problem::AppError;
use crate::http::server::AppState;
use crate::scenario::EndpointGroup;
use crate::store::{SubmissionItem, SubmissionRecord};

/// `POST /api/v1/submissions`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let run = state.simulation.run();
    let _journal = &state.simulation.journal;
    let rate = meter(&run, &tenant, EndpointGroup::Submit)?;
    let intake = Intake::new(&run, &tenant);
    let mut response = idempotent(
        &run,
        &tenant,
        &headers,
        "POST /api/v1/submissions",
        &body,
        || {
            intake.check_not_throttled()?;
            let incoming = envelope::batch(&headers, &body)?;
            let id = run.store.ledger.mint_id("sub", run.seed);
            let items = incoming
                .into_iter()
                .map(|incoming| {
                    let incoming = match incoming {
                        Ok(incoming) => incoming,
                        Err(problem) => {
                            return SubmissionItem::Unreadable {
                                problem: problem.to_string(),
                            };
                        }
                    };
                    if incoming.bytes.len() > run.throttle.max_body() {
                        return SubmissionItem::Unreadable {
                            problem: AppError::PayloadTooLarge {
                                limit: run.throttle.max_body(),
                            }
                            .to_string(),
                        };
                    }
                    match intake.admit(incoming, &id) {
                        Ok(Admission::Accepted(doc)) => SubmissionItem::Document {
                            document_id: doc.id,
                        },
                        Ok(Admission::Invalid(refusal)) => SubmissionItem::Document {
                            document_id: intake.keep_failed(*refusal, &id).id,
                        },
                        Err(AppError::DuplicateSubmission {
                            original_id,
                            reason,
                        }) => SubmissionItem::Duplicate {
                            document_id: original_id,
                            reason,
                        },
                        Err(AppError::DuplicateThrottled {
                            status,
                            retry_after,
                            original_id: Some(document_id),
                        }) => SubmissionItem::Duplicate {
                            document_id,
                            reason: AppError::DuplicateThrottled {
                                status,
                                retry_after,
                                original_id: None,
                            }
                            .to_string(),
                        },
                        Err(problem) => SubmissionItem::Unreadable {
                            problem: problem.to_string(),
                        },
                    }
                })
                .collect();
            let submission = SubmissionRecord {
                id: id.clone(),
                created_at: intake.now,
                items,
            };
            intake.file(submission);
            let (submission, documents) =
                run.store.ledger.submission(&tenant, &id).ok_or_else(|| {
                    AppError::Internal("a submission vanished as it was stored".into())
                })?;
            Reply::json(
                StatusCode::ACCEPTED,
                Some(format!("/api/v1/submissions/{id}")),
                &SubmissionView::new(&submission, &documents),
            )
        },
    )?;
    rate.apply(response.headers_mut());
    Ok(response)
}

/// `GET /api/v1/submissions/{id}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let run = state.simulation.run();
    let rate = meter(&run, &tenant, EndpointGroup::Status)?;
    let (submission, documents) = run
        .store
        .ledger
        .submission(&tenant, &id)
        .ok_or(AppError::SubmissionNotFound(id))?;
    Ok((rate, Json(SubmissionView::new(&submission, &documents))).into_response())
}
