//! Entry points of the cargo-fuzz targets in `fuzz/`, and of the test that runs their seeds
//! through the same code (`tests/it/fuzz_seeds.rs`). Hidden and unstable: not eisim's API.
//!
//! Each [`Target`] feeds bytes to the parser the server runs on a client's bytes, through the
//! same function the handler calls, so a crash the fuzzer finds is a crash a client could
//! cause. The seeds are built at run time from the repository's own fixtures and scenarios,
//! so no generated corpus is committed and the seeds follow the fixtures as they change.

use std::io;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::documents::{self, Format, InspectionContext};
use crate::http::ksef;
use crate::http::ksef::RequestBody;
use crate::networks::sdi::soap::{self, ErroreInvio, EsitoNotifica};

/// The session key and IV the `ksef_json` target unseals invoices with; its seeds are
/// encrypted with them, so mutations start from invoices that decrypt.
const KSEF_KEY: [u8; 32] = [0x42; 32];
const KSEF_IV: [u8; 16] = [0x24; 16];

/// One fuzz target; [`Target::name`] is its file name in `fuzz/fuzz_targets/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Peppol BIS Billing 3.0 (UBL Invoice and CreditNote): parse, normalize, validate.
    Ubl,
    /// FatturaPA FPA12/FPR12.
    FatturaPa,
    /// KSeF FA(3).
    Fa3,
    /// Scenario YAML, from arbitrary bytes (UTF-8 checked first, as the loader does).
    Scenario,
    /// SDICoop SOAP 1.1, plain or MTOM. Input: one selector byte (which parser: a request as
    /// SDI's endpoints read it, or one of the four integrator answers eisim reads), the
    /// Content-Type up to `\n`, the SOAPAction up to `\n` (empty: none), then the HTTP body.
    SdiSoap,
    /// KSeF JSON bodies. Input: one selector byte (token start, session open, invoice send),
    /// then the HTTP body.
    KsefJson,
    /// KSeF `POST /auth/xades-signature` body (a signed `AuthTokenRequest`).
    KsefXades,
    /// A KSeF batch package once its parts are decrypted and put together: the ZIP read as a
    /// batch close reads it (file count, sizes, each file's bytes and hash).
    KsefBatchZip,
    /// SDI's readers of signed and zipped files. Input: one selector byte (even: a CAdES
    /// `.p7m`, DER or Base64, opened and judged against eisim's default trust list; odd: a
    /// ZIP archive opened under SDI's limits), then the file.
    SdiSigned,
}

impl Target {
    pub const ALL: [Self; 9] = [
        Self::Ubl,
        Self::FatturaPa,
        Self::Fa3,
        Self::Scenario,
        Self::SdiSoap,
        Self::KsefJson,
        Self::KsefXades,
        Self::KsefBatchZip,
        Self::SdiSigned,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Self::Ubl => "ubl",
            Self::FatturaPa => "fatturapa",
            Self::Fa3 => "fa3",
            Self::Scenario => "scenario",
            Self::SdiSoap => "sdi_soap",
            Self::KsefJson => "ksef_json",
            Self::KsefXades => "ksef_xades",
            Self::KsefBatchZip => "ksef_batch_zip",
            Self::SdiSigned => "sdi_signed",
        }
    }

    /// Runs one input. `Err` carries the parser's refusal, for the seed test to tell seeds
    /// that reach deep from seeds refused at the door; the fuzzer ignores it.
    pub fn run(self, data: &[u8]) -> Result<(), String> {
        match self {
            Self::Ubl => inspect(data, |doc| match doc {
                Format::UblCreditNote => Format::UblCreditNote,
                _ => Format::UblInvoice,
            }),
            Self::FatturaPa => inspect(data, |doc| match doc {
                Format::FatturaPaFpa12 => Format::FatturaPaFpa12,
                _ => Format::FatturaPaFpr12,
            }),
            Self::Fa3 => inspect(data, |_| Format::KsefFa3),
            Self::Scenario => {
                let source = std::str::from_utf8(data).map_err(|e| e.to_string())?;
                crate::scenario::parse(source, "fuzz.yaml")
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            Self::SdiSoap => sdi_soap(data),
            Self::KsefJson => {
                let (&selector, body) = data.split_first().ok_or("empty input")?;
                let which = match selector % 3 {
                    0 => RequestBody::TokenStart,
                    1 => RequestBody::SessionOpen,
                    _ => RequestBody::InvoiceSend,
                };
                ksef::read_request_body(which, body, &KSEF_KEY, &KSEF_IV)
                    .map_err(|e| format!("{e:?}"))
            }
            Self::KsefXades => {
                ksef::read_request_body(RequestBody::XadesAuth, data, &KSEF_KEY, &KSEF_IV)
                    .map_err(|e| format!("{e:?}"))
            }
            Self::KsefBatchZip => crate::networks::ksef::batch::read_zip(data, 10_000)
                .map(drop)
                .map_err(|e| format!("{e:?}")),
            Self::SdiSigned => {
                let (&selector, file) = data.split_first().ok_or("empty input")?;
                if selector % 2 == 0 {
                    crate::signed::cades::open(file, &fuzz_trust(), fuzz_now())
                        .map(drop)
                        .map_err(|e| e.to_string())
                } else {
                    crate::networks::sdi::unzip::open(file)
                        .map(drop)
                        .map_err(|e| e.to_string())
                }
            }
        }
    }

    /// The seed inputs, built from the fixtures and scenarios under `repo` (the repository's
    /// root).
    pub fn seeds(self, repo: &Path) -> io::Result<Vec<Vec<u8>>> {
        let fixtures = repo.join("fixtures");
        match self {
            Self::Ubl => files(&fixtures.join("peppol"), "xml"),
            Self::FatturaPa => files(&fixtures.join("sdi"), "xml"),
            Self::Fa3 => files(&fixtures.join("ksef"), "xml"),
            Self::Scenario => files(&repo.join("scenarios"), "yaml"),
            Self::SdiSoap => Ok(sdi_soap_seeds(&files(&fixtures.join("sdi"), "xml")?)),
            Self::KsefJson => ksef_json_seeds(&files(&fixtures.join("ksef"), "xml")?),
            Self::KsefXades => ksef_xades_seeds(),
            Self::KsefBatchZip => ksef_batch_zip_seeds(&files(&fixtures.join("ksef"), "xml")?),
            Self::SdiSigned => sdi_signed_seeds(&files(&fixtures.join("sdi"), "xml")?),
        }
    }
}

