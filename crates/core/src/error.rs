//! The typed errors of core.

/// Errors of the clinic domain.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// The sealed store refused or failed.
    #[error(transparent)]
    Seal(#[from] chartvault_seal::SealError),
    /// SQLite reported an error.
    #[error("database: {0}")]
    Sqlite(#[from] chartvault_seal::rusqlite::Error),
    /// The database was written by a newer version of Chartvault.
    #[error("the vault's schema is version {found}, newer than this build reads ({supported}); update Chartvault")]
    SchemaTooNew {
        /// The version found.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed")]
    Random,
    /// A stored TOTP secret does not have the length this build writes.
    #[error("a stored TOTP secret is {found} bytes long, not 20: the user must enrol again")]
    TotpSecretLength {
        /// Its length in bytes.
        found: usize,
    },
    /// A key in `vault_secrets` does not have the length this build writes.
    #[error("the vault secret {name} is {found} bytes long, which this build never writes")]
    VaultSecretLength {
        /// Its name.
        name: &'static str,
        /// Its length in bytes (0 if it is not a blob).
        found: usize,
    },
    /// An enrolment URI too long for a QR code (very long clinic or user names).
    #[error("the enrolment code does not fit in a QR code: {0}")]
    QrCode(#[from] qrcode::types::QrError),
    /// A TOTP code was refused.
    #[error(transparent)]
    Totp(#[from] crate::auth::totp::TotpError),
    /// A password the policy refuses.
    #[error(transparent)]
    PasswordPolicy(#[from] crate::auth::password_policy::PolicyRefusal),
}

/// Result alias of core.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
