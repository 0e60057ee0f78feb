//! Regression tests for the defects an outside review of the sealed store
//! found (issue "The sealed store, second pass"), each named after what it
//! guards. Every one of them failed on the code before the fix.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use chartvault_seal::{
    DB_FILE, JOURNAL_FILE, JournalMode, KEYS_FILE, PAGE_SIZE, RekeyStep, SealError, Vault, WAL_FILE, inspect_key_file,
};
use common::*;

const PS: usize = PAGE_SIZE;
const WAL_HDR: usize = 32;
const FRAME: usize = 24 + PS;
const JREC: usize = 4 + PS + 4;

type Files = BTreeMap<&'static str, Vec<u8>>;

/// The vault's files as they are now (a crash image if it is open).
fn snapshot(dir: &Path) -> Files {
    [DB_FILE, WAL_FILE, JOURNAL_FILE, KEYS_FILE]
        .into_iter()
        .filter_map(|n| std::fs::read(dir.join(n)).ok().map(|b| (n, b)))
        .collect()
}

fn materialize(files: &Files) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(d.path().join(name), bytes).unwrap();
    }
    d
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn journal_mode(v: &Vault) -> String {
    v.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap()
}

fn rows(v: &Vault) -> Vec<(i64, String)> {
    let mut stmt = v.conn().prepare("SELECT id, name FROM t ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

/// A table of `n` rows whose `name` is about `len` bytes (one or two rows
/// per page for large `len`).
fn fill(v: &mut Vault, n: i64, len: usize) {
    let tx = v.conn_mut().transaction().unwrap();
    tx.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL)").unwrap();
    for id in 1..=n {
        tx.execute("INSERT INTO t VALUES (?1, ?2)", (id, format!("row{id:04}-{}", "x".repeat(len)))).unwrap();
    }
    tx.commit().unwrap();
}

// --- 3. journal mode after a crash late in rekey

#[test]
fn a_crash_at_any_step_of_rekey_leaves_a_vault_in_the_journal_mode_it_was_made_with() {
    for (mode, want) in [(JournalMode::Wal, "wal"), (JournalMode::Delete, "delete")] {
        for step in [RekeyStep::CopyWritten, RekeyStep::OldClosed, RekeyStep::Swapped] {
            let dir = tempfile::tempdir().unwrap();
            let mut v = create(dir.path(), mode);
            fill(&mut v, 30, 500);
            v.rekey_stopping_after(Some(step)).unwrap();
            drop(v);
            let mut v = open(dir.path());
            assert_eq!(journal_mode(&v), want, "{mode:?}, crash after {step:?}");
            assert_eq!(rows(&v).len(), 30);
            // ... and every later rekey keeps it.
            v.rekey().unwrap();
            assert_eq!(journal_mode(&v), want, "{mode:?}, rekey after a crash after {step:?}");
            v.close().unwrap();
            let v = open(dir.path());
            assert_eq!(journal_mode(&v), want, "{mode:?}, reopened after {step:?}");
            assert!(v.verify().unwrap().is_pristine());
        }
    }
}

// --- 4. a journal SQLite would not call hot

#[test]
fn a_journal_left_before_its_header_was_synced_does_not_block_rekey() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = create(dir.path(), JournalMode::Delete);
    fill(&mut v, 40, 300);
    // A transaction in flight whose journal header is written but not yet
    // synced: its magic and record count are still zero. A crash here.
    v.conn().execute_batch("BEGIN; UPDATE t SET name = 'changed';").unwrap();
    let image = snapshot(dir.path());
    v.conn().execute_batch("ROLLBACK").unwrap();
    drop(v);
    let journal = image.get(JOURNAL_FILE).expect("a journal mid-transaction");
    assert!(journal[..12].iter().all(|&b| b == 0), "magic and record count not yet written");
    assert!(journal[12..28].iter().any(|&b| b != 0), "the rest of the header is");

    let d = materialize(&image);
    let mut v = open(d.path());
    let before = rows(&v);
    assert!(before.iter().all(|(_, n)| n != "changed"));
    v.rekey().expect("rekey despite the unsynced journal");
    assert_eq!(rows(&v), before);
    assert!(!d.path().join(JOURNAL_FILE).exists(), "the journal that held nothing is gone");
    v.close().unwrap();
    assert!(open(d.path()).verify().unwrap().is_pristine());
}

// --- 5. freelist trunk pages are in use

