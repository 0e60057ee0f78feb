//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod backup;
pub mod cell;
pub mod patients;

use std::path::{Path, PathBuf};

use chartvault_seal::{CreateOptions, JournalMode, KdfParams, OpenOptions, SecretString, Unlock, Vault};

pub const USER: &str = "alice";

pub fn password() -> SecretString {
    SecretString::from("correct horse battery staple")
}

pub fn fast_opts(mode: JournalMode) -> CreateOptions {
    CreateOptions { kdf: Some(KdfParams::INSECURE_FAST), journal_mode: mode, open: OpenOptions::default() }
}

pub fn create(dir: &Path, mode: JournalMode) -> Vault {
    Vault::create(dir, USER, &password(), &fast_opts(mode)).expect("create vault").0
}

pub fn open(dir: &Path) -> Vault {
    Vault::open(dir, Unlock::Password { slot: USER, password: &password() }, &OpenOptions::default())
        .expect("open vault")
}

pub fn try_open(dir: &Path) -> chartvault_seal::Result<Vault> {
    Vault::open(dir, Unlock::Password { slot: USER, password: &password() }, &OpenOptions::default())
}

/// Every file below `dir`, recursively.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_in(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// `../shared/testdata` from the workspace root, if present.
pub fn shared_testdata() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata");
    p.is_dir().then_some(p)
}
