//! The zoo: one deliberate fault per conformance rule, so the suite's own tests can prove that
//! each rule catches the habit it names.
//!
//! Each variant changes ONE behaviour of the reference integration, chosen so that it breaks
//! exactly its rule as the catalogue's `judged_by` words it, and no other MUST rule. The code
//! asks `integration.breaks(Breakage::X)` at the single place where that behaviour lives, so
//! reading a variant's doc and grepping for it shows the whole fault.

use std::fmt;
use std::str::FromStr;

use crate::catalogue;

/// A broken variant of the reference integration, named after the rule it violates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Breakage {
    /// Asks for a new access token before every gateway call.
    Auth1,
    /// Sends one token request without `grant_type` before the first proper one.
    Auth2,
    /// On 401, repeats the call twice with the same token, then gives the work up as failed.
    Auth3,
    /// After a 2xx submission, submits the same document once more (keeping the first id).
    Sub1,
    /// Submits without `Idempotency-Key` and retries 5xx at once, up to 10 times.
    Sub2,
    /// On 429, retries after 100 ms (doubling) regardless of `Retry-After`.
    Sub3,
    /// Never uses the batch endpoint: one `POST /api/v1/invoices` per document.
    Sub4,
    /// When a document ends refused, submits the same bytes again once.
    Sub5,
    /// Also lists `GET /api/v1/invoices` once a second while documents are open.
    Stat1,
    /// Polls each document's status every 100 ms, 30 times, final or not.
    Stat2,
    /// Never applies a state after `accepted`.
    Stat3,
    /// Fetches the printout of a document on every webhook about it.
    Stat4,
    /// Answers 500 to the first delivery of every webhook id (2xx to its retries).
    Hook1,
    /// Skips the webhook signature check (keeps the timestamp check).
    Hook2,
    /// Skips the webhook timestamp check (keeps the signature check).
    Hook3,
    /// No webhook-id deduplication, and applies an event whose sequence equals the last.
    Hook4,
    /// Ignores `sequence` (applies in arrival order); refreshes the state with one status read
    /// when the driver asks, so the final state is still right.
    Hook5,
    /// Never registers a webhook; polls each document's status once a second instead.
    Hook6,
    /// Resubmits a corrected SDI invoice under the refused file's name.
    Sdi1,
    /// KSeF native: behaves like the reference until the KSeF client is wired in.
    Ksef1,
    /// KSeF native: behaves like the reference until the KSeF client is wired in.
    Ksef2,
    /// KSeF native: behaves like the reference until the KSeF client is wired in.
    Ksef3,
    /// Skips the participant lookup before Peppol sends.
    Peppol1,
    /// Approves every received Peppol invoice at once (AP), then honours `/respond` as usual.
    Peppol2,
}

impl Breakage {
    /// Every variant, in catalogue order.
    pub const ALL: [Breakage; 24] = [
        Breakage::Auth1,
        Breakage::Auth2,
        Breakage::Auth3,
        Breakage::Sub1,
        Breakage::Sub2,
        Breakage::Sub3,
        Breakage::Sub4,
        Breakage::Sub5,
        Breakage::Stat1,
        Breakage::Stat2,
        Breakage::Stat3,
        Breakage::Stat4,
        Breakage::Hook1,
        Breakage::Hook2,
        Breakage::Hook3,
        Breakage::Hook4,
        Breakage::Hook5,
        Breakage::Hook6,
        Breakage::Sdi1,
        Breakage::Ksef1,
        Breakage::Ksef2,
        Breakage::Ksef3,
        Breakage::Peppol1,
        Breakage::Peppol2,
    ];

    /// The id of the rule this variant violates, as the catalogue spells it.
    pub const fn as_rule(self) -> &'static str {
        match self {
            Breakage::Auth1 => "AUTH-1",
            Breakage::Auth2 => "AUTH-2",
            Breakage::Auth3 => "AUTH-3",
            Breakage::Sub1 => "SUB-1",
            Breakage::Sub2 => "SUB-2",
            Breakage::Sub3 => "SUB-3",
            Breakage::Sub4 => "SUB-4",
            Breakage::Sub5 => "SUB-5",
            Breakage::Stat1 => "STAT-1",
            Breakage::Stat2 => "STAT-2",
            Breakage::Stat3 => "STAT-3",
            Breakage::Stat4 => "STAT-4",
            Breakage::Hook1 => "HOOK-1",
            Breakage::Hook2 => "HOOK-2",
            Breakage::Hook3 => "HOOK-3",
            Breakage::Hook4 => "HOOK-4",
            Breakage::Hook5 => "HOOK-5",
            Breakage::Hook6 => "HOOK-6",
            Breakage::Sdi1 => "SDI-1",
            Breakage::Ksef1 => "KSEF-1",
            Breakage::Ksef2 => "KSEF-2",
            Breakage::Ksef3 => "KSEF-3",
            Breakage::Peppol1 => "PEPPOL-1",
            Breakage::Peppol2 => "PEPPOL-2",
        }
    }

    /// The catalogue entry of the rule this variant violates.
    pub fn rule(self) -> Option<&'static catalogue::Rule> {
        catalogue::rule(self.as_rule())
    }
}

impl fmt::Display for Breakage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_rule())
    }
}

/// A `--break` value that names no rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a rule id; expected one of {list}", list = rule_list())]
pub struct UnknownRule(pub String);

fn rule_list() -> String {
    Breakage::ALL
        .iter()
        .map(|b| b.as_rule())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Breakage {
    type Err = UnknownRule;

    /// Rule ids are matched case-insensitively, so `--break sub-1` works too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Breakage::ALL
            .into_iter()
            .find(|b| b.as_rule().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownRule(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_one_variant_per_catalogue_rule_in_catalogue_order() {
        let rules: Vec<&str> = catalogue::RULES.iter().map(|r| r.id).collect();
        let variants: Vec<&str> = Breakage::ALL.iter().map(|b| b.as_rule()).collect();
        assert_eq!(rules, variants);
        assert!(Breakage::ALL.iter().all(|b| b.rule().is_some()));
    }

    #[test]
    fn parses_rule_ids_in_any_case_and_round_trips() {
        for breakage in Breakage::ALL {
            assert_eq!(breakage.as_rule().parse::<Breakage>(), Ok(breakage));
            assert_eq!(breakage.to_string().parse::<Breakage>(), Ok(breakage));
        }
        assert_eq!("sub-1".parse::<Breakage>(), Ok(Breakage::Sub1));
        let error = "SUB-9".parse::<Breakage>().unwrap_err();
        assert!(error.to_string().contains("AUTH-1, AUTH-2"), "{error}");
    }
}
