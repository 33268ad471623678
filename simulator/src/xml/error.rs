//! Why the reader refused some bytes.
//!
//! The reader words each refusal once, here; what a refusal becomes is the caller's business:
//! an invoice parser turns it into a problem document, the SOAP codec into a fault with its
//! own codes, the EC reader into SDI's EN00. So the variants keep apart what callers answer
//! differently (not UTF-8, no root at all, a DOCTYPE, an entity and which one, a limit), and
//! [`XmlError::is_hostile`] says which refusals are about hostile XML rather than broken XML.

use thiserror::Error;

/// Why bytes were not read as XML.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub(crate) enum XmlError {
    /// The bytes (after a UTF-8 BOM, if any) are not UTF-8; `at` is the first bad byte.
    #[error("the document is not valid UTF-8 (invalid byte sequence at byte {at})")]
    NotUtf8 { at: usize },
    /// Not well-formed: the message says what and where.
    #[error("{0}")]
    Malformed(String),
    /// Nothing but whitespace, comments or processing instructions.
    #[error("the document has no root element")]
    NoRoot,
    /// Hostile: a DOCTYPE declaration, refused whatever it declares.
    #[error(
        "a DOCTYPE declaration at byte {at}: DTDs are refused, since they can declare entities \
         that expand without bound or read external files"
    )]
    Doctype { at: u64 },
    /// Hostile: a reference to an entity other than the five predefined ones, in text or in
    /// an attribute value. `entity` is its name where the reference is complete enough to
    /// have one.
    #[error("{message}")]
    Entity {
        entity: Option<String>,
        message: String,
    },
    /// Hostile: elements nested deeper than the limit.
    #[error("elements are nested more than {limit} deep (at byte {at})")]
    TooDeep { limit: usize, at: u64 },
    /// Hostile: more elements than the limit.
    #[error("more than {limit} elements")]
    TooManyElements { limit: usize },
}

impl XmlError {
    /// Refused as hostile (DTDs, entities, limits), as opposed to not being XML at all.
    pub(crate) fn is_hostile(&self) -> bool {
        match self {
            Self::NotUtf8 { .. } | Self::Malformed(_) | Self::NoRoot => false,
            Self::Doctype { .. }
            | Self::Entity { .. }
            | Self::TooDeep { .. }
            | Self::TooManyElements { .. } => true,
        }
    }
}
