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
    /// The system's source of randomness failed.
    #[error("the system's random number generator failed")]
    Random,
    /// The audit chain key stored in the vault is not 32 bytes.
    #[error("the audit chain key stored in the vault is damaged (it is {len} bytes, not 32)")]
    AuditKeyCorrupt {
        /// Its length in bytes.
        len: usize,
    },
    /// An audit entry could not be read back into its types (a damaged or
    /// tampered row; `audit::verify` says which kind).
    #[error("audit entry {seq} cannot be read: {reason}")]
    AuditEntryUnreadable {
        /// The entry.
        seq: i64,
        /// What is wrong with it.
        reason: String,
    },
    /// An audit event names the same changed field twice.
    #[error("an audit event lists the field {field:?} twice among its changes")]
    AuditDuplicateChange {
        /// The field.
        field: String,
    },
    /// An audit time outside the years 1 to 9999, which RFC 3339 cannot
    /// write in a form that sorts as text.
    #[error("the audit time {at} is outside the years 1 to 9999")]
    AuditTimeOutOfRange {
        /// The time given.
        at: chrono::DateTime<chrono::Utc>,
    },
    /// The workstation id file could not be read or written.
    #[error("the workstation id file {path} could not be read or written: {source}")]
    WorkstationId {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Writing a CSV export failed.
    #[error("CSV export: {0}")]
    Csv(#[from] csv::Error),
}

/// Result alias of core.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
