//! SDI's own code lists: the message types it issues and receives (`RC`, `NS`, `MC`, `NE`,
//! `DT`, `AT`, `MT`, `EC`, `SE`), the two schema families they come in (PA for FPA12, B2B for
//! FPR12 and FSM10), the names SDI's documentation gives each message, and the official short
//! texts of the refusal codes a scenario can force.
//!
//! They sit below the scenario and the networks because a scenario outcome (`sdi: NS`), the
//! gateway's network detail and SDI's own lifecycle all name the same codes.

use std::fmt;

use crate::xmldsig::Namespace;

pub(crate) const PA_NAMESPACE: &str = "http://www.fatturapa.gov.it/sdi/messaggi/v1.0";
pub(crate) const B2B_NAMESPACE: &str =
    "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fattura/messaggi/v1.0";

/// The schema family, chosen by the invoice's `FormatoTrasmissione`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Family {
    /// FPA12: invoices to a public administration, `MessaggiTypes_v1.1.xsd`.
    Pa,
    /// FPR12 and FSM10: B2B/B2C invoices, `MessaggiFatturaTypes_v1.0.xsd`.
    B2b,
}

impl Family {
    pub(crate) fn from_formato_trasmissione(formato: &str) -> Option<Self> {
        match formato {
            "FPA12" => Some(Self::Pa),
            "FPR12" | "FSM10" => Some(Self::B2b),
            _ => None,
        }
    }

    pub(crate) fn namespace(self) -> &'static str {
        match self {
            Self::Pa => PA_NAMESPACE,
            Self::B2b => B2B_NAMESPACE,
        }
    }

    pub(crate) fn root_namespace(self) -> Namespace {
        Namespace {
            prefix: "types",
            uri: self.namespace(),
        }
    }

    /// `MessageId_Type`: 1..14 characters for PA, 1..36 for B2B.
    pub(crate) fn max_message_id(self) -> usize {
        match self {
            Self::Pa => 14,
            Self::B2b => 36,
        }
    }

    /// `Descrizione_Type`: at most 255 characters for PA, 1000 for B2B.
    pub(crate) fn max_description(self) -> usize {
        match self {
            Self::Pa => 255,
            Self::B2b => 1000,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pa => "PA (FPA12)",
            Self::B2b => "B2B (FPR12/FSM10)",
        })
    }
}

/// The two-letter tag of a message, as used in its file name.
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub(crate) enum MessageType {
    /// Ricevuta di consegna.
    RC,
    /// Notifica di scarto (B2B: ricevuta di scarto).
    NS,
    /// Notifica di mancata consegna (B2B: ricevuta di impossibilità di recapito).
    MC,
    /// Notifica di esito (the recipient's outcome, relayed to the transmitter).
    NE,
    /// Notifica di decorrenza termini.
    DT,
    /// Attestazione di avvenuta trasmissione della fattura con impossibilità di recapito.
    AT,
    /// File dei metadati.
    MT,
    /// Notifica di esito committente (from the recipient).
    EC,
    /// Scarto esito committente.
    SE,
}

impl MessageType {
    pub(crate) const ALL: [Self; 9] = [
        Self::RC,
        Self::NS,
        Self::MC,
        Self::NE,
        Self::DT,
        Self::AT,
        Self::MT,
        Self::EC,
        Self::SE,
    ];

