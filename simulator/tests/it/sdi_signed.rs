//! SDI's signed and zipped files, judged on files eisim did not write: CAdES `.p7m` made by
//! `openssl cms -sign` with a CA and certificates `openssl` makes in a temporary folder (valid,
//! expired, not yet valid, from an unknown CA, revoked, without signing time, tampered,
//! truncated, Base64), ZIP archives built here with the `zip` crate (three invoices with their
//! own outcomes, a bomb, a corrupt one), signed inbound invoices, and the gateway's FPR12 to an
//! unknown CodiceDestinatario (NS 00311, not a 422). Every notification is checked against the
//! official schemas and its hash against the bytes sent.
//!
//! `openssl cms` signs with the wall clock, so each scenario's virtual clock starts an hour
//! after the test's wall time (and, for 00105, a day before it): the run's clock, not luck,
//! decides what is late.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{TestSim, sdicoop};

const FPR12: &str = include_str!("../../../fixtures/sdi/FPR12-minimal.xml");

fn openssl_installed() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A throwaway PKI made by `openssl` in a temporary folder.
struct Pki {
    dir: PathBuf,
}

const CA_CONFIG: &str = "[ca]\ndefault_ca=CA_default\n[CA_default]\ndir=.\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=policy_any\nunique_subject=no\ncopy_extensions=none\nx509_extensions=leaf\n[policy_any]\ncommonName=supplied\n[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,nonRepudiation,digitalSignature\n[root]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n[req]\ndistinguished_name=dn\n[dn]\n";

/// `openssl ca` dates: YYYYMMDDHHMMSSZ.
fn ca_date(t: jiff::Timestamp) -> String {
    t.strftime("%Y%m%d%H%M%SZ").to_string()
}

impl Pki {
    fn new(tag: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!("eisim-pki-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ca.cnf"), CA_CONFIG).unwrap();
        let pki = Pki { dir };
        pki.ca("trusted-ca");
        pki.ca("unknown-ca");
        pki
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    fn ca(&self, name: &str) {
        std::fs::write(self.dir.join(format!("{name}.idx")), "").unwrap();
        std::fs::write(self.dir.join(format!("{name}.serial")), "10\n").unwrap();
        run(
            &self.dir,
            &["genrsa", "-out", &format!("{name}.key"), "2048"],
        );
        run(
            &self.dir,
            &[
                "req",
                "-new",
                "-key",
                &format!("{name}.key"),
                "-subj",
                &format!("/CN={name}"),
                "-config",
                "ca.cnf",
                "-out",
                &format!("{name}.csr"),
            ],
        );
        self.issue_with(name, name, true, "20200101000000Z", "20491231235959Z");
    }

