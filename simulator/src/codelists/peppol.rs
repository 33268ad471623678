//! Peppol's closed code lists for the three ApplicationResponse conversations: the Invoice
//! Response statuses (UNCL4343 subset T111) with their reasons (`OPStatusReason`) and actions
//! (`OPStatusAction`), the MLR and MLS result codes, and the kinds of line-level issue.
//!
//! Closed enums, so an unknown code cannot be represented at all; scenario files, the gateway's
//! Invoice Response endpoint and the Peppol engine all parse through them.

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Defines a closed code list: the enum, its wire code, its English name and serde as the code.
macro_rules! code_list {
    (
        $(#[$meta:meta])*
        $ty:ident {
            $( $(#[$vmeta:meta])* $code:ident => $name:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        // The variants are the codes as the code list writes them.
        #[allow(clippy::upper_case_acronyms)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) enum $ty {
            $( $(#[$vmeta])* $code ),+
        }

        impl $ty {
            /// Every code, in the order the code list (or the process) lists them.
            pub(crate) const ALL: &'static [$ty] = &[$($ty::$code),+];
            const CODES: &'static [&'static str] = &[$(stringify!($code)),+];

            /// The code as it appears on the wire.
            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $($ty::$code => stringify!($code)),+
                }
            }

            /// Reads a code the way a lenient receiver would: surrounding whitespace and case
            /// are ignored, anything outside the list is `None`.
            pub(crate) fn parse(code: &str) -> Option<Self> {
                let code = code.trim();
                Self::ALL.iter().copied().find(|known| known.as_str().eq_ignore_ascii_case(code))
            }

            /// The English name the code list gives the code, for messages and UIs; not every
            /// list's names are shown yet.
            #[allow(dead_code)]
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $($ty::$code => $name),+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let code = String::deserialize(deserializer)?;
                Self::parse(&code).ok_or_else(|| D::Error::unknown_variant(&code, Self::CODES))
            }
        }
    };
}

code_list! {
    /// Invoice status of an Invoice Response (UNCL4343 subset `UNCL4343-T111`). Declared in
    /// the process order of `OP-BR111-R012`.
    InvoiceResponseCode {
        /// Readable invoice received and handed to processing; mandatory to support.
        AB => "Message acknowledgement",
        /// Processing started in the buyer's system.
        IP => "In process",
        /// Halted until the seller supplies information; needs a clarification.
        UQ => "Under query",
        /// Accepted under stated conditions; needs a clarification.
        CA => "Conditionally accepted",
        /// The buyer will not process it further; final, needs a clarification.
        RE => "Rejected",
        /// Approved; the next step is payment.
        AP => "Accepted",
        /// Payment initiated; final unless the reason is [`StatusReason::PPD`].
        PD => "Paid",
    }
}

impl InvoiceResponseCode {
    /// UQ, CA and RE ask the seller to act, so `PEPPOL-T111-R001` wants a reason or action.
    pub(crate) fn requires_clarification(self) -> bool {
        matches!(self, Self::UQ | Self::CA | Self::RE)
    }

    /// Whether the conversation about the invoice is over (`OP-BR111-R004`): a rejection, or a
    /// payment that is not marked partial.
    pub(crate) fn is_final(self, reason: Option<StatusReason>) -> bool {
        match self {
            Self::RE => true,
            Self::PD => reason != Some(StatusReason::PPD),
            _ => false,
        }
    }
}

code_list! {
    /// Why the buyer gives a status (code list `OPStatusReason`).
    StatusReason {
        NON => "No Issue",
        REF => "References incorrect",
        LEG => "Legal information incorrect",
        REC => "Receiver unknown",
        QUA => "Item quality insufficient",
        DEL => "Delivery issues",
        PRI => "Prices incorrect",
        QTY => "Quantity incorrect",
        ITM => "Items incorrect",
        PAY => "Payment terms incorrect",
        UNR => "Not recognized",
        FIN => "Finance incorrect",
        /// Partial payment: only with PD, which it turns into a non-final status.
        PPD => "Partially Paid",
        /// Needs a text (`PEPPOL-T111-R002`).
        OTH => "Other",
    }
}

impl StatusReason {
    /// `listID` that tells a receiver which list a `cbc:StatusReasonCode` comes from.
    pub(crate) const LIST_ID: &'static str = "OPStatusReason";
}

code_list! {
    /// What the buyer asks the seller to do (code list `OPStatusAction`).
    StatusAction {
        NOA => "No action required",
        PIN => "Provide information",
        NIN => "Issue new invoice",
        CNF => "Credit fully",
        CNP => "Credit partially",
        CNA => "Credit the amount",
        /// Needs a text (`PEPPOL-T111-R002`).
        OTH => "Other",
    }
}

impl StatusAction {
    /// `listID` of an action code; shares `cbc:StatusReasonCode` with the reasons.
    pub(crate) const LIST_ID: &'static str = "OPStatusAction";
}

code_list! {
    /// Overall result of an MLR (UNCL4343 subset).
    MlrCode {
        /// Received, no validation performed.
        AB => "Message acknowledgement",
        /// Validated and accepted.
        AP => "Accepted",
        /// Failed validation; needs a description.
        RE => "Rejected",
    }
}

code_list! {
    /// Overall result of an MLS.
    MlsCode {
        /// Delivered towards the end user (C4) with confirmation.
        AP => "Accepted",
        /// Delivered towards C4 without confirmation ("accepted blind", e.g. store-and-fetch).
        AB => "Message acknowledgement",
        /// Rejected, or delivery towards C4 failed; needs a description and a failing line.
        RE => "Rejected",
    }
}

code_list! {
    /// Kind of issue in one line of an MLR or MLS (`StatusReason` / MLS status reason codes).
    LineReason {
        BV => "Business rule violation, fatal",
        BW => "Business rule violation, warning",
        /// MLS only: C3 is permanently unable to pass the message on towards C4.
        FD => "Failure of delivery",
        SV => "Syntax violation",
    }
}

impl LineReason {
    /// Fatal lines are what make a negative MLS (`SCH-MLS-24`) and forbid a positive one
    /// (`SCH-MLS-25`).
    #[cfg(test)]
    pub(crate) fn is_fatal(self) -> bool {
        matches!(self, Self::BV | Self::FD | Self::SV)
    }

    /// MLR's `StatusReason` list predates MLS and lacks FD (`PEPPOL-T71-B02801`).
    #[cfg(test)]
    pub(crate) fn allowed_in_mlr(self) -> bool {
        !matches!(self, Self::FD)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as ValueError, StrDeserializer};

    use super::*;

    #[test]
    fn codes_parse_case_insensitively_and_round_trip() {
        for code in InvoiceResponseCode::ALL {
            assert_eq!(InvoiceResponseCode::parse(code.as_str()), Some(*code));
            assert_eq!(
                InvoiceResponseCode::parse(&code.as_str().to_lowercase()),
                Some(*code)
            );
        }
        for reason in StatusReason::ALL {
            assert_eq!(StatusReason::parse(reason.as_str()), Some(*reason));
        }
        for action in StatusAction::ALL {
            assert_eq!(StatusAction::parse(action.as_str()), Some(*action));
        }
        assert_eq!(StatusReason::parse(" ppd "), Some(StatusReason::PPD));
        assert_eq!(LineReason::parse("fd"), Some(LineReason::FD));
        assert_eq!(MlsCode::parse("Ab"), Some(MlsCode::AB));
        assert_eq!(MlrCode::parse("PD"), None);
        assert_eq!(InvoiceResponseCode::parse("XX"), None);
        assert_eq!(StatusAction::parse(""), None);
        assert_eq!(StatusReason::ALL.len(), 14);
        assert_eq!(StatusAction::ALL.len(), 7);
    }

    #[test]
    fn codes_carry_their_code_list_names() {
        assert_eq!(InvoiceResponseCode::CA.name(), "Conditionally accepted");
        assert_eq!(StatusReason::PPD.name(), "Partially Paid");
        assert_eq!(StatusAction::CNA.name(), "Credit the amount");
        assert_eq!(LineReason::FD.name(), "Failure of delivery");
        assert_eq!(MlrCode::AB.name(), "Message acknowledgement");
        assert_eq!(InvoiceResponseCode::UQ.to_string(), "UQ");
    }

    #[test]
    fn codes_serialize_as_the_code_and_deserialize_leniently() {
        insta::assert_json_snapshot!(
            (InvoiceResponseCode::UQ, StatusReason::PPD, StatusAction::NIN, LineReason::BW),
            @r#"
        [
          "UQ",
          "PPD",
          "NIN",
          "BW"
        ]
        "#
        );
        let parsed = InvoiceResponseCode::deserialize::<StrDeserializer<'_, ValueError>>(
            "pd".into_deserializer(),
        );
        assert_eq!(parsed.unwrap(), InvoiceResponseCode::PD);
        let unknown =
            StatusAction::deserialize::<StrDeserializer<'_, ValueError>>("XYZ".into_deserializer());
        let message = unknown.unwrap_err().to_string();
        assert!(
            message.contains("XYZ") && message.contains("NOA"),
            "{message}"
        );
    }

    #[test]
    fn clarification_and_finality_follow_the_code_list() {
        use InvoiceResponseCode::*;
        let needing: Vec<_> = InvoiceResponseCode::ALL
            .iter()
            .filter(|c| c.requires_clarification())
            .collect();
        assert_eq!(needing, [&UQ, &CA, &RE]);
        assert!(RE.is_final(None));
        assert!(PD.is_final(None));
        assert!(PD.is_final(Some(StatusReason::OTH)));
        assert!(!PD.is_final(Some(StatusReason::PPD)));
        assert!(!AP.is_final(None));
        assert!(!AB.is_final(Some(StatusReason::PPD)));
        let fatal: Vec<_> = LineReason::ALL.iter().filter(|r| r.is_fatal()).collect();
        assert_eq!(fatal, [&LineReason::BV, &LineReason::FD, &LineReason::SV]);
    }
}
