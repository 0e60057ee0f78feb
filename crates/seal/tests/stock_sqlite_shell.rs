//! A stock SQLite tool pointed at a crashed vault harms nothing.
//!
//! The `sqlite3` shell (Debian package `sqlite3`) opening `vault.cvdb` looks
//! for `vault.cvdb-journal` and `vault.cvdb-wal` beside it. Were the sealed
//! logs stored under those names, it would roll a sealed journal "back" into
//! the database or leave a `-shm` file. They are not, so every command the
//! shell runs fails with "file is not a database", no file of the vault
//! changes by a byte, no file appears, and the vault still opens with every
//! committed row and none of the transaction the crash interrupted.
//!
//! Vaults made before the rename (`vault.db`, `vault.db-journal`,
//! `vault.db-wal`) are renamed by `Vault::open`, logs included.
//!
//! Without `sqlite3` on the PATH, the shell tests say so and pass.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use chartvault_seal::{DB_FILE, JOURNAL_FILE, JournalMode, KEYS_FILE, LOCK_FILE, WAL_FILE};
use common::patients::{create_table, insert_rows, name_of, payload_of};
use common::*;

/// Committed when the vault was last closed.
const CLOSED_ROWS: i64 = 150;
/// Committed while open, after that (in WAL mode: frames in the WAL).
const OPEN_ROWS: i64 = 50;
const ROWS: i64 = CLOSED_ROWS + OPEN_ROWS;

/// The names before the 2026-11 rename.
const OLD_DB: &str = "vault.db";
const OLD_JOURNAL: &str = "vault.db-journal";
const OLD_WAL: &str = "vault.db-wal";

/// A directory's files by name.
type Files = BTreeMap<String, Vec<u8>>;

