//! Helpers for the backup tests: make a backup of a vault, and read the
//! rows of a vault or a backup back.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use chartvault_seal::backup::{BackupError, BackupParams, BackupProgress, Destination, Written};
use chartvault_seal::rusqlite::Connection;
use chartvault_seal::{KdfParams, Lower, SecretString, Vault};

pub fn passphrase() -> SecretString {
    SecretString::from("an off-site backup passphrase")
}

pub fn params<'a>(meta: &'a [u8], with_passphrase: Option<&'a SecretString>) -> BackupParams<'a> {
    BackupParams {
        created_at_ms: 1_790_000_000_000,
        meta,
        passphrase: with_passphrase,
        passphrase_kdf: Some(KdfParams::INSECURE_FAST),
        slots_of_that_time: true,
    }
}

pub fn no_check(_: &Connection) -> Result<(), String> {
    Ok(())
}

pub fn go(_: BackupProgress) -> ControlFlow<()> {
    ControlFlow::Continue(())
}

/// Backs `vault` up into `dir` as `name`.
pub fn backup_to(
    vault: &mut Vault,
    dir: &Path,
    name: &str,
    passphrase: Option<&SecretString>,
) -> Result<Written, BackupError> {
    let snap = vault.snapshot()?;
    let dest = Destination { dir: dir.to_owned(), lower: Lower::Os };
    snap.write(&dest, name, &params(b"meta", passphrase), &no_check, &mut go)
}

/// Every row of table `t` as (id, name, payload), in id order.
pub fn rows(conn: &Connection) -> Vec<(i64, String, Vec<u8>)> {
    let mut stmt = conn.prepare("SELECT id, name, payload FROM t ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

/// The only `.cvbackup` file in `dir`.
pub fn only_backup(dir: &Path) -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    found.retain(|p| p.extension().is_some_and(|e| e == "cvbackup"));
    assert_eq!(found.len(), 1, "{found:?}");
    found.pop().unwrap()
}
