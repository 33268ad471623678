//! What can go wrong with an SDI message: writing one that its schema would not accept,
//! naming one, signing it, or reading the recipient's EC.
//!
//! One error type for the whole `messages` module, because its callers handle a message as
//! one thing whichever step failed; the variants say which step.

use thiserror::Error;

use super::file_name::MAX_COUNTER;
use crate::codelists::sdi::{Family, MessageType};
use crate::networks::sdi::signature::SignatureError;

#[derive(Debug, Error)]
pub(crate) enum MessageError {
    #[error("{message} ({name}) does not exist in the {family} flow")]
    WrongFamily {
        message: MessageType,
        name: &'static str,
        family: Family,
    },
    #[error("{field}: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error(
        "{0:?} is not an SDI invoice file name (<IdPaese><IdCodice>_<progressivo>.xml|.xml.p7m|.zip)"
    )]
    InvalidFileName(String),
    #[error("message counter {0} is outside 1..={MAX_COUNTER}")]
    CounterOutOfRange(u32),
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The EC does not conform to `NotificaEsitoCommittente_Type`: SDI answers ES00 with an SE
    /// carrying EN00.
    #[error("NotificaEsitoCommittente not conforming: {0}")]
    EsitoNonConforme(String),
}

pub(super) fn invalid(field: &'static str, reason: impl Into<String>) -> MessageError {
    MessageError::InvalidField {
        field,
        reason: reason.into(),
    }
}
