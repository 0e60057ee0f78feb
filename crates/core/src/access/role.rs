//! The four roles a user can hold.

use std::fmt;

use crate::{CoreError, Result};

/// A user's role: what they may do unless an override says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Runs the installation: users, policies, backups, keys, the audit trail.
    Administrator,
    /// A clinician: reads and writes the clinical record, signs notes.
    Provider,
    /// The front desk: demographics, attachments, consents.
    Staff,
    /// Reads the audit trail and de-identified data.
    Auditor,
}

impl Role {
    /// Every role, in the order of the matrix's columns.
    pub const ALL: [Role; 4] = [Role::Administrator, Role::Provider, Role::Staff, Role::Auditor];

    /// The name stored in `users.role`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Provider => "provider",
            Role::Staff => "staff",
            Role::Auditor => "auditor",
        }
    }

    /// The role named `s` as stored in `users.role`; an unknown name is an error.
    pub fn parse(s: &str) -> Result<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| CoreError::UnknownRole(s.to_owned()))
    }

    /// The name shown to people.
    pub const fn label(self) -> &'static str {
        match self {
            Role::Administrator => "Administrator",
            Role::Provider => "Provider",
            Role::Staff => "Staff",
            Role::Auditor => "Auditor",
        }
    }

    /// The position of the role in [`Role::ALL`].
    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip_and_match_the_users_check() {
        let check = include_str!("../db/migrations/0001_identity.sql");
        let check = check.lines().find(|l| l.contains("role TEXT NOT NULL CHECK")).unwrap();
        for (i, r) in Role::ALL.into_iter().enumerate() {
            assert_eq!(r.index(), i);
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
            assert!(check.contains(&format!("'{}'", r.as_str())), "{r} not in {check}");
        }
        assert_eq!(check.matches('\'').count(), 2 * Role::ALL.len(), "the CHECK names another role");
        assert!(matches!(Role::parse("Administrator"), Err(CoreError::UnknownRole(s)) if s == "Administrator"));
        assert!(Role::parse("").is_err());
    }
}
