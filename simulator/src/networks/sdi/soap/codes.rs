//! The result codes of the SDICoop answers: `erroreInvio_Type`, `esitoNotifica_Type` and
//! `esitoRicezione_Type`, each with its wire code.

/// `erroreInvio_Type`: why SDI did not accept an upload (`RiceviFile` response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ErroreInvio {
    /// EI01 FILE VUOTO
    FileVuoto,
    /// EI02 SERVIZIO NON DISPONIBILE
    ServizioNonDisponibile,
    /// EI03 UTENTE NON ABILITATO
    UtenteNonAbilitato,
}

impl ErroreInvio {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::FileVuoto => "EI01",
            Self::ServizioNonDisponibile => "EI02",
            Self::UtenteNonAbilitato => "EI03",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<Self> {
        [
            Self::FileVuoto,
            Self::ServizioNonDisponibile,
            Self::UtenteNonAbilitato,
        ]
        .into_iter()
        .find(|e| e.code() == code)
    }
}

/// `esitoNotifica_Type`: SDI's answer to a recipient's EC (`NotificaEsito` response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum EsitoNotifica {
    /// ES00 NOTIFICA NON ACCETTATA (comes with the SE message in `ScartoEsito`)
    NotificaNonAccettata,
    /// ES01 NOTIFICA ACCETTATA
    NotificaAccettata,
    /// ES02 SERVIZIO NON DISPONIBILE
    ServizioNonDisponibile,
}

impl EsitoNotifica {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::NotificaNonAccettata => "ES00",
            Self::NotificaAccettata => "ES01",
            Self::ServizioNonDisponibile => "ES02",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<Self> {
        [
            Self::NotificaNonAccettata,
            Self::NotificaAccettata,
            Self::ServizioNonDisponibile,
        ]
        .into_iter()
        .find(|e| e.code() == code)
    }
}

/// `esitoRicezione_Type`: the recipient's answer to `RiceviFatture`; ER01 is the only value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum EsitoRicezione {
    /// ER01 PRESA IN CARICO
    PresaInCarico,
}

impl EsitoRicezione {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::PresaInCarico => "ER01",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<Self> {
        (code == "ER01").then_some(Self::PresaInCarico)
    }
}
