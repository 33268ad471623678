//! A message's bytes, made the first time someone needs them.
//!
//! Every SDI notification carries an RSA (XAdES) signature, and signing is the costliest step
//! of a file's life: 85 % of the SDI lifecycle bench's cycles before this, two signatures per
//! invoice, made under the lock of SDI's records. Most notifications are never read: a gateway
//! integration learns the outcome from the document's state and downloads a notification only
//! when it wants it. So a message keeps what it is made of and is rendered, signed and (for
//! the AT) zipped on first download or SDICoop send, once, outside the records' lock.
//!
//! Nothing a client sees changes: the signing time is the message's own, fixed when SDI
//! issued it, and a PKCS#1 v1.5 signature depends only on the key and the bytes, so the
//! message is byte for byte what eager rendering made.

use std::fmt;
use std::sync::{Arc, OnceLock};

use jiff::Timestamp;

use super::archive;
use super::messages::Notification;
use super::signature::SdiSigner;

/// The bytes of one stored message; clones share one rendering.
#[derive(Clone)]
pub(crate) struct MessageBytes(Arc<Inner>);

struct Inner {
    made: OnceLock<Result<Arc<[u8]>, String>>,
    recipe: Option<Recipe>,
}

/// What a notification is made from, as SDI issued it.
struct Recipe {
    notification: Notification,
    signer: Arc<SdiSigner>,
    issued_at: Timestamp,
    /// For the AT: the ZIP it travels in, with the original invoice file.
    zip: Option<AtZip>,
}

struct AtZip {
    xml_name: String,
    invoice_name: String,
    invoice: Arc<[u8]>,
}

impl MessageBytes {
    /// Bytes that already exist, e.g. a message a recipient sent to SDI.
    pub(crate) fn ready(bytes: Arc<[u8]>) -> Self {
        let made = OnceLock::new();
        // A fresh cell: setting it cannot fail.
        let _ = made.set(Ok(bytes));
        Self(Arc::new(Inner { made, recipe: None }))
    }

    /// A notification to be signed with `signer` when first needed; `issued_at` becomes its
    /// signing time.
    pub(crate) fn notification(
        notification: Notification,
        signer: Arc<SdiSigner>,
        issued_at: Timestamp,
    ) -> Self {
        Self::with_recipe(Recipe {
            notification,
            signer,
            issued_at,
            zip: None,
        })
    }

    /// An AT: the signed notification named `xml_name`, zipped with the invoice file it
    /// attests.
    pub(crate) fn attestation(
        notification: Notification,
        signer: Arc<SdiSigner>,
        issued_at: Timestamp,
        xml_name: String,
        invoice_name: String,
        invoice: Arc<[u8]>,
    ) -> Self {
        Self::with_recipe(Recipe {
            notification,
            signer,
            issued_at,
            zip: Some(AtZip {
                xml_name,
                invoice_name,
                invoice,
            }),
        })
    }

    fn with_recipe(recipe: Recipe) -> Self {
        Self(Arc::new(Inner {
            made: OnceLock::new(),
            recipe: Some(recipe),
        }))
    }

    /// The message as it goes on the wire, made now if this is the first time. An error says
    /// why eisim could not make it (its signing key, say); it is the same on every call.
    pub(crate) fn get(&self) -> Result<Arc<[u8]>, String> {
        self.0
            .made
            .get_or_init(|| match &self.0.recipe {
                Some(recipe) => recipe.make().map(Arc::from),
                None => Err("the message has no bytes".to_owned()),
            })
            .clone()
    }

    /// True once the bytes exist (for tests of the laziness itself).
    pub(crate) fn is_made(&self) -> bool {
        self.0.made.get().is_some()
    }
}

impl Recipe {
    fn make(&self) -> Result<Vec<u8>, String> {
        let xml = self
            .notification
            .to_xml(&self.signer, self.issued_at)
            .map_err(|e| e.to_string())?;
        let Some(zip) = &self.zip else {
            return Ok(xml);
        };
        archive::attestazione_zip(
            &zip.xml_name,
            &xml,
            &zip.invoice_name,
            &zip.invoice,
            self.issued_at,
        )
        .map_err(|e| e.to_string())
    }
}

/// Without the bytes: a message's rendering is not worth printing, and may not exist yet.
impl fmt::Debug for MessageBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageBytes")
            .field("made", &self.is_made())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::messages::{Body, FileRef};
    use super::super::signature::tests::signer;
    use super::*;
    use crate::codelists::sdi::Family;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn notification(body: Body) -> Notification {
        Notification {
            family: Family::Pa,
            file: FileRef {
                identificativo_sdi: 530_097_703,
                file_name: "IT01234567890_00001.xml".into(),
                hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
                received_at: at("2026-11-21T09:15:00Z"),
                archive: None,
            },
            message_id: "4567891".into(),
            note: None,
            body,
        }
    }

    #[test]
    fn a_notification_is_signed_on_first_read_into_the_bytes_eager_signing_made() {
        let signer = Arc::new(signer());
        let rc = notification(Body::RicevutaConsegna {
            delivered_at: at("2026-11-21T09:20:00Z"),
            recipient_code: "UFY9MH".into(),
            recipient_name: None,
        });
        let issued_at = at("2026-11-21T09:20:01Z");
        let bytes = MessageBytes::notification(rc.clone(), Arc::clone(&signer), issued_at);
        let copy = bytes.clone();
        assert!(!bytes.is_made(), "made before anyone asked");

        let made = copy.get().unwrap();
        assert!(bytes.is_made(), "clones share one rendering");
        assert_eq!(&*made, rc.to_xml(&signer, issued_at).unwrap().as_slice());
        assert!(Arc::ptr_eq(&made, &bytes.get().unwrap()), "made once");
    }

    #[test]
    fn an_attestation_is_zipped_with_the_invoice_as_eagerly() {
        let signer = Arc::new(signer());
        let attestation = notification(Body::Attestazione {
            recipient_code: "UFY9MH".into(),
            recipient_name: Some("Comune di Prova".into()),
        });
        let issued_at = at("2026-12-11T10:00:00Z");
        let invoice: Arc<[u8]> = Arc::from(&b"<FatturaElettronica/>"[..]);
        let bytes = MessageBytes::attestation(
            attestation.clone(),
            Arc::clone(&signer),
            issued_at,
            "IT01234567890_00001_AT_001.xml".into(),
            "IT01234567890_00001.xml".into(),
            Arc::clone(&invoice),
        );
        let xml = attestation.to_xml(&signer, issued_at).unwrap();
        let eager = archive::attestazione_zip(
            "IT01234567890_00001_AT_001.xml",
            &xml,
            "IT01234567890_00001.xml",
            &invoice,
            issued_at,
        )
        .unwrap();
        assert_eq!(&*bytes.get().unwrap(), eager.as_slice());
    }

    #[test]
    fn bytes_that_exist_are_given_as_they_are() {
        let bytes = MessageBytes::ready(Arc::from(&b"<EsitoCommittente/>"[..]));
        assert!(bytes.is_made());
        assert_eq!(&*bytes.get().unwrap(), b"<EsitoCommittente/>");
    }
}
