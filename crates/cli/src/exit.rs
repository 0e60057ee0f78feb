//! One exit code per kind of failure, so scripts can tell them apart.

use chartvault_core::CoreError;
use chartvault_core::session::LoginError;
use chartvault_seal::SealError;

pub const OTHER: i32 = 1;
pub const USAGE: i32 = 2;
pub const CREDENTIALS: i32 = 3;
pub const LOCKED_OUT: i32 = 4;
pub const DAMAGED: i32 = 5;
pub const DENIED: i32 = 6;
pub const IN_USE: i32 = 7;
pub const NOT_A_BACKUP: i32 = 10;
pub const OTHER_VAULT: i32 = 11;
pub const NEWER_FORMAT: i32 = 12;

fn backup_code(e: &chartvault_seal::backup::BackupError) -> i32 {
    use chartvault_seal::backup::BackupError as B;
    match e {
        B::WrongPassword => CREDENTIALS,
        B::Damaged { .. } => DAMAGED,
        B::NotABackup { .. } => NOT_A_BACKUP,
        B::OtherVault { .. } => OTHER_VAULT,
        B::NewerFormat { .. } => NEWER_FORMAT,
        B::Io(s) => seal_code(s),
        _ => OTHER,
    }
}

/// A failed command: its message and exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure { code: USAGE, message: message.into() }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure { code: OTHER, message }
    }
}

fn seal_code(e: &SealError) -> i32 {
    match e {
        SealError::InUse { .. } => IN_USE,
        SealError::WrongPassword | SealError::NoSuchSlot(_) | SealError::EmptySecret => CREDENTIALS,
        SealError::NotAVault { .. }
        | SealError::SlotFileMismatch(_)
        | SealError::SlotFileCorrupt { .. }
        | SealError::TamperedPage { .. }
        | SealError::TamperedLog { .. }
        | SealError::TruncatedPage { .. }
        | SealError::DatabaseTruncated { .. }
        | SealError::DamagedFirstPage { .. }
        | SealError::DamagedFreelistPage { .. }
        | SealError::UnsupportedVersion { .. }
        | SealError::NoSuchDirectory(_) => DAMAGED,
        _ => OTHER,
    }
}

impl From<CoreError> for Failure {
    fn from(e: CoreError) -> Failure {
        let code = match &e {
            CoreError::Seal(s) => seal_code(s),
            CoreError::Backup(b) => backup_code(b),
            CoreError::BackupFromNewerVersion(_) => NEWER_FORMAT,
            CoreError::Denied(_)
            | CoreError::TotpEnrolmentRequired
            | CoreError::MustChangePassword
            | CoreError::NotOnYourself
            | CoreError::PasswordNeeded
            | CoreError::ConsentRequired { .. } => DENIED,
            CoreError::WrongPassword | CoreError::Totp(_) | CoreError::Locked => CREDENTIALS,
            CoreError::SchemaTooNew { .. }
            | CoreError::Damaged { .. }
            | CoreError::AuditKeyCorrupt { .. }
            | CoreError::AuditEntryUnreadable { .. }
            | CoreError::BadStoredTime(_)
            | CoreError::VaultSecretLength { .. } => DAMAGED,
            CoreError::InvalidUsername { .. }
            | CoreError::InvalidDisplayName { .. }
            | CoreError::InvalidPolicy { .. }
            | CoreError::InvalidPatientField { .. }
            | CoreError::InvalidClinicalField { .. }
            | CoreError::AttachmentRefused { .. }
            | CoreError::AttachmentTooLarge { .. }
            | CoreError::ImportUnreadable { .. }
            | CoreError::ImportTooLarge { .. } => USAGE,
            // The export's file is removed; the message says why it failed.
            CoreError::ExportWrite(_) => OTHER,
            _ => OTHER,
        };
        Failure { code, message: e.to_string() }
    }
}

impl From<LoginError> for Failure {
    fn from(e: LoginError) -> Failure {
        match e {
            LoginError::Failed | LoginError::CodeNeeded(_) => Failure { code: CREDENTIALS, message: e.to_string() },
            LoginError::LockedOut { .. } | LoginError::TooSoon { .. } => {
                Failure { code: LOCKED_OUT, message: e.to_string() }
            }
            LoginError::Vault(e) => e.into(),
        }
    }
}
