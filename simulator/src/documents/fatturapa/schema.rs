//! The content models of FatturaPA 1.2.3 (`Schema_VFPR12_v1.2.3.xsd`, one schema for FPA12
//! and FPR12), as data: every complex type with its sequence of child elements and their
//! occurrences. Transcribed from the official XSD; `format.rs` walks a document against it
//! and checks leaf values by their simple type name, which is how SDI's 00200 is reproduced
//! without an XSD engine. `NazioneDefaultITType` stands for `NazioneType` with the schema's
//! `default="IT"` (in `IndirizzoType`), under which an empty `<Nazione/>` is valid.

/// One step of a complex type's sequence.
#[derive(Clone, Copy, Debug)]
pub(super) enum Particle {
    /// Element name, type name, minOccurs, maxOccurs (0 = unbounded).
    El(&'static str, &'static str, u32, u32),
    /// The schema's `choice` between `Denominazione` and `Nome` + `Cognome` (a company or a
    /// person), used by `AnagraficaType` and `RappresentanteFiscaleCessionarioType`.
    DenominazioneOrNomeCognome,
}

use Particle::{DenominazioneOrNomeCognome, El};

/// The sequence of a complex type, `None` for a simple type.
pub(super) fn complex_type(name: &str) -> Option<&'static [Particle]> {
    COMPLEX_TYPES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, particles)| *particles)
}

