//! Backup files in a folder: their names, listing them by their clear
//! headers (no password needed), and the partial files an interrupted run
//! left behind.

use std::path::{Path, PathBuf};

use chartvault_seal::Lower;
use chartvault_seal::backup::{BackupFile, BackupInfo, EXTENSION};
use chrono::{DateTime, Utc};

/// A backup file found in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedBackup {
    /// The file.
    pub path: PathBuf,
    /// Its clear fields; `Err` holds why it could not be read.
    pub info: Result<BackupInfo, String>,
}

/// `chartvault-<vault id, 8 hex>-<UTC time>-<4 hex>.cvbackup`: sorts by
/// time within a vault, tells vaults apart on a shared drive, and never
/// repeats within a second.
pub fn file_name(vault_id: &str, at: DateTime<Utc>) -> crate::Result<String> {
    let mut r = [0u8; 2];
    getrandom::fill(&mut r).map_err(|_| crate::CoreError::Random)?;
    Ok(format!(
        "chartvault-{}-{}-{:02x}{:02x}.{EXTENSION}",
        &vault_id[..8.min(vault_id.len())],
        at.format("%Y%m%dT%H%M%SZ"),
        r[0],
        r[1]
    ))
}

/// Every `.cvbackup` file in `folder` (not `.partial`), newest first by
/// the time in its header; unreadable ones last, with the reason.
pub fn list(folder: &Path) -> crate::Result<Vec<ListedBackup>> {
    let entries = std::fs::read_dir(folder).map_err(|e| crate::CoreError::Io {
        what: "cannot list the folder",
        path: folder.to_owned(),
        source: e,
    })?;
    let mut out = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().is_none_or(|x| x != EXTENSION) || !path.is_file() {
            continue;
        }
        let info = BackupFile::open(&path, &Lower::Os).map(|f| f.info()).map_err(|e| e.to_string());
        out.push(ListedBackup { path, info });
    }
    out.sort_by_key(|b| std::cmp::Reverse(b.info.as_ref().map_or(i64::MIN, |i| i.created_at_ms)));
    Ok(out)
}

/// Removes `*.cvbackup.partial` files in `folder` that start with the
/// backup signature: what a run stopped by a crash or a pulled drive left.
/// Returns their names.
pub fn remove_stale_partials(folder: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(&format!(".{EXTENSION}.partial")) {
            continue;
        }
        let ours = std::fs::File::open(&path)
            .and_then(|mut f| {
                let mut head = [0u8; 4];
                std::io::Read::read_exact(&mut f, &mut head).map(|()| head)
            })
            .is_ok_and(|h| h == [0x89, b'C', b'V', b'B']);
        if ours && std::fs::remove_file(&path).is_ok() {
            removed.push(name);
        }
    }
    removed
}
