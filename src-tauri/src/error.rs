//! Core's typed errors, mapped to the one IPC error `{code, message}`.
//! Login failures stay coarse: the page learns "not right", a lockout or a
//! wait, never which part was wrong.

use chartvault_core::CoreError;
use chartvault_core::session::LoginError;
use chartvault_seal::SealError;

use crate::ipc::{ErrorCode, IpcError};

/// What every command returns.
pub type IpcResult<T> = Result<T, IpcError>;

impl IpcError {
    /// An error of `code` with `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> IpcError {
        // The code, never the message: a message may quote a name or a value.
        tracing::info!(code = ?code, "command refused");
        IpcError { code, message: message.into() }
    }

    /// Nobody is signed in.
    pub fn signed_out() -> IpcError {
        IpcError::new(ErrorCode::SignedOut, "nobody is signed in")
    }

    /// Input the page should not have sent.
    pub fn invalid(message: impl Into<String>) -> IpcError {
        IpcError::new(ErrorCode::Invalid, message)
    }
}

fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono::Local).format("%H:%M:%S").to_string()
}

impl From<LoginError> for IpcError {
    fn from(e: LoginError) -> IpcError {
        match e {
            LoginError::Failed | LoginError::CodeNeeded(_) => {
                IpcError::new(ErrorCode::LoginFailed, "The user name, password or code is not right.")
            }
            LoginError::LockedOut { until } => IpcError::new(
                ErrorCode::LockedOut,
                format!(
                    "Too many failed attempts: this account is locked until {} (or until an administrator lifts it).",
                    local_time(until)
                ),
            ),
            LoginError::TooSoon { retry_at } => IpcError::new(
                ErrorCode::TooSoon,
                format!("Please wait until {} before trying again.", local_time(retry_at)),
            ),
            LoginError::Vault(e) => e.into(),
        }
    }
}

fn seal_code(e: &SealError) -> ErrorCode {
    match e {
        SealError::WrongPassword => ErrorCode::WrongPassword,
        SealError::InUse { .. } => ErrorCode::InUse,
        SealError::NoSuchSlot(_) => ErrorCode::NotFound,
        SealError::SlotExists(_) | SealError::AlreadyExists(_) | SealError::LastSlot => ErrorCode::Conflict,
        SealError::InvalidSlotName(_) | SealError::ReservedSlotName(_) | SealError::EmptySecret => ErrorCode::Invalid,
        SealError::Io { .. } | SealError::ReadOnly { .. } | SealError::NoSuchDirectory(_) => ErrorCode::Io,
        SealError::Random | SealError::KeyExhausted(_) | SealError::InvalidKdfParams(_) => ErrorCode::Internal,
        _ => ErrorCode::Damaged,
    }
}

fn backup_code(e: &chartvault_seal::backup::BackupError) -> ErrorCode {
    use chartvault_seal::backup::BackupError as B;
    match e {
        B::WrongPassword => ErrorCode::WrongPassword,
        B::Damaged { .. } => ErrorCode::Damaged,
        B::NotABackup { .. } => ErrorCode::NotABackup,
        B::OtherVault { .. } => ErrorCode::OtherVault,
        B::NewerFormat { .. } => ErrorCode::NewerFormat,
        B::Cancelled => ErrorCode::Cancelled,
        B::Io(s) => seal_code(s),
        _ => ErrorCode::Internal,
    }
}

impl From<SealError> for IpcError {
    fn from(e: SealError) -> IpcError {
        IpcError::new(seal_code(&e), sentence(&e.to_string()))
    }
}

