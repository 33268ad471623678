//! The documents a benchmark sends: the minimal valid invoice of each network, renumbered so
//! every one is a distinct invoice (eisim and the networks refuse duplicates), dealt to the
//! chosen networks in turn.
//!
//! The three fixtures are built into the binary so `eisim-suite bench` works from any folder;
//! `--fixtures DIR` reads the same three names from DIR instead.

use std::path::Path;

use base64::Engine;
use eisim::Network;
use eisim::scenario::Scenario;
use sha2::{Digest, Sha256};

use crate::contract::{SimulatorAccess, SubmitRequest};
use crate::errors::SuiteError;
use crate::fixtures;
use crate::runner::{hex, ksef_access};

const PEPPOL: &[u8] = include_bytes!("../../../fixtures/peppol/invoice-minimal.xml");
const SDI: &[u8] = include_bytes!("../../../fixtures/sdi/FPR12-minimal.xml");
const KSEF: &[u8] = include_bytes!("../../../fixtures/ksef/fa3-minimal.xml");

/// The fixture each network's documents are made from, by its name under `fixtures/`.
fn fixture_name(network: Network) -> &'static str {
    match network {
        Network::Peppol => "peppol/invoice-minimal.xml",
        Network::Sdi => "sdi/FPR12-minimal.xml",
        Network::Ksef => "ksef/fa3-minimal.xml",
    }
}

fn embedded(network: Network) -> &'static [u8] {
    match network {
        Network::Peppol => PEPPOL,
        Network::Sdi => SDI,
        Network::Ksef => KSEF,
    }
}

/// One document to send.
#[derive(Clone, Debug)]
pub(crate) struct Planned {
    /// Position from 1, as reports name it.
    pub(crate) index: usize,
    pub(crate) network: Network,
    pub(crate) request: SubmitRequest,
    /// SHA-256 of the document's bytes: how eisim's `document_taken` entry is found.
    pub(crate) sha256: String,
}

/// Plans `count` documents over `networks`, round-robin.
pub(crate) fn plan(
    count: usize,
    networks: &[Network],
    scenario: &Scenario,
    access: &SimulatorAccess,
    folder: Option<&Path>,
) -> Result<Vec<Planned>, SuiteError> {
    let mut templates = Vec::new();
    for network in networks {
        let bytes = match folder {
            Some(folder) => fixtures::read(folder, fixture_name(*network))?,
            None => embedded(*network).to_vec(),
        };
        templates.push((*network, bytes, recipient(scenario, *network)?));
    }
    let mut planned = Vec::with_capacity(count);
    for index in 1..=count {
        let Some((network, template, recipient)) = templates.get((index - 1) % templates.len())
        else {
            return Err(SuiteError::Usage(
                "no network to send documents on".to_owned(),
            ));
        };
        // Short enough for FatturaPA's 20-character `Numero`.
        let bytes = fixtures::renumber(template, *network, &format!("BENCH-{index:06}"))?;
        planned.push(Planned {
            index,
            network: *network,
            sha256: hex(&Sha256::digest(&bytes)),
            request: SubmitRequest {
                document: base64::engine::general_purpose::STANDARD.encode(&bytes),
                format: fixtures::format_of(*network).to_owned(),
                network: network.as_str().to_owned(),
                recipient: recipient.clone(),
                channel: "gateway".to_owned(),
                file_name: None,
                replaces: None,
                simulator: access.clone(),
                ksef: ksef_access(scenario, *network),
            },
        });
    }
    Ok(planned)
}

/// The participant a network's documents go to: the first one on that network that is not
/// one of the tenant's own identities (those are senders).
fn recipient(scenario: &Scenario, network: Network) -> Result<String, SuiteError> {
    let on_network = || {
        scenario
            .participants
            .iter()
            .filter(|p| p.network == network)
    };
    on_network()
        .find(|p| p.tenant.is_none())
        .or_else(|| on_network().next())
        .map(|p| p.id.clone())
        .ok_or_else(|| {
            SuiteError::Usage(format!(
                "the scenario has no {} participant to send documents to",
                network.display_name()
            ))
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_distinct_and_dealt_round_robin() {
        let scenario = eisim::scenario::parse(super::super::scenario::EMBEDDED, "<bench>").unwrap();
        let access = SimulatorAccess {
            base_url: "http://127.0.0.1:1".into(),
            client_id: "a".into(),
            client_secret: "b".into(),
        };
        let planned = plan(7, &Network::ALL, &scenario, &access, None).unwrap();
        let networks: Vec<Network> = planned.iter().map(|p| p.network).collect();
        assert_eq!(
            networks[..4],
            [
                Network::Peppol,
                Network::Sdi,
                Network::Ksef,
                Network::Peppol
            ]
        );
        let mut hashes: Vec<&str> = planned.iter().map(|p| p.sha256.as_str()).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), 7);
        assert_eq!(planned[0].request.recipient, "0208:0456789133");
    }
}
