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
    /// The OS random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// A file of the vault's folder is damaged.
    #[error("{what} ({}) is damaged", path.display())]
    Damaged {
        /// The file.
        path: std::path::PathBuf,
        /// What it is.
        what: &'static str,
    },
    /// The operating system refused a file operation.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// On which path.
        path: std::path::PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl CoreError {
    pub(crate) fn io(what: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        CoreError::Io { what, path: path.to_owned(), source }
    }
}

/// Result alias of core.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
