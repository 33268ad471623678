//! SDI's names for its notifications and the official short texts of the refusal codes a
//! scenario can force (codes eisim's own checks find carry their own texts).

use super::messages::{Family, MessageType};

/// The notification's name as SDI's documentation gives it, per family.
pub fn notification_description(kind: MessageType, family: Family) -> &'static str {
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
pub fn description(code: &str) -> &'static str {
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
