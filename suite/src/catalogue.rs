//! The rule catalogue: every conformance rule the suite grades, with its level, where it comes
//! from, and what to do when it fails.
//!
//! The catalogue is data, not code: `eisim-suite rules` prints it, `suite/RULES.md` is generated
//! from it (a test keeps the two equal), and the reports copy a rule's statement and fix next to
//! its verdict. How each rule is judged lives with its family in `rules/`.

use std::fmt;

use serde::Serialize;

/// How much a rule matters, in RFC 2119 words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// A failure fails the run.
    Must,
    /// A failure fails the run only under `--strict`.
    Should,
    /// Reported, never fails the run.
    Info,
}

impl Level {
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::Info => "INFO",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One conformance rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable id, `FAMILY-N`; CI filters and reports key on it.
    pub id: &'static str,
    pub level: Level,
    /// The seed document or specification the rule comes from, so a disputed verdict can be
    /// traced to its authority.
    pub source: &'static str,
    /// The requirement in one line.
    pub statement: &'static str,
    /// How the suite decides, so an integrator can predict the verdict.
    pub judged_by: &'static str,
    /// What to change when the rule fails.
    pub fix: &'static str,
}

const SEED_PRACTICES: &str = "seed: Integration Practices FAQ (provider integration anti-patterns)";
const SEED_API: &str = "seed: API-Based Integration (status polling, batches, webhooks, retries)";
const SEED_WEBHOOKS: &str = "seed: Webhooks: Invoice Statuses; Standard Webhooks 1.0";
const STANDARD_WEBHOOKS: &str = "Standard Webhooks 1.0 (verification, timestamp tolerance)";
const RFC_9110: &str = "RFC 9110 §10.2.3 Retry-After; RFC 6585 §4 (429)";
const SDI_SPEC: &str = "SDI: Specifiche tecniche v1.9, §2.4 file naming and §4 notifica di scarto";
const KSEF_SPEC: &str = "KSeF API 2.0: online sessions (open, send, status, close)";
const PEPPOL_SPEC: &str = "Peppol: SMP 1.x lookup; Invoice Response 3.1 (OP-BR111, T111)";

