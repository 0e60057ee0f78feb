//! What an entry records: the action, and how it ended. Their names are
//! stored in the log and covered by its hashes, so they never change; new
//! actions are added, none renamed.

use std::fmt;

macro_rules! names {
    ($(#[$meta:meta])* $vis:vis enum $ty:ident { $($(#[$vmeta:meta])* $variant:ident = $name:literal,)* }) => {
        $(#[$meta])*
        $vis enum $ty {
            $($(#[$vmeta])* $variant,)*
        }

        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant,)*];

            /// The stable name stored in the log.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)*
                }
            }

            /// The value of a stored name; `None` for a name this build
            /// does not know.
            pub fn parse(name: &str) -> Option<$ty> {
                match name {
                    $($name => Some($ty::$variant),)*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names! {
    /// An audited action.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Action {
        /// The vault was created.
        Init = "init",
        /// A user logged in.
        Login = "login",
        /// A user logged out.
        Logout = "logout",
        /// A session was locked (idle or on demand).
        Lock = "lock",
        /// A locked session was unlocked.
        Unlock = "unlock",
        /// A login attempt failed.
        LoginFailed = "login_failed",
        /// A user was locked out after failed attempts.
        Lockout = "lockout",
        /// A lockout was lifted.
        LockoutLifted = "lockout_lifted",
        /// A user changed their password.
        PasswordChanged = "password_changed",
        /// An administrator reset a user's password.
        PasswordReset = "password_reset",
        /// A user enrolled an authenticator.
        TotpEnrolled = "totp_enrolled",
        /// A user's authenticator was reset.
        TotpReset = "totp_reset",
        /// A TOTP recovery code was used.
        TotpRecoveryCodeUsed = "totp_recovery_code_used",
        /// A user was created.
        UserCreated = "user_created",
        /// A user was disabled.
        UserDisabled = "user_disabled",
        /// A user was enabled again.
        UserEnabled = "user_enabled",
        /// A user was removed.
        UserRemoved = "user_removed",
        /// A user's role changed.
        RoleChanged = "role_changed",
        /// A user's permission overrides changed.
        PermissionChanged = "permission_changed",
        /// An operation was refused for want of a permission.
        PermissionDenied = "permission_denied",
        /// Emergency access ("break the glass") was granted.
        EmergencyAccess = "emergency_access",
        /// An administrator reviewed an emergency access.
        EmergencyReviewed = "emergency_reviewed",
        /// A patient's record was read.
        PatientRead = "patient_read",
        /// A patient's record was written.
        PatientWrite = "patient_write",
        /// Data was exported.
        Export = "export",
        /// A backup was made.
        Backup = "backup",
        /// A backup was restored.
        Restore = "restore",
        /// A policy changed.
        PolicyChanged = "policy_changed",
        /// The vault's data key was renewed.
        Rekey = "rekey",
        /// The vault key was rotated to revoke a slot.
        Revocation = "revocation",
        /// The vault's recovery code was replaced by a new one.
        RecoveryCodeReplaced = "recovery_code_replaced",
        /// A duplicate patient record was merged into another.
        PatientMerge = "patient_merge",
        /// A merge was undone.
        PatientMergeUndone = "patient_merge_undone",
        /// A patient's record was erased on request (the entry names no one).
        PatientErased = "patient_erased",
        /// At sign-in, the vault's trail lacked the head a backup recorded:
        /// an older copy of the vault may have been put back.
        RollbackSuspected = "rollback_suspected",
    }
}

names! {
    /// How an action ended.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub enum Outcome {
        /// It was done.
        #[default]
        Success = "success",
        /// It was refused (no permission, wrong password).
        Denied = "denied",
        /// It was attempted and failed.
        Failed = "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_distinct_snake_case_and_parses_back() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            let n = a.as_str();
            assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{n}");
            assert!(seen.insert(n), "{n} twice");
            assert_eq!(Action::parse(n), Some(*a));
        }
        assert_eq!(Action::ALL.len(), 35);
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(*o));
        }
        assert_eq!(Action::parse("Login"), None);
    }
}