    /// The type a two-letter tag names (`RC`, `NS`...), in any case.
    pub(crate) fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(tag))
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::RC => "RC",
            Self::NS => "NS",
            Self::MC => "MC",
            Self::NE => "NE",
            Self::DT => "DT",
            Self::AT => "AT",
            Self::MT => "MT",
            Self::EC => "EC",
            Self::SE => "SE",
        }
    }

    /// Whether the schema requires a `ds:Signature`: every SDI-issued message but MT; EC is the
    /// recipient's and its signature is optional, so eisim's simulated recipients leave it off.
    pub(crate) fn is_signed(self) -> bool {
        !matches!(self, Self::MT | Self::EC)
    }

    /// The root element in `family`, or `None` when the message does not exist there.
    pub(crate) fn root_element(self, family: Family) -> Option<&'static str> {
        match (family, self) {
            (Family::Pa, Self::RC) | (Family::B2b, Self::RC) => Some("RicevutaConsegna"),
            (Family::Pa, Self::NS) => Some("NotificaScarto"),
            (Family::Pa, Self::MC) => Some("NotificaMancataConsegna"),
            (Family::Pa, Self::NE) => Some("NotificaEsito"),
            (Family::Pa, Self::DT) => Some("NotificaDecorrenzaTermini"),
            (Family::Pa, Self::AT) => Some("AttestazioneTrasmissioneFattura"),
            (Family::Pa, Self::MT) => Some("MetadatiInvioFile"),
            (Family::Pa, Self::EC) => Some("NotificaEsitoCommittente"),
            (Family::Pa, Self::SE) => Some("ScartoEsitoCommittente"),
            (Family::B2b, Self::NS) => Some("RicevutaScarto"),
            (Family::B2b, Self::MC) => Some("RicevutaImpossibilitaRecapito"),
            (Family::B2b, Self::MT) => Some("FileMetadati"),
            (Family::B2b, _) => None,
        }
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The notification's name as SDI's documentation gives it, per family.
pub(crate) fn notification_description(kind: MessageType, family: Family) -> &'static str {
    match (kind, family) {
        (MessageType::RC, _) => "Ricevuta di consegna",
        (MessageType::NS, Family::Pa) => "Notifica di scarto",
        (MessageType::NS, Family::B2b) => "Ricevuta di scarto",
        (MessageType::MC, Family::Pa) => "Notifica di mancata consegna",
        (MessageType::MC, Family::B2b) => {
            "Ricevuta di impossibilità di recapito: fattura nell'area riservata del destinatario"
        }
        (MessageType::NE, _) => "Notifica esito committente",
        (MessageType::DT, _) => "Notifica di decorrenza termini",
        (MessageType::AT, _) => {
            "Attestazione di avvenuta trasmissione della fattura con impossibilità di recapito"
        }
        (MessageType::MT, _) => "File dei metadati",
        (MessageType::EC, _) => "Notifica di esito cedente/committente",
        (MessageType::SE, _) => "Notifica di scarto esito committente",
    }
}

/// The official short text of a refusal code (Elenco dei controlli v2.0), for codes a
/// scenario forces with `sdi: NS, errors: [...]`.
pub(crate) fn description(code: &str) -> &'static str {
    match code {
        "00001" => "Nome file non valido",
        "00002" => "Nome file duplicato",
        "00003" => "Le dimensioni del file superano quelle ammesse",
        "00100" => "Certificato di firma scaduto",
        "00101" => "Certificato di firma revocato",
        "00102" => "File non integro (firma non valida)",
        "00103" => "Alla firma elettronica apposta al file manca il riferimento temporale",
        "00104" => {
            "La CA che ha emesso il certificato di firma non risulta nell'elenco delle CA affidabili"
        }
        "00105" => {
            "Il riferimento temporale associato alla firma risulta successivo alla data di ricezione del file"
        }
        "00106" => "File / archivio vuoto o corrotto",
        "00107" => "Il certificato di firma non è valido",
        "00200" => "File non conforme al formato",
        "00300" => "1.1.1.2 <IdCodice> non valido",
        "00301" => "1.2.1.1.2 <IdCodice> non valido",
        "00302" => "1.2.1.2 <CodiceFiscale> non valido",
        "00305" => "1.4.1.1.2 <IdCodice> non valido",
        "00306" => "1.4.1.2 <CodiceFiscale> non valido",
        "00311" => "1.1.4 <CodiceDestinatario> non valido",
        "00312" => "1.1.4 <CodiceDestinatario> non attivo",
        "00320" => "1.2.1.1 <IdFiscaleIVA> e 1.2.1.2 <CodiceFiscale> non coerenti",
        "00323" => "1.2.1.1.2 <IdCodice> corrispondente a una partita IVA cessata da oltre 5 anni",
        "00324" => "1.4.1.1 <IdFiscaleIVA> e 1.4.1.2 <CodiceFiscale> non coerenti",
        "00399" => {
            "CessionarioCommittente presente nell'anagrafica IPA in presenza di 1.1.3 <FormatoTrasmissione> valorizzato a FPR12"
        }
        "00404" => "Fattura duplicata",
        "00409" => "Fattura duplicata nel lotto",
        "00477" => {
            "Fattura recante titolo di non imponibilità ai sensi dell'art. 8, comma 1, lett. c) con Dichiarazione d'intento invalidata"
        }
        _ => "Scarto indicato dallo scenario",
    }
}
