//! What the `eisim sdi` subcommands do, as library functions the thin CLI calls: sign a file
//! as a transmitter would (CAdES `.p7m` with eisim's test signer, which SDI trusts by default,
//! or with a given key and certificate), and pack files into an archive named as SDI wants.

use std::io::Write as _;

use jiff::Timestamp;

use crate::networks::sdi::messages::is_invoice_file_name;
use crate::signed::sign::{self, Identity};

/// Why a tool could not make its file.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("{0}")]
    Sign(String),
    #[error(
        "`{0}` is not an SDI invoice file name (<IdPaese><IdCodice>_<progressivo>.xml or .xml.p7m)"
    )]
    FileName(String),
    #[error("no files to put in the archive")]
    Empty,
    #[error("cannot write the archive: {0}")]
    Zip(String),
}

/// A CAdES-BES `.p7m` (DER) of `content`, signed at `signed_at` by the given PKCS#8 PEM key
/// and PEM certificate, or by eisim's test signer when both are `None`.
pub fn sdi_sign_cades(
    content: &[u8],
    key_pem: Option<&str>,
    certificate_pem: Option<&str>,
    signed_at: Timestamp,
) -> Result<Vec<u8>, ToolError> {
    let identity = match (key_pem, certificate_pem) {
        (None, None) => Identity::TEST,
        (Some(key_pem), Some(certificate_pem)) => Identity {
            key_pem,
            certificate_pem,
        },
        _ => {
            return Err(ToolError::Sign(
                "give both --key and --cert, or neither for eisim's test signer".to_owned(),
            ));
        }
    };
    sign::cades(content, identity, signed_at).map_err(|e| ToolError::Sign(e.to_string()))
}

/// eisim's test CA certificate (PEM): what a trust list must hold to accept files signed by
/// [`sdi_sign_cades`] without a key of one's own.
pub fn sdi_test_ca_pem() -> &'static str {
    crate::signed::trust::TEST_CA_PEM
}

/// A ZIP archive (deflated) of `files`, each given as its SDI file name and bytes, and the
/// archive's name: the first file's transmitter and a progressivo starting with `Z`, so the
/// archive's name cannot collide with the files' own.
pub fn sdi_zip(files: &[(String, Vec<u8>)]) -> Result<(String, Vec<u8>), ToolError> {
    let (first, _) = files.first().ok_or(ToolError::Empty)?;
    for (name, _) in files {
        if !is_invoice_file_name(name) || name.to_ascii_lowercase().ends_with(".zip") {
            return Err(ToolError::FileName(name.clone()));
        }
    }
    let base = first.split('.').next().unwrap_or_default();
    let (sender, progressivo) = base
        .split_once('_')
        .ok_or_else(|| ToolError::FileName(first.clone()))?;
    let tail: String = progressivo
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let name = format!("{sender}_Z{tail}.zip");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (file_name, bytes) in files {
        zip.start_file(file_name.as_str(), options)
            .map_err(|e| ToolError::Zip(e.to_string()))?;
        zip.write_all(bytes)
            .map_err(|e| ToolError::Zip(e.to_string()))?;
    }
    let bytes = zip
        .finish()
        .map_err(|e| ToolError::Zip(e.to_string()))?
        .into_inner();
    Ok((name, bytes))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_archive_is_named_after_its_first_file_and_refuses_bad_names() {
        let (name, bytes) = sdi_zip(&[
            ("IT01234567890_00001.xml".into(), b"<a/>".to_vec()),
            ("IT01234567890_00002.xml.p7m".into(), b"p7m".to_vec()),
        ])
        .unwrap();
        assert_eq!(name, "IT01234567890_Z0001.zip");
        assert!(is_invoice_file_name(&name));
        assert!(bytes.starts_with(b"PK"));
        assert!(matches!(
            sdi_zip(&[("invoice.xml".into(), Vec::new())]),
            Err(ToolError::FileName(_))
        ));
        assert!(matches!(sdi_zip(&[]), Err(ToolError::Empty)));
        assert!(matches!(
            sdi_sign_cades(b"x", Some("k"), None, Timestamp::UNIX_EPOCH),
            Err(ToolError::Sign(_))
        ));
    }
}
