//! Differential SQL on a generated workload of our own (always runs):
//! random schemas, inserts, updates and deletes with values up to 1 MB,
//! queries, full-text search, transactions with rollbacks and savepoints,
//! VACUUM and reopening, the same statements on plain SQLite and on a
//! sealed vault, every outcome compared. Deterministic from fixed seeds.

mod common;

use std::path::Path;

use chartvault_seal::{JournalMode, OpenOptions, SealError, Unlock, Vault};
use common::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

/// An outcome to compare: rows of values, or that it failed.
type Outcome = Result<Vec<Vec<Value>>, ()>;

fn run(conn: &Connection, sql: &str, params: &[Value]) -> Outcome {
    let mut stmt = conn.prepare(sql).map_err(|_| ())?;
    let n = stmt.column_count();
    let mut rows = stmt.query(params_from_iter(params.iter())).map_err(|_| ())?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(|_| ())? {
        out.push((0..n).map(|i| r.get::<_, Value>(i).unwrap()).collect());
    }
    Ok(out)
}

struct Pair {
    dir: tempfile::TempDir,
    plain: Option<Connection>,
    vault: Option<Vault>,
    mode: JournalMode,
    statements: usize,
    succeeded: usize,
}

impl Pair {
    fn new(mode: JournalMode) -> Pair {
        let dir = tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir()).unwrap();
        let vault = create(dir.path(), mode);
        let mut p = Pair { dir, plain: None, vault: Some(vault), mode, statements: 0, succeeded: 0 };
        p.open_plain();
        p
    }

    fn open_plain(&mut self) {
        let c = Connection::open(self.dir.path().join("plain.db")).unwrap();
        let jm = if self.mode == JournalMode::Wal { "WAL" } else { "DELETE" };
        c.execute_batch(&format!("PRAGMA journal_mode={jm}; PRAGMA cache_size=-256;")).unwrap();
        self.plain = Some(c);
    }

    /// Runs a statement on both and asserts they agree.
    fn both(&mut self, sql: &str, params: &[Value]) {
        let a = run(self.plain.as_ref().unwrap(), sql, params);
        let b = run(self.vault.as_ref().unwrap().conn(), sql, params);
        self.statements += 1;
        self.succeeded += usize::from(a.is_ok());
        assert_eq!(a, b, "{:?}: plain and sealed differ on\n{sql}", self.mode);
    }

    /// Closes and reopens both (a small page cache on the vault, so pages
    /// really come back from disk).
    fn reopen(&mut self) {
        self.plain.take().unwrap().close().unwrap();
        self.vault.take().unwrap().close().unwrap();
        self.open_plain();
        let opts = OpenOptions { cache_kib: 256, ..OpenOptions::default() };
        let v = Vault::open(self.dir.path(), Unlock::Password { slot: USER, password: &password() }, &opts).unwrap();
        self.vault = Some(v);
    }
}

fn bytes(rng: &mut StdRng, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    rng.fill(&mut v[..]);
    v
}

fn word(rng: &mut StdRng) -> String {
    const WORDS: &[&str] =
        &["asthma", "fever", "cough", "insulin", "allergy", "penicillin", "fracture", "migraine", "rash", "ulcer"];
    WORDS[rng.random_range(0..WORDS.len())].to_owned()
}

fn value(rng: &mut StdRng, ty: &str) -> Value {
    if rng.random_bool(0.05) {
        return Value::Null;
    }
    match ty {
        "INTEGER" => Value::Integer(rng.random_range(-1000..1000)),
        "REAL" => Value::Real(f64::from(rng.random_range(-100_000..100_000)) / 7.0),
        "TEXT" => Value::Text((0..rng.random_range(0..12)).map(|_| word(rng)).collect::<Vec<_>>().join(" ")),
        _ => {
            let n = match rng.random_range(0..100) {
                0..=1 => rng.random_range(200_000..1_000_000),
                2..=10 => rng.random_range(4_000..40_000),
                _ => rng.random_range(0..300),
            };
            Value::Blob(bytes(rng, n))
        }
    }
}

const TYPES: [&str; 4] = ["INTEGER", "REAL", "TEXT", "BLOB"];

