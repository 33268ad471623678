//! Tests of the notifications as SDI sends them: every message of both families rendered,
//! snapshotted, validated against its XSD and, where signed, verified with xmlsec1; fields
//! checked and texts cut to the schemas. The module is `messages::tests`, so the snapshots
//! keep their names; the fixtures here are shared with the EC reader's tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use jiff::civil::date;

use jiff::Timestamp;

use super::super::signature::tests::{signer, xmlsec1_verify};
use super::*;
use crate::codelists::sdi::{Family, MessageType};

const INVOICE_HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn file() -> FileRef {
    FileRef {
        identificativo_sdi: 530_097_703,
        file_name: "IT01234567890_00001.xml".into(),
        hash: INVOICE_HASH.into(),
        received_at: ts("2026-11-21T09:15:00.123Z"),
        archive: None,
    }
}

pub(super) fn notification(family: Family, body: Body) -> Notification {
    Notification {
        family,
        file: file(),
        message_id: "4567891".into(),
        note: None,
        body,
    }
}

pub(super) fn esito(esito: Esito) -> EsitoCommittente {
    EsitoCommittente {
        identificativo_sdi: 530_097_703,
        invoice: Some(InvoiceRef {
            number: "FPA 12/2026".into(),
            year: 2026,
            position: Some(1),
        }),
        esito,
        description: Some(
            match esito {
                Esito::Accettazione => "Fattura accettata",
                Esito::Rifiuto => "Importi non corrispondenti all'ordine",
            }
            .into(),
        ),
        message_id_committente: Some("PA-0001".into()),
    }
}

fn scarto_errors() -> Vec<ScartoError> {
    vec![
        ScartoError {
            code: "00200".into(),
            description: "File non conforme al formato : Element 'Numero': [facet 'pattern'] <x>"
                .into(),
            suggestion: Some("Verificare il contenuto del campo Numero".into()),
        },
        ScartoError {
            code: "00404".into(),
            description: "Fattura duplicata : FPA 12/2026".into(),
            suggestion: None,
        },
    ]
}

/// Every message of both families, with fixed times and identifiers.
fn all_messages() -> Vec<(&'static str, Notification)> {
    let delivered = ts("2026-11-21T11:40:05Z");
    let pa = Family::Pa;
    let b2b = Family::B2b;
    let mut archived = notification(
        pa,
        Body::RicevutaConsegna {
            delivered_at: delivered,
            recipient_code: "UFY9MH".into(),
            recipient_name: Some("Comune di Esempio - Ufficio Ragioneria".into()),
        },
    );
    archived.file.archive = Some(ArchiveRef {
        identificativo_sdi: 530_097_700,
        file_name: "IT01234567890_00002.zip".into(),
    });
    archived.note = Some("Consegna & notifica <test>".into());
    vec![
        ("pa_rc", archived),
        (
            "pa_ns",
            notification(
                pa,
                Body::Scarto {
                    errors: scarto_errors(),
                },
            ),
        ),
        (
            "pa_mc",
            notification(
                pa,
                Body::MancataConsegna {
                    description: Some("Canale del destinatario non raggiungibile".into()),
                    available_from: None,
                },
            ),
        ),
        (
            "pa_ne",
            notification(
                pa,
                Body::Esito {
                    outcome: esito(Esito::Accettazione),
                },
            ),
        ),
        (
            "pa_dt",
            notification(
                pa,
                Body::DecorrenzaTermini {
                    invoice: Some(InvoiceRef {
                        number: "FPA 12/2026".into(),
                        year: 2026,
                        position: None,
                    }),
                    description: Some("Decorrenza termini".into()),
                },
            ),
        ),
        (
            "pa_at",
            notification(
                pa,
                Body::Attestazione {
                    recipient_code: "UFY9MH".into(),
                    recipient_name: None,
                },
            ),
        ),
        (
            "pa_mt",
            notification(
                pa,
                Body::Metadati {
                    recipient_code: "UFY9MH".into(),
                    format: "FPA12".into(),
                    attempts: 1,
                },
            ),
        ),
        (
            "pa_ec",
            notification(pa, Body::EsitoCommittente(esito(Esito::Rifiuto))),
        ),
        (
            "pa_se",
            notification(
                pa,
                Body::ScartoEsito {
                    invoice: None,
                    scarto: Scarto::NonAmmissibile,
                    message_id_committente: Some("PA-0001".into()),
                },
            ),
        ),
        (
            "b2b_rc",
            notification(
                b2b,
                Body::RicevutaConsegna {
                    delivered_at: delivered,
                    recipient_code: "ABC1234".into(),
                    recipient_name: None,
                },
            ),
        ),
        (
            "b2b_ns",
            notification(
                b2b,
                Body::Scarto {
                    errors: scarto_errors(),
                },
            ),
        ),
        (
            "b2b_mc",
            notification(
                b2b,
                Body::MancataConsegna {
                    description: Some(
                        "La fattura è a disposizione del cessionario nella sua area riservata"
                            .into(),
                    ),
                    available_from: Some(date(2026, 11, 21)),
                },
            ),
        ),
        (
            "b2b_mt",
            notification(
                b2b,
                Body::Metadati {
                    recipient_code: "ABC1234".into(),
                    format: "FPR12".into(),
                    attempts: 2,
                },
            ),
        ),
    ]
}

