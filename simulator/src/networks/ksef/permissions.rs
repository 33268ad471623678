//! What a caller may do in its context. Every access token carries the permissions of the
//! login it came from: a KSeF token's own (chosen when it was created), a testdata grant's,
//! or all of them for a context's owner (a XAdES login with the context's own NIP). Handlers
//! ask [`Grant::require`] / [`Grant::require_any`] with the operation's
//! `x-required-permissions`, and a caller that holds none of them gets KSeF's 403
//! `missing-permissions`, which names both what was needed and what the caller had.

use super::error::KsefError;
use super::state::Grant;

/// A permission as KSeF names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Permission {
    InvoiceRead,
    InvoiceWrite,
    CredentialsRead,
    CredentialsManage,
    SubunitManage,
    EnforcementOperations,
    Introspection,
    /// Only in operations' required lists: no token can be given it.
    PefInvoiceWrite,
    /// Only in operations' required lists: no token can be given it.
    VatUeManage,
}

impl Permission {
    pub(crate) const ALL: [Permission; 9] = [
        Permission::InvoiceRead,
        Permission::InvoiceWrite,
        Permission::CredentialsRead,
        Permission::CredentialsManage,
        Permission::SubunitManage,
        Permission::EnforcementOperations,
        Permission::Introspection,
        Permission::PefInvoiceWrite,
        Permission::VatUeManage,
    ];

    /// The permissions a KSeF token may carry (`TokenPermissionType`), in the OpenAPI's order.
    pub(crate) const FOR_TOKENS: [Permission; 7] = [
        Permission::InvoiceRead,
        Permission::InvoiceWrite,
        Permission::CredentialsRead,
        Permission::CredentialsManage,
        Permission::SubunitManage,
        Permission::EnforcementOperations,
        Permission::Introspection,
    ];

    pub(crate) const fn name(self) -> &'static str {
        match self {
            Permission::InvoiceRead => "InvoiceRead",
            Permission::InvoiceWrite => "InvoiceWrite",
            Permission::CredentialsRead => "CredentialsRead",
            Permission::CredentialsManage => "CredentialsManage",
            Permission::SubunitManage => "SubunitManage",
            Permission::EnforcementOperations => "EnforcementOperations",
            Permission::Introspection => "Introspection",
            Permission::PefInvoiceWrite => "PefInvoiceWrite",
            Permission::VatUeManage => "VatUeManage",
        }
    }

    /// A token permission by name, in any case (clients and scenario files differ).
    pub(crate) fn for_token(name: &str) -> Option<Self> {
        Self::FOR_TOKENS
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name.trim()))
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of permissions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Permissions(u16);

impl Permissions {
    /// What a context's owner holds.
    pub(crate) fn all() -> Self {
        Permission::ALL.into_iter().collect()
    }

    pub(crate) fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    pub(crate) fn is_subset_of(self, other: Permissions) -> bool {
        self.0 & !other.0 == 0
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }

    /// The names, in KSeF's order.
    pub(crate) fn names(self) -> Vec<&'static str> {
        self.iter().map(Permission::name).collect()
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        Permissions(iter.into_iter().fold(0, |bits, p| bits | p.bit()))
    }
}

impl Grant {
    /// The one check every operation makes: the caller must hold `permission`.
    pub(crate) fn require(&self, permission: Permission) -> Result<(), KsefError> {
        self.require_any(&[permission])
    }

    /// The caller must hold at least one of `any` (an operation's `x-required-permissions`).
    pub(crate) fn require_any(&self, any: &[Permission]) -> Result<(), KsefError> {
        if any.iter().any(|p| self.permissions.contains(*p)) {
            return Ok(());
        }
        Err(KsefError::MissingPermissions {
            required: any.iter().map(|p| p.name()).collect(),
            present: self.permissions.names(),
        })
    }
}

/// What sending invoices (open, send, close, session status and UPOs) asks for.
pub(crate) const WRITE: [Permission; 3] = [
    Permission::InvoiceWrite,
    Permission::PefInvoiceWrite,
    Permission::EnforcementOperations,
];

/// What reading a session's status, invoices and UPOs asks for.
pub(crate) const SESSION_READ: [Permission; 4] = [
    Permission::InvoiceWrite,
    Permission::Introspection,
    Permission::PefInvoiceWrite,
    Permission::EnforcementOperations,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_hold_what_they_were_made_of() {
        let set: Permissions = [Permission::InvoiceRead, Permission::CredentialsRead]
            .into_iter()
            .collect();
        assert!(set.contains(Permission::InvoiceRead));
        assert!(!set.contains(Permission::InvoiceWrite));
        assert_eq!(set.names(), ["InvoiceRead", "CredentialsRead"]);
        assert!(set.is_subset_of(Permissions::all()));
        assert!(!Permissions::all().is_subset_of(set));
        assert_eq!(
            Permission::for_token("invoicewrite"),
            Some(Permission::InvoiceWrite)
        );
        assert_eq!(Permission::for_token("VatUeManage"), None);
    }
}