fn read_dir_files(dir: &Path) -> Files {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            assert!(e.file_type().unwrap().is_file(), "{} is not a file", e.path().display());
            (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn write_files(dir: &Path, files: &Files) {
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// A crash image in `mode`: the files of a vault copied while it is open,
/// with `ROWS` committed rows (the last `OPEN_ROWS` of them in the WAL in
/// WAL mode) and an uncommitted transaction whose pages spilled (into the
/// database behind a hot journal, or as uncommitted WAL frames).
fn crash_image(mode: JournalMode) -> Files {
    let dir = tempfile::tempdir().unwrap();
    {
        let v = create(dir.path(), mode);
        create_table(&v);
        insert_rows(&v, 1..=CLOSED_ROWS);
        v.close().unwrap();
    }
    let v = open(dir.path());
    insert_rows(&v, CLOSED_ROWS + 1..=CLOSED_ROWS + OPEN_ROWS / 2);
    insert_rows(&v, CLOSED_ROWS + OPEN_ROWS / 2 + 1..=ROWS);
    let committed = read_dir_files(dir.path());
    v.conn()
        .execute_batch(
            "PRAGMA cache_size=10; BEGIN;
             UPDATE t SET name = 'UNCOMMITTED-' || id;
             INSERT INTO t(id, name, payload) SELECT id + 1000000, 'UNCOMMITTED-new', payload FROM t;",
        )
        .unwrap();
    let image = read_dir_files(dir.path());
    v.conn().execute_batch("ROLLBACK").unwrap();
    drop(v);

    match mode {
        JournalMode::Wal => {
            assert!(committed[WAL_FILE].len() > 32, "committed frames are in the WAL");
            assert!(image[WAL_FILE].len() > committed[WAL_FILE].len(), "uncommitted frames spilled into the WAL");
            assert!(!image.contains_key(JOURNAL_FILE));
        }
        JournalMode::Delete => {
            assert!(image.get(JOURNAL_FILE).is_some_and(|j| !j.is_empty()), "a hot journal");
            assert_ne!(image[DB_FILE], committed[DB_FILE], "uncommitted pages spilled into the database");
            assert!(!image.contains_key(WAL_FILE));
        }
    }
    assert!(image.contains_key(KEYS_FILE));
    image
}

/// The vault in `dir` opens with exactly the committed rows and verifies.
fn assert_committed_state(dir: &Path) {
    let v = try_open(dir).unwrap_or_else(|e| panic!("the crashed vault must open: {e}"));
    let mut stmt = v.conn().prepare("SELECT id, name, payload FROM t ORDER BY id").unwrap();
    let rows: Vec<(i64, String, Vec<u8>)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().collect::<Result<_, _>>().unwrap();
    drop(stmt);
    assert_eq!(rows.len() as i64, ROWS, "every committed row, and none of the uncommitted ones");
    for (i, (id, name, payload)) in rows.iter().enumerate() {
        let want = i as i64 + 1;
        assert_eq!((*id, name.as_str()), (want, name_of(want).as_str()), "row {want} as committed");
        assert!(*payload == payload_of(want), "payload of row {want}");
    }
    let report = v.verify().unwrap();
    assert!(report.is_ok(), "verify: {report:?}");
    v.close().unwrap();
}

fn sqlite3_installed() -> bool {
    let found =
        Command::new("sqlite3").arg("--version").stdin(Stdio::null()).output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: sqlite3 not installed");
    }
    found
}

/// The commands a person might try on a file they take for a database.
const COMMANDS: [&str; 8] = [
    "PRAGMA integrity_check;",
    ".tables",
    ".schema",
    "SELECT count(*) FROM sqlite_schema;",
    "PRAGMA journal_mode;",
    "PRAGMA journal_mode=DELETE;",
    "VACUUM;",
    "PRAGMA wal_checkpoint(TRUNCATE);",
];

fn sqlite3(file: &Path, command: &str) -> Output {
    Command::new("sqlite3").arg(file).arg(command).stdin(Stdio::null()).output().expect("run sqlite3")
}

fn describe(o: &Output) -> String {
    format!(
        "exit {}; stdout {:?}; stderr {:?}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn shell_on_crashed_vault_changes_nothing(mode: JournalMode) {
    if !sqlite3_installed() {
        return;
    }
    let image = crash_image(mode);
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &image);

    let targets: Vec<&str> =
        [DB_FILE, WAL_FILE, JOURNAL_FILE, KEYS_FILE].into_iter().filter(|f| image.contains_key(*f)).collect();
    assert_eq!(targets.len(), 3, "the database, its log and the key-slot file: {targets:?}");
    let mut failures = Vec::new();
    for file in &targets {
        for command in COMMANDS {
            let out = sqlite3(&dir.path().join(file), command);
            let stderr = String::from_utf8_lossy(&out.stderr);
            if out.status.success() || !stderr.contains("file is not a database") {
                failures.push(format!("sqlite3 {file} {command:?}: {}", describe(&out)));
            }
            let now = read_dir_files(dir.path());
            assert_eq!(
                now.keys().collect::<Vec<_>>(),
                image.keys().collect::<Vec<_>>(),
                "`sqlite3 {file} {command:?}` changed the directory's files ({})",
                describe(&out)
            );
            for (name, bytes) in &image {
                assert!(now[name] == *bytes, "`sqlite3 {file} {command:?}` altered {name} ({})", describe(&out));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "the stock shell must refuse every vault file as not a database:\n{}",
        failures.join("\n")
    );
    assert_committed_state(dir.path());
}

#[test]
fn the_stock_sqlite3_shell_on_a_crashed_wal_vault_changes_nothing_and_the_vault_still_opens() {
    shell_on_crashed_vault_changes_nothing(JournalMode::Wal);
}

#[test]
fn the_stock_sqlite3_shell_on_a_crashed_rollback_vault_changes_nothing_and_the_vault_still_opens() {
    shell_on_crashed_vault_changes_nothing(JournalMode::Delete);
}

/// The crash image, as the same vault would have looked under the old
/// names, is renamed by `Vault::open` with its log: committed rows intact,
/// the uncommitted transaction rolled back.
fn old_layout_is_migrated(mode: JournalMode) {
    let image = crash_image(mode);
    let (new_log, old_log) = match mode {
        JournalMode::Wal => (WAL_FILE, OLD_WAL),
        JournalMode::Delete => (JOURNAL_FILE, OLD_JOURNAL),
    };
    let mut old = Files::new();
    for (name, bytes) in image {
        let renamed = match name.as_str() {
            DB_FILE => OLD_DB,
            n if n == new_log => old_log,
            KEYS_FILE => KEYS_FILE,
            // Old vaults had no lock file.
            LOCK_FILE => continue,
            other => panic!("unexpected file {other} in the crash image"),
        };
        old.insert(renamed.to_owned(), bytes);
    }
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &old);

    assert_committed_state(dir.path());
    let names: Vec<String> = read_dir_files(dir.path()).into_keys().collect();
    for gone in [OLD_DB, OLD_JOURNAL, OLD_WAL, "vault.db-shm"] {
        assert!(!names.iter().any(|n| n == gone), "{gone} is still there after the migration: {names:?}");
    }
    for name in &names {
        assert!(
            [DB_FILE, KEYS_FILE, LOCK_FILE, WAL_FILE, JOURNAL_FILE].contains(&name.as_str()),
            "unexpected file {name} after the migration: {names:?}"
        );
    }
    assert!(names.iter().any(|n| n == DB_FILE), "the database is under its new name: {names:?}");
    // And it keeps opening under the new names.
    assert_committed_state(dir.path());
}

#[test]
fn an_old_layout_crashed_wal_vault_is_renamed_on_open_with_its_committed_frames() {
    old_layout_is_migrated(JournalMode::Wal);
}

#[test]
fn an_old_layout_crashed_rollback_vault_is_renamed_on_open_and_its_hot_journal_rolled_back() {
    old_layout_is_migrated(JournalMode::Delete);
}
