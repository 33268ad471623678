//! One generated case: the world's misbehaviour and the documents the integration is asked to
//! send, in a shape proptest can shrink (fewer waves and documents, no fault, shorter delays)
//! and that renders to an ordinary scenario file `eisim-suite run` replays.
//!
//! The case does not hold YAML or fixture bytes: it holds choices (an index into the allowed
//! networks, a kind of outcome) so that every value proptest can produce renders to a valid
//! scenario, and so that shrinking moves toward the plainest choice of each.

use std::fmt::Write as _;

use eisim::Network;

/// The tenant's gateway credentials in every generated scenario.
pub(crate) const CLIENT_ID: &str = "explore-erp";
const CLIENT_SECRET: &str = "explore-erp-secret";

/// Peppol: the tenant is the buyer of `peppol/invoice-minimal.xml`, so the same fixture can
/// arrive as an inbound invoice; outbound documents go to its seller.
const PEPPOL_TENANT: &str = "0208:0456789133";
const PEPPOL_RECIPIENT: &str = "0208:0123456749";
const SDI_RECIPIENT: &str = "SDI:ABC1234";
const KSEF_TENANT_NIP: &str = "5265877635";
const KSEF_RECIPIENT: &str = "KSEF:5261040828";
const KSEF_TOKEN: &str = "20261102-EC-EXPLORE0001-TOKEN";
const INBOUND_FIXTURE: &str = "peppol/invoice-minimal.xml";

/// Broken documents per network: each fails the gateway's validation with a known rule, and
/// keeps its invoice-number element so it can be renumbered.
const BROKEN_PEPPOL: [&str; 3] = [
    "peppol/BR-01.xml",
    "peppol/BR-CO-10.xml",
    "peppol/PEPPOL-EN16931-R001.xml",
];
const BROKEN_SDI: [&str; 3] = [
    "sdi/00200.bad-date.xml",
    "sdi/00200.bad-decimal.xml",
    "sdi/00200.bad-enum.xml",
];
const BROKEN_KSEF: [&str; 3] = [
    "ksef/450.kod-waluty.xml",
    "ksef/450.nip-format.xml",
    "ksef/450.amount-format.xml",
];

/// Invoice Response sequences the integration is asked to send for an inbound invoice, each
/// in an order Peppol allows.
pub(crate) const RESPONSE_SEQUENCES: [&[&str]; 4] =
    [&["AB"], &["AP"], &["AB", "AP"], &["AB", "IP", "AP"]];

/// A generated case.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The scenario's `seed`: every probability eisim draws follows from it.
    pub seed: u64,
    /// Documents asked for together, each wave followed by a clock move.
    pub waves: Vec<Wave>,
    /// Access tokens live this many minutes; with a later wave, the token expires mid-run.
    pub token_ttl_minutes: Option<u32>,
    pub faults: Vec<Fault>,
    pub webhooks: WebhookFaults,
    /// An invoice arrives over Peppol and the integration is asked to answer it with the
    /// Invoice Responses of `RESPONSE_SEQUENCES[i]`.
    pub inbound: Option<usize>,
}