const COMPLEX_TYPES: &[(&str, &[Particle])] = &[
    (
        "FatturaElettronicaType",
        &[
            El(
                "FatturaElettronicaHeader",
                "FatturaElettronicaHeaderType",
                1,
                1,
            ),
            El("FatturaElettronicaBody", "FatturaElettronicaBodyType", 1, 0),
            El("Signature", "ds:Signature", 0, 1),
        ],
    ),
    (
        "FatturaElettronicaHeaderType",
        &[
            El("DatiTrasmissione", "DatiTrasmissioneType", 1, 1),
            El("CedentePrestatore", "CedentePrestatoreType", 1, 1),
            El("RappresentanteFiscale", "RappresentanteFiscaleType", 0, 1),
            El("CessionarioCommittente", "CessionarioCommittenteType", 1, 1),
            El(
                "TerzoIntermediarioOSoggettoEmittente",
                "TerzoIntermediarioSoggettoEmittenteType",
                0,
                1,
            ),
            El("SoggettoEmittente", "SoggettoEmittenteType", 0, 1),
        ],
    ),
    (
        "FatturaElettronicaBodyType",
        &[
            El("DatiGenerali", "DatiGeneraliType", 1, 1),
            El("DatiBeniServizi", "DatiBeniServiziType", 1, 1),
            El("DatiVeicoli", "DatiVeicoliType", 0, 1),
            El("DatiPagamento", "DatiPagamentoType", 0, 0),
            El("Allegati", "AllegatiType", 0, 0),
        ],
    ),
    (
        "DatiTrasmissioneType",
        &[
            El("IdTrasmittente", "IdFiscaleType", 1, 1),
            El("ProgressivoInvio", "String10Type", 1, 1),
            El("FormatoTrasmissione", "FormatoTrasmissioneType", 1, 1),
            El("CodiceDestinatario", "CodiceDestinatarioType", 1, 1),
            El("ContattiTrasmittente", "ContattiTrasmittenteType", 0, 1),
            El("PECDestinatario", "EmailType", 0, 1),
        ],
    ),
    (
        "IdFiscaleType",
        &[
            El("IdPaese", "NazioneType", 1, 1),
            El("IdCodice", "CodiceType", 1, 1),
        ],
    ),
    (
        "ContattiTrasmittenteType",
        &[
            El("Telefono", "TelFaxType", 0, 1),
            El("Email", "EmailContattiType", 0, 1),
        ],
    ),
    (
        "DatiGeneraliType",
        &[
            El("DatiGeneraliDocumento", "DatiGeneraliDocumentoType", 1, 1),
            El("DatiOrdineAcquisto", "DatiDocumentiCorrelatiType", 0, 0),
            El("DatiContratto", "DatiDocumentiCorrelatiType", 0, 0),
            El("DatiConvenzione", "DatiDocumentiCorrelatiType", 0, 0),
            El("DatiRicezione", "DatiDocumentiCorrelatiType", 0, 0),
            El("DatiFattureCollegate", "DatiDocumentiCorrelatiType", 0, 0),
            El("DatiSAL", "DatiSALType", 0, 0),
            El("DatiDDT", "DatiDDTType", 0, 0),
            El("DatiTrasporto", "DatiTrasportoType", 0, 1),
            El("FatturaPrincipale", "FatturaPrincipaleType", 0, 1),
        ],
    ),
    (
        "DatiGeneraliDocumentoType",
        &[
            El("TipoDocumento", "TipoDocumentoType", 1, 1),
            El("Divisa", "DivisaType", 1, 1),
            El("Data", "DataFatturaType", 1, 1),
            El("Numero", "String20Type", 1, 1),
            El("DatiRitenuta", "DatiRitenutaType", 0, 0),
            El("DatiBollo", "DatiBolloType", 0, 1),
            El("DatiCassaPrevidenziale", "DatiCassaPrevidenzialeType", 0, 0),
            El("ScontoMaggiorazione", "ScontoMaggiorazioneType", 0, 0),
            El("ImportoTotaleDocumento", "Amount2DecimalType", 0, 1),
            El("Arrotondamento", "Amount2DecimalType", 0, 1),
            El("Causale", "String200LatinType", 0, 0),
            El("Art73", "Art73Type", 0, 1),
        ],
    ),
    (
        "DatiRitenutaType",
        &[
            El("TipoRitenuta", "TipoRitenutaType", 1, 1),
            El("ImportoRitenuta", "Amount2DecimalType", 1, 1),
            El("AliquotaRitenuta", "RateType", 1, 1),
            El("CausalePagamento", "CausalePagamentoType", 1, 1),
        ],
    ),
    (
        "DatiBolloType",
        &[
            El("BolloVirtuale", "BolloVirtualeType", 1, 1),
            El("ImportoBollo", "Amount2DecimalType", 0, 1),
        ],
    ),
    (
        "DatiCassaPrevidenzialeType",
        &[
            El("TipoCassa", "TipoCassaType", 1, 1),
            El("AlCassa", "RateType", 1, 1),
            El("ImportoContributoCassa", "Amount2DecimalType", 1, 1),
            El("ImponibileCassa", "Amount2DecimalType", 0, 1),
            El("AliquotaIVA", "RateType", 1, 1),
            El("Ritenuta", "RitenutaType", 0, 1),
            El("Natura", "NaturaType", 0, 1),
            El("RiferimentoAmministrazione", "String20Type", 0, 1),
        ],
    ),
    (
        "ScontoMaggiorazioneType",
        &[
            El("Tipo", "TipoScontoMaggiorazioneType", 1, 1),
            El("Percentuale", "RateType", 0, 1),
            El("Importo", "Amount8DecimalType", 0, 1),
        ],
    ),
    (
        "DatiSALType",
        &[El("RiferimentoFase", "RiferimentoFaseType", 1, 1)],
    ),
    (
        "DatiDocumentiCorrelatiType",
        &[
            El("RiferimentoNumeroLinea", "RiferimentoNumeroLineaType", 0, 0),
            El("IdDocumento", "String20Type", 1, 1),
            El("Data", "xs:date", 0, 1),
            El("NumItem", "String20Type", 0, 1),
            El("CodiceCommessaConvenzione", "String100LatinType", 0, 1),
            El("CodiceCUP", "String15Type", 0, 1),
            El("CodiceCIG", "String15Type", 0, 1),
        ],
    ),
    (
        "DatiDDTType",
        &[
            El("NumeroDDT", "String20Type", 1, 1),
            El("DataDDT", "xs:date", 1, 1),
            El("RiferimentoNumeroLinea", "RiferimentoNumeroLineaType", 0, 0),
        ],
    ),
    (
        "DatiTrasportoType",
        &[
            El("DatiAnagraficiVettore", "DatiAnagraficiVettoreType", 0, 1),
            El("MezzoTrasporto", "String80LatinType", 0, 1),
            El("CausaleTrasporto", "String100LatinType", 0, 1),
            El("NumeroColli", "NumeroColliType", 0, 1),
            El("Descrizione", "String100LatinType", 0, 1),
            El("UnitaMisuraPeso", "String10Type", 0, 1),
            El("PesoLordo", "PesoType", 0, 1),
            El("PesoNetto", "PesoType", 0, 1),
            El("DataOraRitiro", "xs:dateTime", 0, 1),
            El("DataInizioTrasporto", "xs:date", 0, 1),
            El("TipoResa", "TipoResaType", 0, 1),
            El("IndirizzoResa", "IndirizzoType", 0, 1),
            El("DataOraConsegna", "xs:dateTime", 0, 1),
        ],
    ),
    (
        "IndirizzoType",
        &[
            El("Indirizzo", "String60LatinType", 1, 1),
            El("NumeroCivico", "NumeroCivicoType", 0, 1),
            El("CAP", "CAPType", 1, 1),
            El("Comune", "String60LatinType", 1, 1),
            El("Provincia", "ProvinciaType", 0, 1),
            El("Nazione", "NazioneDefaultITType", 1, 1),
        ],
    ),
    (
        "FatturaPrincipaleType",
        &[
            El("NumeroFatturaPrincipale", "String20Type", 1, 1),
            El("DataFatturaPrincipale", "xs:date", 1, 1),
        ],
    ),
    (
        "CedentePrestatoreType",
        &[
            El("DatiAnagrafici", "DatiAnagraficiCedenteType", 1, 1),
            El("Sede", "IndirizzoType", 1, 1),
            El("StabileOrganizzazione", "IndirizzoType", 0, 1),
            El("IscrizioneREA", "IscrizioneREAType", 0, 1),
            El("Contatti", "ContattiType", 0, 1),
            El("RiferimentoAmministrazione", "String20Type", 0, 1),
        ],
    ),
    (
        "DatiAnagraficiCedenteType",
        &[
            El("IdFiscaleIVA", "IdFiscaleType", 1, 1),
            El("CodiceFiscale", "CodiceFiscaleType", 0, 1),
            El("Anagrafica", "AnagraficaType", 1, 1),
            El("AlboProfessionale", "String60LatinType", 0, 1),
            El("ProvinciaAlbo", "ProvinciaType", 0, 1),
            El("NumeroIscrizioneAlbo", "String60Type", 0, 1),
            El("DataIscrizioneAlbo", "xs:date", 0, 1),
            El("RegimeFiscale", "RegimeFiscaleType", 1, 1),
        ],
    ),
    (
        "AnagraficaType",
        &[
            DenominazioneOrNomeCognome,
            El("Titolo", "TitoloType", 0, 1),
            El("CodEORI", "CodEORIType", 0, 1),
        ],
    ),
    (
        "DatiAnagraficiVettoreType",
        &[
            El("IdFiscaleIVA", "IdFiscaleType", 1, 1),
            El("CodiceFiscale", "CodiceFiscaleType", 0, 1),
            El("Anagrafica", "AnagraficaType", 1, 1),
            El("NumeroLicenzaGuida", "String20Type", 0, 1),
        ],
    ),
    (
        "IscrizioneREAType",
        &[
            El("Ufficio", "ProvinciaType", 1, 1),
            El("NumeroREA", "String20Type", 1, 1),
            El("CapitaleSociale", "Amount2DecimalType", 0, 1),
            El("SocioUnico", "SocioUnicoType", 0, 1),
            El("StatoLiquidazione", "StatoLiquidazioneType", 1, 1),
        ],
    ),
    (
        "ContattiType",
        &[
            El("Telefono", "TelFaxType", 0, 1),
            El("Fax", "TelFaxType", 0, 1),
            El("Email", "EmailContattiType", 0, 1),
        ],
    ),
    (
        "RappresentanteFiscaleType",
        &[El(
            "DatiAnagrafici",
            "DatiAnagraficiRappresentanteType",
            1,
            1,
        )],
    ),
    (
        "DatiAnagraficiRappresentanteType",
        &[
            El("IdFiscaleIVA", "IdFiscaleType", 1, 1),
            El("CodiceFiscale", "CodiceFiscaleType", 0, 1),
            El("Anagrafica", "AnagraficaType", 1, 1),
        ],
    ),
    (
        "CessionarioCommittenteType",
        &[
            El("DatiAnagrafici", "DatiAnagraficiCessionarioType", 1, 1),
            El("Sede", "IndirizzoType", 1, 1),
            El("StabileOrganizzazione", "IndirizzoType", 0, 1),
            El(
                "RappresentanteFiscale",
                "RappresentanteFiscaleCessionarioType",
                0,
                1,
            ),
        ],
    ),
    (
        "RappresentanteFiscaleCessionarioType",
        &[
            El("IdFiscaleIVA", "IdFiscaleType", 1, 1),
            DenominazioneOrNomeCognome,
        ],
    ),
    (
        "DatiAnagraficiCessionarioType",
        &[
            El("IdFiscaleIVA", "IdFiscaleType", 0, 1),
            El("CodiceFiscale", "CodiceFiscaleType", 0, 1),
            El("Anagrafica", "AnagraficaType", 1, 1),
        ],
    ),
    (
        "DatiBeniServiziType",
        &[
            El("DettaglioLinee", "DettaglioLineeType", 1, 0),
            El("DatiRiepilogo", "DatiRiepilogoType", 1, 0),
        ],
    ),
    (
        "DatiVeicoliType",
        &[
            El("Data", "xs:date", 1, 1),
            El("TotalePercorso", "String15Type", 1, 1),
        ],
    ),
    (
        "DatiPagamentoType",
        &[
            El("CondizioniPagamento", "CondizioniPagamentoType", 1, 1),
            El("DettaglioPagamento", "DettaglioPagamentoType", 1, 0),
        ],
    ),
    (
        "DettaglioPagamentoType",
        &[
            El("Beneficiario", "String200LatinType", 0, 1),
            El("ModalitaPagamento", "ModalitaPagamentoType", 1, 1),
            El("DataRiferimentoTerminiPagamento", "xs:date", 0, 1),
            El("GiorniTerminiPagamento", "GiorniTerminePagamentoType", 0, 1),
            El("DataScadenzaPagamento", "xs:date", 0, 1),
            El("ImportoPagamento", "Amount2DecimalType", 1, 1),
            El("CodUfficioPostale", "String20Type", 0, 1),
            El("CognomeQuietanzante", "String60LatinType", 0, 1),
            El("NomeQuietanzante", "String60LatinType", 0, 1),
            El("CFQuietanzante", "CodiceFiscalePFType", 0, 1),
            El("TitoloQuietanzante", "TitoloType", 0, 1),
            El("IstitutoFinanziario", "String80LatinType", 0, 1),
            El("IBAN", "IBANType", 0, 1),
            El("ABI", "ABIType", 0, 1),
            El("CAB", "CABType", 0, 1),
            El("BIC", "BICType", 0, 1),
            El("ScontoPagamentoAnticipato", "Amount2DecimalType", 0, 1),
            El("DataLimitePagamentoAnticipato", "xs:date", 0, 1),
            El("PenalitaPagamentiRitardati", "Amount2DecimalType", 0, 1),
            El("DataDecorrenzaPenale", "xs:date", 0, 1),
            El("CodicePagamento", "String60Type", 0, 1),
        ],
    ),
    (
        "TerzoIntermediarioSoggettoEmittenteType",
        &[El(
            "DatiAnagrafici",
            "DatiAnagraficiTerzoIntermediarioType",
            1,
            1,
        )],
    ),
    (
        "DatiAnagraficiTerzoIntermediarioType",
        &[
            El("IdFiscaleIVA", "IdFiscaleType", 0, 1),
            El("CodiceFiscale", "CodiceFiscaleType", 0, 1),
            El("Anagrafica", "AnagraficaType", 1, 1),
        ],
    ),
    (
        "AllegatiType",
        &[
            El("NomeAttachment", "String60LatinType", 1, 1),
            El("AlgoritmoCompressione", "String10Type", 0, 1),
            El("FormatoAttachment", "String10Type", 0, 1),
            El("DescrizioneAttachment", "String100LatinType", 0, 1),
            El("Attachment", "xs:base64Binary", 1, 1),
        ],
    ),
    (
        "DettaglioLineeType",
        &[
            El("NumeroLinea", "NumeroLineaType", 1, 1),
            El(
                "TipoCessionePrestazione",
                "TipoCessionePrestazioneType",
                0,
                1,
            ),
            El("CodiceArticolo", "CodiceArticoloType", 0, 0),
            El("Descrizione", "String1000LatinType", 1, 1),
            El("Quantita", "QuantitaType", 0, 1),
            El("UnitaMisura", "String10Type", 0, 1),
            El("DataInizioPeriodo", "xs:date", 0, 1),
            El("DataFinePeriodo", "xs:date", 0, 1),
            El("PrezzoUnitario", "Amount8DecimalType", 1, 1),
            El("ScontoMaggiorazione", "ScontoMaggiorazioneType", 0, 0),
            El("PrezzoTotale", "Amount8DecimalType", 1, 1),
            El("AliquotaIVA", "RateType", 1, 1),
            El("Ritenuta", "RitenutaType", 0, 1),
            El("Natura", "NaturaType", 0, 1),
            El("RiferimentoAmministrazione", "String20Type", 0, 1),
            El("AltriDatiGestionali", "AltriDatiGestionaliType", 0, 0),
        ],
    ),
    (
        "CodiceArticoloType",
        &[
            El("CodiceTipo", "String35Type", 1, 1),
            El("CodiceValore", "String35LatinExtType", 1, 1),
        ],
    ),
    (
        "AltriDatiGestionaliType",
        &[
            El("TipoDato", "String10Type", 1, 1),
            El("RiferimentoTesto", "String60LatinType", 0, 1),
            El("RiferimentoNumero", "Amount8DecimalType", 0, 1),
            El("RiferimentoData", "xs:date", 0, 1),
        ],
    ),
    (
        "DatiRiepilogoType",
        &[
            El("AliquotaIVA", "RateType", 1, 1),
            El("Natura", "NaturaType", 0, 1),
            El("SpeseAccessorie", "Amount2DecimalType", 0, 1),
            El("Arrotondamento", "Amount8DecimalType", 0, 1),
            El("ImponibileImporto", "Amount2DecimalType", 1, 1),
            El("Imposta", "Amount2DecimalType", 1, 1),
            El("EsigibilitaIVA", "EsigibilitaIVAType", 0, 1),
            El("RiferimentoNormativo", "String100LatinType", 0, 1),
        ],
    ),
];

#[cfg(test)]
pub(super) fn tests_table() -> &'static [(&'static str, &'static [Particle])] {
    COMPLEX_TYPES
}
