//! SDI, KSEF and PEPPOL: what each network's own rules ask of an integration.

use super::{Finding, ksef_path};
use crate::evidence::{Observation, cite, matches};
use eisim::Network;
use eisim::scenario::Channel;

pub(super) fn sdi_new_file_name(o: &Observation<'_>) -> Finding {
    let matched = matches(o.entries, o.tracked);
    let mut violations = Vec::new();
    let mut exercised = false;
    for (i, tracked) in o.tracked.iter().enumerate() {
        if tracked.network != Network::Sdi || tracked.replaces.is_none() {
            continue;
        }
        exercised = true;
        let Some(taken) = matched.get(i).copied().flatten() else {
            violations.push((
                format!("the corrected invoice {} never reached SDI", tracked.alias),
                Vec::new(),
            ));
            continue;
        };
        let taken_seq = o
            .taken()
            .find(|(_, t)| t.document == taken.document)
            .map_or(0, |(e, _)| e.seq);
        let reused = o.taken().find(|(e, earlier)| {
            e.seq < taken_seq
                && earlier.network == "sdi"
                && earlier.file_name.is_some()
                && earlier.file_name == taken.file_name
        });
        if let Some((earlier_entry, earlier)) = reused {
            let now = o
                .taken()
                .find(|(e, _)| e.seq == taken_seq)
                .map(|(e, _)| cite(e));
            violations.push((
                format!(
                    "the corrected invoice reused the file name {} of document {}",
                    earlier.file_name.as_deref().unwrap_or_default(),
                    earlier.document
                ),
                std::iter::once(cite(earlier_entry)).chain(now).collect(),
            ));
        }
    }
    Finding::from_violations(
        violations,
        exercised,
        "no corrected SDI invoice was asked for",
    )
}

fn native_ksef(o: &Observation<'_>) -> bool {
    o.tracked
        .iter()
        .any(|t| t.network == Network::Ksef && t.channel == Channel::Native)
}

fn ksef_calls<'a>(o: &'a Observation<'_>) -> Vec<KsefCall<'a>> {
    o.http()
        .filter_map(|(e, x)| Some((e, ksef_path(&x.path)?, x)))
        .collect()
}

type KsefCall<'a> = (
    &'a eisim::JournalEntry,
    &'a str,
    &'a eisim::journal::HttpExchange,
);

fn ok(x: &eisim::journal::HttpExchange) -> bool {
    (200..300).contains(&x.status)
}

/// The online sessions KSeF opened.
fn session_opens<'a, 'b>(calls: &'b [KsefCall<'a>]) -> Vec<&'b KsefCall<'a>> {
    calls
        .iter()
        .filter(|(_, p, x)| x.method == "POST" && *p == "/v2/sessions/online" && ok(x))
        .collect()
}

fn is_send(method: &str, path: &str) -> bool {
    method == "POST" && path.starts_with("/v2/sessions/online/") && path.ends_with("/invoices")
}

pub(super) fn ksef_one_session(o: &Observation<'_>) -> Finding {
    let calls = ksef_calls(o);
    let opens = session_opens(&calls);
    let sends = calls
        .iter()
        .filter(|(_, p, x)| is_send(&x.method, p) && ok(x))
        .count();
    if sends < 2 {
        return Finding::not_exercised("fewer than two invoices were sent to KSeF natively");
    }
    if opens.len() >= sends {
        return Finding::fail(
            format!(
                "{sends} invoices went through {} online sessions",
                opens.len()
            ),
            opens.iter().map(|(e, _, _)| cite(e)).collect(),
        );
    }
    Finding::pass()
}

pub(super) fn ksef_status_before_resend(o: &Observation<'_>) -> Finding {
    let calls = ksef_calls(o);
    let mut violations = Vec::new();
    let mut exercised = false;
    for (i, (entry, path, x)) in calls.iter().enumerate() {
        if !is_send(&x.method, path) || x.status < 500 {
            continue;
        }
        exercised = true;
        let session = path
            .trim_start_matches("/v2/sessions/online/")
            .trim_end_matches("/invoices");
        let listing = format!("/v2/sessions/{session}/invoices");
        for (next_entry, next_path, next) in calls.iter().skip(i + 1) {
            if next.method == "GET" && next_path.starts_with(&listing) {
                break;
            }
            if is_send(&next.method, next_path) && next_path == path {
                violations.push((
                    format!("an invoice send got {} and was sent again without checking the session's invoices first", x.status),
                    vec![cite(entry), cite(next_entry)],
                ));
                break;
            }
        }
    }
    Finding::from_violations(violations, exercised, "no KSeF send was answered 5xx")
}

pub(super) fn ksef_sessions_closed(o: &Observation<'_>) -> Finding {
    if !native_ksef(o) {
        return Finding::not_exercised("no invoice was sent to KSeF natively");
    }
    let calls = ksef_calls(o);
    let opens = session_opens(&calls);
    let closes = calls
        .iter()
        .filter(|(_, p, x)| {
            x.method == "POST"
                && p.starts_with("/v2/sessions/online/")
                && p.ends_with("/close")
                && ok(x)
        })
        .count();
    if opens.is_empty() {
        return Finding::not_exercised("no online session was opened");
    }
    if closes < opens.len() {
        return Finding::fail(
            format!("{} online sessions opened, {closes} closed", opens.len()),
            opens.iter().map(|(e, _, _)| cite(e)).collect(),
        );
    }
    Finding::pass()
}

/// The identifier part of a Peppol participant id, for comparing the spellings
/// `0208:0123456749` and `iso6523-actorid-upis::0208:0123456749`.
fn short_id(id: &str) -> String {
    let id = percent_decode(id);
    id.rsplit("::")
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn peppol_lookup_first(o: &Observation<'_>) -> Finding {
    let mut violations = Vec::new();
    let mut exercised = false;
    for (entry, taken) in o
        .taken()
        .filter(|(_, t)| t.network == "peppol" && t.direction == "outbound")
    {
        exercised = true;
        let recipient = short_id(taken.recipient.as_deref().unwrap_or_default());
        let looked_up = o.http().any(|(e, x)| {
            e.seq < entry.seq
                && x.method == "GET"
                && x.path
                    .strip_prefix("/api/v1/participants/")
                    .is_some_and(|id| short_id(id) == recipient)
        });
        if !looked_up {
            violations.push((
                format!(
                    "document {} was sent to {} without looking the recipient up first",
                    taken.document, recipient
                ),
                vec![cite(entry)],
            ));
        }
    }
    Finding::from_violations(violations, exercised, "no Peppol document was sent")
}

pub(super) fn peppol_response_order(o: &Observation<'_>) -> Finding {
    let responses: Vec<_> = o
        .http()
        .filter(|(_, x)| {
            x.method == "POST"
                && x.path.starts_with("/api/v1/invoices/")
                && x.path.ends_with("/responses")
        })
        .collect();
    let violations = responses
        .iter()
        .filter(|(_, x)| x.status == 409)
        .map(|(e, x)| {
            (
                format!(
                    "an Invoice Response was refused as out of order ({})",
                    x.path
                ),
                vec![cite(e)],
            )
        })
        .collect();
    Finding::from_violations(
        violations,
        !responses.is_empty(),
        "no Invoice Response was sent",
    )
}
