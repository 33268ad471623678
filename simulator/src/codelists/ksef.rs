//! KSeF's own code lists: the invoice processing statuses (100, 150, 200 and the 4xx/5xx
//! refusals) with their Polish texts and the neutral document state each implies, and the
//! endpoint groups of the API's rate limits.
//!
//! The scenario names these codes (`ksef: 440`, `rate_limits.groups.invoiceSend`), the
//! gateway shows them as network detail, and the KSeF engine issues them: so they live below
//! all three.

use serde::{Deserialize, Serialize};

use crate::vocabulary::DocumentState;

/// KSeF invoice processing status codes an outcome may name.
pub(crate) const KSEF_CODES: [u16; 12] =
    [100, 150, 200, 405, 410, 415, 430, 435, 440, 450, 500, 550];

/// The Polish text of an invoice status code.
pub(crate) fn invoice_description(code: u16) -> &'static str {
    match code {
        100 => "Faktura przyjęta do dalszego przetwarzania",
        150 => "Trwa przetwarzanie",
        200 => "Sukces",
        405 => "Przetwarzanie anulowane z powodu błędu sesji",
        410 => "Nieprawidłowy zakres uprawnień",
        415 => "Brak możliwości wysyłania faktury z załącznikiem",
        430 => "Błąd weryfikacji pliku faktury",
        435 => "Błąd odszyfrowania pliku",
        440 => "Duplikat faktury",
        450 => "Błąd weryfikacji semantyki dokumentu faktury",
        550 => "Operacja została anulowana przez system",
        _ => "Nieznany błąd",
    }
}

/// The gateway state a KSeF invoice status puts its document in: 100 `sent`, 150 `accepted`,
/// 200 `delivered`, 500 and 550 `failed`, any other 4xx `refused`. The one mapping both the
/// native sessions and the scenario's `ksef:` outcomes use.
pub(crate) fn gateway_state(code: u16) -> Option<DocumentState> {
    match code {
        100 => Some(DocumentState::Sent),
        150 => Some(DocumentState::Accepted),
        200 => Some(DocumentState::Delivered),
        500 | 550 => Some(DocumentState::Failed),
        400..=499 => Some(DocumentState::Refused),
        _ => None,
    }
}

/// The permissions a KSeF token may carry (`TokenPermissionType`), which scenario tokens
/// name too.
pub(crate) const TOKEN_PERMISSIONS: [&str; 7] = [
    "InvoiceRead",
    "InvoiceWrite",
    "CredentialsRead",
    "CredentialsManage",
    "SubunitManage",
    "EnforcementOperations",
    "Introspection",
];

/// The endpoint groups of KSeF's `x-rate-limits`; each has its own counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum RateGroup {
    /// Authentication and public keys; counted per client IP only, because the caller has
    /// no context yet.
    Public,
    OnlineSession,
    InvoiceSend,
    InvoiceStatus,
    SessionMisc,
    SessionInvoiceList,
    SessionList,
    BatchSession,
    InvoiceDownload,
    InvoiceMetadata,
    InvoiceExport,
    InvoiceExportStatus,
    /// Everything else; KSeF keeps one counter per endpoint here, not one for the group.
    Other,
}

impl RateGroup {
    pub(crate) const ALL: [RateGroup; 13] = [
        RateGroup::Public,
        RateGroup::OnlineSession,
        RateGroup::InvoiceSend,
        RateGroup::InvoiceStatus,
        RateGroup::SessionMisc,
        RateGroup::SessionInvoiceList,
        RateGroup::SessionList,
        RateGroup::BatchSession,
        RateGroup::InvoiceDownload,
        RateGroup::InvoiceMetadata,
        RateGroup::InvoiceExport,
        RateGroup::InvoiceExportStatus,
        RateGroup::Other,
    ];

    /// The key KSeF uses for the group in `GET /rate-limits` and `POST /testdata/rate-limits`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            RateGroup::Public => "public",
            RateGroup::OnlineSession => "onlineSession",
            RateGroup::InvoiceSend => "invoiceSend",
            RateGroup::InvoiceStatus => "invoiceStatus",
            RateGroup::SessionMisc => "sessionMisc",
            RateGroup::SessionInvoiceList => "sessionInvoiceList",
            RateGroup::SessionList => "sessionList",
            RateGroup::BatchSession => "batchSession",
            RateGroup::InvoiceDownload => "invoiceDownload",
            RateGroup::InvoiceMetadata => "invoiceMetadata",
            RateGroup::InvoiceExport => "invoiceExport",
            RateGroup::InvoiceExportStatus => "invoiceExportStatus",
            RateGroup::Other => "other",
        }
    }

    /// Case-insensitive, because scenario files and hand-written test-data calls are not
    /// consistent about camelCase.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        RateGroup::ALL
            .into_iter()
            .find(|group| group.name().eq_ignore_ascii_case(name))
    }
}

/// The official Polish description of an exception code (OpenAPI 2.6; 21184 from the 2.9
/// changelog, whose exact wording the spec does not give).
pub(crate) fn exception_description(code: u32) -> &'static str {
    match code {
        500 => "Wystąpił nieoczekiwany błąd.",
        9101 => "Nieprawidłowy dokument.",
        9102 => "Brak podpisu.",
        9103 => "Przekroczona liczba dozwolonych podpisów.",
        9105 => "Nieprawidłowy podpis.",
        21001 => "Nieczytelna treść.",
        21111 => "Nieprawidłowe wyzwanie autoryzacyjne.",
        21115 => "Nieprawidłowy certyfikat.",
        21117 => "Nieprawidłowy identyfikator podmiotu dla wskazanego typu kontekstu.",
        21155 => "Przekroczono dozwoloną liczbę faktur w sesji.",
        21164 => "Faktura o podanym identyfikatorze nie istnieje.",
        21165 => "Faktura o podanym numerze KSeF nie jest jeszcze dostępna.",
        21173 => "Brak sesji o wskazanym numerze referencyjnym.",
        21175 => "Wynik zapytania o podanym identyfikatorze nie istnieje.",
        21178 => "Nie znaleziono UPO dla podanych kryteriów.",
        21180 => "Status sesji nie pozwala na wykonanie operacji.",
        21181 => "Nieprawidłowe żądanie eksportu faktur.",
        21182 => "Osiągnięto limit trwających eksportów.",
        21183 => "Zakres filtrowania wykracza poza dostępny zakres danych.",
        21184 => "Sesja jest tymczasowo niedostępna. Otwórz nową sesję.",
        21217 => "Nieprawidłowe kodowanie znaków.",
        21301 => "Brak autoryzacji.",
        21304 => "Brak uwierzytelnienia.",
        21401 => "Dokument nie jest zgodny ze schemą (xsd).",
        21402 => "Nieprawidłowy rozmiar pliku.",
        21403 => "Nieprawidłowy skrót pliku.",
        21405 => "Błąd walidacji danych wejściowych.",
        21406 => "Konflikt podpisu i typu uwierzytelnienia.",
        21418 => "Przekazany token kontynuacji ma nieprawidłowy format.",
        21470 => "Przesłany identyfikator klucza jest nieznany lub wskazuje na wycofany klucz.",
        26001 => "Nie można nadać tokenowi uprawnień których nie posiadasz.",
        26002 => "Nie można wygenerować tokena dla obecnego typu kontekstu.",
        30001 => "Podmiot lub uprawnienie już istnieje.",
        _ => "Błąd przetwarzania żądania.",
    }
}
