//! A vault given by a relative path, or in a directory whose name looks like
//! a SQLite URI, works like any other.
//!
//! This file holds ONE test: it changes the process's current directory,
//! which every thread shares.
//!
//! Guarded: `rekey()` of a vault at a relative path (it built the URI
//! `file:r2/vault.db.rekey`, which SQLite read as `/r2/...`, failing with
//! "unable to open database"); `Vault::dir()` and error messages give the
//! absolute path; a directory named `file:x?vfs=unix` does not make SQLite
//! pick the plain `unix` VFS and write plaintext.

mod common;

use std::path::{Path, PathBuf};

use chartvault_seal::{DB_FILE, JournalMode, SealError, Vault};
use common::*;

const CANARY: &str = "CANARY-relative-path-4f1c9e";
const ROWS: i64 = 120;

fn fill(v: &Vault) {
    let tx = v.conn().unchecked_transaction().unwrap();
    tx.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, note TEXT NOT NULL);").unwrap();
    for id in 1..=ROWS {
        tx.execute(
            "INSERT INTO t(id, note) VALUES (?1, ?2)",
            (id, format!("{CANARY} row {id:04} {}", "x".repeat(300))),
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

fn assert_rows(v: &Vault) {
    let (n, sum): (i64, i64) = v
        .conn()
        .query_row("SELECT count(*), sum(id) FROM t WHERE note LIKE ?1", [format!("{CANARY}%")], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((n, sum), (ROWS, ROWS * (ROWS + 1) / 2), "every row is intact");
    let report = v.verify().unwrap();
    assert!(report.is_ok(), "verify: {report:?}");
}

/// No file below `root` holds the canary in plaintext or is a plain SQLite
/// database.
fn assert_sealed(root: &Path, when: &str) {
    let files = files_in(root);
    assert!(!files.is_empty(), "{when}: no files under {}", root.display());
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        assert!(!bytes.starts_with(b"SQLite format 3"), "{when}: {} is a plain SQLite database", f.display());
        assert!(
            !bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
            "{when}: {} holds plaintext record data",
            f.display()
        );
    }
}

/// Create at `rel`, fill, rekey, close, reopen through `rel`.
fn round_trip(cwd: &Path, rel: &str, mode: JournalMode) -> PathBuf {
    let mut v = create(Path::new(rel), mode);
    assert!(v.dir().is_absolute(), "{rel}: dir() {} is not absolute", v.dir().display());
    assert!(v.dir().starts_with(cwd), "{rel}: dir() {} is not below {}", v.dir().display(), cwd.display());
    let dir = v.dir().to_owned();
    fill(&v);
    let epoch = v.data_key_epoch();
    v.rekey().unwrap_or_else(|e| panic!("rekey of the vault at relative path {rel:?} ({mode:?}): {e}"));
    assert_eq!(v.data_key_epoch(), epoch + 1, "{rel}: rekey made a new data key");
    assert_rows(&v);
    assert_sealed(&dir, &format!("{rel} ({mode:?}), open after rekey"));
    v.close().unwrap();
    assert_sealed(&dir, &format!("{rel} ({mode:?}), closed"));
    assert!(dir.join(DB_FILE).is_file(), "{rel}: the database is at {}", dir.join(DB_FILE).display());

    let v = try_open(Path::new(rel)).unwrap_or_else(|e| panic!("reopen through {rel:?}: {e}"));
    assert_eq!(v.dir(), dir, "{rel}: the same absolute directory on reopen");
    assert_rows(&v);
    v.close().unwrap();
    dir
}

#[test]
fn relative_and_uri_like_vault_paths_create_rekey_reopen_and_stay_sealed() {
    let tmp = tempfile::tempdir().unwrap();
    std::env::set_current_dir(tmp.path()).unwrap();
    let cwd = std::env::current_dir().unwrap();

    let r2 = round_trip(&cwd, "r2", JournalMode::Wal);
    assert_eq!(r2, cwd.join("r2"));
    round_trip(&cwd, "./r3/../r3", JournalMode::Delete);
    assert!(cwd.join("r3").join(DB_FILE).is_file(), "./r3/../r3 is the directory r3");

    // A missing vault is named by its absolute path.
    let err = try_open(Path::new("missing")).expect_err("there is no vault at `missing`");
    let abs = cwd.join("missing");
    let msg = err.to_string();
    assert!(matches!(&err, SealError::NoSuchDirectory(p) if *p == abs), "{err:?}");
    assert!(msg.contains(&abs.display().to_string()), "message {msg:?} does not name {}", abs.display());
    assert!(!cwd.join("missing").exists(), "opening a missing vault created it");

    // Directory names SQLite would read as URIs, were they passed as such.
    for (name, mode) in [("file:x?vfs=unix", JournalMode::Wal), ("file:y?vfs=unix&mode=memory", JournalMode::Delete)] {
        let dir = round_trip(&cwd, name, mode);
        assert_eq!(dir, cwd.join(name));
        let db = std::fs::read(dir.join(DB_FILE)).unwrap();
        assert!(!db.starts_with(b"SQLite format 3"), "{name}: the database is not sealed");
    }

    // Nothing anywhere below the working directory holds plaintext: not in
    // the vaults, not in a file SQLite made under a name parsed out of a URI.
    assert_sealed(&cwd, "the whole working directory");
    let mut top: Vec<String> =
        std::fs::read_dir(&cwd).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    top.sort();
    assert_eq!(top, ["file:x?vfs=unix", "file:y?vfs=unix&mode=memory", "r2", "r3"], "only the vault directories");

    std::env::set_current_dir(std::env::temp_dir()).unwrap();
}