#[test]
fn verify_reports_a_damaged_freelist_trunk_page_and_rekey_repairs_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = create(dir.path(), JournalMode::Wal);
    fill(&mut v, 200, 1500);
    v.conn().execute_batch("DELETE FROM t WHERE id % 4 != 0").unwrap();
    let free: i64 = v.conn().query_row("PRAGMA freelist_count", [], |r| r.get(0)).unwrap();
    assert!(free >= 40, "a freelist with trunk and leaf pages ({free})");
    let pages: u32 = v.conn().query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    let used: std::collections::HashSet<u32> = {
        let mut stmt = v.conn().prepare("SELECT pageno FROM dbstat").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    };
    v.close().unwrap();
    // Damage every free page: the trunk among them.
    let db = dir.path().join(DB_FILE);
    let mut bytes = std::fs::read(&db).unwrap();
    let free_pages: Vec<u32> = (2..=pages).filter(|p| !used.contains(p)).collect();
    assert_eq!(free_pages.len() as i64, free);
    for p in &free_pages {
        bytes[(*p as usize - 1) * PS + 100] ^= 0x20;
    }
    std::fs::write(&db, bytes).unwrap();

    let mut v = open(dir.path());
    let report = v.verify().unwrap();
    assert!(!report.is_ok(), "a damaged trunk page is a problem, not an unused page: {report:?}");
    let trunk = report
        .problems
        .iter()
        .find_map(|e| match e {
            SealError::DamagedFreelistPage { pgno, .. } => Some(*pgno),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no freelist problem in {report:?}"));
    assert!(free_pages.contains(&trunk));
    assert!(report.repair.is_some_and(|r| r.contains("rekey")), "{report:?}");
    assert!(report.problems[0].to_string().contains("rekeying the vault"), "{}", report.problems[0]);
    assert!(report.integrity.len() <= 3, "integrity lines are summarised: {:?}", report.integrity);
    // The leaves it lists are never read: set aside, not problems.
    assert!(report.unused_damaged.len() + 1 >= free_pages.len() - report.problems.len());

    v.rekey().expect("rekey copies tables and indexes only");
    let after = v.verify().unwrap();
    assert!(after.is_pristine(), "{after:?}");
    v.conn().execute("INSERT INTO t(name) VALUES ('after repair')", []).unwrap();
    assert_eq!(rows(&v).len(), 51);
}

// --- 7. a forged commit in the WAL

#[test]
fn a_non_commit_frame_forged_into_a_commit_applies_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = create(dir.path(), JournalMode::Wal);
    // Two rows on two pages; a database well under 128 pages.
    fill(&mut v, 2, 3000);
    v.close().unwrap();
    let v = open(dir.path());
    let before = rows(&v);
    v.conn().execute_batch("BEGIN; UPDATE t SET name = 'changed-1' WHERE id = 1; UPDATE t SET name = 'changed-2' WHERE id = 2; COMMIT;").unwrap();
    let image = snapshot(dir.path());
    drop(v);
    let wal = &image[WAL_FILE];
    let frames = (wal.len() - WAL_HDR) / FRAME;
    assert_eq!(frames, 2, "one frame per changed page");
    assert_eq!(u32_at(wal, WAL_HDR + 4), 0, "the first frame is not a commit");

    // The edit the review found: make frame 1 a commit (commit size 128)
    // and compensate its checksum linearly, then cut the log after it.
    let mut forged = image.clone();
    let w = forged.get_mut(WAL_FILE).unwrap();
    w.truncate(WAL_HDR + FRAME);
    for at in [7, 16, 20] {
        w[WAL_HDR + at] ^= 0x80;
    }
    let d = materialize(&forged);
    match try_open(d.path()) {
        Err(e) => assert!(e.to_string().contains("write-ahead log"), "{e}"),
        Ok(v) => {
            // The only acceptable state without an error: the transaction
            // did not happen at all (the log is read as torn there).
            assert_eq!(rows(&v), before, "half a transaction applied");
            assert!(v.verify().unwrap().is_ok());
        }
    }
}

// --- 8. a hot journal cut at a record boundary

#[test]
fn a_hot_journal_cut_before_its_counted_records_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = create(dir.path(), JournalMode::Delete);
    fill(&mut v, 100, 900);
    v.close().unwrap();
    let v = open(dir.path());
    let before = rows(&v);
    // A small cache: the journal is synced, its header counts the records,
    // and changed pages reach the database before the commit.
    v.conn().execute_batch("PRAGMA cache_size=10; BEGIN; UPDATE t SET name = 'UPDATED' || id;").unwrap();
    let image = snapshot(dir.path());
    v.conn().execute_batch("ROLLBACK").unwrap();
    drop(v);
    let j = &image[JOURNAL_FILE];
    let counted = u32_at(j, 8) as usize;
    let first = u32_at(j, 20) as usize;
    assert!(counted >= 3, "the header counts its records ({counted})");

    // Whole, the image rolls back to the state before the update.
    let d = materialize(&image);
    assert_eq!(rows(&open(d.path())), before);

    for cut in [first + JREC, first + (counted - 1) * JREC, first + 2 * JREC + 4 + 1000] {
        let mut files = image.clone();
        files.get_mut(JOURNAL_FILE).unwrap().truncate(cut);
        let d = materialize(&files);
        match try_open(d.path()) {
            Err(SealError::TamperedLog { what, .. }) => assert!(what.contains("cut short"), "{what}"),
            Err(e) => panic!("cut at {cut}: {e}"),
            Ok(v) => panic!(
                "cut at {cut}: opened, {} rows changed",
                rows(&v).iter().filter(|r| r.1.starts_with("UPDATED")).count()
            ),
        }
    }
}

