//! Differential SQL on a generated workload of our own (no external data, so
//! it always runs): random schemas (INTEGER, REAL, TEXT and BLOB columns,
//! indexes over them, WITHOUT ROWID tables, an FTS5 table, a trigger and an
//! AUTOINCREMENT table), inserts, updates and deletes with values up to
//! 1 MB (long overflow chains), queries with WHERE, ORDER BY, GROUP BY,
//! joins, windows and FTS5 MATCH, transactions ending in COMMIT or ROLLBACK,
//! nested savepoints with ROLLBACK TO, statements failing midway, VACUUM,
//! auto-vacuum with `PRAGMA incremental_vacuum`, WAL checkpoints, and closing
//! and reopening in the middle.
//!
//! The same statements run on plain SQLite (a file with the same page cache
//! and pragmas) and on a sealed vault, in WAL and in rollback-journal mode;
//! every statement's outcome (its rows, exactly, or its error message) must
//! be the same. At the end the vault passes `verify()` and a dump of every
//! table matches, before and after a final reopen. Deterministic: each run is
//! a fixed seed.
//!
//! Also here: a vault refuses or ignores `PRAGMA page_size` changes.

mod common;

use std::time::{Duration, Instant};

use chartvault_seal::{JournalMode, OpenOptions, SealError, Unlock, Vault};
use common::cell::Cell;
use common::{USER, create, fast_opts, open, password};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, ErrorCode, params_from_iter};

// ---------------------------------------------------------------------------
// Outcomes, exactly.

type Rows = Vec<Vec<Cell>>;
/// Rows, or the error message.
type Outcome = Result<Rows, String>;

fn run(conn: &Connection, sql: &str, params: &[Value]) -> rusqlite::Result<Rows> {
    let mut stmt = conn.prepare(sql)?;
    let n = stmt.column_count();
    let mut rows = stmt.query(params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push((0..n).map(|i| r.get_ref(i).map(Cell::from)).collect::<rusqlite::Result<_>>()?);
    }
    Ok(out)
}

/// Every table's schema and rows, in a canonical order (root page numbers
/// left out: they depend on how many pages the data took).
fn dump(conn: &Connection) -> Vec<(String, Rows)> {
    let schema = run(conn, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name", &[]).unwrap();
    let tables = run(conn, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", &[]).unwrap();
    let mut out = vec![("sqlite_schema".to_owned(), schema)];
    for t in tables {
        let Cell::Text(name) = &t[0] else { unreachable!() };
        let name = String::from_utf8(name.clone()).unwrap();
        let mut rows = run(conn, &format!("SELECT * FROM \"{name}\""), &[]).unwrap();
        rows.sort();
        out.push((name, rows));
    }
    out
}

/// Where both databases live: tmpfs when there is one. Both keep the sync
/// settings the vault chooses; this suite compares results, the crash suite
/// durability.
fn scratch_dir() -> tempfile::TempDir {
    tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir()).unwrap()
}

/// Opens plain SQLite configured as the vault configures its connection
/// (journal mode, locking, sync, cache, temp store, secure delete).
fn plain_like(vault: &Vault, path: &std::path::Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    let mut setup = String::new();
    for name in ["locking_mode", "journal_mode", "synchronous", "cache_size", "temp_store", "secure_delete"] {
        let v: Value = vault.conn().query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).unwrap();
        let v = match v {
            Value::Integer(i) => i.to_string(),
            Value::Text(t) => t,
            other => panic!("PRAGMA {name}: {other:?}"),
        };
        setup.push_str(&format!("PRAGMA {name}={v};"));
    }
    conn.execute_batch(&setup).unwrap();
    conn
}

// ---------------------------------------------------------------------------
// The two engines in step.

#[derive(Default)]
struct Stats {
    statements: usize,
    /// Statements that failed, identically, on both.
    failed: usize,
    rows: usize,
    /// The largest value written, in bytes.
    largest: usize,
    reopens: usize,
    plain_time: Duration,
    sealed_time: Duration,
}

struct Pair {
    dir: tempfile::TempDir,
    plain: Option<Connection>,
    vault: Option<Vault>,
    cache_kib: u32,
    /// "Wal seed 3", for messages.
    name: String,
    step: usize,
    stats: Stats,
}

impl Pair {
    fn new(mode: JournalMode, seed: u64, cache_kib: u32) -> Pair {
        let dir = scratch_dir();
        let mut opts = fast_opts(mode);
        opts.open.cache_kib = cache_kib;
        let vault = Vault::create(&dir.path().join("vault"), USER, &password(), &opts).unwrap().0;
        let plain = plain_like(&vault, &dir.path().join("plain.db"));
        Pair {
            dir,
            plain: Some(plain),
            vault: Some(vault),
            cache_kib,
            name: format!("{mode:?} seed {seed}"),
            step: 0,
            stats: Stats::default(),
        }
    }

    fn plain(&self) -> &Connection {
        self.plain.as_ref().unwrap()
    }

    fn vault(&self) -> &Vault {
        self.vault.as_ref().unwrap()
    }