/// Parses and validates as `format_for` says, whatever the root element: see
/// [`documents::inspect_as`].
fn inspect(data: &[u8], format_for: impl Fn(Format) -> Format) -> Result<(), String> {
    let context = InspectionContext::new(jiff::civil::date(2026, 11, 1));
    // The detected format picks the variant (invoice or credit note, FPA12 or FPR12) when
    // the root says one of this family; otherwise the family's first.
    let detected = crate::xml::parse(data)
        .ok()
        .and_then(|doc| documents::detect(&doc).ok())
        .unwrap_or(Format::UblInvoice);
    documents::inspect_as(data, format_for(detected), &context)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// The instant the `sdi_signed` target receives files at: inside the test signer's validity.
fn fuzz_now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_793_610_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

fn fuzz_trust() -> crate::signed::TrustList {
    crate::signed::TrustList::new(true, &[], &[]).unwrap_or_default()
}

/// `.p7m`s of a few SDI fixtures signed by eisim's test signer (DER and Base64), and ZIP
/// archives of them, each behind its selector byte.
fn sdi_signed_seeds(invoices: &[Vec<u8>]) -> io::Result<Vec<Vec<u8>>> {
    let signed_at = fuzz_now() - jiff::SignedDuration::from_hours(1);
    let mut seeds = Vec::new();
    let mut named = Vec::new();
    for (i, invoice) in invoices.iter().take(3).enumerate() {
        let p7m = crate::signed::sign::cades_test(invoice, signed_at)
            .map_err(|e| io::Error::other(e.to_string()))?;
        seeds.push([&[0u8][..], &p7m].concat());
        seeds.push([&[2u8][..], B64.encode(&p7m).as_bytes()].concat());
        named.push((format!("IT01234567897_0000{i}.xml"), invoice.clone()));
        named.push((format!("IT01234567897_0000{i}.xml.p7m"), p7m));
    }
    let (_, zip) = crate::tools::sdi_zip(&named).map_err(|e| io::Error::other(e.to_string()))?;
    seeds.push([&[1u8][..], &zip].concat());
    Ok(seeds)
}

/// The five SOAP readers the SDI target can pick.
const SDI_PARSERS: u8 = 5;

fn sdi_soap(data: &[u8]) -> Result<(), String> {
    let (&selector, rest) = data.split_first().ok_or("empty input")?;
    let (content_type, rest) = line(rest);
    let (action, body) = line(rest);
    let content_type = std::str::from_utf8(content_type).map_err(|e| e.to_string())?;
    let action = std::str::from_utf8(action).map_err(|e| e.to_string())?;
    let content_type = Some(content_type).filter(|c| !c.is_empty());
    let action = Some(action).filter(|a| !a.is_empty());
    let outcome = match selector % SDI_PARSERS {
        0 => soap::parse_request_with_action(content_type, action, body).and_then(|request| {
            // What SDI's endpoints read next (api.rs): the name, the file, the id, and an EC.
            let _ = request.text("NomeFile");
            let _ = request.identificativo_sdi();
            let file = request.binary("File")?;
            let _ = crate::networks::sdi::messages::parse_esito_committente(&file);
            Ok(())
        }),
        1 => soap::parse_ricevi_file_response(content_type, body).map(drop),
        2 => soap::parse_notifica_esito_response(content_type, body).map(drop),
        3 => soap::parse_ricevi_fatture_response(content_type, body).map(drop),
        _ => soap::parse_one_way_response(content_type, body),
    };
    outcome.map_err(|e| e.to_string())
}

/// Splits at the first `\n` (dropped); no `\n`: all of it is the line.
fn line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

fn sdi_input(selector: u8, content_type: &str, action: &str, body: &[u8]) -> Vec<u8> {
    let mut input = vec![selector];
    input.extend_from_slice(content_type.as_bytes());
    input.push(b'\n');
    input.extend_from_slice(action.as_bytes());
    input.push(b'\n');
    input.extend_from_slice(body);
    input
}

const ESITO_COMMITTENTE: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<types:NotificaEsitoCommittente xmlns:types="http://www.fatturapa.gov.it/sdi/messaggi/v1.0" versione="1.0">
  <IdentificativoSdI>111</IdentificativoSdI>
  <RiferimentoFattura><NumeroFattura>1</NumeroFattura><AnnoFattura>2026</AnnoFattura></RiferimentoFattura>
  <Esito>EC01</Esito>
  <MessageIdCommittente>4711</MessageIdCommittente>
</types:NotificaEsitoCommittente>"#;

/// Requests as integrators send them (with and without SOAPAction, plain and MTOM), and
/// every answer eisim reads from integrators, built by eisim's own SOAP writer.
fn sdi_soap_seeds(invoices: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for mtom in [false, true] {
        // A few invoices are enough: the document targets fuzz their content.
        for invoice in invoices.iter().take(3) {
            let call = soap::ricevi_file_request("IT01234567890_00001.xml", invoice, mtom);
            seeds.push(sdi_input(
                0,
                &call.content_type,
                &call.soap_action,
                &call.body,
            ));
            seeds.push(sdi_input(0, &call.content_type, "", &call.body));
        }
        let call = soap::notifica_esito_request(111, "EC_1.xml", ESITO_COMMITTENTE, mtom);
        seeds.push(sdi_input(
            0,
            &call.content_type,
            &call.soap_action,
            &call.body,
        ));
        let answers = [
            (
                1,
                soap::risposta_ricevi_file(111, "2026-11-01T10:00:00.000+01:00", None, mtom),
            ),
            (
                1,
                soap::risposta_ricevi_file(
                    0,
                    "2026-11-01T10:00:00.000+01:00",
                    Some(ErroreInvio::FileVuoto),
                    mtom,
                ),
            ),
            (
                2,
                soap::risposta_notifica_esito(
                    EsitoNotifica::NotificaNonAccettata,
                    Some(("SE_1.xml".to_owned(), ESITO_COMMITTENTE.to_vec())),
                    mtom,
                ),
            ),
            (3, soap::risposta_ricevi_fatture(mtom)),
            (4, soap::fault("soap:Server", "temporarily unavailable")),
        ];
        for (selector, answer) in answers {
            seeds.push(sdi_input(selector, &answer.content_type, "", &answer.body));
        }
    }
    seeds
}

fn ksef_json_seeds(invoices: &[Vec<u8>]) -> io::Result<Vec<Vec<u8>>> {
    let with = |selector: u8, body: serde_json::Value| {
        let mut input = vec![selector];
        input.extend_from_slice(body.to_string().as_bytes());
        input
    };
    let mut seeds = vec![
        with(
            0,
            serde_json::json!({
                "challenge": "20250625-CR-20F5EE4000-DA48AE4124-46",
                "contextIdentifier": {"type": "Nip", "value": "5265877635"},
                "encryptedToken": B64.encode([0x5a; 256]),
                "publicKeyId": "key",
            }),
        ),
        with(
            1,
            serde_json::json!({
                "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
                "encryption": {
                    "encryptedSymmetricKey": B64.encode([0x5a; 256]),
                    "initializationVector": B64.encode(KSEF_IV),
                },
            }),
        ),
    ];
    // Every FA(3) fixture, sealed as a client seals it, so the checks pass and it is inspected.
    for invoice in invoices.iter().take(8) {
        let sealed =
            crate::networks::ksef::crypto::aes256_cbc_encrypt(&KSEF_KEY, &KSEF_IV, invoice)
                .map_err(io::Error::other)?;
        seeds.push(with(
            2,
            serde_json::json!({
                "invoiceHash": crate::networks::ksef::crypto::sha256_base64(invoice),
                "invoiceSize": invoice.len(),
                "encryptedInvoiceHash": crate::networks::ksef::crypto::sha256_base64(&sealed),
                "encryptedInvoiceSize": sealed.len(),
                "encryptedInvoiceContent": B64.encode(&sealed),
                "offlineMode": false,
            }),
        ));
    }
    Ok(seeds)
}

/// Signed `AuthTokenRequest`s in both namespaces, each context kind and with an IP policy,
/// carrying eisim's own KSeF certificate (the signature is structural only, as eisim reads
/// it).
fn ksef_xades_seeds() -> io::Result<Vec<Vec<u8>>> {
    let from = jiff::Timestamp::from_second(1_767_225_600).map_err(io::Error::other)?;
    let to = jiff::Timestamp::from_second(1_798_761_600).map_err(io::Error::other)?;
    let keys = crate::networks::ksef::keys::KsefKeys::new(from, to).map_err(io::Error::other)?;
    let certificate = B64.encode(keys.certificate_der());
    let signature = format!(
        r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="Signature-1"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI=""><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>{}</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo><ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#Signature-1"><xades:SignedProperties Id="SignedProperties-1"/></xades:QualifyingProperties></ds:Object></ds:Signature>"##,
        B64.encode([0x5a; 256])
    );
    let policy = "<AuthorizationPolicy><AllowedIps><Ip4Address>192.168.0.1</Ip4Address><Ip4Range>10.0.0.1-10.0.0.9</Ip4Range><Ip4Mask>172.16.0.0/12</Ip4Mask></AllowedIps></AuthorizationPolicy>";
    let contexts = [
        "<Nip>5265877635</Nip>",
        "<InternalId>5265877635-12345</InternalId>",
        "<NipVatUe>5265877635-DE123456789</NipVatUe>",
        "<PeppolId>PPL123456</PeppolId>",
    ];
    let mut seeds = Vec::new();
    for ns in [
        "http://ksef.mf.gov.pl/auth/token/2.0",
        "http://ksef.mf.gov.pl/auth/token/2.1",
    ] {
        for (i, context) in contexts.iter().enumerate() {
            let extra = if i == 0 { policy } else { "" };
            seeds.push(
                format!(
                    r#"<?xml version="1.0" encoding="utf-8"?>
<AuthTokenRequest xmlns="{ns}">
  <Challenge>20250625-CR-20F5EE4000-DA48AE4124-46</Challenge>
  <ContextIdentifier>{context}</ContextIdentifier>
  <SubjectIdentifierType>certificateFingerprint</SubjectIdentifierType>{extra}
  {signature}
</AuthTokenRequest>"#
                )
                .into_bytes(),
            );
        }
    }
    Ok(seeds)
}

/// The files under `dir` (recursively) whose name ends in `.{extension}`, sorted by path so
/// the seeds come in a stable order.
fn files(dir: &Path, extension: &str) -> io::Result<Vec<Vec<u8>>> {
    let mut paths = Vec::new();
    collect(dir, extension, &mut paths)?;
    paths.sort();
    paths.iter().map(std::fs::read).collect()
}

fn collect(dir: &Path, extension: &str, paths: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, extension, paths)?;
        } else if path.extension().is_some_and(|e| e == extension) {
            paths.push(path);
        }
    }
    Ok(())
}

/// Packages of FA(3) fixtures as clients pack them, stored and deflated, one invoice per file.
fn ksef_batch_zip_seeds(invoices: &[Vec<u8>]) -> io::Result<Vec<Vec<u8>>> {
    use std::io::Write as _;
    let mut seeds = Vec::new();
    for method in [
        zip::CompressionMethod::Stored,
        zip::CompressionMethod::Deflated,
    ] {
        let mut writer = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for (n, invoice) in invoices.iter().take(4).enumerate() {
            writer
                .start_file(format!("faktura_{n}.xml"), options)
                .map_err(io::Error::other)?;
            writer.write_all(invoice)?;
        }
        seeds.push(writer.finish().map_err(io::Error::other)?.into_inner());
    }
    Ok(seeds)
}
