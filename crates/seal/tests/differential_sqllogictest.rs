//! Differential SQL: every record of SQLite's sqllogictest files (from
//! ../shared/testdata/sqllogictest, when present) run on plain SQLite and on
//! a sealed vault gives the same outcome, record by record. Agreement with
//! the files' own expected results is counted and reported, not asserted
//! (a few `evidence/` records reflect older SQLite behaviour).

mod common;

use std::path::{Path, PathBuf};

use chartvault_seal::JournalMode;
use common::slt::{self, Record};
use common::*;

fn test_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            test_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "test") {
            out.push(p);
        }
    }
}

/// Both engines on tmpfs with fsync off: this compares SQL results, not
/// durability (the crash suite covers that), and keeps 170,000 records fast.
fn scratch_dir() -> tempfile::TempDir {
    tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir()).unwrap()
}

#[test]
fn sealed_vault_matches_plain_sqlite_on_the_sqllogictest_corpus() {
    let Some(data) = shared_testdata() else {
        eprintln!("skipping sqllogictest corpus: ../shared/testdata not found (the generated workload still runs)");
        return;
    };
    let mut files = Vec::new();
    test_files(&data.join("sqllogictest"), &mut files);
    assert!(!files.is_empty(), "no .test files under {}", data.display());
    let (mut records, mut agree_expected, mut differences) = (0usize, 0usize, Vec::new());
    for (n, file) in files.iter().enumerate() {
        let text = std::fs::read_to_string(file).unwrap();
        let recs = slt::parse(&text);
        let dir = scratch_dir();
        let mode = if n % 2 == 0 { JournalMode::Wal } else { JournalMode::Delete };
        let vault = create(dir.path(), mode);
        vault.conn().execute_batch("PRAGMA synchronous=OFF").unwrap();
        let plain = rusqlite::Connection::open(dir.path().join("plain.db")).unwrap();
        plain
            .execute_batch(&format!(
                "PRAGMA journal_mode={}; PRAGMA synchronous=OFF; PRAGMA cache_size=-32768;",
                if mode == JournalMode::Wal { "WAL" } else { "DELETE" }
            ))
            .unwrap();
        let mut threshold = 0;
        for r in &recs {
            match r {
                Record::Halt => break,
                Record::HashThreshold(t) => threshold = *t,
                _ => {}
            }
            let a = slt::run(&plain, r);
            let b = slt::run(vault.conn(), r);
            records += 1;
            if a != b {
                let (line, sql) = match r {
                    Record::Statement { sql, line, .. } | Record::Query { sql, line, .. } => (*line, sql.as_str()),
                    _ => (0, ""),
                };
                differences.push(format!("{}:{line} ({mode:?}): plain {a:?}, sealed {b:?}\n  {sql}", file.display()));
            }
            if slt::matches_expected(r, &a, threshold) || matches!(r, Record::HashThreshold(_)) {
                agree_expected += 1;
            }
        }
        let report = vault.verify().unwrap();
        assert!(report.is_ok(), "{}: {report:?}", file.display());
        vault.close().unwrap();
    }
    eprintln!(
        "sqllogictest: {} files, {records} records; sealed and plain differ on {}; \
         plain agrees with the files' expected results on {agree_expected}",
        files.len(),
        differences.len()
    );
    assert!(
        differences.is_empty(),
        "{} differences, first: {}",
        differences.len(),
        differences[..differences.len().min(5)].join("\n")
    );
}