// --- 9. seals are counted, not burnt

#[test]
fn a_clean_close_gives_back_the_unused_seal_reservation() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = create(dir.path(), JournalMode::Wal);
    fill(&mut v, 1, 10);
    v.close().unwrap();
    for i in 0..20 {
        let v = open(dir.path());
        v.conn().execute("INSERT INTO t(name) VALUES (?1)", [format!("session {i}")]).unwrap();
        v.close().unwrap();
    }
    let v = open(dir.path());
    let used = v.seals_used();
    assert!(used < 2_000, "21 small sessions used {used} seals");
    assert!(!v.rekey_due());
    drop(v);
    // A vault dropped without close gives them back as well.
    let info = inspect_key_file(&std::fs::read(dir.path().join(KEYS_FILE)).unwrap()).unwrap();
    assert!(info.seals_reserved < 2_000, "{}", info.seals_reserved);
}

// --- 1. one holder, with the relative-path and URI cases beside it

#[test]
fn vault_files_are_readable_by_their_owner_only() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("new-vault");
        let mut v = create(&dir, JournalMode::Delete);
        fill(&mut v, 10, 100);
        v.conn().execute_batch("BEGIN; UPDATE t SET name = 'x';").unwrap();
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        assert!(names.iter().any(|p| p.ends_with(JOURNAL_FILE)), "{names:?}");
        for p in &names {
            let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o077, 0, "{} is {mode:o}", p.display());
        }
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "a new vault folder");
        v.conn().execute_batch("ROLLBACK").unwrap();
        v.rekey().unwrap();
        let mode = std::fs::metadata(dir.join(DB_FILE)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "the rekeyed database is {mode:o}");
    }
}

// --- speed: full-text leaves that fit a vault page

fn fts_overflow_pages(pgsz: Option<u32>) -> i64 {
    let dir = tempfile::tempdir().unwrap();
    let mut v = create(dir.path(), JournalMode::Wal);
    v.conn().execute_batch("CREATE VIRTUAL TABLE docs USING fts5(body);").unwrap();
    if let Some(p) = pgsz {
        v.conn().execute("INSERT INTO docs(docs, rank) VALUES ('pgsz', ?1)", [p]).unwrap();
    }
    let tx = v.conn_mut().transaction().unwrap();
    for i in 0..3000u32 {
        let body: String = (0..40).map(|w| format!("w{} ", (i * 7919 + w * 104_729) % 5000)).collect();
        tx.execute("INSERT INTO docs(body) VALUES (?1)", [body]).unwrap();
    }
    tx.commit().unwrap();
    v.conn().execute_batch("INSERT INTO docs(docs) VALUES ('optimize');").unwrap();
    let leaves: i64 =
        v.conn().query_row("SELECT count(*) FROM dbstat WHERE name = 'docs_data'", [], |r| r.get(0)).unwrap();
    assert!(leaves > 50, "a full-text index of many pages ({leaves})");
    v.conn()
        .query_row("SELECT count(*) FROM dbstat WHERE name = 'docs_data' AND pagetype = 'overflow'", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn fts5_leaves_sized_by_the_seal_fit_on_one_vault_page() {
    assert!(fts_overflow_pages(None) > 20, "FTS5's default leaves spill in a vault");
    assert_eq!(fts_overflow_pages(Some(chartvault_seal::FTS5_PGSZ)), 0, "with FTS5_PGSZ none does");
}

#[test]
fn a_vault_whose_data_key_is_due_is_rekeyed_when_it_opens() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = create(dir.path(), JournalMode::Wal);
    fill(&mut v, 20, 100);
    assert_eq!(v.data_key_epoch(), 1);
    v.close().unwrap();
    let v = open(dir.path());
    v.pretend_seals_used(chartvault_seal::REKEY_DUE_AFTER + 5).unwrap();
    v.close().unwrap();
    let v = open(dir.path());
    assert_eq!(v.data_key_epoch(), 2, "rekeyed on open");
    assert!(!v.rekey_due());
    assert!(v.seals_used() < 10_000, "{}", v.seals_used());
    assert_eq!(rows(&v).len(), 20);
}
