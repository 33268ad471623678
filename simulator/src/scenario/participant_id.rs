//! What a participant id looks like on each network, as written in scenario files.
//!
//! The prefix says the network, so one id can never be read two ways: `0208:0123456749` is
//! Peppol (`ICD:identifier`, the ICD being a 4-digit ISO 6523 code), `SDI:ABC1234` is an SDI
//! codice destinatario (7 characters, a B2B channel) or PA office code (6 characters), and
//! `KSEF:5265877635` is a Polish NIP. Only the shape is checked here; check digits (Belgian
//! mod 97, Swedish Luhn, the NIP checksum) are the networks' own validation rules and are
//! reported by them, as the real networks do.

use super::suggest;
use crate::vocabulary::Network;

const PEPPOL_SCHEME: &str = "iso6523-actorid-upis::";

/// Why an id does not fit the network it is declared on: a message and a help line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct IdProblem {
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

/// The network an id's prefix points to, if any.
pub(crate) fn network_of(id: &str) -> Option<Network> {
    let upper = id.to_ascii_uppercase();
    if upper.starts_with("SDI:") {
        Some(Network::Sdi)
    } else if upper.starts_with("KSEF:") {
        Some(Network::Ksef)
    } else if has_icd_prefix(id) || id.starts_with(PEPPOL_SCHEME) {
        Some(Network::Peppol)
    } else {
        None
    }
}

/// Checks that `id` is a well-formed id on `network`.
pub(crate) fn check(id: &str, network: Network) -> Result<(), IdProblem> {
    if let Some(other) = network_of(id).filter(|other| *other != network) {
        return Err(IdProblem {
            message: format!(
                "participant `{id}` has a {} id but is declared on network `{network}`",
                other.display_name()
            ),
            help: Some(suggest::did_you_mean(&format!("network: {other}"))),
        });
    }
    let problem = |help: Option<String>| IdProblem {
        message: format!(
            "expected {} such as {}, found `{id}`",
            expected_shape(network),
            example(network)
        ),
        help,
    };
    match network {
        Network::Peppol => {
            if let Some(value) = id.strip_prefix(PEPPOL_SCHEME) {
                return Err(problem(Some(format!("leave out the scheme: `{value}`"))));
            }
            let value = id.get(5..).unwrap_or_default();
            if !has_icd_prefix(id) || value.is_empty() || value.contains(char::is_whitespace) {
                return Err(problem(None));
            }
        }
        Network::Sdi => {
            let code = id.get(4..).unwrap_or_default();
            if !id.starts_with("SDI:") {
                return Err(problem(Some(format!(
                    "write the prefix in capitals: `SDI:{code}`"
                ))));
            }
            let well_formed = matches!(code.len(), 6 | 7)
                && code
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if !well_formed {
                return Err(problem(None));
            }
            if code == "0000000" || code == "XXXXXXX" {
                return Err(IdProblem {
                    message: format!(
                        "`{code}` is not a participant: SDI reserves it for invoices with no \
                         channel (`0000000`) or for foreign customers (`XXXXXXX`)"
                    ),
                    help: None,
                });
            }
        }
        Network::Ksef => {
            let nip = id.get(5..).unwrap_or_default();
            if !id.starts_with("KSEF:") {
                return Err(problem(Some(format!(
                    "write the prefix in capitals: `KSEF:{nip}`"
                ))));
            }
            if nip.len() != 10 || !nip.bytes().all(|b| b.is_ascii_digit()) {
                return Err(problem(None));
            }
        }
    }
    Ok(())
}

fn has_icd_prefix(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() > 4 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b':'
}

fn expected_shape(network: Network) -> &'static str {
    match network {
        Network::Peppol => "a Peppol id `ICD:identifier` with a 4-digit ICD",
        Network::Sdi => {
            "an SDI id `SDI:` + a 7-character codice destinatario or 6-character PA office code"
        }
        Network::Ksef => "a KSeF id `KSEF:` + a 10-digit NIP",
    }
}

fn example(network: Network) -> &'static str {
    match network {
        Network::Peppol => "`0208:0123456749`",
        Network::Sdi => "`SDI:ABC1234`",
        Network::Ksef => "`KSEF:5265877635`",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_well_formed_ids() {
        for (id, network) in [
            ("0208:0123456749", Network::Peppol),
            ("9925:BE0123456749", Network::Peppol),
            ("0007:5567037485", Network::Peppol),
            ("SDI:ABC1234", Network::Sdi),
            ("SDI:UFE3ZQ", Network::Sdi),
            ("KSEF:5265877635", Network::Ksef),
        ] {
            assert_eq!(check(id, network), Ok(()), "{id}");
            assert_eq!(network_of(id), Some(network), "{id}");
        }
    }

    #[test]
    fn names_the_network_an_id_belongs_to() {
        let problem = check("KSEF:5265877635", Network::Sdi).unwrap_err();
        assert_eq!(
            problem.message,
            "participant `KSEF:5265877635` has a KSeF id but is declared on network `sdi`"
        );
        assert_eq!(
            problem.help.as_deref(),
            Some("did you mean `network: ksef`?")
        );
    }

    #[test]
    fn refuses_malformed_ids() {
        for (id, network) in [
            ("208:0123456749", Network::Peppol),
            ("0208:", Network::Peppol),
            ("BE0123456749", Network::Peppol),
            ("SDI:ABC12", Network::Sdi),
            ("SDI:abc1234", Network::Sdi),
            ("SDI:ABC12345", Network::Sdi),
            ("SDI:0000000", Network::Sdi),
            ("KSEF:526587763", Network::Ksef),
            ("KSEF:52658776AB", Network::Ksef),
            ("5265877635", Network::Ksef),
        ] {
            assert!(check(id, network).is_err(), "{id}");
        }
    }

    #[test]
    fn explains_how_to_fix_common_slips() {
        let scheme = check("iso6523-actorid-upis::0208:0123456749", Network::Peppol);
        assert_eq!(
            scheme.unwrap_err().help.as_deref(),
            Some("leave out the scheme: `0208:0123456749`")
        );
        let lower = check("sdi:ABC1234", Network::Sdi).unwrap_err();
        assert_eq!(
            lower.help.as_deref(),
            Some("write the prefix in capitals: `SDI:ABC1234`")
        );
    }
}