    /// Runs a statement on both, returning both outcomes; a vault error the
    /// sealing layer caused is reported as such.
    fn run_both(&mut self, sql: &str, params: &[Value]) -> (Outcome, Outcome) {
        let t0 = Instant::now();
        let a = run(self.plain(), sql, params).map_err(|e| e.to_string());
        let t1 = Instant::now();
        let b = run(self.vault().conn(), sql, params).map_err(|e| match self.vault().explain(e) {
            SealError::Sqlite(e) => e.to_string(),
            sealing => format!("sealing layer: {sealing}"),
        });
        self.stats.plain_time += t1 - t0;
        self.stats.sealed_time += t1.elapsed();
        self.stats.statements += 1;
        self.stats.failed += usize::from(a.is_err());
        self.stats.rows += a.as_ref().map_or(0, Vec::len);
        let size = |v: &Value| match v {
            Value::Text(t) => t.len(),
            Value::Blob(b) => b.len(),
            _ => 0,
        };
        self.stats.largest = params.iter().map(size).fold(self.stats.largest, usize::max);
        (a, b)
    }

    fn differ(&self, sql: &str, params: &[Value], a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug) -> ! {
        let params: Vec<Cell> = params.iter().map(|v| Cell::from(ValueRef::from(v))).collect();
        panic!(
            "{}, step {}: plain SQLite and the vault differ on\n  {sql}\n  params: {params:?}\n  plain:  {a:?}\n  sealed: {b:?}",
            self.name, self.step
        )
    }

    /// Runs a statement on both; the outcomes must be identical.
    fn both(&mut self, sql: &str, params: &[Value]) -> Outcome {
        let (a, b) = self.run_both(sql, params);
        if a != b {
            self.differ(sql, params, &a, &b);
        }
        a
    }

    /// Runs a statement on both; both must succeed or fail alike, but the
    /// rows may differ (counts of pages or WAL frames, which the reserved
    /// bytes of a sealed page change).
    fn both_status(&mut self, sql: &str) {
        let (a, b) = self.run_both(sql, &[]);
        if a.as_ref().err() != b.as_ref().err() {
            self.differ(sql, &[], &a.err(), &b.err());
        }
    }

    /// Closes and reopens both.
    fn reopen(&mut self) {
        self.plain.take().unwrap().close().unwrap();
        self.vault.take().unwrap().close().unwrap();
        let opts = OpenOptions { cache_kib: self.cache_kib, ..OpenOptions::default() };
        let unlock = Unlock::Password { slot: USER, password: &password() };
        let vault = Vault::open(&self.dir.path().join("vault"), unlock, &opts).unwrap();
        self.plain = Some(plain_like(&vault, &self.dir.path().join("plain.db")));
        self.vault = Some(vault);
        self.stats.reopens += 1;
    }

    /// Every table matches, and the vault verifies.
    fn check_everything(&mut self, when: &str) {
        let expected = dump(self.plain());
        let got = dump(self.vault().conn());
        if got != expected {
            let (a, b) = expected.iter().zip(&got).find(|(a, b)| a != b).unwrap_or((&expected[0], &got[0]));
            let only = |x: &Rows, y: &Rows| x.iter().filter(|r| !y.contains(r)).take(3).cloned().collect::<Vec<_>>();
            panic!(
                "{} ({when}): the vault's tables differ from plain SQLite's, first {:?} / {:?} ({} / {} rows)\n  only in plain: {:?}\n  only in the vault: {:?}",
                self.name,
                a.0,
                b.0,
                a.1.len(),
                b.1.len(),
                only(&a.1, &b.1),
                only(&b.1, &a.1)
            );
        }
        let report = self.vault().verify().unwrap();
        assert!(report.is_ok(), "{} ({when}): verify: {report:?}", self.name);
    }
}

// ---------------------------------------------------------------------------
// The workload.

const WORDS: &[&str] = &[
    "asthma",
    "fever",
    "cough",
    "insulin",
    "allergy",
    "penicillin",
    "fracture",
    "migraine",
    "rash",
    "ulcer",
    "astigmatism",
    "fatigue",
    "influenza",
    "measles",
];

fn word(rng: &mut StdRng) -> &'static str {
    WORDS[rng.random_range(0..WORDS.len())]
}

fn words(rng: &mut StdRng, n: usize) -> String {
    (0..n).map(|_| word(rng)).collect::<Vec<_>>().join(" ")
}

fn bytes(rng: &mut StdRng, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    rng.fill(&mut v[..]);
    v
}

