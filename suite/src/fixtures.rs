//! The documents a scenario's `submit` steps name: found under the fixtures folder, given a
//! fresh invoice number when the step asks for one, and labelled with their format.

use std::path::{Path, PathBuf};

use eisim::Network;

use crate::errors::SuiteError;

/// The fixtures folder for a scenario: the one given, else the nearest `fixtures/` beside the
/// scenario file or in one of its parent folders.
pub(crate) fn folder(given: Option<&Path>, scenario: &Path) -> Option<PathBuf> {
    if let Some(given) = given {
        return Some(given.to_path_buf());
    }
    let start = scenario.canonicalize().ok()?;
    start
        .ancestors()
        .skip(1)
        .map(|dir| dir.join("fixtures"))
        .find(|candidate| candidate.is_dir())
}

/// Reads `fixtures/<name>`, refusing paths that climb out of the folder.
pub(crate) fn read(folder: &Path, name: &str) -> Result<Vec<u8>, SuiteError> {
    if Path::new(name)
        .components()
        .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(SuiteError::Usage(format!(
            "fixture `{name}` must be a relative path inside the fixtures folder"
        )));
    }
    let path = folder.join(name);
    std::fs::read(&path).map_err(|source| SuiteError::Io { path, source })
}

/// The driver contract's `format` for a network's documents.
pub(crate) fn format_of(network: Network) -> &'static str {
    match network {
        Network::Peppol => "ubl",
        Network::Sdi => "fatturapa",
        Network::Ksef => "fa3",
    }
}

/// The element holding the invoice number in each format: UBL's first `cbc:ID` (the
/// document's own, which precedes every other), FatturaPA's `Numero`, FA(3)'s `P_2`.
fn number_element(network: Network) -> &'static str {
    match network {
        Network::Peppol => "cbc:ID",
        Network::Sdi => "Numero",
        Network::Ksef => "P_2",
    }
}

/// Replaces the text of the first invoice-number element with `number`, so one fixture can
/// stand for many distinct invoices.
pub(crate) fn renumber(
    bytes: &[u8],
    network: Network,
    number: &str,
) -> Result<Vec<u8>, SuiteError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| SuiteError::Usage("a fixture to renumber must be UTF-8".to_owned()))?;
    let element = number_element(network);
    let open = format!("<{element}>");
    let close = format!("</{element}>");
    let start = text.find(&open).map(|at| at + open.len()).ok_or_else(|| {
        SuiteError::Usage(format!(
            "the fixture has no <{element}> to put the number `{number}` in"
        ))
    })?;
    let end = text[start..]
        .find(&close)
        .map(|at| start + at)
        .ok_or_else(|| SuiteError::Usage(format!("the fixture's <{element}> is not closed")))?;
    let mut out = String::with_capacity(text.len() + number.len());
    out.push_str(&text[..start]);
    out.push_str(number);
    out.push_str(&text[end..]);
    Ok(out.into_bytes())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn renumbering_changes_only_the_first_number_element() {
        let ubl = b"<Invoice><cbc:ID>A-1</cbc:ID><cac:X><cbc:ID>9</cbc:ID></cac:X></Invoice>";
        let out = renumber(ubl, Network::Peppol, "B-2").unwrap();
        assert_eq!(
            out,
            b"<Invoice><cbc:ID>B-2</cbc:ID><cac:X><cbc:ID>9</cbc:ID></cac:X></Invoice>"
        );
        assert!(renumber(b"<Fa/>", Network::Ksef, "1").is_err());
    }

    #[test]
    fn fixture_paths_stay_inside_the_folder() {
        assert!(read(Path::new("/tmp"), "../etc/passwd").is_err());
        assert!(read(Path::new("/tmp"), "/etc/passwd").is_err());
    }
}
