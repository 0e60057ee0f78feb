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
}

/// Result alias of core.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
