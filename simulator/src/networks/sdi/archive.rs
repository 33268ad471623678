//! The AT archive: when a PA invoice could not be delivered within the retry period, SDI sends
//! the transmitter `…_AT_NNN.zip` holding the signed AttestazioneTrasmissioneFattura and the
//! original invoice file, so the transmitter can hand the invoice to the administration by
//! other means with proof that it went through SDI.
//!
//! Entries are stored (no compression: the `zip` crate is built without codecs) with a DOS
//! time taken from the attestation's own time in Italian local time, so the same inputs give
//! the same bytes and `unzip -l` shows a meaningful date.

use std::io::{Cursor, Write as _};

use jiff::Timestamp;
use thiserror::Error;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::messages::italian_date_time;

#[derive(Debug, Error)]
pub(crate) enum ArchiveError {
    #[error("cannot write the AT archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("cannot write the AT archive: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0:?} cannot be an entry of the AT archive")]
    EntryName(String),
    #[error("{0:?} is not an AT message name (…_AT_NNN.xml)")]
    NotAnAttestazione(String),
}

/// `…_AT_NNN.xml` → `…_AT_NNN.zip`: the archive is named like the AT message it carries.
pub(crate) fn attestazione_zip_name(at_xml_name: &str) -> Result<String, ArchiveError> {
    let stem = at_xml_name
        .strip_suffix(".xml")
        .filter(|stem| {
            stem.len() > 7
                && stem
                    .get(stem.len() - 7..stem.len() - 3)
                    .is_some_and(|tag| tag == "_AT_")
        })
        .ok_or_else(|| ArchiveError::NotAnAttestazione(at_xml_name.to_owned()))?;
    Ok(format!("{stem}.zip"))
}

/// The ZIP with the signed AT (`at_name`, `at_xml`) first and the original invoice file
/// (`invoice_name`, `invoice`, byte for byte as received) second. `at` dates both entries.
pub(crate) fn attestazione_zip(
    at_name: &str,
    at_xml: &[u8],
    invoice_name: &str,
    invoice: &[u8],
    at: Timestamp,
) -> Result<Vec<u8>, ArchiveError> {
    for name in [at_name, invoice_name] {
        // Plain file names only: no directories, nothing an unzip could place elsewhere.
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(ArchiveError::EntryName(name.to_owned()));
        }
    }
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .system(zip::System::Unix)
        .unix_permissions(0o644)
        .last_modified_time(dos_time(at));
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    writer.start_file(at_name, options)?;
    writer.write_all(at_xml)?;
    writer.start_file(invoice_name, options)?;
    writer.write_all(invoice)?;
    Ok(writer.finish()?.into_inner())
}

/// DOS time is local time without a zone; Italian time is what an Italian recipient's tools
/// will show. Outside DOS's 1980..2107 range the format's own epoch is used.
fn dos_time(at: Timestamp) -> DateTime {
    let local = italian_date_time(at);
    let field = |range: std::ops::Range<usize>| -> Option<u16> {
        local.get(range).and_then(|s| s.parse().ok())
    };
    let small = |range: std::ops::Range<usize>| field(range).and_then(|v| u8::try_from(v).ok());
    let parts = (
        field(0..4),
        small(5..7),
        small(8..10),
        small(11..13),
        small(14..16),
        small(17..19),
    );
    if let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = parts
        && let Ok(time) = DateTime::from_date_and_time(year, month, day, hour, minute, second)
    {
        return time;
    }
    DateTime::default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::io::Read as _;
    use std::process::Command;

    use zip::ZipArchive;

    use super::*;

    fn sample() -> Vec<u8> {
        attestazione_zip(
            "IT01234567890_00001_AT_004.xml",
            b"<types:AttestazioneTrasmissioneFattura/>",
            "IT01234567890_00001.xml",
            b"<p:FatturaElettronica versione=\"FPA12\"/>\r\n",
            "2026-07-01T08:30:10Z".parse().unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn round_trips_both_files_in_order() {
        let bytes = sample();
        let mut archive = ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 2);
        let mut names = Vec::new();
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).unwrap();
            assert_eq!(entry.compression(), CompressionMethod::Stored);
            let modified = entry.last_modified().unwrap();
            // 08:30 UTC is 10:30 in Italian summer time.
            assert_eq!(
                (modified.year(), modified.month(), modified.day()),
                (2026, 7, 1)
            );
            assert_eq!(
                (modified.hour(), modified.minute(), modified.second()),
                (10, 30, 10)
            );
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            names.push((entry.name().unwrap().into_owned(), content));
        }
        assert_eq!(names[0].0, "IT01234567890_00001_AT_004.xml");
        assert_eq!(names[0].1, b"<types:AttestazioneTrasmissioneFattura/>");
        assert_eq!(names[1].0, "IT01234567890_00001.xml");
        assert_eq!(
            names[1].1,
            b"<p:FatturaElettronica versione=\"FPA12\"/>\r\n"
        );
    }

    #[test]
    fn same_inputs_same_bytes() {
        assert_eq!(sample(), sample());
    }

    #[test]
    fn unzip_reads_it() {
        if Command::new("unzip").arg("-v").output().is_err() {
            println!("SKIPPED: unzip not installed");
            return;
        }
        let dir = std::env::temp_dir().join(format!("eisim-at-zip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("IT01234567890_00001_AT_004.zip");
        std::fs::write(&path, sample()).unwrap();
        let test = Command::new("unzip").arg("-t").arg(&path).output().unwrap();
        let invoice = Command::new("unzip")
            .arg("-p")
            .arg(&path)
            .arg("IT01234567890_00001.xml")
            .output()
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            test.status.success(),
            "{}",
            String::from_utf8_lossy(&test.stdout)
        );
        assert_eq!(
            invoice.stdout,
            b"<p:FatturaElettronica versione=\"FPA12\"/>\r\n"
        );
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(
            attestazione_zip_name("IT01234567890_00001_AT_004.xml").unwrap(),
            "IT01234567890_00001_AT_004.zip"
        );
        for bad in [
            "IT01234567890_00001_RC_004.xml",
            "IT01234567890_00001_AT_004.zip",
            "_AT_004.xml",
            "",
        ] {
            assert!(attestazione_zip_name(bad).is_err(), "{bad}");
        }
        let at = "2026-07-01T08:30:10Z".parse().unwrap();
        for bad in ["../x.xml", "dir/x.xml", "", ".hidden"] {
            assert!(matches!(
                attestazione_zip(bad, b"", "IT01234567890_00001.xml", b"", at),
                Err(ArchiveError::EntryName(_))
            ));
        }
    }

    #[test]
    fn out_of_dos_range_falls_back_to_its_epoch() {
        let early = dos_time("1970-01-01T00:00:00Z".parse().unwrap());
        assert_eq!(early, DateTime::default());
    }
}
