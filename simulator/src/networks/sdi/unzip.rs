//! Opening a transmitter's ZIP archive as SDI does: each file inside becomes a file of its own
//! (reference §8: "a ZIP is checked file by file"), and an archive SDI cannot open is refused
//! whole with 00106.
//!
//! The archive is hostile input, so nothing is trusted before it is counted: the archive's
//! size, the number of entries, each entry's size as actually inflated (read through a cap, not
//! as the central directory declares it), the total inflated, and each entry's compression
//! ratio. Crossing any limit stops the reading there, before the bytes past it are inflated.

use std::io::Read as _;

use crate::signed::{Fault, FaultKind};

/// SDI's limit on one file is 5 MB (00003); an archive of files that size is still sent in
/// one SDICoop call.
pub(crate) const MAX_ARCHIVE: usize = 5 * 1024 * 1024;
pub(crate) const MAX_ENTRIES: usize = 1_000;
/// One inflated file: SDI refuses larger invoices anyway (00003).
pub(crate) const MAX_ENTRY: u64 = 5 * 1024 * 1024;
/// Everything inflated from one archive.
pub(crate) const MAX_TOTAL: u64 = 50 * 1024 * 1024;
/// Inflated over compressed: XML compresses 10 to 30 times; far beyond that is a bomb. Only
/// judged past [`RATIO_FLOOR`] inflated bytes, where a tiny file's ratio means nothing.
pub(crate) const MAX_RATIO: u64 = 100;
const RATIO_FLOOR: u64 = 64 * 1024;

/// One file of the archive.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
}

fn corrupt(why: impl std::fmt::Display) -> Fault {
    Fault::new(
        FaultKind::Corrupt,
        format!("{} : {why}", FaultKind::Corrupt.description()),
    )
}

/// The files of an archive, directories left out, or why SDI refuses the archive (00106).
pub(crate) fn open(bytes: &[u8]) -> Result<Vec<Entry>, Fault> {
    if bytes.is_empty() {
        return Err(corrupt("l'archivio è vuoto"));
    }
    if bytes.len() > MAX_ARCHIVE {
        return Err(corrupt(format!("l'archivio supera {MAX_ARCHIVE} byte")));
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| corrupt(format!("l'archivio ZIP non è leggibile ({e})")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(corrupt(format!(
            "l'archivio contiene {} file, oltre il massimo di {MAX_ENTRIES}",
            archive.len()
        )));
    }
    let mut entries = Vec::new();
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let mut file = archive
            .by_index(index)
            .map_err(|e| corrupt(format!("il file n. {} non è leggibile ({e})", index + 1)))?;
        if file.is_dir() {
            continue;
        }
        let name = file
            .name()
            .map_err(|e| {
                corrupt(format!(
                    "il nome del file n. {} non è leggibile ({e})",
                    index + 1
                ))
            })?
            .into_owned();
        let compressed = file.compressed_size().max(1);
        // What the directory declares is checked first, so an honest bomb is refused without
        // inflating a byte; a lying one is caught by the capped read below.
        let declared = file.size();
        if declared > MAX_ENTRY || (declared > RATIO_FLOOR && declared / compressed > MAX_RATIO) {
            return Err(corrupt(format!(
                "{name} dichiara {declared} byte da {compressed} compressi: oltre i limiti ({MAX_ENTRY} byte, {MAX_RATIO}:1)"
            )));
        }
        let room = MAX_ENTRY.min(MAX_TOTAL - total);
        let mut inflated = Vec::new();
        (&mut file)
            .take(room + 1)
            .read_to_end(&mut inflated)
            .map_err(|e| corrupt(format!("{name} non è leggibile ({e})")))?;
        let size = inflated.len() as u64;
        if size > room {
            return Err(corrupt(if room < MAX_ENTRY {
                format!("i file dell'archivio superano in tutto {MAX_TOTAL} byte")
            } else {
                format!("{name} supera {MAX_ENTRY} byte una volta decompresso")
            }));
        }
        if size > RATIO_FLOOR && size / compressed > MAX_RATIO {
            return Err(corrupt(format!(
                "{name} ha un rapporto di compressione di {}:1, oltre {MAX_RATIO}:1",
                size / compressed
            )));
        }
        total += size;
        entries.push(Entry {
            name,
            bytes: inflated,
        });
    }
    if entries.is_empty() {
        return Err(corrupt("l'archivio non contiene file"));
    }
    Ok(entries)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write as _;
    use zip::write::SimpleFileOptions;

    fn archive(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, bytes) in files {
            zip.start_file(*name, SimpleFileOptions::default()).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn files_come_out_one_by_one_and_bombs_do_not() {
        let ok = archive(&[("a.xml", b"<a/>"), ("b.xml", b"<b/>")]);
        let entries = open(&ok).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].bytes, b"<b/>");
        let zeros = vec![0u8; 6 * 1024 * 1024];
        let bomb = archive(&[("bomb.xml", &zeros)]);
        assert!(bomb.len() < 100_000);
        assert_eq!(open(&bomb).unwrap_err().code(), "00106");
        assert_eq!(open(b"PK\x03\x04 not really").unwrap_err().code(), "00106");
        assert_eq!(open(&[]).unwrap_err().code(), "00106");
        assert_eq!(open(&archive(&[])).unwrap_err().code(), "00106");
    }
}
