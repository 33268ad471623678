//! One stored invoice as KSeF's repository describes it to whoever may read it: the
//! `InvoiceMetadata` of `POST /invoices/query/metadata` and of an export's `_metadata.json`.
//!
//! Plain data with no dependency on the rest of eisim, so that the query benchmark compiles
//! this file as it is (`benches/benches/ksef_query.rs`).

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Value, json};

/// A party identifier as the metadata names it: `Nip`, `VatUe`, `Other`, `None` (and
/// `InternalId` for third parties).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identifier {
    pub(crate) kind: &'static str,
    pub(crate) value: Option<String>,
}

impl Identifier {
    pub(crate) fn nip(&self) -> Option<&str> {
        (self.kind == "Nip")
            .then_some(self.value.as_deref())
            .flatten()
    }

    fn to_json(&self) -> Value {
        let mut body = json!({"type": self.kind});
        if let Some(value) = &self.value {
            body["value"] = Value::from(value.clone());
        }
        body
    }
}

/// A `Podmiot3`: who else the invoice names, and in which role (0 = another role).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ThirdSubject {
    pub(crate) identifier: Identifier,
    pub(crate) name: Option<String>,
    pub(crate) role: i32,
}

/// The `PodmiotUpowazniony`: a bailiff, an enforcement authority or a tax representative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthorizedSubject {
    pub(crate) nip: String,
    pub(crate) name: Option<String>,
    pub(crate) role: i32,
}

/// What the repository knows of one invoice with a KSeF number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InvoiceMetadata {
    pub(crate) ksef_number: String,
    pub(crate) invoice_number: String,
    pub(crate) issue_date: Date,
    pub(crate) invoicing_date: Timestamp,
    pub(crate) acquisition_date: Timestamp,
    pub(crate) permanent_storage_date: Timestamp,
    pub(crate) seller_nip: String,
    pub(crate) seller_name: Option<String>,
    pub(crate) buyer: Identifier,
    pub(crate) buyer_name: Option<String>,
    pub(crate) net_amount: f64,
    pub(crate) gross_amount: f64,
    pub(crate) vat_amount: f64,
    pub(crate) currency: String,
    pub(crate) offline: bool,
    /// `Vat`, `Zal`, `Kor`, ... (the OpenAPI's `InvoiceType`).
    pub(crate) invoice_type: &'static str,
    /// `(systemCode, schemaVersion, value)`, e.g. `("FA (3)", "1-0E", "FA")`.
    pub(crate) form_code: (String, String, String),
    pub(crate) self_invoicing: bool,
    pub(crate) has_attachment: bool,
    pub(crate) invoice_hash: String,
    pub(crate) third_subjects: Vec<ThirdSubject>,
    pub(crate) authorized: Option<AuthorizedSubject>,
}

/// A KSeF date-time: UTC, `+00:00`, six fractional digits (as `wire::ksef_time`, which this
/// file cannot name without leaving the benchmark behind).
fn wire_time(at: Timestamp) -> String {
    let micros = at.subsec_microsecond().unsigned_abs();
    format!("{}.{micros:06}+00:00", at.strftime("%Y-%m-%dT%H:%M:%S"))
}

impl InvoiceMetadata {
    /// The OpenAPI's `InvoiceMetadata`.
    pub(crate) fn to_json(&self) -> Value {
        let mut seller = json!({"nip": self.seller_nip});
        if let Some(name) = &self.seller_name {
            seller["name"] = Value::from(name.clone());
        }
        let mut buyer = json!({"identifier": self.buyer.to_json()});
        if let Some(name) = &self.buyer_name {
            buyer["name"] = Value::from(name.clone());
        }
        let mut body = json!({
            "ksefNumber": self.ksef_number,
            "invoiceNumber": self.invoice_number,
            "issueDate": self.issue_date.to_string(),
            "invoicingDate": wire_time(self.invoicing_date),
            "acquisitionDate": wire_time(self.acquisition_date),
            "permanentStorageDate": wire_time(self.permanent_storage_date),
            "seller": seller,
            "buyer": buyer,
            "netAmount": self.net_amount,
            "grossAmount": self.gross_amount,
            "vatAmount": self.vat_amount,
            "currency": self.currency,
            "invoicingMode": if self.offline { "Offline" } else { "Online" },
            "invoiceType": self.invoice_type,
            "formCode": {
                "systemCode": self.form_code.0,
                "schemaVersion": self.form_code.1,
                "value": self.form_code.2,
            },
            "isSelfInvoicing": self.self_invoicing,
            "hasAttachment": self.has_attachment,
            "invoiceHash": self.invoice_hash,
            "thirdSubjects": self.third_subjects.iter().map(|third| {
                let mut subject = json!({"identifier": third.identifier.to_json(), "role": third.role});
                if let Some(name) = &third.name {
                    subject["name"] = Value::from(name.clone());
                }
                subject
            }).collect::<Vec<_>>(),
        });
        if let Some(authorized) = &self.authorized {
            let mut subject = json!({"nip": authorized.nip, "role": authorized.role});
            if let Some(name) = &authorized.name {
                subject["name"] = Value::from(name.clone());
            }
            body["authorizedSubject"] = subject;
        }
        body
    }

    /// Whether the context `nip` is this invoice's party in `role`.
    pub(crate) fn names(&self, role: Role, nip: &str) -> bool {
        match role {
            Role::Seller => self.seller_nip == nip,
            Role::Buyer => self.buyer.nip() == Some(nip),
            Role::Third => self
                .third_subjects
                .iter()
                .any(|third| third.identifier.nip() == Some(nip)),
            Role::Authorized => self.authorized.as_ref().is_some_and(|a| a.nip == nip),
        }
    }
}

/// The parties a query names by `subjectType`: Subject1, Subject2, Subject3,
/// SubjectAuthorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Role {
    Seller,
    Buyer,
    Third,
    Authorized,
}

impl Role {
    pub(crate) const ALL: [Role; 4] = [Role::Seller, Role::Buyer, Role::Third, Role::Authorized];

    pub(crate) fn from_subject_type(name: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|role| role.subject_type().eq_ignore_ascii_case(name))
    }

    pub(crate) fn subject_type(self) -> &'static str {
        match self {
            Role::Seller => "Subject1",
            Role::Buyer => "Subject2",
            Role::Third => "Subject3",
            Role::Authorized => "SubjectAuthorized",
        }
    }
}