/// A value for a column of type `ty`: mostly small, sometimes spanning many
/// overflow pages (up to about 1 MB), sometimes NULL.
fn value(rng: &mut StdRng, ty: &str) -> Value {
    if rng.random_bool(0.05) {
        return Value::Null;
    }
    match ty {
        "INTEGER" => Value::Integer(match rng.random_range(0..10) {
            0 => rng.random_range(i64::MIN..i64::MAX),
            _ => rng.random_range(-1000..1000),
        }),
        "REAL" => Value::Real(f64::from(rng.random_range(-100_000..100_000)) / 7.0),
        "TEXT" => {
            let n = if rng.random_bool(0.03) { rng.random_range(1_000..20_000) } else { rng.random_range(0..12) };
            Value::Text(words(rng, n))
        }
        _ => {
            let n = match rng.random_range(0..100) {
                0 => rng.random_range(200_000..1_000_000),
                1..=10 => rng.random_range(4_000..40_000),
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

impl Table {
    fn col<'a>(&'a self, rng: &mut StdRng) -> &'a (String, &'static str) {
        &self.cols[rng.random_range(0..self.cols.len())]
    }

    /// A BLOB column if there is one, for reading inside overflow chains.
    fn blob_col(&self) -> Option<&str> {
        self.cols.iter().find(|c| c.1 == "BLOB").map(|c| c.0.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AutoVacuum {
    None,
    Full,
    Incremental,
}

struct Workload {
    rng: StdRng,
    p: Pair,
    tables: Vec<Table>,
    auto_vacuum: AutoVacuum,
    wal: bool,
    next_id: i64,
    next_note: i64,
    /// In a transaction opened by BEGIN.
    in_begin: bool,
    /// Open savepoints, outermost first.
    savepoints: Vec<String>,
    next_savepoint: usize,
}

impl Workload {
    fn in_tx(&self) -> bool {
        self.in_begin || !self.savepoints.is_empty()
    }

    fn table(&mut self) -> usize {
        self.rng.random_range(0..self.tables.len())
    }

    fn setup(&mut self) {
        let av = match self.auto_vacuum {
            AutoVacuum::None => "NONE",
            AutoVacuum::Full => "FULL",
            AutoVacuum::Incremental => "INCREMENTAL",
        };
        // The vault's header is already written, so the mode takes effect
        // at the next VACUUM.
        self.p.both(&format!("PRAGMA auto_vacuum={av}"), &[]).unwrap();
        self.p.both("VACUUM", &[]).unwrap();
        self.p.both("PRAGMA auto_vacuum", &[]).unwrap();
        self.p
            .both("CREATE TABLE audit(seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT, old_id INTEGER)", &[])
            .unwrap();
        let ntables = self.rng.random_range(3..6);
        for t in 0..ntables {
            let ncols = self.rng.random_range(2..6);
            let mut cols: Vec<(String, &'static str)> =
                (0..ncols).map(|c| (format!("c{c}"), TYPES[self.rng.random_range(0..4)])).collect();
            if t == 0 && !cols.iter().any(|c| c.1 == "BLOB") {
                cols[0].1 = "BLOB";
            }
            let defs: Vec<String> = cols.iter().map(|(n, ty)| format!("{n} {ty}")).collect();
            // The last table, and others at random, without rowid.
            let without_rowid = t == ntables - 1 || self.rng.random_bool(0.25);
            let sql = if without_rowid {
                format!("CREATE TABLE t{t}(id INTEGER NOT NULL PRIMARY KEY, {}) WITHOUT ROWID", defs.join(", "))
            } else {
                format!("CREATE TABLE t{t}(id INTEGER PRIMARY KEY, {})", defs.join(", "))
            };
            self.p.both(&sql, &[]).unwrap();
            for i in 0..self.rng.random_range(0..3) {
                let a = &cols[self.rng.random_range(0..cols.len())].0;
                let b = &cols[self.rng.random_range(0..cols.len())].0;
                let sql = match self.rng.random_range(0..4) {
                    0 => format!("CREATE INDEX t{t}_i{i} ON t{t}({a}, {b})"),
                    1 => format!("CREATE UNIQUE INDEX t{t}_i{i} ON t{t}({a}, id)"),
                    2 => format!("CREATE INDEX t{t}_i{i} ON t{t}(length({a})) WHERE {a} IS NOT NULL"),
                    _ => format!("CREATE INDEX t{t}_i{i} ON t{t}({a} DESC)"),
                };
                self.p.both(&sql, &[]).unwrap();
            }
            let trigger = format!(
                "CREATE TRIGGER t{t}_gone AFTER DELETE ON t{t} \
                 BEGIN INSERT INTO audit(tbl, old_id) VALUES ('t{t}', old.id); END"
            );
            self.p.both(&trigger, &[]).unwrap();
            self.tables.push(Table { name: format!("t{t}"), cols });
        }
        self.p.both("CREATE VIRTUAL TABLE notes USING fts5(title, body, prefix='2 3')", &[]).unwrap();
    }

    fn insert(&mut self) {
        let t = self.table();
        let table = &self.tables[t];
        let cols: Vec<&str> = table.cols.iter().map(|c| c.0.as_str()).collect();
        let marks = vec!["?"; cols.len() + 1].join(", ");
        // Now and then an id already used: a constraint error, on both.
        let id = if self.next_id > 1 && self.rng.random_bool(0.03) {
            self.rng.random_range(1..self.next_id)
        } else {
            self.next_id
        };
        self.next_id += 1;
        let mut params = vec![Value::Integer(id)];
        let types: Vec<&str> = table.cols.iter().map(|c| c.1).collect();
        params.extend(types.iter().map(|ty| value(&mut self.rng, ty)));
        let or = if self.rng.random_bool(0.1) { " OR REPLACE" } else { "" };
        let sql = format!("INSERT{or} INTO {}(id, {}) VALUES ({marks})", table.name, cols.join(", "));
        self.p.both(&sql, &params).ok();
    }

    /// Copies rows between tables; with a small offset some ids collide and
    /// the statement fails midway, undoing the rows it already wrote.
    fn bulk_insert(&mut self) {
        let (a, b) = (self.table(), self.table());
        let n = self.tables[a].cols.len().min(self.tables[b].cols.len());
        let k = self.rng.random_range(1..=n);
        let to: Vec<&str> = self.tables[a].cols[..k].iter().map(|c| c.0.as_str()).collect();
        let from: Vec<&str> = self.tables[b].cols[..k].iter().map(|c| c.0.as_str()).collect();
        let offset = if self.rng.random_bool(0.3) {
            self.rng.random_range(0..5)
        } else {
            self.next_id += 100_000;
            self.next_id - 100_000
        };
        let sql = format!(
            "INSERT INTO {}(id, {}) SELECT id + ?1, {} FROM {} WHERE id % ?2 = 0 ORDER BY id",
            self.tables[a].name,
            to.join(", "),
            from.join(", "),
            self.tables[b].name
        );
        let m = self.rng.random_range(1..5);
        self.p.both(&sql, &[Value::Integer(offset), Value::Integer(m)]).ok();
    }

    fn update(&mut self) {
        let t = self.table();
        let (c, ty) = self.tables[t].col(&mut self.rng).clone();
        let name = self.tables[t].name.clone();
        let m = self.rng.random_range(2..7);
        let r = self.rng.random_range(0..m);
        let sql = match (ty, self.rng.random_range(0..3)) {
            ("TEXT", 0) => format!("UPDATE {name} SET {c} = coalesce({c}, '') || ?1 WHERE id % {m} = {r}"),
            ("BLOB", 0) => format!(
                "UPDATE {name} SET {c} = substr({c}, 1, length({c}) / 2) WHERE id % {m} = {r} AND ?1 IS NOT NULL"
            ),
            (_, 1) => format!("UPDATE {name} SET id = id + 1000000 WHERE id % {m} = {r} AND ?1 IS NOT NULL"),
            _ => format!("UPDATE {name} SET {c} = ?1 WHERE id % {m} = {r}"),
        };
        let v = value(&mut self.rng, ty);
        self.p.both(&sql, &[v]).ok();
    }

    fn delete(&mut self) {
        let t = self.table();
        let name = self.tables[t].name.clone();
        let sql = if self.rng.random_bool(0.5) {
            format!("DELETE FROM {name} WHERE id % {} = 1", self.rng.random_range(3..11))
        } else {
            format!(
                "DELETE FROM {name} WHERE id IN (SELECT id FROM {name} ORDER BY id LIMIT {})",
                self.rng.random_range(1..6)
            )
        };
        self.p.both(&sql, &[]).ok();
    }

    fn notes(&mut self) {
        match self.rng.random_range(0..10) {
            0..=5 => {
                self.next_note += 1;
                let n = if self.rng.random_bool(0.05) { 3000 } else { self.rng.random_range(1..40) };
                let params = [
                    Value::Integer(self.next_note),
                    Value::Text(words(&mut self.rng, 3)),
                    Value::Text(words(&mut self.rng, n)),
                ];
                self.p.both("INSERT INTO notes(rowid, title, body) VALUES (?, ?, ?)", &params).ok();
            }
            6 => {
                let body = Value::Text(words(&mut self.rng, 12));
                let m = self.rng.random_range(2..9);
                self.p.both(&format!("UPDATE notes SET body = ?1 WHERE rowid % {m} = 0"), &[body]).ok();
            }
            7 => {
                let m = self.rng.random_range(3..9);
                self.p.both(&format!("DELETE FROM notes WHERE rowid % {m} = 1"), &[]).ok();
            }
            8 => {
                let cmd = ["optimize", "integrity-check"][self.rng.random_range(0..2)];
                self.p.both("INSERT INTO notes(notes) VALUES (?)", &[Value::Text(cmd.into())]).ok();
            }
            _ => {
                self.p
                    .both(
                        "INSERT INTO notes(notes, rank) VALUES ('automerge', ?)",
                        &[Value::Integer(self.rng.random_range(2..8))],
                    )
                    .ok();
            }
        }
    }

    fn search(&mut self) {
        let (w1, w2) = (word(&mut self.rng), word(&mut self.rng));
        let q = match self.rng.random_range(0..6) {
            0 => w1.to_owned(),
            1 => format!("{w1} OR {w2}"),
            2 => format!("{w1} AND {w2}"),
            3 => format!("\"{w1} {w2}\""),
            4 => format!("{}*", &w1[..3]),
            _ => format!("title: {w1} NOT {w2}"),
        };
        let sql = match self.rng.random_range(0..3) {
            0 => {
                "SELECT rowid, snippet(notes, 1, '[', ']', '…', 6), bm25(notes) FROM notes WHERE notes MATCH ?1 ORDER BY rank, rowid LIMIT 30"
            }
            1 => "SELECT rowid, highlight(notes, 0, '<', '>') FROM notes WHERE notes MATCH ?1 ORDER BY rowid DESC",
            _ => "SELECT count(*), sum(length(body)) FROM notes WHERE notes MATCH ?1",
        };
        self.p.both(sql, &[Value::Text(q)]).unwrap();
    }

    fn select(&mut self) {
        let (ti, ui) = (self.table(), self.table());
        let (t, u) = (&self.tables[ti], &self.tables[ui]);
        let (c, ty) = t.col(&mut self.rng).clone();
        let b = t.blob_col().unwrap_or(&c).to_owned();
        let (t, u) = (t.name.clone(), u.name.clone());
        let mut params = Vec::new();
        let sql = match self.rng.random_range(0..15) {
            0 => format!("SELECT * FROM {t} ORDER BY id"),
            1 => format!("SELECT count(*), sum(length({c})), min(id), max(id), total(id), avg(length({c})) FROM {t}"),
            2 => format!("SELECT typeof({c}), count(*), sum(length({c})) FROM {t} GROUP BY 1 ORDER BY 1"),
            3 => format!(
                "SELECT a.id, b.id, length(a.{c}) FROM {t} a JOIN {u} b ON a.id = b.id + 1 ORDER BY 1, 2 LIMIT 50"
            ),
            4 => format!(
                "SELECT a.id, count(b.id) FROM {t} a LEFT JOIN {u} b ON b.id % 10 = a.id % 10 \
                 GROUP BY a.id HAVING count(b.id) > 1 ORDER BY 2 DESC, 1 LIMIT 20"
            ),
            5 => format!("SELECT id FROM {t} WHERE {c} IS NOT NULL ORDER BY {c}, id LIMIT 20"),
            6 => {
                params = vec![
                    Value::Integer(self.rng.random_range(1..300_000)),
                    Value::Integer(self.rng.random_range(0..50_000)),
                ];
                format!("SELECT id, length({b}), hex(substr({b}, ?1, 24)) FROM {t} WHERE length({b}) > ?2 ORDER BY id")
            }
            7 => format!("SELECT DISTINCT {c} FROM {t} ORDER BY 1 LIMIT 30"),
            8 => format!(
                "SELECT id, sum(id) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM {t} ORDER BY id LIMIT 40"
            ),
            9 => format!(
                "SELECT count(*) FROM {t} WHERE id IN (SELECT id FROM {u}) OR EXISTS (SELECT 1 FROM {u} WHERE {u}.id = {t}.id + 1)"
            ),
            10 => {
                params = vec![value(&mut self.rng, ty)];
                format!("SELECT id FROM {t} WHERE {c} >= ?1 ORDER BY {c} DESC, id LIMIT 15")
            }
            11 => format!("SELECT id, {c} FROM {t} ORDER BY {c} DESC, id"),
            12 => format!("SELECT id FROM {t} UNION SELECT id FROM {u} ORDER BY 1 DESC LIMIT 25 OFFSET 5"),
            13 => "SELECT * FROM audit ORDER BY seq DESC LIMIT 10".to_owned(),
            _ => "SELECT name, seq FROM sqlite_sequence ORDER BY name".to_owned(),
        };
        self.p.both(&sql, &params).unwrap();
    }

    fn transaction(&mut self) {
        let sql = if !self.in_tx() {
            if self.rng.random_bool(0.7) {
                self.in_begin = true;
                ["BEGIN", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"][self.rng.random_range(0..3)].to_owned()
            } else {
                // A savepoint outside a transaction opens one.
                self.next_savepoint += 1;
                self.savepoints.push(format!("sp{}", self.next_savepoint));
                format!("SAVEPOINT sp{}", self.next_savepoint)
            }
        } else {
            match self.rng.random_range(0..10) {
                0..=2 if self.savepoints.len() < 3 => {
                    self.next_savepoint += 1;
                    self.savepoints.push(format!("sp{}", self.next_savepoint));
                    format!("SAVEPOINT sp{}", self.next_savepoint)
                }
                0..=5 if !self.savepoints.is_empty() => {
                    let i = self.rng.random_range(0..self.savepoints.len());
                    let sp = self.savepoints[i].clone();
                    if self.rng.random_bool(0.5) {
                        // Rolls back to the savepoint and keeps it open.
                        self.savepoints.truncate(i + 1);
                        format!("ROLLBACK TO {sp}")
                    } else {
                        self.savepoints.truncate(i);
                        format!("RELEASE {sp}")
                    }
                }
                _ => {
                    self.in_begin = false;
                    self.savepoints.clear();
                    if self.rng.random_bool(0.4) { "ROLLBACK" } else { "COMMIT" }.to_owned()
                }
            }
        };
        self.p.both(&sql, &[]).unwrap();
    }

    /// VACUUM, auto-vacuum, checkpoints, checks and statistics.
    fn maintenance(&mut self) {
        match self.rng.random_range(0..10) {
            0 => {
                // Inside a transaction both must refuse alike.
                let r = self.p.both("VACUUM", &[]);
                assert_eq!(r.is_ok(), !self.in_tx(), "{}: VACUUM", self.p.name);
            }
            1..=3 if self.auto_vacuum == AutoVacuum::Incremental => {
                if self.rng.random_bool(0.5) {
                    let n = self.rng.random_range(1..50);
                    self.p.both_status(&format!("PRAGMA incremental_vacuum({n})"));
                } else {
                    // One empty row per page freed: counts of pages differ.
                    self.p.both_status("PRAGMA incremental_vacuum");
                    if !self.in_tx() {
                        // Every free page is gone, on both.
                        self.p.both("PRAGMA freelist_count", &[]).unwrap();
                    }
                }
            }
            1..=3 if self.auto_vacuum == AutoVacuum::Full && !self.in_tx() => {
                self.p.both("PRAGMA freelist_count", &[]).unwrap();
            }
            4 | 5 if self.wal => {
                let how = ["PASSIVE", "FULL", "RESTART", "TRUNCATE"][self.rng.random_range(0..4)];
                self.p.both_status(&format!("PRAGMA wal_checkpoint({how})"));
            }
            _ => {
                // (Not `PRAGMA optimize`: it decides from page counts.)
                let sql = ["PRAGMA integrity_check", "PRAGMA quick_check", "ANALYZE"][self.rng.random_range(0..3)];
                self.p.both(sql, &[]).unwrap();
            }
        }
    }

    /// Schema changes: indexes, scratch tables (also in temp), new columns.
    fn ddl(&mut self) {
        let t = self.table();
        let name = self.tables[t].name.clone();
        let (c, _) = self.tables[t].col(&mut self.rng).clone();
        let k = self.rng.random_range(0..3);
        match self.rng.random_range(0..6) {
            0 => {
                self.p.both(&format!("CREATE INDEX IF NOT EXISTS {name}_x{k} ON {name}({c}, id)"), &[]).unwrap();
            }
            1 => {
                self.p.both(&format!("DROP INDEX IF EXISTS {name}_x{k}"), &[]).unwrap();
            }
            2 => {
                let sql = format!("CREATE TABLE IF NOT EXISTS scratch{k} AS SELECT * FROM {name} WHERE id % 3 = 0");
                self.p.both(&sql, &[]).unwrap();
                self.p.both(&format!("SELECT count(*), sum(length(id)) FROM scratch{k}"), &[]).unwrap();
            }
            3 => {
                self.p.both(&format!("DROP TABLE IF EXISTS scratch{k}"), &[]).unwrap();
            }
            4 => {
                self.p
                    .both(&format!("CREATE TEMP TABLE IF NOT EXISTS hot{k} AS SELECT id, {c} AS v FROM {name}"), &[])
                    .unwrap();
                let sql = format!(
                    "SELECT h.id, typeof(h.v) FROM temp.hot{k} h JOIN {name} m ON m.id = h.id ORDER BY 1 LIMIT 30"
                );
                self.p.both(&sql, &[]).unwrap();
                self.p.both(&format!("DROP TABLE temp.hot{k}"), &[]).unwrap();
            }
            _ if !self.in_tx() && self.tables[t].cols.len() < 8 => {
                // Only outside a transaction, so a rollback cannot undo it
                // behind the generator's back.
                let ty = TYPES[self.rng.random_range(0..4)];
                let col = format!("x{}", self.tables[t].cols.len());
                let sql = format!("ALTER TABLE {name} ADD COLUMN {col} {ty} DEFAULT 7");
                self.p.both(&sql, &[]).unwrap();
                self.tables[t].cols.push((col, ty));
            }
            _ => {}
        }
    }

    fn counts(&mut self) {
        for i in 0..self.tables.len() {
            let sql = format!("SELECT count(*), max(id) FROM {}", self.tables[i].name);
            self.p.both(&sql, &[]).unwrap();
        }
        self.p.both("SELECT count(*) FROM notes", &[]).unwrap();
    }
}

/// One run: journal mode, seed, auto-vacuum mode and page cache (KiB), the
/// same on both sides. Small caches make SQLite spill pages mid-transaction
/// and read them back through the shim.
fn workload(mode: JournalMode, seed: u64, auto_vacuum: AutoVacuum, cache_kib: u32) {
    let steps = STEPS;
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let p = Pair::new(mode, seed, cache_kib);
    let mut w = Workload {
        rng: StdRng::seed_from_u64(rng.random()),
        p,
        tables: Vec::new(),
        auto_vacuum,
        wal: mode == JournalMode::Wal,
        next_id: 1,
        next_note: 0,
        in_begin: false,
        savepoints: Vec::new(),
        next_savepoint: 0,
    };
    w.setup();
    for step in 0..steps {
        w.p.step = step;
        if step == steps / 2 {
            // One reopen for certain, with everything compared after it.
            if w.in_tx() {
                w.p.both("COMMIT", &[]).unwrap();
                w.in_begin = false;
                w.savepoints.clear();
            }
            w.p.reopen();
            w.p.check_everything("after the reopen halfway");
        }
        match w.rng.random_range(0..100) {
            0..=29 => w.insert(),
            30..=32 => w.bulk_insert(),
            33..=40 => w.update(),
            41..=44 => w.delete(),
            45..=54 => w.notes(),
            55..=59 => w.search(),
            60..=73 => w.select(),
            74..=83 => w.transaction(),
            84..=89 => w.maintenance(),
            90..=92 if !w.in_tx() => w.p.reopen(),
            93..=96 => w.ddl(),
            _ => w.counts(),
        }
    }
    if w.in_tx() {
        w.p.both("COMMIT", &[]).unwrap();
    }
    w.p.check_everything("at the end");
    w.p.reopen();
    w.p.check_everything("after the final reopen");
    w.p.both("PRAGMA integrity_check", &[]).unwrap();
    let s = &w.p.stats;
    eprintln!(
        "{} (auto_vacuum {:?}, cache {cache_kib} KiB): {} statements agreed ({} failed alike), {} rows compared, \
         values up to {} bytes, {} reopens; plain {:.2?}, vault {:.2?} ({:.2}x); {:.1?} in all",
        w.p.name,
        auto_vacuum,
        s.statements,
        s.failed,
        s.rows,
        s.largest,
        s.reopens,
        s.plain_time,
        s.sealed_time,
        s.sealed_time.as_secs_f64() / s.plain_time.as_secs_f64().max(1e-9),
        started.elapsed()
    );
    assert!(s.failed * 10 < s.statements, "{}: the workload must mostly succeed, not agree on failing", w.p.name);
    assert!(s.failed > 0, "{}: some statements should fail (constraints), and fail alike", w.p.name);
    assert!(s.largest > 200_000, "{}: some values should span long overflow chains", w.p.name);
}

const STEPS: usize = 1600;

#[test]
fn sealed_vault_matches_plain_sqlite_on_generated_workload_wal() {
    use AutoVacuum::*;
    let runs = [(1, Incremental, 256), (2, Full, 128), (3, None, 1024), (4, None, 128), (5, Incremental, 64)];
    for (seed, auto_vacuum, cache_kib) in runs {
        workload(JournalMode::Wal, seed, auto_vacuum, cache_kib);
    }
}

#[test]
fn sealed_vault_matches_plain_sqlite_on_generated_workload_rollback_journal() {
    use AutoVacuum::*;
    let runs = [(7, Incremental, 128), (8, Full, 128), (9, None, 256), (10, Full, 64), (12, None, 1024)];
    for (seed, auto_vacuum, cache_kib) in runs {
        workload(JournalMode::Delete, seed, auto_vacuum, cache_kib);
    }
}

// ---------------------------------------------------------------------------
// Focused cases the workload found: rollbacks in rollback-journal mode of
// transactions bigger than the page cache. SQLite then syncs the journal
// mid-transaction and starts a new journal header (segment) with a new
// checksum seed; rolling back, it reads the current segment's header fields
// without its signature, and may read past the transaction's records into
// what an earlier transaction left in the (kept, exclusive-mode) journal.

/// A vault and plain SQLite in rollback-journal mode with a 16-page cache,
/// each holding 300 rows of about one page.
fn spilling_pair() -> Pair {
    let mut p = Pair::new(JournalMode::Delete, 0, 64);
    p.name = "rollback journal, 16-page cache".into();
    for sql in [
        "PRAGMA cache_size=16",
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) \
         INSERT INTO t SELECT i, zeroblob(3000) FROM n",
    ] {
        p.both(sql, &[]).unwrap();
    }
    p
}

/// Rewrites every row in three statements: about 300 journal records, a
/// dozen cache spills, so a dozen journal segments.
const SPILL: [&str; 3] = [
    "UPDATE t SET v = zeroblob(2999) WHERE id BETWEEN 1 AND 100",
    "UPDATE t SET v = zeroblob(2998) WHERE id BETWEEN 101 AND 200",
    "UPDATE t SET v = zeroblob(2997) WHERE id BETWEEN 201 AND 300",
];

#[test]
fn rollback_to_savepoint_after_cache_spills_matches_plain_sqlite_in_rollback_journal_mode() {
    let mut p = spilling_pair();
    p.both("BEGIN", &[]).unwrap();
    p.both("SAVEPOINT a", &[]).unwrap();
    for sql in SPILL {
        p.both(sql, &[]).unwrap();
    }
    // Plain SQLite rolls back to the savepoint and stays in the transaction.
    p.both("ROLLBACK TO a", &[]).unwrap();
    p.both("UPDATE t SET v = x'01' WHERE id = 7", &[]).unwrap();
    p.both("RELEASE a", &[]).unwrap();
    p.both("COMMIT", &[]).unwrap();
    p.check_everything("after ROLLBACK TO");
}

#[test]
fn statement_failing_after_cache_spills_matches_plain_sqlite_in_rollback_journal_mode() {
    let mut p = spilling_pair();
    p.both("BEGIN", &[]).unwrap();
    p.both("UPDATE t SET v = x'02' WHERE id = 1", &[]).unwrap();
    // Rewrites every row (spilling the cache again and again), then fails
    // on the last one: only this statement is undone, from the journal, and
    // the transaction, with its first UPDATE, goes on.
    let failing = "UPDATE t SET v = CASE WHEN id = 300 THEN abs(-9223372036854775808) ELSE zeroblob(2990) END";
    let r = p.both(failing, &[]);
    assert_eq!(r, Err("integer overflow".into()));
    p.both("SELECT count(*), sum(length(v)) FROM t", &[]).unwrap();
    p.both("COMMIT", &[]).unwrap();
    p.check_everything("after the failed statement");
}

#[test]
fn rollback_after_cache_spills_leaves_no_sealing_error_behind_in_rollback_journal_mode() {
    let mut p = spilling_pair();
    for round in 0..2 {
        p.both("BEGIN", &[]).unwrap();
        for sql in SPILL {
            p.both(sql, &[]).unwrap();
        }
        p.both("ROLLBACK", &[]).unwrap();
        // A plain SQL error next: nothing went wrong in the sealing layer,
        // and `explain` must not say otherwise.
        let (a, b) = p.run_both("INSERT INTO t(id) VALUES (1)", &[]);
        assert_eq!(a, b, "round {round}: the rollback must not leave a sealing-layer error behind");
        p.both("SELECT count(*), sum(length(v)) FROM t", &[]).unwrap();
    }
    p.check_everything("after the rollbacks");
}

// ---------------------------------------------------------------------------
// Page sizes.

/// A vault's pages are 4096 bytes with 28 reserved. `PRAGMA page_size` with
/// another size followed by VACUUM (which would apply it to a rollback-
/// journal database) must be ignored or refused, and never leave a corrupt
/// or unsealed file: the vault stays usable, verifies, reopens with its data,
/// and nothing in it is in clear.
#[test]
fn other_page_sizes_are_ignored_or_refused_and_never_corrupt_or_unseal_the_vault() {
    const MARKER: &str = "plaintext-marker-";
    let mut rng = StdRng::seed_from_u64(42);
    let rows: Vec<(i64, String, Vec<u8>)> = (0..150)
        .map(|i| {
            let n = if i % 10 == 0 { 20_000 } else { 300 };
            (i, format!("{MARKER}{i}"), bytes(&mut rng, n))
        })
        .collect();
    let fill = |conn: &Connection| {
        conn.execute_batch(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, data BLOB); CREATE INDEX t_name ON t(name);",
        )
        .unwrap();
        for (id, name, data) in &rows {
            conn.execute("INSERT INTO t VALUES (?, ?, ?)", (id, name, data)).unwrap();
        }
    };
    let contents = |conn: &Connection| run(conn, "SELECT * FROM t ORDER BY id", &[]).unwrap();
    for (mode, switch_to_delete) in [(JournalMode::Wal, false), (JournalMode::Delete, false), (JournalMode::Wal, true)]
    {
        for size in [1024, 8192, 65536] {
            for separately in [false, true] {
                let case = format!(
                    "{mode:?}{} page_size={size}, separately={separately}",
                    if switch_to_delete { "→DELETE" } else { "" }
                );
                let dir = scratch_dir();
                let vault_dir = dir.path().join("vault");
                let vault = create(&vault_dir, mode);
                if switch_to_delete {
                    let jm: String = vault.conn().query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0)).unwrap();
                    assert_eq!(jm, "delete", "{case}");
                }
                let plain = Connection::open_in_memory().unwrap();
                fill(&plain);
                fill(vault.conn());
                let outcome = if separately {
                    vault
                        .conn()
                        .execute_batch(&format!("PRAGMA page_size={size}"))
                        .and_then(|()| vault.conn().execute_batch("VACUUM"))
                } else {
                    vault.conn().execute_batch(&format!("PRAGMA page_size={size}; VACUUM;"))
                };
                match outcome {
                    Ok(()) => {}
                    Err(e) => match vault.explain(e) {
                        SealError::ForeignPageFormat(_) | SealError::UnexpectedIo { .. } => {}
                        SealError::Sqlite(e) => assert!(
                            !matches!(
                                e.sqlite_error_code(),
                                Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase | ErrorCode::SystemIoFailure)
                            ),
                            "{case}: refused as if damaged: {e}"
                        ),
                        other => panic!("{case}: {other}"),
                    },
                }
                let ps: i64 = vault.conn().query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
                assert_eq!(ps, 4096, "{case}");
                let ic: String = vault.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
                assert_eq!(ic, "ok", "{case}");
                assert!(contents(vault.conn()) == contents(&plain), "{case}: data changed");
                // Still writable, and still the same as plain SQLite.
                for conn in [&plain, vault.conn()] {
                    conn.execute("INSERT INTO t VALUES (1000, ?, x'00ff')", [format!("{MARKER}after")]).unwrap();
                    conn.execute("DELETE FROM t WHERE id % 7 = 3", []).unwrap();
                }
                assert!(contents(vault.conn()) == contents(&plain), "{case}: data differs after writing");
                vault.close().unwrap();

                // Sealed on disk: no SQLite header, whole pages, no clear text.
                let db = std::fs::read(vault_dir.join("vault.cvdb")).unwrap();
                assert_ne!(&db[..16], b"SQLite format 3\0", "{case}");
                assert_eq!(db.len() % 4096, 0, "{case}: {} bytes", db.len());
                for f in common::files_in(&vault_dir) {
                    let raw = std::fs::read(&f).unwrap();
                    assert!(
                        !raw.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()),
                        "{case}: clear text in {}",
                        f.display()
                    );
                }
                let vault = open(&vault_dir);
                let ps: i64 = vault.conn().query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
                assert_eq!(ps, 4096, "{case}");
                let report = vault.verify().unwrap();
                assert!(report.is_ok(), "{case}: {report:?}");
                assert!(contents(vault.conn()) == contents(&plain), "{case}: data differs after reopening");
                vault.close().unwrap();
            }
        }
    }
}
