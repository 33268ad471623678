//! Why a SOAP message could not be read, and the fault code a server answers it with.
//!
//! One error for reading requests and answers alike: each variant names what the sender got
//! wrong precisely enough to put in a `faultstring`, because a broken integrator's only way to
//! learn what it sent wrong is the fault SDI answers.

use crate::networks::sdi::mtom::MimeError;

/// Why a SOAP message could not be read. Every variant is the sender's fault (`soap:Client`)
/// except a received [`SoapError::Fault`], which reports the peer's own fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SoapError {
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("unsupported Content-Type {0:?} (expected text/xml or multipart/related MTOM)")]
    UnsupportedContentType(String),
    #[error("invalid MIME multipart: {0}")]
    Mime(#[from] MimeError),
    #[error("the SOAP envelope is not UTF-8 encoded")]
    NotUtf8,
    #[error("malformed XML: {0}")]
    Xml(String),
    #[error("DTDs are not allowed in SOAP messages (DOCTYPE refused)")]
    DtdRefused,
    #[error("entity reference &{0}; is not allowed (only the predefined XML entities are)")]
    EntityRefused(String),
    #[error("XML nesting deeper than {0} levels")]
    TooDeep(usize),
    #[error("more than {0} XML elements")]
    TooManyElements(usize),
    #[error("not a SOAP 1.1 envelope: {0}")]
    NotSoap11(String),
    #[error("SOAP header block {0} has mustUnderstand=\"1\" and is not understood")]
    MustUnderstand(String),
    #[error("the soap:Body is empty")]
    EmptyBody,
    #[error("unknown operation: body element {element}")]
    UnknownOperation { element: String },
    #[error("unknown SOAPAction {0:?}")]
    UnknownSoapAction(String),
    #[error("SOAPAction {action:?} does not match body element {element}")]
    SoapActionMismatch { action: String, element: String },
    #[error("missing element {element} in {parent}")]
    MissingElement { element: String, parent: String },
    #[error("unexpected element {element} in {parent}{detail}")]
    UnexpectedElement {
        element: String,
        parent: String,
        /// Extra explanation, starting with "; " when present.
        detail: String,
    },
    #[error("invalid content of element {element}: {reason}")]
    InvalidValue { element: String, reason: String },
    #[error("xop:Include in {element} refers to {href:?}, which is not a part of the message")]
    MissingAttachment { element: String, href: String },
    #[error("SOAP fault {faultcode}: {faultstring}")]
    Fault {
        faultcode: String,
        faultstring: String,
    },
}

impl SoapError {
    /// The SOAP 1.1 faultcode a server should answer with when it cannot read a request.
    pub(crate) fn faultcode(&self) -> &'static str {
        match self {
            Self::MustUnderstand(_) => "soap:MustUnderstand",
            Self::NotSoap11(_) => "soap:VersionMismatch",
            _ => "soap:Client",
        }
    }
}