/// Documents submitted one after the other, then `advance_minutes` of simulated time.
#[derive(Clone, Debug, PartialEq)]
pub struct Wave {
    pub documents: Vec<Document>,
    pub advance_minutes: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// Index into the networks the exploration allows.
    pub network: usize,
    /// KSeF only: sent through KSeF's own API rather than eisim's gateway.
    pub native: bool,
    pub content: Content,
    /// Once the wave has moved on, ask for a corrected copy (a new number, valid content):
    /// what an integrator does after a refusal.
    pub correct: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Content {
    /// The network's minimal valid invoice, on its usual path.
    Valid,
    /// A valid invoice whose network answer comes this many minutes late.
    Delayed(u32),
    /// A valid invoice the network refuses: SDI NS (00311 or, for `duplicate`, 00404), KSeF
    /// 450 (or 440 for a duplicate), Peppol a receiving AP's RE (or the buyer's RE).
    Refused { duplicate: bool },
    /// A document that fails validation (one of three broken fixtures per network).
    Broken(usize),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fault {
    /// Every submission answers this 5xx for the first `seconds` seconds.
    ServerErrors { status: u16, seconds: u32 },
    /// Every submission answers 429 with `Retry-After` for the first `seconds` seconds.
    Throttled { seconds: u32, retry_after: u32 },
    /// A network is down for the first `minutes` minutes (index into the allowed networks).
    Outage { network: usize, minutes: u32 },
    /// Half the KSeF native invoice sends answer 503 during the first ten minutes.
    KsefSendErrors,
}

/// How eisim's webhook deliveries misbehave; each rate is a share of deliveries.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WebhookFaults {
    pub duplicate: Option<Rate>,
    pub reorder: Option<Rate>,
    pub forged: Option<Rate>,
    pub stale: Option<Rate>,
    /// Deliveries whose answer eisim stops waiting for (and retries).
    pub timeout: Option<Rate>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rate {
    Half,
    All,
}

impl Rate {
    fn as_str(self) -> &'static str {
        match self {
            Rate::Half => "0.5",
            Rate::All => "1.0",
        }
    }
}

impl WebhookFaults {
    fn entries(&self) -> Vec<(&'static str, Rate)> {
        [
            ("duplicate_rate", self.duplicate),
            ("reorder_rate", self.reorder),
            ("forged_rate", self.forged),
            ("stale_rate", self.stale),
            ("timeout_rate", self.timeout),
        ]
        .into_iter()
        .filter_map(|(key, rate)| rate.map(|r| (key, r)))
        .collect()
    }
}

/// How big a case is: what the reproducer's size bound is asserted on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Size {
    /// Documents the integration is asked to send (submits and corrected resubmits).
    pub documents: usize,
    /// Injected faults: fault entries, webhook misbehaviours, a short token lifetime, and
    /// refused or broken documents.
    pub faults: usize,
}

/// Where a rendered scenario finds its fixtures.
#[derive(Clone, Debug)]
pub(crate) struct Paths {
    /// The allowed networks, in the order `Document::network` indexes them.
    pub networks: Vec<Network>,
    /// The inbound invoice file as the scenario must spell it (relative to the scenario
    /// file's folder, or absolute).
    pub inbound_file: String,
}

impl Case {
    /// Keeps at most `max` documents (submits and corrections), dropping from the end, and
    /// drops what the allowed networks cannot carry.
    pub(crate) fn limited(mut self, max: usize, networks: &[Network]) -> Case {
        let mut left = max.max(1);
        for wave in &mut self.waves {
            let mut kept = Vec::new();
            for mut document in wave.documents.drain(..) {
                let cost = if document.correct { 2 } else { 1 };
                if left == 0 {
                    break;
                }
                if cost > left {
                    document.correct = false;
                }
                left -= if document.correct { 2 } else { 1 };
                kept.push(document);
            }
            wave.documents = kept;
        }
        self.waves.retain(|wave| !wave.documents.is_empty());
        if !networks.contains(&Network::Peppol) {
            self.inbound = None;
        }
        if !networks.contains(&Network::Ksef) {
            self.faults.retain(|f| !matches!(f, Fault::KsefSendErrors));
        }
        self
    }

    fn network(&self, index: usize, paths: &Paths) -> Network {
        paths
            .networks
            .get(index % paths.networks.len().max(1))
            .copied()
            .unwrap_or(Network::Sdi)
    }

    pub fn size(&self) -> Size {
        let documents = self
            .waves
            .iter()
            .flat_map(|w| &w.documents)
            .map(|d| if d.correct { 2 } else { 1 })
            .sum();
        let misbehaving = self
            .waves
            .iter()
            .flat_map(|w| &w.documents)
            .filter(|d| matches!(d.content, Content::Refused { .. } | Content::Broken(_)))
            .count();
        Size {
            documents,
            faults: self.faults.len()
                + self.webhooks.entries().len()
                + usize::from(self.token_ttl_minutes.is_some())
                + misbehaving,
        }
    }

    /// One line for progress output: `3 documents (sdi, peppol), 2 faults`.
    pub(crate) fn summary(&self, paths: &Paths) -> String {
        let size = self.size();
        let mut networks: Vec<&str> = self
            .waves
            .iter()
            .flat_map(|w| &w.documents)
            .map(|d| self.network(d.network, paths).as_str())
            .collect();
        networks.sort_unstable();
        networks.dedup();
        format!(
            "{} document{} ({}), {} fault{}{}",
            size.documents,
            if size.documents == 1 { "" } else { "s" },
            networks.join(", "),
            size.faults,
            if size.faults == 1 { "" } else { "s" },
            if self.inbound.is_some() {
                ", an inbound Peppol invoice"
            } else {
                ""
            }
        )
    }