pub(super) fn signing_time() -> Timestamp {
    ts("2026-11-21T11:40:06Z")
}

fn xml(notification: &Notification) -> String {
    let bytes = notification.to_xml(&signer(), signing_time()).unwrap();
    String::from_utf8(bytes).unwrap()
}

/// Keeps snapshots readable and about the message, not about key material.
fn redacted(xml: &str) -> String {
    let mut out = xml.to_owned();
    for element in ["ds:SignatureValue", "ds:DigestValue", "ds:X509Certificate"] {
        let open = format!("<{element}>");
        let close = format!("</{element}>");
        let mut from = 0;
        while let Some(start) = out[from..].find(&open).map(|i| i + from + open.len()) {
            let end = out[start..].find(&close).unwrap() + start;
            out.replace_range(start..end, "[redacted]");
            from = start;
        }
    }
    out
}

#[test]
fn snapshots_of_every_message() {
    // The snapshots stay in `sdi/snapshots/`, beside the SOAP ones.
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.bind(|| {
        for (name, notification) in all_messages() {
            insta::assert_snapshot!(name, redacted(&xml(&notification)));
        }
    });
}

pub(super) fn schemas_dir() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("EISIM_SCHEMAS_DIR") else {
        println!("SKIPPED: EISIM_SCHEMAS_DIR is not set");
        return None;
    };
    if Command::new("xmllint").arg("--version").output().is_err() {
        println!("SKIPPED: xmllint not installed");
        return None;
    }
    Some(PathBuf::from(dir))
}

