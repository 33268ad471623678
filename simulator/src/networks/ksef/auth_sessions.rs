//! Authentication sessions (`/auth/sessions`): the context's logins that still count, and
//! revoking one. As KSeF documents it, revoking stops the session's refresh token at once
//! (a refresh is then 400/21301, `GET /auth/{ref}` shows 425) while access tokens already
//! issued work until they expire.

use jiff::Timestamp;

use super::error::KsefError;
use super::permissions::Permission;
use super::state::{AuthOperation, Grant, Ksef};

impl Ksef {
    /// The context's active authentication sessions, newest first: succeeded, not revoked,
    /// and with a refresh token still valid (or not yet redeemed).
    pub(crate) fn auth_sessions(&self, context: &str, now: Timestamp) -> Vec<AuthOperation> {
        let mut active: Vec<AuthOperation> = self
            .records()
            .auths
            .values()
            .filter(|op| op.context == context && !op.revoked)
            .filter(|op| Ksef::auth_status(op, now).0 == 200)
            .filter(|op| op.refresh_valid_until.is_none_or(|until| now < until))
            .filter(|op| op.redeemed || !Ksef::auth_gone(op, now))
            .cloned()
            .collect();
        active.sort_by(|a, b| {
            b.started
                .cmp(&a.started)
                .then(b.reference.cmp(&a.reference))
        });
        active
    }

    /// Revokes the authentication session `reference` of the caller's context; another
    /// session than the caller's own takes CredentialsManage.
    pub(crate) fn revoke_auth_session(
        &self,
        grant: &Grant,
        reference: &str,
    ) -> Result<(), KsefError> {
        if reference != grant.auth {
            grant.require(Permission::CredentialsManage)?;
        }
        let mut records = self.records();
        let op = records
            .auths
            .get_mut(reference)
            .filter(|op| op.context == grant.context)
            .ok_or_else(|| {
                KsefError::invalid_input(format!(
                    "Sesja uwierzytelnienia o numerze referencyjnym {reference} nie została odnaleziona."
                ))
            })?;
        op.revoked = true;
        Ok(())
    }

    /// `DELETE /auth/sessions/current`, with the session's access or refresh token.
    pub(crate) fn revoke_current_auth_session(&self, auth: &str) {
        if let Some(op) = self.records().auths.get_mut(auth) {
            op.revoked = true;
        }
    }
}