/// The whole catalogue, in report order.
pub const RULES: &[Rule] = &[
    Rule {
        id: "AUTH-1",
        level: Level::Must,
        source: SEED_PRACTICES,
        statement: "Reuse a valid access token: no new token while the current one has more than 5 minutes left, unless a call got 401.",
        judged_by: "eisim journals a `token_not_reused` anti-pattern when a client asks for a token while an earlier one is valid for more than 5 minutes; each one fails the rule unless a 401 was answered to the tenant since the previous token.",
        fix: "Cache the token with its `expires_in` and ask for a new one only shortly before it expires or after a 401.",
    },
    Rule {
        id: "AUTH-2",
        level: Level::Must,
        source: SEED_PRACTICES,
        statement: "Send no malformed token requests (missing grant_type, client_id or client_secret, or a placeholder client id).",
        judged_by: "Each `malformed_token_request` anti-pattern eisim journals at `/connect/token` fails the rule.",
        fix: "Send `grant_type=client_credentials` with the configured client id and secret, form-encoded; refuse to start without credentials.",
    },
    Rule {
        id: "AUTH-3",
        level: Level::Must,
        source: SEED_PRACTICES,
        statement: "After a 401, get a new token and finish the work.",
        judged_by: "For every call answered 401 (other than `/connect/token`), a token must be issued afterwards and the same method and path must later go through with it: answered with neither 401 nor 5xx (a 2xx, or the call's own refusal such as 422 for an invalid document).",
        fix: "On 401, drop the cached token, fetch a new one once, and repeat the call.",
    },
    Rule {
        id: "SUB-1",
        level: Level::Must,
        source: SEED_PRACTICES,
        statement: "Never resubmit a document that was accepted with a 2xx.",
        judged_by: "Each `duplicate_submission` anti-pattern (the same document submitted again after a 2xx) fails the rule.",
        fix: "Record the document id from the 2xx before anything else, and track that document instead of sending it again.",
    },
    Rule {
        id: "SUB-2",
        level: Level::Must,
        source: SEED_API,
        statement: "Retry 5xx answers and connection failures with growing delays, a bound, and an idempotency key.",
        judged_by: "Every submission answered 5xx must carry an `Idempotency-Key` and be retried with the same key; the gaps the integration chose after each 5xx must not shrink (a wait set by `Retry-After` is SUB-3's, and the backoff may start afresh after it), and no more than 10 attempts are made.",
        fix: "Send an `Idempotency-Key` with every submission and retry 5xx with exponential backoff (e.g. 0.2 s, 0.4 s, 0.8 s ...) up to a fixed number of attempts.",
    },
    Rule {
        id: "SUB-3",
        level: Level::Must,
        source: RFC_9110,
        statement: "Send nothing to a throttled endpoint before its `Retry-After` passes.",
        judged_by: "After a 429 with `Retry-After: N`, any request to the same endpoint less than N seconds later (wall clock) fails the rule.",
        fix: "Read `Retry-After` on 429 and 503 and hold every request to that endpoint until it has passed.",
    },
    Rule {
        id: "SUB-4",
        level: Level::Should,
        source: SEED_API,
        statement: "Use the batch endpoint when submitting many documents.",
        judged_by: "When five or more documents are asked for within a second of each other and each goes in its own `POST /api/v1/invoices`, the rule fails.",
        fix: "Queue documents briefly and send several at once with `POST /api/v1/submissions`.",
    },
    Rule {
        id: "SUB-5",
        level: Level::Must,
        source: SEED_PRACTICES,
        statement: "Do not resubmit a refused document unchanged.",
        judged_by: "A document whose bytes equal those of an earlier document that ended `refused` fails the rule.",
        fix: "Treat `refused` as final: show the errors to a person and submit only a corrected document.",
    },
    Rule {
        id: "STAT-1",
        level: Level::Must,
        source: SEED_PRACTICES,
        statement: "Track status through the submission endpoint or webhooks, not by polling document lists, search or \"recent\".",
        judged_by: "Any `GET /api/v1/invoices` (list or search) or `GET /api/v1/invoices/recent` fails the rule.",
        fix: "Poll `GET /api/v1/submissions/{id}` or `GET /api/v1/invoices/{id}/status` for the documents you sent, or better, take webhooks.",
    },
    Rule {
        id: "STAT-2",
        level: Level::Should,
        source: SEED_PRACTICES,
        statement: "Keep polling intervals at or above the scenario's minimum and stop polling documents that are final.",
        judged_by: "Two status reads of the same document closer than `suite.min_poll_interval` (wall clock), or a status read after eisim answered that document's final state, fail the rule.",
        fix: "Poll each document no more often than the minimum interval, and stop once it is delivered, refused or failed.",
    },
    Rule {
        id: "STAT-3",
        level: Level::Must,
        source: SEED_API,
        statement: "Once settled, report for every document the same final state as eisim.",
        judged_by: "After the run settles, the driver's `GET /documents/{ref}` must give the state eisim holds for the matching document (matched by content); a document eisim never received must be reported `failed`. `expect_state` steps are checked the same way.",
        fix: "Apply every status change eisim sends (webhook or status read) and report the latest.",
    },
    Rule {
        id: "STAT-4",
        level: Level::Should,
        source: SEED_PRACTICES,
        statement: "Do not mass-generate printouts.",
        judged_by: "Fetching the printout of the same document more than once fails the rule.",
        fix: "Fetch a printout only when a person asks for it, and keep it.",
    },
    Rule {
        id: "HOOK-1",
        level: Level::Must,
        source: STANDARD_WEBHOOKS,
        statement: "Acknowledge valid deliveries with a 2xx within 5 s.",
        judged_by: "Every correctly signed delivery (including duplicates and reordered ones) must be answered 2xx within 5 s; injected timeouts are not held against the receiver.",
        fix: "Verify, store the event, answer 2xx at once, and process it afterwards.",
    },
    Rule {
        id: "HOOK-2",
        level: Level::Must,
        source: STANDARD_WEBHOOKS,
        statement: "Reject a delivery with an invalid signature.",
        judged_by: "Every forged-signature probe must be answered 4xx.",
        fix: "Verify `webhook-signature` (HMAC-SHA256 of `id.timestamp.body` with the `whsec_` secret) before reading the body, and answer 401 or 400 when no signature matches.",
    },
    Rule {
        id: "HOOK-3",
        level: Level::Should,
        source: STANDARD_WEBHOOKS,
        statement: "Reject a delivery whose timestamp is stale.",
        judged_by: "Every stale-timestamp probe (correctly signed, timestamp outside 5 minutes) must be answered 4xx.",
        fix: "Refuse `webhook-timestamp` values more than 5 minutes from your clock.",
    },
    Rule {
        id: "HOOK-4",
        level: Level::Must,
        source: SEED_WEBHOOKS,
        statement: "Give a duplicate delivery no second effect.",
        judged_by: "The driver's document `history` must not apply the same state twice in a row when eisim delivered a duplicate for that document.",
        fix: "Remember the `webhook-id` of every event you applied and acknowledge repeats without acting on them.",
    },
    Rule {
        id: "HOOK-5",
        level: Level::Must,
        source: SEED_WEBHOOKS,
        statement: "Do not let an out-of-order delivery move a document's state backwards.",
        judged_by: "The driver's document `history` must never go back to an earlier state (received < sent < accepted < delivered; refused and failed are final).",
        fix: "Keep each document's latest `sequence` and ignore events with a lower one.",
    },
    Rule {
        id: "HOOK-6",
        level: Level::Should,
        source: SEED_WEBHOOKS,
        statement: "Register for webhooks rather than poll.",
        judged_by: "An integration that polls document status without having registered a webhook endpoint fails the rule.",
        fix: "Register an endpoint with `POST /api/v1/webhooks` at start-up and poll only as a fallback.",
    },
    Rule {
        id: "SDI-1",
        level: Level::Must,
        source: SDI_SPEC,
        statement: "Resubmit a corrected invoice after NS under a new file name.",
        judged_by: "A corrected invoice (a `resubmit` step) for an SDI document refused with NS must be sent, under a file name SDI has not seen before.",
        fix: "Give each transmission a new progressive in the file name (`IT<id>_<progressivo>.xml`); never reuse the refused file's name.",
    },
    Rule {
        id: "KSEF-1",
        level: Level::Should,
        source: KSEF_SPEC,
        statement: "Send several invoices in one online session.",
        judged_by: "When several invoices are sent to KSeF natively, opening as many online sessions as invoices fails the rule.",
        fix: "Open one online session, send the invoices that are ready through it, then close it.",
    },
    Rule {
        id: "KSEF-2",
        level: Level::Must,
        source: KSEF_SPEC,
        statement: "Check an invoice's status after a timeout or 5xx on send before sending it again.",
        judged_by: "After a send to `/v2/sessions/online/{ref}/invoices` answered 5xx, the next send in that session must come after a read of the session's invoices.",
        fix: "After a failed send, list the session's invoices (or read the invoice's status) and send again only if it is not there.",
    },
    Rule {
        id: "KSEF-3",
        level: Level::Should,
        source: KSEF_SPEC,
        statement: "Close the sessions you open.",
        judged_by: "Every online session opened must be closed with `POST /v2/sessions/online/{ref}/close` before the run settles.",
        fix: "Close each online session once its invoices are sent, so KSeF can issue the UPO.",
    },
    Rule {
        id: "PEPPOL-1",
        level: Level::Should,
        source: PEPPOL_SPEC,
        statement: "Look up the recipient before sending.",
        judged_by: "Each Peppol document submitted must be preceded by `GET /api/v1/participants/{id}` for its recipient.",
        fix: "Look the recipient up (and cache the answer) before sending, and stop early when it cannot receive the document type.",
    },
    Rule {
        id: "PEPPOL-2",
        level: Level::Must,
        source: PEPPOL_SPEC,
        statement: "Send Invoice Responses in an order the rules allow.",
        judged_by: "Any Invoice Response refused with 409 `invoice-response-order` fails the rule.",
        fix: "Send the responses in the order they are decided (e.g. AB, IP, AP or RE), never back to an earlier stage.",
    },
];

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

