//! The order in which Invoice Responses about one invoice may follow each other (BIS 63
//! process rules `OP-BR111-*`).
//!
//! No Schematron can check these rules, because each Invoice Response is validated alone; only
//! someone who remembers the earlier responses can. eisim does, in both directions: the
//! simulated buyer's scripted responses are checked before they are sent, and an Invoice
//! Response the tenant sends for an inbound invoice is refused with the rule it breaks.
//!
//! The rules, in the order they are applied (the first that applies is reported):
//! 1. `OP-BR111-R004`: nothing follows a final status: RE, or PD that is not partial (PPD).
//! 2. `OP-BR111-R005`: once AP was sent, only PD may follow.
//! 3. `OP-BR111-R012`: otherwise statuses only move forward along AB → IP → UQ → CA → RE → AP
//!    → PD. Any may come first and any may be skipped; UQ may repeat (each query is answered
//!    and may raise another), and PD may repeat while the previous one was partial.

use super::peppol::{InvoiceResponseCode, StatusReason};

/// An Invoice Response already sent (or about to be), reduced to what the order depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sent {
    pub code: InvoiceResponseCode,
    /// Matters only as PPD on a PD: a partial payment keeps the conversation open.
    pub reason: Option<StatusReason>,
}

impl Sent {
    pub(crate) fn new(code: InvoiceResponseCode, reason: Option<StatusReason>) -> Self {
        Self { code, reason }
    }

    fn is_final(self) -> bool {
        self.code.is_final(self.reason)
    }

    fn is_partial_payment(self) -> bool {
        self.code == InvoiceResponseCode::PD && self.reason == Some(StatusReason::PPD)
    }

    fn words(self) -> String {
        if self.is_partial_payment() {
            "partially paid (PD with PPD)".to_owned()
        } else {
            code_words(self.code)
        }
    }
}

/// Why an Invoice Response may not follow the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub(crate) enum OrderViolation {
    /// `OP-BR111-R004`: `last` closed the conversation.
    AfterFinal { last: Sent },
    /// `OP-BR111-R005`: the invoice was accepted and `next` is not a payment.
    AfterApproval { next: Sent },
    /// `OP-BR111-R012`: `next` would move the status backwards from `last` (or repeat it).
    OutOfOrder { last: Sent, next: Sent },
}

impl OrderViolation {
    /// The process rule broken, as the BIS names it.
    pub(crate) fn rule(&self) -> &'static str {
        match self {
            Self::AfterFinal { .. } => "OP-BR111-R004",
            Self::AfterApproval { .. } => "OP-BR111-R005",
            Self::OutOfOrder { .. } => "OP-BR111-R012",
        }
    }

    /// A sentence for an integrator who may not know the codes by heart.
    pub(crate) fn message(&self) -> String {
        let rule = self.rule();
        match self {
            Self::AfterFinal { last } if last.code == InvoiceResponseCode::RE => {
                format!("{rule}: the invoice was already rejected (RE); no response may follow")
            }
            Self::AfterFinal { .. } => {
                format!("{rule}: the invoice was already paid in full (PD); no response may follow")
            }
            Self::AfterApproval { next } => format!(
                "{rule}: the invoice was already accepted (AP); only paid (PD) may follow, not {}",
                code_words(next.code)
            ),
            Self::OutOfOrder { last, next } => {
                let allowed: Vec<String> = successors(*last).map(code_words).collect();
                format!(
                    "{rule}: {} may not follow {}; responses move forward through AB, IP, UQ, CA, RE, AP, PD, so after {} only {} may follow",
                    code_words(next.code),
                    last.words(),
                    last.code,
                    join_or(&allowed)
                )
            }
        }
    }
}

/// Whether `next` may be sent after `history` (oldest first). The history is not assumed to
/// be valid itself: a final status or an AP anywhere in it still counts.
pub(crate) fn check_next(history: &[Sent], next: &Sent) -> Result<(), OrderViolation> {
    if let Some(last) = history.iter().copied().find(|sent| sent.is_final()) {
        return Err(OrderViolation::AfterFinal { last });
    }
    let approved = history
        .iter()
        .any(|sent| sent.code == InvoiceResponseCode::AP);
    if approved && next.code != InvoiceResponseCode::PD {
        return Err(OrderViolation::AfterApproval { next: *next });
    }
    match history.last() {
        Some(&last) if !successors(last).any(|code| code == next.code) => {
            Err(OrderViolation::OutOfOrder { last, next: *next })
        }
        _ => Ok(()),
    }
}

/// The codes that may be sent next, in process order; empty once the conversation is over.
pub(crate) fn allowed_next(history: &[Sent]) -> Vec<InvoiceResponseCode> {
    InvoiceResponseCode::ALL
        .iter()
        .copied()
        .filter(|&code| check_next(history, &Sent::new(code, None)).is_ok())
        .collect()
}

