//! Rate limiting at the door of each gateway call: count the call against its endpoint
//! group's window, refuse it with 429 when over, and tell the client where it stands in the
//! `RateLimit-Policy` / `RateLimit` fields either way, so a well-behaved client can pace
//! itself before it is ever refused.

use axum::http::HeaderValue;
use axum::response::{IntoResponseParts, ResponseParts};

use crate::http::problem::AppError;
use crate::journal::{AntiPattern, Record};
use crate::limits::{Quota, RateDecision};
use crate::scenario::EndpointGroup;
use crate::simulation::Run;
use crate::vocabulary::TenantId;

/// The RateLimit fields to add to a successful answer (none for unlimited endpoints).
#[derive(Debug, Default)]
pub(crate) struct RateHeaders(Vec<(axum::http::HeaderName, String)>);

impl IntoResponseParts for RateHeaders {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        self.apply(res.headers_mut());
        Ok(res)
    }
}

impl RateHeaders {
    /// Adds the fields to a response built by hand.
    pub(crate) fn apply(self, headers: &mut axum::http::HeaderMap) {
        for (name, value) in self.0 {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
    }
}

/// Counts one call by `tenant` to `group`; `Err` is the 429 to answer.
pub(crate) fn meter(
    run: &Run,
    tenant: &TenantId,
    group: EndpointGroup,
) -> Result<RateHeaders, AppError> {
    let now = run.clock.now();
    match run.throttle.check(tenant, group, now) {
        RateDecision::Unlimited => Ok(RateHeaders::default()),
        RateDecision::Allowed {
            group,
            quota,
            remaining,
            reset,
        } => Ok(RateHeaders(
            rate_limit_fields(group, quota, remaining, reset).into(),
        )),
        RateDecision::Limited {
            group,
            quota,
            retry_after,
        } => {
            run.journal().append(
                now,
                Some(tenant.clone()),
                Record::AntiPattern {
                    pattern: AntiPattern::RateLimitExceeded,
                    detail: format!(
                        "`{}` calls over {} per {} s",
                        group.as_str(),
                        quota.requests,
                        quota.per.as_secs()
                    ),
                },
            );
            Err(AppError::RateLimited {
                group,
                quota,
                retry_after,
            })
        }
    }
}

/// The `RateLimit-Policy` and `RateLimit` fields of draft-ietf-httpapi-ratelimit-headers:
/// `"submit";q=100;w=60` and `"submit";r=99;t=42`.
pub(crate) fn rate_limit_fields(
    group: EndpointGroup,
    quota: Quota,
    remaining: u32,
    reset: u64,
) -> [(axum::http::HeaderName, String); 2] {
    let name = group.as_str();
    [
        (
            axum::http::HeaderName::from_static("ratelimit-policy"),
            format!(
                "\"{name}\";q={};w={}",
                quota.requests,
                quota.per.as_secs().max(1)
            ),
        ),
        (
            axum::http::HeaderName::from_static("ratelimit"),
            format!("\"{name}\";r={remaining};t={reset}"),
        ),
    ]
}