struct Table {
    name: String,
    cols: Vec<(String, &'static str)>,
}

fn workload(mode: JournalMode, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut p = Pair::new(mode);
    let mut tables = Vec::new();
    for t in 0..4 {
        let ncols = rng.random_range(2..6);
        let cols: Vec<(String, &str)> = (0..ncols).map(|c| (format!("c{c}"), TYPES[rng.random_range(0..4)])).collect();
        let defs: Vec<String> = cols.iter().map(|(n, ty)| format!("{n} {ty}")).collect();
        let sql = if t == 3 {
            format!("CREATE TABLE t{t}(id INTEGER NOT NULL PRIMARY KEY, {}) WITHOUT ROWID", defs.join(", "))
        } else {
            format!("CREATE TABLE t{t}(id INTEGER PRIMARY KEY, {})", defs.join(", "))
        };
        p.both(&sql, &[]);
        p.both(&format!("CREATE INDEX t{t}_i ON t{t}({})", cols[0].0), &[]);
        tables.push(Table { name: format!("t{t}"), cols });
    }
    p.both("CREATE VIRTUAL TABLE notes USING fts5(body)", &[]);
    let mut next_id = 1i64;
    let mut in_tx = false;
    let mut savepoint = false;
    for step in 0..2000 {
        let t = &tables[rng.random_range(0..tables.len())];
        match rng.random_range(0..100) {
            0..=34 => {
                let cols: Vec<&str> = t.cols.iter().map(|c| c.0.as_str()).collect();
                let marks = vec!["?"; cols.len() + 1].join(", ");
                let mut params = vec![Value::Integer(next_id)];
                params.extend(t.cols.iter().map(|c| value(&mut rng, c.1)));
                next_id += 1;
                p.both(&format!("INSERT INTO {}(id, {}) VALUES ({marks})", t.name, cols.join(", ")), &params);
            }
            35..=44 => {
                let c = &t.cols[rng.random_range(0..t.cols.len())];
                let v = value(&mut rng, c.1);
                let m = rng.random_range(2..7);
                p.both(&format!("UPDATE {} SET {} = ? WHERE id % {m} = 0", t.name, c.0), &[v]);
            }
            45..=49 => {
                let m = rng.random_range(3..11);
                p.both(&format!("DELETE FROM {} WHERE id % {m} = 1", t.name), &[]);
            }
            50..=59 => {
                let body = (0..rng.random_range(1..30)).map(|_| word(&mut rng)).collect::<Vec<_>>().join(" ");
                p.both("INSERT INTO notes(body) VALUES (?)", &[Value::Text(body)]);
            }
            60..=64 => {
                let w = word(&mut rng);
                p.both("SELECT rowid, snippet(notes, 0, '[', ']', '…', 4) FROM notes WHERE notes MATCH ? ORDER BY rank, rowid", &[Value::Text(w)]);
            }
            65..=79 => {
                let c = &t.cols[rng.random_range(0..t.cols.len())].0;
                let queries = [
                    format!("SELECT * FROM {} ORDER BY id", t.name),
                    format!("SELECT count(*), sum(length({c})), min(id), max(id) FROM {}", t.name),
                    format!("SELECT typeof({c}), count(*) FROM {} GROUP BY 1 ORDER BY 1", t.name),
                    format!("SELECT a.id, b.id FROM {} a JOIN t0 b ON a.id = b.id + 1 ORDER BY 1, 2 LIMIT 50", t.name),
                    format!("SELECT id FROM {} WHERE {c} IS NOT NULL ORDER BY {c}, id LIMIT 20", t.name),
                ];
                let q = &queries[rng.random_range(0..queries.len())];
                p.both(q, &[]);
            }
            80..=85 if !in_tx => {
                p.both("BEGIN", &[]);
                in_tx = true;
            }
            80..=85 if savepoint => {
                let end = if rng.random_bool(0.5) { "ROLLBACK TO sp" } else { "RELEASE sp" };
                p.both(end, &[]);
                savepoint = false;
            }
            80..=85 => {
                p.both("SAVEPOINT sp", &[]);
                savepoint = true;
            }
            86..=91 if in_tx => {
                let end = if rng.random_bool(0.4) { "ROLLBACK" } else { "COMMIT" };
                p.both(end, &[]);
                in_tx = false;
                savepoint = false;
            }
            92..=94 if !in_tx => {
                p.both("VACUUM", &[]);
            }
            95..=97 if !in_tx => p.reopen(),
            _ => {
                p.both("SELECT count(*) FROM notes", &[]);
            }
        }
        if step % 150 == 149 && !in_tx {
            p.both("PRAGMA integrity_check", &[]);
        }
    }
    if in_tx {
        p.both("COMMIT", &[]);
    }
    for t in &tables {
        p.both(&format!("SELECT * FROM {} ORDER BY id", t.name), &[]);
    }
    p.both("SELECT rowid, body FROM notes ORDER BY rowid", &[]);
    let report = p.vault.as_ref().unwrap().verify().unwrap();
    assert!(report.is_ok(), "{report:?}");
    eprintln!("{mode:?} seed {seed}: {} statements agreed ({} succeeded)", p.statements, p.succeeded);
    assert!(p.succeeded * 10 > p.statements * 9, "the workload must mostly succeed, not agree on failing");
}

#[test]
fn sealed_vault_matches_plain_sqlite_on_generated_workload_wal() {
    for seed in [1, 2, 5] {
        workload(JournalMode::Wal, seed);
    }
}

#[test]
fn sealed_vault_matches_plain_sqlite_on_generated_workload_rollback_journal() {
    for seed in [3, 4, 6] {
        workload(JournalMode::Delete, seed);
    }
}

/// A vault's pages are 4096 bytes with 28 reserved: asking for another page
/// size either does nothing or is refused, and never leaves an unsealed or
/// corrupt file.
#[test]
fn other_page_sizes_are_ignored_or_refused_and_lose_nothing() {
    for mode in [JournalMode::Wal, JournalMode::Delete] {
        for size in [1024, 8192, 65536] {
            let dir = tempfile::tempdir().unwrap();
            let v = create(dir.path(), mode);
            v.conn().execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES ('kept'), (randomblob(5000));").unwrap();
            let outcome = v.conn().execute_batch(&format!("PRAGMA page_size={size}; VACUUM;"));
            if let Err(e) = outcome {
                let why = v.explain(e);
                assert!(matches!(why, SealError::ForeignPageFormat(_)), "{mode:?} {size}: {why}");
            }
            let ps: i64 = v.conn().query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
            assert_eq!(ps, 4096, "{mode:?} {size}");
            v.close().unwrap();
            let v = open(dir.path());
            let n: i64 = v.conn().query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
            assert_eq!(n, 2);
            assert!(v.verify().unwrap().is_ok());
            assert_page_one_is_sealed(dir.path());
        }
    }
}

fn assert_page_one_is_sealed(dir: &Path) {
    let db = std::fs::read(dir.join("vault.db")).unwrap();
    assert_ne!(&db[..16], b"SQLite format 3\0");
    assert_eq!(db.len() % 4096, 0);
}