impl From<CoreError> for IpcError {
    fn from(e: CoreError) -> IpcError {
        let code = match &e {
            CoreError::Seal(s) => seal_code(s),
            CoreError::Backup(b) => backup_code(b),
            CoreError::BackupFromNewerVersion(_) => ErrorCode::NewerFormat,
            CoreError::BackupRefused(_) => ErrorCode::Conflict,
            CoreError::Locked => ErrorCode::Locked,
            CoreError::Cancelled => ErrorCode::Cancelled,
            CoreError::MustChangePassword => ErrorCode::MustChangePassword,
            CoreError::TotpEnrolmentRequired => ErrorCode::TotpEnrolmentRequired,
            CoreError::PasswordNeeded => ErrorCode::PasswordNeeded,
            CoreError::WrongPassword => ErrorCode::WrongPassword,
            CoreError::Totp(_) | CoreError::TotpNotEnrolled => ErrorCode::WrongCode,
            CoreError::Denied(p) => {
                return IpcError::new(
                    ErrorCode::Denied,
                    format!(
                        "You may not do this: “{}” is not among your permissions ({}). Nothing was changed.",
                        p.description(),
                        p.name()
                    ),
                );
            }
            CoreError::NoSuchUser(_)
            | CoreError::EmergencyGrantNotFound(_)
            | CoreError::NoSuchPatient(_)
            | CoreError::NoSuchVisit(_)
            | CoreError::NoSuchAttachment(_)
            | CoreError::NoSuchConsent(_)
            | CoreError::NoSuchMerge(_) => ErrorCode::NotFound,
            CoreError::PatientArchived(_)
            | CoreError::NoteSigned(_)
            | CoreError::NoteNotSigned(_)
            | CoreError::ConsentRequired { .. }
            | CoreError::MergeAlreadyUndone(_)
            | CoreError::MergeRefused(_) => ErrorCode::Conflict,
            CoreError::InvalidPatientField { .. }
            | CoreError::InvalidClinicalField { .. }
            | CoreError::AttachmentRefused { .. }
            | CoreError::AttachmentTooLarge { .. }
            | CoreError::ImportUnreadable { .. }
            | CoreError::ImportTooLarge { .. } => ErrorCode::Invalid,
            CoreError::UserExists(_)
            | CoreError::UserRemoved(_)
            | CoreError::NotDisabled(_)
            | CoreError::EmergencyGrantAlreadyReviewed(_) => ErrorCode::Conflict,
            CoreError::PasswordPolicy(_)
            | CoreError::InvalidUsername { .. }
            | CoreError::InvalidDisplayName { .. }
            | CoreError::InvalidPolicy { .. }
            | CoreError::InvalidClinicName
            | CoreError::UnknownPermission(_)
            | CoreError::UnknownRole(_)
            | CoreError::UnknownOverrideEffect(_)
            | CoreError::NotAnAdministrator(_)
            | CoreError::NotOnYourself
            | CoreError::SamePassword
            | CoreError::EmergencySelfReview
            | CoreError::EmergencyReasonTooShort { .. }
            | CoreError::EmergencyDurationOutOfRange { .. }
            | CoreError::NotEmergencyGrantable(_)
            | CoreError::QrCode(_) => ErrorCode::Invalid,
            CoreError::Io { .. } | CoreError::Csv(_) | CoreError::ExportWrite(_) => ErrorCode::Io,
            CoreError::Damaged { .. }
            | CoreError::SchemaTooNew { .. }
            | CoreError::AuditKeyCorrupt { .. }
            | CoreError::AuditEntryUnreadable { .. }
            | CoreError::AuditDuplicateChange { .. }
            | CoreError::AuditTimeOutOfRange { .. }
            | CoreError::BadStoredTime(_) => ErrorCode::Damaged,
            _ => ErrorCode::Internal,
        };
        IpcError::new(code, sentence(&e.to_string()))
    }
}

/// Core's messages are lower-case clauses; the page shows sentences.
fn sentence(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 1);
    let mut chars = s.chars();
    if let Some(c) = chars.next() {
        out.extend(c.to_uppercase());
    }
    out.push_str(chars.as_str());
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_errors_stay_coarse() {
        let e = IpcError::from(LoginError::Failed);
        assert_eq!(e.code, ErrorCode::LoginFailed);
        assert!(!e.message.to_lowercase().contains("password is wrong"));
    }

    #[test]
    fn a_denial_says_nothing_changed() {
        let e = IpcError::from(CoreError::Denied(chartvault_core::access::Permission::UserAdmin));
        assert_eq!(e.code, ErrorCode::Denied);
        assert!(e.message.ends_with("Nothing was changed."), "{}", e.message);
    }

    #[test]
    fn a_vault_in_use_is_told_apart() {
        let e = IpcError::from(CoreError::Seal(SealError::InUse { path: "/v/vault.lock".into(), pid: Some(42) }));
        assert_eq!(e.code, ErrorCode::InUse);
        assert!(e.message.contains("42"), "{}", e.message);
    }
}