    /// The scenario file for this case. `header` goes first as `#` comments.
    pub(crate) fn render(&self, name: &str, header: &[String], paths: &Paths) -> String {
        let mut y = String::new();
        for line in header {
            let _ = writeln!(y, "# {line}");
        }
        let _ = writeln!(y, "name: {}", quote(name));
        let _ = writeln!(
            y,
            "clock: {{ mode: virtual, start: 2026-11-02T09:00:00+01:00 }}"
        );
        let _ = writeln!(y, "seed: {}", self.seed);
        let _ = writeln!(y, "tenants:");
        let _ = writeln!(y, "  - id: explore");
        let _ = writeln!(y, "    credentials:");
        let _ = writeln!(
            y,
            "      - {{ client_id: {CLIENT_ID}, client_secret: {CLIENT_SECRET} }}"
        );
        self.render_participants(&mut y);
        self.render_behaviours(&mut y, paths);
        self.render_faults(&mut y, paths);
        if let Some(minutes) = self.token_ttl_minutes {
            let _ = writeln!(y, "limits: {{ token_ttl: {minutes}m }}");
        }
        let webhooks = self.webhooks.entries();
        if !webhooks.is_empty() {
            let rates: Vec<String> = webhooks
                .iter()
                .map(|(key, rate)| format!("{key}: {}", rate.as_str()))
                .collect();
            let _ = writeln!(
                y,
                "webhooks: {{ retry: [5s, 1m, 5m], {} }}",
                rates.join(", ")
            );
        }
        let _ = writeln!(y, "ksef:");
        let _ = writeln!(y, "  tokens:");
        let _ = writeln!(
            y,
            "    - {{ token: {}, context: {} }}",
            quote(KSEF_TOKEN),
            quote(KSEF_TENANT_NIP)
        );
        if self.inbound.is_some() {
            let _ = writeln!(y, "peppol:");
            let _ = writeln!(y, "  inbound:");
            let _ = writeln!(
                y,
                "    - {{ at: 1m, file: {} }}",
                quote(&paths.inbound_file)
            );
        }
        self.render_steps(&mut y, paths);
        y
    }

    fn render_participants(&self, y: &mut String) {
        let _ = writeln!(y, "participants:");
        let _ = writeln!(
            y,
            "  - {{ id: {}, network: peppol, tenant: explore, capabilities: [bis-billing-3-invoice, invoice-response] }}",
            quote(PEPPOL_TENANT)
        );
        let _ = writeln!(
            y,
            "  - {{ id: {}, network: peppol, capabilities: [bis-billing-3-invoice, invoice-response] }}",
            quote(PEPPOL_RECIPIENT)
        );
        let _ = writeln!(y, "  - {{ id: {}, network: sdi }}", quote(SDI_RECIPIENT));
        let _ = writeln!(
            y,
            "  - {{ id: {}, network: ksef, tenant: explore }}",
            quote(&format!("KSEF:{KSEF_TENANT_NIP}"))
        );
        let _ = writeln!(y, "  - {{ id: {}, network: ksef }}", quote(KSEF_RECIPIENT));
    }

