//! What rendering and the checks must read alike: an Invoice Response's clarification laid out
//! as the `cac:Status` elements it is sent as, an access point id split into scheme and seat,
//! and the blankness every "MUST NOT be empty" rule tests. Rendering writes from these and the
//! checks judge them, so a rule is judged on what is actually sent.

use super::model::{Condition, InvoiceResponse, SPIS_SCHEME};
use crate::codelists::peppol::{StatusAction, StatusReason};

/// XPath `normalize-space(.) = ''`, the test behind every "MUST NOT be empty" rule.
pub(super) fn is_blank(value: &str) -> bool {
    value.trim_matches([' ', '\t', '\n', '\r']).is_empty()
}

pub(super) fn non_blank(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !is_blank(v))
}

/// Splits an access point id into (ICD, seat id).
pub(super) fn spis_parts(value: &str) -> (&str, &str) {
    let value = value.trim();
    let value = match value.get(..22) {
        Some(prefix) if prefix.eq_ignore_ascii_case("iso6523-actorid-upis::") => {
            value.get(22..).unwrap_or_default()
        }
        _ => value,
    };
    value.split_once(':').unwrap_or((SPIS_SCHEME, value))
}

/// The code of one `cac:Status`: a reason and an action share `cbc:StatusReasonCode` and are
/// told apart by `listID`.
#[derive(Debug, Clone, Copy)]
pub(super) enum ClarificationCode {
    Reason(StatusReason),
    Action(StatusAction),
}

impl ClarificationCode {
    pub(super) fn list_id(self) -> &'static str {
        match self {
            Self::Reason(_) => StatusReason::LIST_ID,
            Self::Action(_) => StatusAction::LIST_ID,
        }
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Reason(reason) => reason.as_str(),
            Self::Action(action) => action.as_str(),
        }
    }

    pub(super) fn is_other(self) -> bool {
        matches!(
            self,
            Self::Reason(StatusReason::OTH) | Self::Action(StatusAction::OTH)
        )
    }
}

/// One `cac:Status` as rendered; the checks read the same layout so that `PEPPOL-T111-R002`
/// (OTH needs a text in *its* Status) is judged on what is actually sent.
#[derive(Debug)]
pub(super) struct Clarification<'a> {
    pub(super) code: Option<ClarificationCode>,
    pub(super) text: Option<&'a str>,
    pub(super) conditions: &'a [Condition],
}

pub(super) fn clarifications(response: &InvoiceResponse) -> Vec<Clarification<'_>> {
    let text = non_blank(response.reason_text.as_deref());
    let text_describes_first_action = response.reason.is_none() && !response.actions.is_empty();
    let mut statuses = Vec::with_capacity(response.actions.len() + 1);
    let head_text = if text_describes_first_action {
        None
    } else {
        text
    };
    if response.reason.is_some() || head_text.is_some() || !response.conditions.is_empty() {
        statuses.push(Clarification {
            code: response.reason.map(ClarificationCode::Reason),
            text: head_text,
            conditions: &response.conditions,
        });
    }
    for (index, action) in response.actions.iter().enumerate() {
        statuses.push(Clarification {
            code: Some(ClarificationCode::Action(*action)),
            text: if text_describes_first_action && index == 0 {
                text
            } else {
                None
            },
            conditions: &[],
        });
    }
    statuses
}
