//! The one XML reader every parser of client bytes goes through: the invoice validators, the
//! KSeF XAdES request, SDI's SOAP envelopes and the recipient's outcome (EC).
//!
//! XML has dangerous parts that none of those formats needs: a DOCTYPE (the door to entity
//! expansion and external entity reads), entities other than the five predefined ones and
//! character references, nesting and element counts far beyond any real message. Shutting
//! them out once, in one place, means a fix or a tightening reaches every network at once and
//! no parser can forget a door. The reader builds a small owned tree rather than handing out
//! events: the messages are small, and every caller looks back and forth across them.
//!
//! - `read.rs`: [`parse`] and [`parse_with`], the reader and its [`Limits`];
//! - `tree.rs`: the tree it builds ([`XmlDocument`], [`Element`] and its attributes);
//! - `error.rs`: [`XmlError`], why bytes were refused, for each caller to word in its own
//!   protocol (a problem document, a SOAP fault, an SDI refusal).
//!
//! Base layer: it names nothing else of the crate.

mod error;
mod read;
mod tree;

pub(crate) use error::XmlError;
pub(crate) use read::{Limits, parse, parse_with};
pub(crate) use tree::{Element, XmlDocument, is_whitespace};