    fn render_behaviours(&self, y: &mut String, paths: &Paths) {
        let mut rules = Vec::new();
        for (w, wave) in self.waves.iter().enumerate() {
            for (d, document) in wave.documents.iter().enumerate() {
                let network = self.network(document.network, paths);
                let outcome = match (document.content, network) {
                    (Content::Delayed(minutes), Network::Sdi) => {
                        format!("{{ after: {minutes}m, sdi: RC }}")
                    }
                    // KSeF answers in seconds, as the real one does. A native client learns
                    // the answer only by polling, and a polling client never goes quiet, so
                    // the suite cannot jump the clock: minutes here would cost wall minutes.
                    (Content::Delayed(minutes), Network::Ksef) => {
                        format!("{{ after: {}s, ksef: 200 }}", 1 + minutes % 5)
                    }
                    (Content::Delayed(minutes), Network::Peppol) => {
                        format!("{{ after: {minutes}m, mls: AP }}")
                    }
                    (Content::Refused { duplicate }, Network::Sdi) => format!(
                        "{{ after: 2m, sdi: NS, errors: [\"{}\"] }}",
                        if duplicate { "00404" } else { "00311" }
                    ),
                    (Content::Refused { duplicate }, Network::Ksef) => format!(
                        "{{ after: 2s, ksef: {} }}",
                        if duplicate { 440 } else { 450 }
                    ),
                    (Content::Refused { duplicate: false }, Network::Peppol) => {
                        "{ after: 1m, mls: RE, errors: [BV] }".to_owned()
                    }
                    (Content::Refused { duplicate: true }, Network::Peppol) => {
                        "{ after: 1m, peppol: RE, reason: REF }".to_owned()
                    }
                    (Content::Valid | Content::Broken(_), _) => continue,
                };
                rules.push(format!(
                    "  - when: {{ network: {}, invoice_number: {} }}\n    then: [ {outcome} ]",
                    network.as_str(),
                    quote(&number(w, d))
                ));
            }
        }
        if !rules.is_empty() {
            let _ = writeln!(y, "behaviours:");
            for rule in rules {
                let _ = writeln!(y, "{rule}");
            }
        }
    }

    fn render_faults(&self, y: &mut String, paths: &Paths) {
        if self.faults.is_empty() {
            return;
        }
        let _ = writeln!(y, "faults:");
        for fault in &self.faults {
            match *fault {
                Fault::ServerErrors { status, seconds } => {
                    for path in ["/api/v1/invoices", "/api/v1/submissions"] {
                        let _ = writeln!(
                            y,
                            "  - {{ http_status: {status}, path: {}, from: 0s, for: {seconds}s }}",
                            quote(path)
                        );
                    }
                }
                Fault::Throttled {
                    seconds,
                    retry_after,
                } => {
                    for path in ["/api/v1/invoices", "/api/v1/submissions"] {
                        let _ = writeln!(
                            y,
                            "  - {{ http_status: 429, path: {}, from: 0s, for: {seconds}s, retry_after: {retry_after}s }}",
                            quote(path)
                        );
                    }
                }
                Fault::Outage { network, minutes } => {
                    let _ = writeln!(
                        y,
                        "  - {{ outage: {}, from: 0s, for: {minutes}m }}",
                        self.network(network, paths).as_str()
                    );
                }
                Fault::KsefSendErrors => {
                    let _ = writeln!(
                        y,
                        "  - {{ http_status: 503, path: \"/v2/sessions/online/*/invoices\", from: 0s, for: 10m, rate: 0.5 }}"
                    );
                }
            }
        }
    }

    fn render_steps(&self, y: &mut String, paths: &Paths) {
        let _ = writeln!(y, "steps:");
        for (w, wave) in self.waves.iter().enumerate() {
            for (d, document) in wave.documents.iter().enumerate() {
                let network = self.network(document.network, paths);
                let fixture = match document.content {
                    Content::Broken(i) => broken_fixture(network, i),
                    _ => valid_fixture(network),
                };
                let channel = if network == Network::Ksef && document.native {
                    ", channel: native"
                } else {
                    ""
                };
                let _ = writeln!(
                    y,
                    "  - submit: {{ fixture: {fixture}, network: {}, recipient: {}{channel}, number: {}, as: {} }}",
                    network.as_str(),
                    quote(recipient(network)),
                    quote(&number(w, d)),
                    alias(w, d)
                );
            }
            // An inbound invoice arrives at 1m: give it time before the first answers.
            let minutes = if w == 0 && self.inbound.is_some() {
                wave.advance_minutes.max(2)
            } else {
                wave.advance_minutes.max(1)
            };
            let _ = writeln!(y, "  - advance: {minutes}m");
            let mut corrected = false;
            for (d, document) in wave.documents.iter().enumerate() {
                if !document.correct {
                    continue;
                }
                let network = self.network(document.network, paths);
                let _ = writeln!(
                    y,
                    "  - resubmit: {{ of: {}, fixture: {}, number: {} }}",
                    alias(w, d),
                    valid_fixture(network),
                    quote(&format!("{}F", number(w, d)))
                );
                corrected = true;
            }
            if corrected {
                let _ = writeln!(y, "  - advance: 10m");
            }
            if w == 0
                && let Some(sequence) = self.inbound
            {
                let codes = RESPONSE_SEQUENCES.get(sequence).copied().unwrap_or(&["AB"]);
                for code in codes {
                    let _ = writeln!(
                        y,
                        "  - respond: {{ invoice: {}, code: {code} }}",
                        quote(&paths.inbound_file)
                    );
                }
                let _ = writeln!(y, "  - advance: 10m");
            }
        }
    }
}

