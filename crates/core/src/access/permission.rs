//! Every operation the product checks, with its stable name, and sets of them.
//!
//! Names are stored in the vault (overrides, emergency grants): never rename
//! one; add new permissions at the end.

use std::fmt;

use crate::{CoreError, Result};

/// Declares [`Permission`] with its name and description in one place.
macro_rules! permissions {
    ($($variant:ident = $name:literal: $description:literal,)+) => {
        /// One operation the product checks. Deny by default: a permission is
        /// allowed only where the matrix (or an override, or an emergency
        /// grant) says so.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Permission {
            $(#[doc = $description] $variant,)+
        }

        impl Permission {
            /// Every permission, in declaration order (the order of the matrix's rows).
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)+];

            /// The stable snake_case name, as stored in the vault.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Permission::$variant => $name,)+
                }
            }

            /// One line saying what the permission allows.
            pub const fn description(self) -> &'static str {
                match self {
                    $(Permission::$variant => $description,)+
                }
            }
        }
    };
}

permissions! {
    UserAdmin = "user_admin":
        "Create, disable, enable and remove users; reset a password or TOTP; lift a lockout; set roles and overrides",
    PolicyAdmin = "policy_admin": "Set the clinic's policies: idle timeout, TOTP requirements, lockout, backup schedule",
    AuditRead = "audit_read": "Read the audit trail and verify its chain",
    AuditExport = "audit_export": "Export the audit trail",
    EmergencyReview = "emergency_review": "List emergency-access grants and record their review",
    PatientRead = "patient_read": "Find patients and read their demographics, identifiers and contacts",
    PatientReadDeidentified = "patient_read_deidentified":
        "Read patient records with the Safe Harbor identifiers removed",
    PatientWrite = "patient_write": "Register patients and edit their demographics, identifiers and contacts",
    ClinicalRead = "clinical_read": "Read visits, notes, vitals, problems, allergies and medications",
    ClinicalWrite = "clinical_write": "Record visits, draft notes, vitals, problems, allergies and medications",
    NoteSign = "note_sign": "Sign a visit note (a signed note is amended, never edited)",
    PatientArchive = "patient_archive": "Archive a patient's record, or bring it back",
    PatientMerge = "patient_merge": "Merge duplicate patient records",
    AttachmentRead = "attachment_read": "Open a patient's attachments",
    AttachmentWrite = "attachment_write": "Add attachments to a patient's record",
    ConsentWrite = "consent_write": "Record, renew or withdraw a patient's consents",
    PatientExport = "patient_export": "Export one patient's record (FHIR bundle, printable summary)",
    DeidentifiedExport = "deidentified_export": "Export de-identified data (Safe Harbor)",
    RestrictedRecordRead = "restricted_record_read":
        "Open a record marked restricted (besides the read permissions it needs)",
    BackupCreate = "backup_create": "Make a backup and verify backups",
    BackupRestore = "backup_restore": "Restore the vault from a backup",
    Rekey = "rekey": "Rekey the vault or rotate its keys (revocation)",
    PatientErase = "patient_erase": "Erase a patient's record on request, where the law allows (cannot be undone)",
}

impl Permission {
    /// The permission named `s`; a name this build does not know is an error.
    pub fn parse(s: &str) -> Result<Permission> {
        Permission::ALL
            .iter()
            .copied()
            .find(|p| p.name() == s)
            .ok_or_else(|| CoreError::UnknownPermission(s.to_owned()))
    }

    const fn bit(self) -> u64 {
        1 << (self as u8)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of permissions (a bitset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PermissionSet(u64);

impl PermissionSet {
    /// No permission.
    pub const EMPTY: PermissionSet = PermissionSet(0);

    /// Whether `p` is in the set.
    pub const fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    /// The set with `p` added.
    #[must_use]
    pub const fn with(self, p: Permission) -> PermissionSet {
        PermissionSet(self.0 | p.bit())
    }

    /// The set with `p` removed.
    #[must_use]
    pub const fn without(self, p: Permission) -> PermissionSet {
        PermissionSet(self.0 & !p.bit())
    }

    /// Adds `p`.
    pub fn insert(&mut self, p: Permission) {
        *self = self.with(p);
    }

    /// Removes `p`.
    pub fn remove(&mut self, p: Permission) {
        *self = self.without(p);
    }

    /// The number of permissions in the set.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The permissions in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.iter().copied().filter(move |p| self.contains(*p))
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        iter.into_iter().fold(PermissionSet::EMPTY, PermissionSet::with)
    }
}

impl fmt::Display for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, p) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(p.name())?;
        }
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_parse_back() {
        assert!(Permission::ALL.len() <= 64, "PermissionSet holds 64");
        for (i, p) in Permission::ALL.iter().enumerate() {
            assert_eq!(*p as usize, i, "ALL is in declaration order");
            let n = p.name();
            assert!(!n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{n}");
            assert_eq!(Permission::parse(n).unwrap(), *p);
            let d = p.description();
            assert!(!d.is_empty() && !d.contains('|') && !d.contains('\n'), "{n}: {d}");
        }
        assert!(
            matches!(Permission::parse("patient_reed"), Err(CoreError::UnknownPermission(s)) if s == "patient_reed")
        );
        assert!(Permission::parse("PATIENT_READ").is_err());
    }

    #[test]
    fn a_set_holds_what_was_put_in_and_nothing_else() {
        let s: PermissionSet = [Permission::Rekey, Permission::UserAdmin].into_iter().collect();
        assert!(s.contains(Permission::Rekey) && s.contains(Permission::UserAdmin));
        assert_eq!(s.len(), 2);
        assert_eq!(s.iter().collect::<Vec<_>>(), [Permission::UserAdmin, Permission::Rekey]);
        for p in Permission::ALL.iter().filter(|p| !matches!(p, Permission::Rekey | Permission::UserAdmin)) {
            assert!(!s.contains(*p), "{p}");
        }
        let mut t = s;
        t.remove(Permission::Rekey);
        t.insert(Permission::AuditRead);
        assert_eq!(t.to_string(), "{user_admin, audit_read}");
        assert!(PermissionSet::EMPTY.is_empty() && PermissionSet::EMPTY.iter().next().is_none());
    }
}
