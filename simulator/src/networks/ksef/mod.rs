//! KSeF (Poland): the engine behind the native API v2 that official clients talk to, and
//! behind KSeF documents submitted through the gateway.
//!
//! What the layers above ask of KSeF is the `impl Ksef` below, the same entry points every
//! network engine has (KSeF pushes nothing to recipients, so it has no inbound documents to
//! plan); its wire API (`http/ksef/`) also calls the session operations of `sessions.rs` and
//! the authentication of `state.rs` directly. `state.rs` holds what one run knows
//! (challenges, authentications, tokens, sessions, invoices); `sessions.rs` opens and closes
//! online sessions and takes invoices in; `batch.rs` does the same for batch sessions (a ZIP in
//! encrypted parts uploaded to pre-signed URLs), handing each file to the same intake;
//! `lifecycle.rs` runs every invoice's statuses on the
//! clock, whichever way it came; the other files are the protocol's building blocks (keys and
//! crypto, JWTs, XAdES requests, UPO documents, rate limits, errors, numbers). The buyer's
//! side reads `repository.rs`, where every numbered invoice is filed for all its parties
//! (`metadata.rs`, `extract.rs`), through `query.rs` and `export.rs`.

pub(crate) mod auth_sessions;
pub(crate) mod batch;
pub(crate) mod crypto;
pub(crate) mod error;
pub(crate) mod export;
pub(crate) mod extract;
pub(crate) mod jwt;
pub(crate) mod keys;
pub(crate) mod lifecycle;
pub(crate) mod limits;
pub(crate) mod metadata;
pub(crate) mod number;
pub(crate) mod permissions;
pub(crate) mod query;
pub(crate) mod rate;
pub(crate) mod registry;
pub(crate) mod repository;
pub(crate) mod sessions;
pub(crate) mod state;
pub(crate) mod testdata;
pub(crate) mod tokens;
pub(crate) mod upo;
pub(crate) mod wire;
pub(crate) mod xades;

pub(crate) use state::Ksef;

use crate::lifecycle::SubmitOptions;
use crate::runtime::Context;
use crate::store::DocumentRecord;
use crate::vocabulary::TenantId;

impl Ksef {
    /// The gateway hands over a KSeF document (`lifecycle.rs`). The envelope has nothing for
    /// KSeF alone, so `options` says nothing here.
    pub(crate) fn submit(
        &self,
        ctx: &Context<'_>,
        tenant: &TenantId,
        doc: &DocumentRecord,
        _options: &SubmitOptions,
    ) {
        let seller = doc.facts.seller_tax_id.as_deref().unwrap_or_default();
        let refusal = (testdata::has_attachment(&doc.bytes) && !self.attachments_allowed(seller))
            .then(|| (415, testdata::NO_ATTACHMENTS.to_owned()));
        lifecycle::submit(&self.repository, ctx, tenant, doc, refusal);
    }
}
