//! How each rule is judged, one family per file. Every judge reads the same [`Observation`]
//! and answers with a [`Finding`]; this module turns findings into verdicts with the rule's
//! level, statement and fix from the catalogue.

mod auth;
mod hooks;
mod networks;
mod status;
mod submission;

use crate::catalogue::{self, Level, Rule};
use crate::evidence::Observation;
use crate::outcome::{Evidence, Grade, RuleVerdict};

/// One rule's result before the catalogue's words are added.
#[derive(Debug)]
pub(crate) struct Finding {
    grade: Grade,
    message: Option<String>,
    evidence: Vec<Evidence>,
}

impl Finding {
    pub(crate) fn pass() -> Finding {
        Finding {
            grade: Grade::Pass,
            message: None,
            evidence: Vec::new(),
        }
    }

    pub(crate) fn not_exercised(why: &str) -> Finding {
        Finding {
            grade: Grade::NotExercised,
            message: Some(why.to_owned()),
            evidence: Vec::new(),
        }
    }

    pub(crate) fn fail(message: String, evidence: Vec<Evidence>) -> Finding {
        Finding {
            grade: Grade::Fail,
            message: Some(message),
            evidence,
        }
    }

    /// Passes when nothing was found, fails with the first message and every piece of
    /// evidence otherwise.
    pub(crate) fn from_violations(
        violations: Vec<(String, Vec<Evidence>)>,
        exercised: bool,
        why_not: &str,
    ) -> Finding {
        let mut violations = violations.into_iter();
        match violations.next() {
            Some((message, mut evidence)) => {
                let mut more = 0;
                for (_, extra) in violations {
                    more += 1;
                    evidence.extend(extra);
                }
                let message = if more > 0 {
                    format!("{message} (and {more} more)")
                } else {
                    message
                };
                Finding::fail(message, evidence)
            }
            None if exercised => Finding::pass(),
            None => Finding::not_exercised(why_not),
        }
    }
}

fn judge_rule(rule: &Rule, observation: &Observation<'_>) -> Finding {
    match rule.id {
        "AUTH-1" => auth::token_reused(observation),
        "AUTH-2" => auth::well_formed_token_requests(observation),
        "AUTH-3" => auth::recovers_from_401(observation),
        "SUB-1" => submission::no_resubmission_after_2xx(observation),
        "SUB-2" => submission::retries_5xx_with_backoff(observation),
        "SUB-3" => submission::honours_retry_after(observation),
        "SUB-4" => submission::batches_many(observation),
        "SUB-5" => submission::no_unchanged_resubmission(observation),
        "STAT-1" => status::no_list_polling(observation),
        "STAT-2" => status::polling_pace(observation),
        "STAT-3" => status::final_states_agree(observation),
        "STAT-4" => status::no_mass_printouts(observation),
        "HOOK-1" => hooks::acknowledged_in_time(observation),
        "HOOK-2" => hooks::forged_refused(observation),
        "HOOK-3" => hooks::stale_refused(observation),
        "HOOK-4" => hooks::duplicates_without_effect(observation),
        "HOOK-5" => hooks::never_backwards(observation),
        "HOOK-6" => hooks::registered_rather_than_polling(observation),
        "SDI-1" => networks::sdi_new_file_name(observation),
        "KSEF-1" => networks::ksef_one_session(observation),
        "KSEF-2" => networks::ksef_status_before_resend(observation),
        "KSEF-3" => networks::ksef_sessions_closed(observation),
        "PEPPOL-1" => networks::peppol_lookup_first(observation),
        "PEPPOL-2" => networks::peppol_response_order(observation),
        other => Finding::not_exercised(&format!("no judge for {other}")),
    }
}

/// Judges every rule of the catalogue on one scenario's observation.
pub(crate) fn judge(observation: &Observation<'_>, strict: bool) -> Vec<RuleVerdict> {
    catalogue::RULES
        .iter()
        .map(|rule| {
            let finding = judge_rule(rule, observation);
            let failed = finding.grade == Grade::Fail;
            let fails_run = failed
                && match rule.level {
                    Level::Must => true,
                    Level::Should => strict,
                    Level::Info => false,
                };
            RuleVerdict {
                rule: rule.id,
                level: rule.level,
                statement: rule.statement,
                grade: finding.grade,
                fails_run,
                expected: observation.scenario.expect.iter().any(|id| id == rule.id),
                message: finding.message,
                evidence: finding.evidence,
                fix: failed.then_some(rule.fix),
            }
        })
        .collect()
}

/// Every `pattern` anti-pattern eisim journaled, each a violation saying `what`.
pub(crate) fn anti_patterns(
    o: &Observation<'_>,
    pattern: eisim::journal::AntiPattern,
    what: &str,
) -> Vec<(String, Vec<Evidence>)> {
    o.entries
        .iter()
        .filter(|e| matches!(&e.record, eisim::journal::Record::AntiPattern { pattern: p, .. } if *p == pattern))
        .map(|e| (what.to_owned(), vec![crate::evidence::cite(e)]))
        .collect()
}

/// Paths of calls that submit documents through the gateway.
pub(crate) fn is_submission(method: &str, path: &str) -> bool {
    method == "POST" && (path == "/api/v1/invoices" || path == "/api/v1/submissions")
}

/// A KSeF API path without its `/api` prefix (eisim serves both `/v2` and `/api/v2`).
pub(crate) fn ksef_path(path: &str) -> Option<&str> {
    path.strip_prefix("/api")
        .filter(|p| p.starts_with("/v2/"))
        .or_else(|| path.starts_with("/v2/").then_some(path))
}

pub(crate) fn seconds(from: jiff::Timestamp, to: jiff::Timestamp) -> f64 {
    to.duration_since(from).as_secs_f64()
}