/// The catalogue as Markdown: the body of `suite/RULES.md`.
pub fn markdown() -> String {
    let mut out = String::from(
        "# eisim-suite rules\n\n\
         Generated by `eisim-suite rules --markdown`; a test keeps this file equal to the catalogue.\n\
         MUST failures fail the run; SHOULD failures fail it only with `--strict`.\n\n\
         | Rule | Level | Requirement | Source |\n|---|---|---|---|\n",
    );
    for rule in RULES {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            rule.id, rule.level, rule.statement, rule.source
        ));
    }
    for rule in RULES {
        out.push_str(&format!(
            "\n## {} ({})\n\n{}\n\n- Judged by: {}\n- Fix: {}\n- Source: {}\n",
            rule.id, rule.level, rule.statement, rule.judged_by, rule.fix, rule.source
        ));
    }
    out
}

/// The catalogue as the console shows it.
pub fn table() -> String {
    let mut out = String::new();
    for rule in RULES {
        out.push_str(&format!(
            "{:<9} {:<6} {}\n",
            rule.id, rule.level, rule.statement
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in RULES {
            assert!(seen.insert(rule.id), "{} twice", rule.id);
            let (family, number) = rule.id.split_once('-').unwrap_or_default();
            assert!(!family.is_empty() && family.chars().all(|c| c.is_ascii_uppercase()));
            assert!(number.parse::<u32>().is_ok(), "{}", rule.id);
        }
        assert_eq!(RULES.len(), 24);
    }
}