/// `Ok(())` when xmllint finds `xml` valid against its family's schema.
pub(super) fn xmllint(
    dir: &std::path::Path,
    family: Family,
    xml: &str,
    name: &str,
) -> Result<(), String> {
    let schema = match family {
        Family::Pa => "MessaggiTypes_v1.1.xsd",
        Family::B2b => "MessaggiFatturaTypes_v1.0.xsd",
    };
    let tmp = std::env::temp_dir().join(format!("eisim-sdi-xsd-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let file = tmp.join("message.xml");
    std::fs::write(&file, xml).unwrap();
    let output = Command::new("xmllint")
        .env("XML_CATALOG_FILES", dir.join("catalog.xml"))
        .args(["--nonet", "--noout", "--schema"])
        .arg(dir.join("fatturapa").join(schema))
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&tmp).unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn every_message_validates_against_its_schema() {
    let Some(dir) = schemas_dir() else { return };
    for (name, notification) in all_messages() {
        let xml = xml(&notification);
        if let Err(errors) = xmllint(&dir, notification.family, &xml, name) {
            panic!("{name} is not valid:\n{errors}\n{xml}");
        }
    }
}

#[test]
fn schema_check_is_not_vacuous() {
    let Some(dir) = schemas_dir() else { return };
    // A signed message without its signature must be refused, or the test above proves
    // nothing.
    let (_, rc) = all_messages().swap_remove(9);
    let unsigned = rc.to_element().unwrap().to_document();
    assert!(xmllint(&dir, Family::B2b, &unsigned, "unsigned").is_err());
}

#[test]
fn every_signed_message_verifies_with_xmlsec1() {
    if Command::new("xmlsec1").arg("--version").output().is_err() {
        println!("SKIPPED: xmlsec1 not installed");
        return;
    }
    let signer = signer();
    for (name, notification) in all_messages() {
        let xml = xml(&notification);
        let signed = notification.message_type().is_signed();
        assert_eq!(xml.contains("<ds:Signature "), signed, "{name}");
        if !signed {
            continue;
        }
        if let Err(errors) = xmlsec1_verify(&signer, &xml, name) {
            panic!("{name} does not verify:\n{errors}\n{xml}");
        }
        let tampered = xml.replacen("530097703", "530097704", 1);
        assert!(xmlsec1_verify(&signer, &tampered, name).is_err(), "{name}");
    }
}

#[test]
fn messages_outside_their_family_are_refused() {
    let signer = signer();
    let b2b_only_pa = [
        Body::Esito {
            outcome: esito(Esito::Accettazione),
        },
        Body::DecorrenzaTermini {
            invoice: None,
            description: None,
        },
        Body::Attestazione {
            recipient_code: "UFY9MH".into(),
            recipient_name: None,
        },
        Body::EsitoCommittente(esito(Esito::Rifiuto)),
        Body::ScartoEsito {
            invoice: None,
            scarto: Scarto::NonConforme,
            message_id_committente: None,
        },
    ];
    for body in b2b_only_pa {
        let kind = body.message_type();
        let result = notification(Family::B2b, body).to_xml(&signer, signing_time());
        assert!(
            matches!(result, Err(MessageError::WrongFamily { message, .. }) if message == kind),
            "{kind}"
        );
    }
}

#[test]
fn fields_are_checked_against_the_schema() {
    let signer = signer();
    let check = |n: Notification| n.to_xml(&signer, signing_time());
    let mut n = notification(Family::Pa, Body::Scarto { errors: vec![] });
    assert!(matches!(
        check(n.clone()),
        Err(MessageError::InvalidField {
            field: "ListaErrori",
            ..
        })
    ));
    n.body = Body::Scarto {
        errors: vec![ScartoError {
            code: "2".into(),
            description: "x".into(),
            suggestion: None,
        }],
    };
    // PA codes are exactly five characters; B2B accepts 1..5.
    assert!(check(n.clone()).is_err());
    n.family = Family::B2b;
    assert!(check(n.clone()).is_ok());

    let mut n = notification(
        Family::Pa,
        Body::Metadati {
            recipient_code: "ufy9mh".into(),
            format: "FPA12".into(),
            attempts: 1,
        },
    );
    assert!(matches!(
        check(n.clone()),
        Err(MessageError::InvalidField {
            field: "CodiceDestinatario",
            ..
        })
    ));
    n.body = Body::Metadati {
        recipient_code: "UFY9MH".into(),
        format: "FPA12".into(),
        attempts: 1,
    };
    n.message_id = "123456789012345".into();
    assert!(matches!(
        check(n.clone()),
        Err(MessageError::InvalidField {
            field: "MessageId",
            ..
        })
    ));
    n.family = Family::B2b;
    assert!(
        check(n.clone()).is_ok(),
        "B2B MessageId may be 36 characters"
    );
    n.file.hash = "not a hash".into();
    assert!(matches!(
        check(n.clone()),
        Err(MessageError::InvalidField { field: "Hash", .. })
    ));

    let mut n = notification(
        Family::Pa,
        Body::DecorrenzaTermini {
            invoice: Some(InvoiceRef {
                number: "123456789012345678901".into(),
                year: 2026,
                position: None,
            }),
            description: None,
        },
    );
    assert!(matches!(
        check(n.clone()),
        Err(MessageError::InvalidField {
            field: "NumeroFattura",
            ..
        })
    ));
    n.file.identificativo_sdi = 1_000_000_000_000;
    n.body = Body::DecorrenzaTermini {
        invoice: None,
        description: None,
    };
    assert!(matches!(
        check(n.clone()),
        Err(MessageError::InvalidField {
            field: "IdentificativoSdI",
            ..
        })
    ));

    let n = notification(
        Family::B2b,
        Body::MancataConsegna {
            description: None,
            available_from: None,
        },
    );
    assert!(matches!(
        check(n),
        Err(MessageError::InvalidField {
            field: "DataMessaADisposizione",
            ..
        })
    ));
}

#[test]
fn long_lists_and_texts_are_cut_to_the_schema() {
    let errors = (0..250)
        .map(|i| ScartoError {
            code: format!("{:05}", i),
            description: "è".repeat(300),
            suggestion: Some("s".repeat(2500)),
        })
        .collect();
    for family in [Family::Pa, Family::B2b] {
        let n = notification(
            family,
            Body::Scarto {
                errors: Vec::clone(&errors),
            },
        );
        let xml = xml(&n);
        assert_eq!(xml.matches("<Errore>").count(), MAX_ERRORS);
        let max = family.max_description();
        assert!(xml.contains(&format!(
            "<Descrizione>{}</Descrizione>",
            "è".repeat(max.min(300))
        )));
        if let Some(dir) = schemas_dir() {
            xmllint(&dir, family, &xml, "long").unwrap();
        }
    }
}

#[test]
fn times_carry_the_italian_offset_of_their_season() {
    assert_eq!(
        italian_date_time(ts("2026-01-15T08:00:00.98765Z")),
        "2026-01-15T09:00:00.987+01:00"
    );
    assert_eq!(
        italian_date_time(ts("2026-07-15T08:00:00Z")),
        "2026-07-15T10:00:00.000+02:00"
    );
    // EU switch: last Sunday of March (29 March 2026) at 01:00 UTC.
    assert_eq!(
        italian_date_time(ts("2026-03-29T00:59:59Z")),
        "2026-03-29T01:59:59.000+01:00"
    );
    assert_eq!(
        italian_date_time(ts("2026-03-29T01:00:00Z")),
        "2026-03-29T03:00:00.000+02:00"
    );
    // And back on the last Sunday of October (25 October 2026).
    assert_eq!(
        italian_date_time(ts("2026-10-25T00:59:59Z")),
        "2026-10-25T02:59:59.000+02:00"
    );
    assert_eq!(
        italian_date_time(ts("2026-10-25T01:00:00Z")),
        "2026-10-25T02:00:00.000+01:00"
    );
}

#[test]
fn message_types_know_their_roots_and_signatures() {
    assert_eq!(
        MessageType::NS.root_element(Family::B2b),
        Some("RicevutaScarto")
    );
    assert_eq!(
        MessageType::MC.root_element(Family::B2b),
        Some("RicevutaImpossibilitaRecapito")
    );
    assert_eq!(
        MessageType::MT.root_element(Family::Pa),
        Some("MetadatiInvioFile")
    );
    assert_eq!(MessageType::NE.root_element(Family::B2b), None);
    assert!(!MessageType::MT.is_signed());
    assert!(!MessageType::EC.is_signed());
    assert!(MessageType::SE.is_signed());
    assert_eq!(
        Family::from_formato_trasmissione("FSM10"),
        Some(Family::B2b)
    );
    assert_eq!(Family::from_formato_trasmissione("FPA12"), Some(Family::Pa));
    assert_eq!(Family::from_formato_trasmissione("FPA13"), None);
}