fn valid_fixture(network: Network) -> &'static str {
    match network {
        Network::Peppol => INBOUND_FIXTURE,
        Network::Sdi => "sdi/FPR12-minimal.xml",
        Network::Ksef => "ksef/fa3-minimal.xml",
    }
}

fn broken_fixture(network: Network, index: usize) -> &'static str {
    let list = match network {
        Network::Peppol => &BROKEN_PEPPOL,
        Network::Sdi => &BROKEN_SDI,
        Network::Ksef => &BROKEN_KSEF,
    };
    list[index % list.len()]
}

fn recipient(network: Network) -> &'static str {
    match network {
        Network::Peppol => PEPPOL_RECIPIENT,
        Network::Sdi => SDI_RECIPIENT,
        Network::Ksef => KSEF_RECIPIENT,
    }
}

/// The invoice number of wave `w`'s document `d`; unique in the case, so every document has
/// its own bytes and behaviours can single it out.
fn number(w: usize, d: usize) -> String {
    format!("EX-{}-{}", w + 1, d + 1)
}

fn alias(w: usize, d: usize) -> String {
    format!("doc-{}-{}", w + 1, d + 1)
}

/// A YAML double-quoted scalar; JSON's escaping is valid YAML.
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> Paths {
        Paths {
            networks: Network::ALL.to_vec(),
            inbound_file: "../fixtures/peppol/invoice-minimal.xml".into(),
        }
    }

    fn document(network: usize, content: Content, correct: bool) -> Document {
        Document {
            network,
            native: false,
            content,
            correct,
        }
    }

    #[test]
    fn limiting_keeps_the_first_documents_and_counts_corrections() {
        let case = Case {
            seed: 1,
            waves: vec![
                Wave {
                    documents: vec![
                        document(0, Content::Valid, false),
                        document(1, Content::Refused { duplicate: false }, true),
                    ],
                    advance_minutes: 5,
                },
                Wave {
                    documents: vec![document(2, Content::Valid, false)],
                    advance_minutes: 5,
                },
            ],
            token_ttl_minutes: None,
            faults: vec![Fault::KsefSendErrors],
            webhooks: WebhookFaults::default(),
            inbound: Some(0),
        };
        assert_eq!(case.size().documents, 4);
        let limited = case.clone().limited(2, &[Network::Sdi]);
        assert_eq!(limited.waves.len(), 1);
        assert_eq!(limited.size().documents, 2);
        assert!(!limited.waves[0].documents[1].correct);
        assert_eq!(limited.inbound, None);
        assert!(limited.faults.is_empty());
        assert_eq!(case.limited(10, &Network::ALL).size().documents, 4);
    }

    #[test]
    fn numbers_are_unique_and_quoted() {
        let case = Case {
            seed: 3,
            waves: vec![Wave {
                documents: vec![
                    document(1, Content::Valid, false),
                    document(1, Content::Broken(1), false),
                ],
                advance_minutes: 3,
            }],
            token_ttl_minutes: Some(2),
            faults: vec![],
            webhooks: WebhookFaults::default(),
            inbound: None,
        };
        let yaml = case.render("t", &["a comment".into()], &paths());
        assert!(yaml.starts_with("# a comment\nname: \"t\"\n"), "{yaml}");
        assert!(yaml.contains("number: \"EX-1-1\""), "{yaml}");
        assert!(yaml.contains("number: \"EX-1-2\""), "{yaml}");
        assert!(yaml.contains("sdi/00200.bad-decimal.xml"), "{yaml}");
        assert!(yaml.contains("limits: { token_ttl: 2m }"), "{yaml}");
    }
}