    /// Signs `subject`'s request with CA `ca` for the given validity.
    fn issue_with(&self, ca: &str, subject: &str, root: bool, from: &str, to: &str) {
        let config = std::fs::read_to_string(self.dir.join("ca.cnf"))
            .unwrap()
            .replace("database=index.txt", &format!("database={ca}.idx"))
            .replace("serial=serial", &format!("serial={ca}.serial"));
        std::fs::write(self.dir.join(format!("{ca}.cnf")), config).unwrap();
        let (csr, out) = (format!("{subject}.csr"), format!("{subject}.pem"));
        let mut args = vec![
            "ca",
            "-batch",
            "-notext",
            "-config",
            &format!("{ca}.cnf"),
            "-in",
            &csr,
            "-out",
            &out,
            "-startdate",
            from,
            "-enddate",
            to,
            "-keyfile",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        args.push(format!("{ca}.key"));
        if root {
            args.extend(["-selfsign", "-extensions", "root"].map(str::to_owned));
        } else {
            args.extend(["-cert".to_owned(), format!("{ca}.pem")]);
        }
        run(
            &self.dir,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        );
    }

    /// A signer's key and certificate, issued by `ca`, valid from `from` to `to`.
    fn signer(&self, name: &str, ca: &str, from: &str, to: &str) {
        run(
            &self.dir,
            &["genrsa", "-out", &format!("{name}.key"), "2048"],
        );
        run(
            &self.dir,
            &[
                "req",
                "-new",
                "-key",
                &format!("{name}.key"),
                "-subj",
                &format!("/CN={name}"),
                "-config",
                "ca.cnf",
                "-out",
                &format!("{name}.csr"),
            ],
        );
        self.issue_with(ca, name, false, from, to);
    }

    fn serial(&self, name: &str) -> String {
        let out = Command::new("openssl")
            .args([
                "x509",
                "-noout",
                "-serial",
                "-in",
                &self.path(&format!("{name}.pem")),
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .trim_start_matches("serial=")
            .to_owned()
    }

    /// `openssl cms -sign -binary -nodetach -outform DER` of `content` by `signer`.
    fn sign(&self, signer: &str, content: &[u8], extra: &[&str]) -> Vec<u8> {
        let input = self.dir.join(format!("{signer}-in.xml"));
        let output = self.dir.join(format!("{signer}-out.p7m"));
        std::fs::write(&input, content).unwrap();
        let mut args = vec![
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-outform",
            "DER",
            "-md",
            "sha256",
        ];
        args.extend_from_slice(extra);
        let (signer_pem, key, input_s, output_s) = (
            self.path(&format!("{signer}.pem")),
            self.path(&format!("{signer}.key")),
            input.to_string_lossy().into_owned(),
            output.to_string_lossy().into_owned(),
        );
        args.extend([
            "-signer",
            &signer_pem,
            "-inkey",
            &key,
            "-in",
            &input_s,
            "-out",
            &output_s,
        ]);
        run(&self.dir, &args);
        std::fs::read(&output).unwrap()
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The minimal B2B invoice with its own number, dated the day before `received` (so no
/// 00403 whatever the wall clock says).
fn invoice(number: &str, received: jiff::Timestamp) -> Vec<u8> {
    let day = received
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .yesterday()
        .unwrap();
    FPR12
        .replace(
            "<Numero>FT-2026/0042</Numero>",
            &format!("<Numero>{number}</Numero>"),
        )
        .replace("<Data>2026-10-15</Data>", &format!("<Data>{day}</Data>"))
        .into_bytes()
}

fn scenario(start: jiff::Timestamp, channel: &str, trust: &str) -> String {
    format!(
        r#"
name: sdi-signed
clock: {{ mode: virtual, start: {start} }}
seed: 11
tenants:
  - id: acme
    credentials: [ {{ client_id: acme-client, client_secret: acme-secret }} ]
participants:
  - {{ id: "SDI:EISIM01", network: sdi, tenant: acme }}
  - {{ id: "SDI:ABC1234", network: sdi, name: Rossi Forniture S.r.l. }}
sdi:
  channel: {channel}
{trust}
"#
    )
}

/// A wiremock SDICoop service answering every call 200 with an empty SOAP body.
async fn soap_service() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>"#,
            "text/xml; charset=utf-8",
        ))
        .mount(&server)
        .await;
    server
}

async fn send(t: &TestSim, name: &str, file: &[u8]) -> u64 {
    let call = sdicoop::ricevi_file(name, file, false);
    let response = t
        .http
        .post(t.url("/ricevi_file"))
        .header("content-type", &call.content_type)
        .header("soapaction", call.soap_action_header())
        .body(call.body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.bytes().await.unwrap();
    let answer = sdicoop::read_ricevi_file_answer(content_type.as_deref(), &body).unwrap();
    assert_eq!(answer.errore, None);
    answer.identificativo_sdi
}

async fn advance(t: &TestSim, by: Duration) {
    t.sim.advance(by).unwrap();
    t.sim.sdi_settled().await;
}

async fn file(t: &TestSim, id: u64) -> Value {
    let (status, body) = t.get_json(&format!("/_sim/sdi/files/{id}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// What SDI said about file `id`: (message type, the message's XML).
async fn messages(t: &TestSim, id: u64) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for m in file(t, id).await["messages"].as_array().unwrap() {
        let name = m["file_name"].as_str().unwrap();
        let xml = t
            .http
            .get(t.url(&format!("/_sim/sdi/files/{id}/messages/{name}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        out.push((m["message_type"].as_str().unwrap().to_owned(), xml));
    }
    out
}

fn tag_values<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split(&close).next())
        .collect()
}

/// The outcome of file `id`: "RC", or "NS" with its codes; every message valid against its
/// family's schema, and a B2B message's `Hash` the SHA-256 of `sent`.
async fn outcome(t: &TestSim, id: u64, sent: &[u8]) -> String {
    let family = file(t, id).await["family"].as_str().unwrap().to_owned();
    let schema = if family == "b2b" {
        "fatturapa/MessaggiFatturaTypes_v1.0.xsd"
    } else {
        "fatturapa/MessaggiTypes_v1.1.xsd"
    };
    let mut said = Vec::new();
    for (kind, xml) in messages(t, id).await {
        crate::schemas::assert_schema_valid(&xml, schema, &format!("{kind} of file {id}"));
        for hash in tag_values(&xml, "Hash") {
            assert_eq!(hash, crate::sha256_hex(sent), "{kind} of file {id}");
        }
        if kind == "NS" {
            said.push(format!("NS {}", tag_values(&xml, "Codice").join(",")));
        } else {
            said.push(kind);
        }
    }
    said.join(" ")
}

fn wall_now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(jiff::Timestamp::now().as_second()).unwrap()
}

#[tokio::test]
async fn cades_files_signed_by_openssl_get_exactly_their_code() {
    if !openssl_installed() {
        println!("SKIPPED: openssl is not installed");
        return;
    }
    let pki = Pki::new("cades");
    let wall = wall_now();
    let start = wall + jiff::SignedDuration::from_hours(1);
    pki.signer("good", "trusted-ca", "20200101000000Z", "20491231235959Z");
    pki.signer(
        "expired",
        "trusted-ca",
        "20200101000000Z",
        "20210101000000Z",
    );
    pki.signer("future", "trusted-ca", "20400101000000Z", "20450101000000Z");
    pki.signer(
        "stranger",
        "unknown-ca",
        "20200101000000Z",
        "20491231235959Z",
    );
    pki.signer(
        "revoked",
        "trusted-ca",
        "20200101000000Z",
        "20491231235959Z",
    );
    // Valid when signed, expired two hours later, when SDI receives the file on its clock.
    let soon = ca_date(wall + jiff::SignedDuration::from_mins(90));
    pki.signer("shortlived", "trusted-ca", "20200101000000Z", &soon);

    let service = soap_service().await;
    let ca_pem = std::fs::read_to_string(pki.dir.join("trusted-ca.pem")).unwrap();
    let indented: String = ca_pem.lines().map(|l| format!("        {l}\n")).collect();
    let trust = format!(
        "  trust:\n    certificates:\n      - |\n{indented}    revoked: [ \"{}\" ]",
        pki.serial("revoked")
    );
    let channel = format!(
        "{{ trasmissione_fatture: \"{}/TrasmissioneFatture\", mtom: false }}",
        service.uri()
    );
    let t = TestSim::with_scenario(&scenario(start, &channel, &trust)).await;

    let good = pki.sign("good", &invoice("SIG-1", start), &[]);
    let tampered = {
        let mut bytes = pki.sign("good", &invoice("SIG-2", start), &[]);
        let at = bytes.windows(5).position(|w| w == b"SIG-2").unwrap();
        bytes[at + 4] = b'9';
        bytes
    };
    let base64 = {
        use base64::Engine as _;
        let der = pki.sign("good", &invoice("SIG-3", start), &[]);
        base64::engine::general_purpose::STANDARD
            .encode(der)
            .into_bytes()
    };
    let truncated = {
        let bytes = pki.sign("good", &invoice("SIG-4", start), &[]);
        bytes[..bytes.len() - 300].to_vec()
    };
    let eisim_signed =
        eisim::tools::sdi_sign_cades(&invoice("SIG-5", start), None, None, wall).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("good", good, "RC"),
        ("base64", base64, "RC"),
        ("eisim test signer", eisim_signed, "RC"),
        (
            "expired",
            pki.sign("expired", &invoice("SIG-6", start), &[]),
            "NS 00100",
        ),
        (
            "not yet valid",
            pki.sign("future", &invoice("SIG-7", start), &[]),
            "NS 00107",
        ),
        ("tampered", tampered, "NS 00102"),
        (
            "unknown CA",
            pki.sign("stranger", &invoice("SIG-8", start), &[]),
            "NS 00104",
        ),
        (
            "no signing time",
            pki.sign("good", &invoice("SIG-9", start), &["-noattr"]),
            "NS 00103",
        ),
        ("truncated DER", truncated, "NS 00106"),
        (
            "revoked",
            pki.sign("revoked", &invoice("SIG-10", start), &[]),
            "NS 00101",
        ),
        ("empty", Vec::new(), "NS 00106"),
    ];
    let mut sent = Vec::new();
    for (i, (what, bytes, _)) in cases.iter().enumerate() {
        if bytes.is_empty() {
            continue;
        }
        let name = format!("IT01234567897_S{:04}.xml.p7m", i + 1);
        sent.push((*what, send(&t, &name, bytes).await, bytes.clone()));
    }
    // The short-lived certificate's file reaches SDI three hours later on the run's clock.
    let late_bytes = pki.sign("shortlived", &invoice("SIG-11", start), &[]);
    advance(&t, Duration::from_secs(3 * 3600)).await;
    let late = send(&t, "IT01234567897_L0001.xml.p7m", &late_bytes).await;
    advance(&t, Duration::from_secs(3600)).await;

    let mut got = Vec::new();
    let mut want = Vec::new();
    for (what, id, bytes) in &sent {
        got.push(format!("{what}: {}", outcome(&t, *id, bytes).await));
        let expected = cases.iter().find(|c| c.0 == *what).unwrap().2;
        want.push(format!("{what}: {expected}"));
    }
    got.push(format!(
        "expired at reception: {}",
        outcome(&t, late, &late_bytes).await
    ));
    want.push("expired at reception: NS 00100".to_owned());
    assert_eq!(got, want);

    // The notifications name the .p7m as it was sent.
    let (_, ns) = messages(&t, sent[3].1).await.remove(0);
    assert!(
        ns.contains("<NomeFile>IT01234567897_S0004.xml.p7m</NomeFile>"),
        "{ns}"
    );
}

#[tokio::test]
async fn a_file_signed_after_its_reception_gets_00105() {
    if !openssl_installed() {
        println!("SKIPPED: openssl is not installed");
        return;
    }
    let pki = Pki::new("late");
    pki.signer("good", "trusted-ca", "20200101000000Z", "20491231235959Z");
    let wall = wall_now();
    // SDI's clock stands a day before the wall clock the file is signed by.
    let start = wall - jiff::SignedDuration::from_hours(24);
    let ca_pem = std::fs::read_to_string(pki.dir.join("trusted-ca.pem")).unwrap();
    let indented: String = ca_pem.lines().map(|l| format!("        {l}\n")).collect();
    let trust = format!("  trust:\n    certificates:\n      - |\n{indented}");
    let service = soap_service().await;
    let channel = format!(
        "{{ trasmissione_fatture: \"{}/TrasmissioneFatture\", mtom: false }}",
        service.uri()
    );
    let t = TestSim::with_scenario(&scenario(start, &channel, &trust)).await;
    let bytes = pki.sign("good", &invoice("LATE-1", start), &[]);
    let id = send(&t, "IT01234567897_00105.xml.p7m", &bytes).await;
    advance(&t, Duration::from_secs(600)).await;
    assert_eq!(outcome(&t, id, &bytes).await, "NS 00105");
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn each_file_of_a_zip_lives_on_its_own_and_hostile_archives_get_00106() {
    let start = wall_now() + jiff::SignedDuration::from_hours(1);
    let service = soap_service().await;
    let channel = format!(
        "{{ trasmissione_fatture: \"{}/TrasmissioneFatture\", mtom: false }}",
        service.uri()
    );
    let t = TestSim::with_scenario(&scenario(start, &channel, "")).await;
    let first = invoice("ZIP-1", start);
    let broken = String::from_utf8(invoice("ZIP-2", start))
        .unwrap()
        .replace("<CodiceDestinatario>ABC1234</CodiceDestinatario>", "")
        .into_bytes();
    let signed = eisim::tools::sdi_sign_cades(&invoice("ZIP-3", start), None, None, start).unwrap();
    let archive = zip_of(&[
        ("IT01234567897_Z0001.xml", &first),
        ("IT01234567897_Z0002.xml", &broken),
        ("IT01234567897_Z0003.xml.p7m", &signed),
    ]);
    let archive_id = send(&t, "IT01234567897_ZIP01.zip", &archive).await;

    // A bomb: 6 MiB of zeros deflated to a few kilobytes.
    let zeros = vec![0u8; 6 * 1024 * 1024];
    let bomb = zip_of(&[("IT01234567897_B0001.xml", &zeros)]);
    assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
    let bomb_id = send(&t, "IT01234567897_BOMB1.zip", &bomb).await;
    // Many small entries, past the count limit.
    let many: Vec<(String, Vec<u8>)> = (0..1001)
        .map(|i| (format!("IT01234567897_M{i:04}.xml"), b"<a/>".to_vec()))
        .collect();
    let many_refs: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let crowd = zip_of(&many_refs);
    let crowd_id = send(&t, "IT01234567897_MANY1.zip", &crowd).await;
    // Corrupt: an archive cut in half.
    let corrupt = archive[..archive.len() / 2].to_vec();
    let corrupt_id = send(&t, "IT01234567897_CUT01.zip", &corrupt).await;
    // A nested archive and a badly named file are refused by name.
    let nested = zip_of(&[
        ("IT01234567897_N0001.zip", &archive),
        ("fattura.xml", &first),
    ]);
    let nested_id = send(&t, "IT01234567897_NEST1.zip", &nested).await;

    advance(&t, Duration::from_secs(3600)).await;

    assert_eq!(file(&t, archive_id).await["state"], "unpacked");
    // The three files got the identifiers after the others sent in the meantime: found by
    // their archive.
    let (_, listing) = t.get_json("/_sim/sdi/files").await;
    let inner: Vec<(u64, String)> = listing["files"]
        .as_array()
        .or_else(|| listing.as_array())
        .unwrap()
        .iter()
        .filter(|f| f["archive"]["identificativo_sdi"] == archive_id)
        .map(|f| {
            (
                f["identificativo_sdi"].as_u64().unwrap(),
                f["file_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let names: Vec<&str> = inner.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "IT01234567897_Z0001.xml",
            "IT01234567897_Z0002.xml",
            "IT01234567897_Z0003.xml.p7m"
        ]
    );
    let outcomes = [
        outcome(&t, inner[0].0, &first).await,
        outcome(&t, inner[1].0, &broken).await,
        outcome(&t, inner[2].0, &signed).await,
    ];
    assert_eq!(outcomes[0], "RC");
    assert!(outcomes[1].starts_with("NS 00200"), "{}", outcomes[1]);
    assert_eq!(outcomes[2], "RC");
    // Each names the archive it came in.
    for (id, _) in &inner {
        let (_, xml) = messages(&t, *id).await.remove(0);
        let compact: String = xml.split_whitespace().collect();
        assert!(
            compact.contains(&format!(
                "<RiferimentoArchivio><IdentificativoSdI>{archive_id}</IdentificativoSdI><NomeFile>IT01234567897_ZIP01.zip</NomeFile>"
            )),
            "{xml}"
        );
    }

    for (id, bytes, codes) in [
        (bomb_id, &bomb, "NS 00106"),
        (crowd_id, &crowd, "NS 00106"),
        (corrupt_id, &corrupt, "NS 00106"),
        (nested_id, &nested, "NS 00001,00001"),
    ] {
        assert_eq!(outcome(&t, id, bytes).await, codes, "file {id}");
        assert_eq!(file(&t, id).await["state"], "rejected");
    }
    // Nothing came out of the refused archives.
    let count = listing["files"]
        .as_array()
        .or_else(|| listing.as_array())
        .unwrap()
        .len();
    assert_eq!(count, 5 + 3);
}

#[tokio::test]
async fn a_gateway_fpr12_to_an_unknown_codice_destinatario_is_taken_then_refused_with_00311() {
    let start = wall_now();
    let t = TestSim::with_scenario(&scenario(start, "{}", "")).await;
    let token = t.token("acme-client", "acme-secret").await;
    let bytes = String::from_utf8(invoice("UNKNOWN-1", start))
        .unwrap()
        .replace(
            "<CodiceDestinatario>ABC1234</CodiceDestinatario>",
            "<CodiceDestinatario>ZZZ9999</CodiceDestinatario>",
        )
        .into_bytes();
    let response = t
        .http
        .post(t.url("/api/v1/invoices?file_name=IT01234567897_U0001.xml"))
        .bearer_auth(&token)
        .header("content-type", "application/xml")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let doc: Value = response.json().await.unwrap();
    // Taken in, as SDI takes any file in: no 422.
    assert_eq!(status, 201, "{doc}");
    let id = doc["id"].as_str().unwrap().to_owned();
    advance(&t, Duration::from_secs(600)).await;
    let token = t.token("acme-client", "acme-secret").await;
    let get = |path: String| t.http.get(t.url(&path)).bearer_auth(token.clone()).send();
    let body: Value = get(format!("/api/v1/invoices/{id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["state"], "refused", "{body}");
    assert_eq!(
        body["network_detail"]["errors"],
        serde_json::json!(["00311"])
    );
    let list: Value = get(format!("/api/v1/invoices/{id}/notifications"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["notifications"][0]["type"], "NS", "{list}");
    let href = list["notifications"][0]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let ns = get(href).await.unwrap().text().await.unwrap();
    assert!(ns.contains("<Codice>00311</Codice>"), "{ns}");
    assert!(ns.contains("ZZZ9999 non trovato"), "{ns}");
    crate::schemas::assert_schema_valid(&ns, "fatturapa/MessaggiFatturaTypes_v1.0.xsd", "NS 00311");
    assert_eq!(tag_values(&ns, "Hash"), [crate::sha256_hex(&bytes)]);

    // Signed and zipped files go over SDICoop; the gateway says so rather than misreading them.
    for name in ["IT01234567897_U0002.xml.p7m", "IT01234567897_U0003.zip"] {
        let response = t
            .http
            .post(t.url(&format!("/api/v1/invoices?file_name={name}")))
            .bearer_auth(&token)
            .header("content-type", "application/xml")
            .body(bytes.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{name}");
        let problem: Value = response.json().await.unwrap();
        assert!(
            problem["type"]
                .as_str()
                .unwrap()
                .ends_with("invalid-envelope"),
            "{problem}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains("SDICoop"),
            "{problem}"
        );
    }
}

fn xmlsec1_installed() -> bool {
    Command::new("xmlsec1")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `invoice` with an XAdES-BES template (exclusive C14N, the document and the signed
/// properties referenced) signed by `xmlsec1` with `key` and `cert`; without `signing_time`
/// a plain XML-DSig with no signed properties.
fn xmlsec1_sign(
    dir: &Path,
    invoice: &[u8],
    key: &str,
    cert: &str,
    signing_time: Option<&str>,
) -> Vec<u8> {
    xmlsec1_sign_with(
        dir,
        invoice,
        key,
        cert,
        signing_time,
        "http://www.w3.org/2001/10/xml-exc-c14n#",
    )
}

fn xmlsec1_sign_with(
    dir: &Path,
    invoice: &[u8],
    key: &str,
    cert: &str,
    signing_time: Option<&str>,
    c14n: &str,
) -> Vec<u8> {
    let (reference, object) = match signing_time {
        Some(time) => (
            r##"<ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#SP1"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>"##.to_owned(),
            format!(
                r##"<ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#Sig1"><xades:SignedProperties Id="SP1"><xades:SignedSignatureProperties><xades:SigningTime>{time}</xades:SigningTime></xades:SignedSignatureProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object>"##
            ),
        ),
        None => (String::new(), String::new()),
    };
    let template = String::from_utf8(invoice.to_vec()).unwrap().replace(
        "</p:FatturaElettronica>",
        &format!(
            r#"<ds:Signature Id="Sig1"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{c14n}"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="{c14n}"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>{reference}</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo>{object}</ds:Signature></p:FatturaElettronica>"#
        ),
    );
    std::fs::write(dir.join("template.xml"), template).unwrap();
    let out = Command::new("xmlsec1")
        .args([
            "--sign",
            "--privkey-pem",
            &format!("{key},{cert}"),
            "--id-attr:Id",
            "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
            "--output",
            "signed.xml",
            "template.xml",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(dir.join("signed.xml")).unwrap()
}

#[tokio::test]
async fn xades_files_signed_by_xmlsec1_get_exactly_their_code() {
    if !xmlsec1_installed() || !openssl_installed() {
        println!("SKIPPED: xmlsec1 or openssl is not installed");
        return;
    }
    let pki = Pki::new("xades");
    pki.signer("good", "trusted-ca", "20200101000000Z", "20491231235959Z");
    pki.signer(
        "expired",
        "trusted-ca",
        "20200101000000Z",
        "20210101000000Z",
    );
    pki.signer(
        "stranger",
        "unknown-ca",
        "20200101000000Z",
        "20491231235959Z",
    );
    let wall = wall_now();
    let start = wall + jiff::SignedDuration::from_hours(1);
    let signed_at = wall.to_string();
    let sign = |signer: &str, number: &str, time: Option<&str>| {
        xmlsec1_sign(
            &pki.dir,
            &invoice(number, start),
            &pki.path(&format!("{signer}.key")),
            &pki.path(&format!("{signer}.pem")),
            time,
        )
    };
    let eisim_signer = |number: &str| {
        xmlsec1_sign(
            &pki.dir,
            &invoice(number, start),
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/src/signed/eisim-test-signer-key.pem"
            ),
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/src/signed/eisim-test-signer.pem"
            ),
            Some(&signed_at),
        )
    };
    let tampered = String::from_utf8(sign("good", "XA-3", Some(&signed_at)))
        .unwrap()
        .replace("XA-3", "XA-9")
        .into_bytes();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("good", sign("good", "XA-1", Some(&signed_at)), "RC"),
        ("eisim test signer", eisim_signer("XA-2"), "RC"),
        ("tampered", tampered, "NS 00102"),
        (
            "expired",
            sign("expired", "XA-4", Some(&signed_at)),
            "NS 00100",
        ),
        (
            "unknown CA",
            sign("stranger", "XA-5", Some(&signed_at)),
            "NS 00104",
        ),
        ("no signing time", sign("good", "XA-6", None), "NS 00103"),
        // Inclusive C14N verifies too: the refusal is for the time, not the signature.
        (
            "inclusive C14N, no signing time",
            xmlsec1_sign_with(
                &pki.dir,
                &invoice("XA-8", start),
                &pki.path("good.key"),
                &pki.path("good.pem"),
                None,
                "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
            ),
            "NS 00103",
        ),
        (
            "signed after reception",
            sign(
                "good",
                "XA-7",
                Some(&(start + jiff::SignedDuration::from_hours(5)).to_string()),
            ),
            "NS 00105",
        ),
    ];

    let service = soap_service().await;
    let ca_pem = std::fs::read_to_string(pki.dir.join("trusted-ca.pem")).unwrap();
    let indented: String = ca_pem.lines().map(|l| format!("        {l}\n")).collect();
    let trust = format!("  trust:\n    certificates:\n      - |\n{indented}");
    let channel = format!(
        "{{ trasmissione_fatture: \"{}/TrasmissioneFatture\", mtom: false }}",
        service.uri()
    );
    let t = TestSim::with_scenario(&scenario(start, &channel, &trust)).await;
    let mut ids = Vec::new();
    for (i, (_, bytes, _)) in cases.iter().enumerate() {
        ids.push(send(&t, &format!("IT01234567897_X{:04}.xml", i + 1), bytes).await);
    }
    advance(&t, Duration::from_secs(3600)).await;
    let mut got = Vec::new();
    for ((what, bytes, _), id) in cases.iter().zip(&ids) {
        got.push(format!("{what}: {}", outcome(&t, *id, bytes).await));
    }
    let want: Vec<String> = cases
        .iter()
        .map(|(what, _, expected)| format!("{what}: {expected}"))
        .collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn signed_inbound_invoices_reach_ricezione_fatture_and_the_gateway_as_p7m() {
    let service = MockServer::start().await;
    let er01 = sdicoop::risposta_ricevi_fatture(false);
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(er01.body, &er01.content_type))
        .mount(&service)
        .await;
    let start = wall_now();
    let yaml = scenario(
        start,
        &format!(
            "{{ ricezione_fatture: \"{}/RicezioneFatture\", mtom: false }}\n  inbound:\n    - {{ at: 10m, file: invoices/IT09876543217_00001.xml, signed: true }}\n    - {{ at: 10m, file: invoices/IT09876543217_00002.xml, signed: false }}",
            service.uri()
        ),
        "",
    );
    let mut scenario = eisim::scenario::parse(&yaml, "test.yaml").unwrap();
    let first = invoice("IN-S1", start);
    scenario.sdi.inbound[0].bytes = Some(first.clone().into());
    scenario.sdi.inbound[1].bytes = Some(invoice("IN-S2", start).into());
    let t = TestSim::start(eisim::SimulatorConfig::new().scenario(scenario, "test.yaml")).await;
    advance(&t, Duration::from_secs(600)).await;

    let requests = service.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let mut p7m = None;
    for request in &requests {
        let content_type = request.headers["content-type"].to_str().unwrap();
        let parsed = sdicoop::read_request(Some(content_type), None, &request.body).unwrap();
        let name = parsed.text("NomeFile").unwrap().to_owned();
        let metadata = String::from_utf8(parsed.bytes("Metadati").unwrap().to_vec()).unwrap();
        assert!(
            metadata.contains(&format!("<NomeFile>{name}</NomeFile>")),
            "{metadata}"
        );
        crate::schemas::assert_schema_valid(
            &metadata,
            "fatturapa/MessaggiFatturaTypes_v1.0.xsd",
            "MT",
        );
        if name.ends_with(".xml.p7m") {
            assert_eq!(name, "IT09876543217_00001.xml.p7m");
            p7m = Some(parsed.bytes("File").unwrap().to_vec());
        } else {
            assert_eq!(name, "IT09876543217_00002.xml");
        }
    }
    let p7m = p7m.expect("one invoice delivered signed");
    // openssl, not eisim, opens it and finds the invoice.
    if openssl_installed() {
        let dir = std::env::temp_dir().join(format!("eisim-inbound-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("in.p7m"), &p7m).unwrap();
        std::fs::write(dir.join("ca.pem"), eisim::tools::sdi_test_ca_pem()).unwrap();
        run(
            &dir,
            &[
                "cms", "-verify", "-inform", "DER", "-in", "in.p7m", "-CAfile", "ca.pem", "-out",
                "out.xml",
            ],
        );
        assert_eq!(std::fs::read(dir.join("out.xml")).unwrap(), first);
        let _ = std::fs::remove_dir_all(&dir);
    }

    // The gateway shows the XML as the document and the .p7m beside it.
    let token = t.token("acme-client", "acme-secret").await;
    let list: Value = t
        .http
        .get(t.url("/api/v1/invoices?direction=inbound"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    let mut found_signed = false;
    for item in items {
        let id = item["id"].as_str().unwrap();
        let document = t
            .http
            .get(t.url(&format!("/api/v1/invoices/{id}/document")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(document.starts_with(b"<?xml"), "{id}");
        let notes: Value = t
            .http
            .get(t.url(&format!("/api/v1/invoices/{id}/notifications")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(signed) = notes.get("signed_file") {
            found_signed = true;
            assert_eq!(document.as_ref(), first.as_slice());
            assert_eq!(signed["file_name"], "IT09876543217_00001.xml.p7m");
            assert_eq!(signed["hash"], crate::sha256_hex(&p7m));
            let download = t
                .http
                .get(t.url(signed["href"].as_str().unwrap()))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(download.headers()["content-type"], "application/pkcs7-mime");
            assert_eq!(download.bytes().await.unwrap().as_ref(), p7m.as_slice());
        }
    }
    assert!(found_signed);
}

/// `eisim sdi sign` and `eisim sdi zip`, run as a user runs them; openssl verifies what the
/// first wrote, and every refusal exits 1 with a message.
#[test]
fn the_sdi_cli_signs_and_zips_and_says_why_it_will_not() {
    let dir = std::env::temp_dir().join(format!("eisim-sdi-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let eisim = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_eisim"))
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let xml = invoice("CLI-1", wall_now());
    std::fs::write(dir.join("IT01234567897_00001.xml"), &xml).unwrap();
    let signed = eisim(&["sdi", "sign", "IT01234567897_00001.xml"]);
    assert!(
        signed.status.success(),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    let p7m = std::fs::read(dir.join("IT01234567897_00001.xml.p7m")).unwrap();
    if openssl_installed() {
        std::fs::write(dir.join("ca.pem"), eisim::tools::sdi_test_ca_pem()).unwrap();
        run(
            &dir,
            &[
                "cms",
                "-verify",
                "-inform",
                "DER",
                "-in",
                "IT01234567897_00001.xml.p7m",
                "-CAfile",
                "ca.pem",
                "-out",
                "back.xml",
            ],
        );
        assert_eq!(std::fs::read(dir.join("back.xml")).unwrap(), xml);
    }
    let zipped = eisim(&[
        "sdi",
        "zip",
        "IT01234567897_00001.xml",
        "IT01234567897_00001.xml.p7m",
    ]);
    assert!(
        zipped.status.success(),
        "{}",
        String::from_utf8_lossy(&zipped.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&zipped.stdout).trim(),
        "IT01234567897_Z0001.zip"
    );
    let archive = std::fs::read(dir.join("IT01234567897_Z0001.zip")).unwrap();
    let mut read = zip::ZipArchive::new(std::io::Cursor::new(archive)).unwrap();
    assert_eq!(read.len(), 2);
    let mut inner = Vec::new();
    std::io::Read::read_to_end(&mut read.by_index(1).unwrap(), &mut inner).unwrap();
    assert_eq!(inner, p7m);

    std::fs::write(dir.join("invoice.xml"), &xml).unwrap();
    for (args, says) in [
        (
            vec!["sdi", "zip", "invoice.xml"],
            "not an SDI invoice file name",
        ),
        (
            vec!["sdi", "sign", "--xades", "IT01234567897_00001.xml"],
            "XAdES signing is not built",
        ),
        (
            vec!["sdi", "sign", "missing.xml"],
            "cannot read missing.xml",
        ),
        (
            vec![
                "sdi",
                "sign",
                "--cert",
                "invoice.xml",
                "--key",
                "invoice.xml",
                "IT01234567897_00001.xml",
            ],
            "not an unencrypted PKCS#8 RSA key",
        ),
    ] {
        let out = eisim(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_trust_list_eisim_cannot_read_is_a_scenario_error() {
    let start = wall_now();
    for (trust, says) in [
        (
            "  trust:\n    certificates: [ \"not a certificate\" ]",
            "sdi.trust",
        ),
        (
            "  trust:\n    revoked: [ \"xyz\" ]",
            "expected hexadecimal digits",
        ),
    ] {
        let yaml = scenario(start, "{}", trust);
        let error = eisim::scenario::parse(&yaml, "test.yaml")
            .unwrap_err()
            .to_string();
        assert!(error.contains(says), "{error}");
    }
}
