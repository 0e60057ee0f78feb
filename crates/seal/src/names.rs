//! The files of a vault directory, and the names SQLite asks for mapped to
//! ours.
//!
//! A stock SQLite tool (the `sqlite3` shell, a file manager's preview, a
//! user double-clicking a file) that opens a database looks beside it for
//! `NAME-journal` and `NAME-wal`, and treats what it finds there as its own
//! log: it would roll a sealed journal "back" into the database, cutting it
//! short, or leave a `-shm` file. So the database has a name of our own and
//! the sealed logs live under names SQLite never looks for; the VFS maps
//! SQLite's `-journal` and `-wal` suffixes to them.

use std::borrow::Cow;
use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};

/// File name of the database inside a vault directory.
pub const DB_FILE: &str = "vault.cvdb";
/// File name of the write-ahead log (SQLite's `vault.cvdb-wal`).
pub const WAL_FILE: &str = "vault.cvdb.wal";
/// File name of the rollback journal (SQLite's `vault.cvdb-journal`).
pub const JOURNAL_FILE: &str = "vault.cvdb.journal";
/// File name of the key-slot file.
pub const KEYS_FILE: &str = "vault.keys";
/// File name of the lock file held while the vault is open.
pub const LOCK_FILE: &str = "vault.lock";

/// Names of vaults made before the database was renamed (format of
/// 2026-11): migrated on open.
pub(crate) const LEGACY_DB_FILE: &str = "vault.db";

/// The suffixes SQLite appends to a database name for its logs, and ours.
const LOG_SUFFIXES: [(&str, &str); 2] = [("-journal", ".journal"), ("-wal", ".wal")];

pub(crate) fn db_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE)
}

pub(crate) fn keys_path(dir: &Path) -> PathBuf {
    dir.join(KEYS_FILE)
}

pub(crate) fn wal_path(dir: &Path) -> PathBuf {
    dir.join(WAL_FILE)
}

pub(crate) fn journal_path(dir: &Path) -> PathBuf {
    dir.join(JOURNAL_FILE)
}

pub(crate) fn lock_path(dir: &Path) -> PathBuf {
    dir.join(LOCK_FILE)
}

/// The resealed copy a rekey writes before swapping it in.
pub(crate) fn rekey_path(dir: &Path) -> PathBuf {
    dir.join(format!("{DB_FILE}.rekey"))
}

/// The name a log SQLite asks for (`NAME-journal`, `NAME-wal`) is stored
/// under, or `None` if the name is not a log's and passes unchanged.
pub(crate) fn map_sqlite_name(name: &CStr) -> Option<CString> {
    let bytes = name.to_bytes();
    LOG_SUFFIXES.iter().find_map(|(theirs, ours)| {
        let stem = bytes.strip_suffix(theirs.as_bytes())?;
        let mut mapped = stem.to_vec();
        mapped.extend_from_slice(ours.as_bytes());
        CString::new(mapped).ok()
    })
}

/// [`map_sqlite_name`], borrowing the name when it passes unchanged.
pub(crate) fn ours(name: &CStr) -> Cow<'_, CStr> {
    match map_sqlite_name(name) {
        Some(mapped) => Cow::Owned(mapped),
        None => Cow::Borrowed(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_log_names_map_to_names_sqlite_never_looks_for() {
        assert_eq!(map_sqlite_name(c"/v/vault.cvdb-journal").unwrap().as_c_str(), c"/v/vault.cvdb.journal");
        assert_eq!(map_sqlite_name(c"/v/vault.cvdb-wal").unwrap().as_c_str(), c"/v/vault.cvdb.wal");
        assert_eq!(map_sqlite_name(c"/v/vault.cvdb.rekey-journal").unwrap().as_c_str(), c"/v/vault.cvdb.rekey.journal");
        assert!(map_sqlite_name(c"/v/vault.cvdb").is_none());
        assert!(map_sqlite_name(c"/v/vault.cvdb-shm").is_none());
        assert_eq!(&*ours(c"/v/x"), c"/v/x");
        let dir = Path::new("/v");
        assert_eq!(wal_path(dir), dir.join(WAL_FILE));
        assert_eq!(journal_path(dir), dir.join(JOURNAL_FILE));
        assert_eq!(
            map_sqlite_name(&CString::new(db_path(dir).to_str().unwrap().to_owned() + "-wal").unwrap()).unwrap(),
            CString::new(wal_path(dir).to_str().unwrap()).unwrap()
        );
    }
}