/// Position in the `OP-BR111-R012` sequence.
fn rank(code: InvoiceResponseCode) -> u8 {
    match code {
        InvoiceResponseCode::AB => 0,
        InvoiceResponseCode::IP => 1,
        InvoiceResponseCode::UQ => 2,
        InvoiceResponseCode::CA => 3,
        InvoiceResponseCode::RE => 4,
        InvoiceResponseCode::AP => 5,
        InvoiceResponseCode::PD => 6,
    }
}

/// What R012 alone lets follow `last`: anything further on, plus the two allowed repeats.
fn successors(last: Sent) -> impl Iterator<Item = InvoiceResponseCode> {
    InvoiceResponseCode::ALL
        .iter()
        .copied()
        .filter(move |&code| {
            rank(code) > rank(last.code)
                || (code == last.code
                    && (code == InvoiceResponseCode::UQ || last.is_partial_payment()))
        })
}

fn code_words(code: InvoiceResponseCode) -> String {
    format!("{} ({code})", code.name().to_lowercase())
}

fn join_or(words: &[String]) -> String {
    match words {
        [] => "nothing".to_owned(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use InvoiceResponseCode::{AB, AP, CA, IP, PD, RE, UQ};
    use proptest::prelude::*;

    fn sent(code: InvoiceResponseCode) -> Sent {
        Sent::new(code, None)
    }

    fn partial() -> Sent {
        Sent::new(PD, Some(StatusReason::PPD))
    }

    fn rule_of(history: &[Sent], next: Sent) -> Option<&'static str> {
        check_next(history, &next)
            .err()
            .map(|violation| violation.rule())
    }

    #[test]
    fn any_code_may_come_first() {
        for &code in InvoiceResponseCode::ALL {
            assert_eq!(check_next(&[], &sent(code)), Ok(()));
        }
        assert_eq!(allowed_next(&[]), InvoiceResponseCode::ALL);
    }

    #[test]
    fn r004_nothing_after_rejection() {
        for &code in InvoiceResponseCode::ALL {
            assert_eq!(
                rule_of(&[sent(AB), sent(RE)], sent(code)),
                Some("OP-BR111-R004")
            );
        }
        let violation = check_next(&[sent(RE)], &sent(AP)).unwrap_err();
        assert_eq!(
            violation.message(),
            "OP-BR111-R004: the invoice was already rejected (RE); no response may follow"
        );
        assert_eq!(violation.to_string(), violation.message());
        assert!(allowed_next(&[sent(RE)]).is_empty());
    }

    #[test]
    fn r004_nothing_after_full_payment_but_partial_payments_continue() {
        let full = Sent::new(PD, Some(StatusReason::OTH));
        assert_eq!(rule_of(&[full], sent(PD)), Some("OP-BR111-R004"));
        assert_eq!(
            check_next(&[sent(AP), sent(PD)], &partial())
                .unwrap_err()
                .message(),
            "OP-BR111-R004: the invoice was already paid in full (PD); no response may follow"
        );
        assert_eq!(check_next(&[sent(AP), partial()], &partial()), Ok(()));
        assert_eq!(check_next(&[partial(), partial()], &sent(PD)), Ok(()));
        assert_eq!(allowed_next(&[partial()]), [PD]);
    }

    #[test]
    fn r004_looks_at_the_whole_history() {
        assert_eq!(
            rule_of(&[sent(RE), sent(AB)], sent(PD)),
            Some("OP-BR111-R004")
        );
    }

    #[test]
    fn r005_only_payment_after_approval() {
        for code in [AB, IP, UQ, CA, RE, AP] {
            assert_eq!(
                rule_of(&[sent(AB), sent(AP)], sent(code)),
                Some("OP-BR111-R005")
            );
        }
        assert_eq!(check_next(&[sent(AP)], &sent(PD)), Ok(()));
        assert_eq!(
            check_next(&[sent(AP)], &sent(RE)).unwrap_err().message(),
            "OP-BR111-R005: the invoice was already accepted (AP); only paid (PD) may follow, not rejected (RE)"
        );
        assert_eq!(
            rule_of(&[sent(AP), partial()], sent(AP)),
            Some("OP-BR111-R005")
        );
        assert_eq!(allowed_next(&[sent(IP), sent(AP)]), [PD]);
    }

    #[test]
    fn r012_never_backwards_any_may_be_skipped() {
        assert_eq!(check_next(&[sent(AB)], &sent(AP)), Ok(()));
        assert_eq!(check_next(&[sent(IP)], &sent(RE)), Ok(()));
        assert_eq!(check_next(&[sent(UQ)], &sent(PD)), Ok(()));
        assert_eq!(rule_of(&[sent(CA)], sent(IP)), Some("OP-BR111-R012"));
        assert_eq!(rule_of(&[sent(UQ)], sent(AB)), Some("OP-BR111-R012"));
        assert_eq!(rule_of(&[partial()], sent(AP)), Some("OP-BR111-R012"));
        assert_eq!(
            check_next(&[sent(AB), sent(CA)], &sent(IP))
                .unwrap_err()
                .message(),
            "OP-BR111-R012: in process (IP) may not follow conditionally accepted (CA); responses move forward through AB, IP, UQ, CA, RE, AP, PD, so after CA only rejected (RE), accepted (AP) or paid (PD) may follow"
        );
    }

    #[test]
    fn r012_only_under_query_repeats() {
        assert_eq!(check_next(&[sent(UQ), sent(UQ)], &sent(UQ)), Ok(()));
        for code in [AB, IP, CA] {
            assert_eq!(rule_of(&[sent(code)], sent(code)), Some("OP-BR111-R012"));
        }
        assert_eq!(allowed_next(&[sent(UQ)]), [UQ, CA, RE, AP, PD]);
        assert_eq!(allowed_next(&[sent(CA)]), [RE, AP, PD]);
    }

    #[test]
    fn the_reason_of_the_next_response_does_not_matter() {
        assert_eq!(
            check_next(&[sent(AB)], &Sent::new(AB, Some(StatusReason::PPD))).map_err(|v| v.rule()),
            Err("OP-BR111-R012")
        );
        // PPD on anything but PD is not a partial payment (and fails PEPPOL-T111-R005 anyway).
        assert_eq!(
            rule_of(&[Sent::new(IP, Some(StatusReason::PPD))], sent(IP)),
            Some("OP-BR111-R012")
        );
    }

    /// The model: the conversation as an explicit state machine, written without ranks.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum State {
        Start,
        Acknowledged,
        InProcess,
        UnderQuery,
        ConditionallyAccepted,
        Rejected,
        Accepted,
        PartlyPaid,
        /// Partly paid after AP: the approval still limits what may follow.
        AcceptedPartlyPaid,
        Paid,
    }

    fn model(state: State, next: Sent) -> Result<State, &'static str> {
        use State::*;
        let target = match next.code {
            AB => Acknowledged,
            IP => InProcess,
            UQ => UnderQuery,
            CA => ConditionallyAccepted,
            RE => Rejected,
            AP => Accepted,
            PD if next.reason == Some(StatusReason::PPD) => match state {
                Accepted | AcceptedPartlyPaid => AcceptedPartlyPaid,
                _ => PartlyPaid,
            },
            PD => Paid,
        };
        let allowed: &[InvoiceResponseCode] = match state {
            Rejected | Paid => return Err("OP-BR111-R004"),
            Accepted | AcceptedPartlyPaid if next.code != PD => return Err("OP-BR111-R005"),
            Start => &[AB, IP, UQ, CA, RE, AP, PD],
            Acknowledged => &[IP, UQ, CA, RE, AP, PD],
            InProcess => &[UQ, CA, RE, AP, PD],
            UnderQuery => &[UQ, CA, RE, AP, PD],
            ConditionallyAccepted => &[RE, AP, PD],
            Accepted => &[PD],
            PartlyPaid | AcceptedPartlyPaid => &[PD],
        };
        if allowed.contains(&next.code) {
            Ok(target)
        } else {
            Err("OP-BR111-R012")
        }
    }

    fn any_sent() -> impl Strategy<Value = Sent> {
        let code = prop::sample::select(InvoiceResponseCode::ALL.to_vec());
        let reason = prop_oneof![
            Just(None),
            Just(Some(StatusReason::PPD)),
            Just(Some(StatusReason::REF)),
        ];
        (code, reason).prop_map(|(code, reason)| Sent::new(code, reason))
    }

    proptest! {
        /// Attempts are tried one after the other, as a tenant would; only accepted ones join
        /// the history. Each decision must match the model's, rule id included.
        #[test]
        fn check_next_agrees_with_the_state_machine(attempts in prop::collection::vec(any_sent(), 0..8)) {
            let mut history = Vec::new();
            let mut state = State::Start;
            for next in attempts {
                let expected = model(state, next);
                let actual = check_next(&history, &next);
                prop_assert_eq!(actual.map_err(|v| v.rule()), expected.map(|_| ()));
                prop_assert_eq!(allowed_next(&history).contains(&next.code), expected.is_ok());
                if let Ok(new_state) = expected {
                    state = new_state;
                    history.push(next);
                }
            }
        }

        /// Every accepted sequence moves strictly forward, except UQ after UQ and PD after a
        /// partial PD.
        #[test]
        fn accepted_sequences_never_move_backwards(attempts in prop::collection::vec(any_sent(), 0..8)) {
            let mut history: Vec<Sent> = Vec::new();
            for next in attempts {
                if check_next(&history, &next).is_ok() {
                    history.push(next);
                }
            }
            for pair in history.windows(2) {
                let [earlier, later] = pair else { continue };
                let forward = rank(later.code) > rank(earlier.code);
                let repeat_allowed = earlier.code == later.code
                    && (earlier.code == UQ || earlier.is_partial_payment());
                prop_assert!(forward || repeat_allowed, "{:?} then {:?}", earlier, later);
                prop_assert!(!earlier.is_final());
            }
        }
    }
}
