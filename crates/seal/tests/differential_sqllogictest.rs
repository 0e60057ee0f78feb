//! Differential SQL on SQLite's sqllogictest corpus: every record of every
//! `.test` file under `../shared/testdata/sqllogictest` runs on plain SQLite
//! and on a sealed vault, and the two must give the same outcome, record by
//! record (the same rows with the same types and bits, or the same error
//! message). After each file the vault must pass `verify()`, and every table
//! must hold the same rows in both, before and after the vault is reopened.
//!
//! Agreement with the files' own expected results is counted and reported,
//! not asserted: a few `evidence/` records reflect older SQLite behaviour.
//! Values are formatted for that comparison as the reference harness
//! (`slt_sqlite.c`) does, through SQLite's own conversions.
//!
//! When `../shared/testdata` is absent the test says so and passes; the
//! generated workload in `differential_generated.rs` always runs.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chartvault_seal::{JournalMode, SealError, Vault};
use common::cell::Cell;
use common::{create, open, shared_testdata};
use md5::{Digest, Md5};
use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::types::Value;
use rusqlite::{Batch, Connection};

// ---------------------------------------------------------------------------
// The format.

/// How a query's values are sorted before they are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    None,
    Rows,
    Values,
}

/// One record of a test file, as it applies to SQLite.
#[derive(Debug)]
enum Record {
    Statement { line: usize, sql: String, expect_ok: bool },
    Query { line: usize, sql: String, types: String, sort: Sort, label: Option<String>, expected: Vec<String> },
    HashThreshold(usize),
    Halt,
}

struct Script {
    records: Vec<Record>,
    /// Records meant only for other engines (`onlyif <db>`, `skipif sqlite`).
    skipped: usize,
}

/// The engine name `skipif` and `onlyif` are matched against.
const ENGINE: &str = "sqlite";

/// Parses a script as the reference harness reads it: `#` lines are dropped
/// wherever they are, lines of blanks are empty, and records are separated
/// by empty lines.
fn parse(text: &str, file: &Path) -> Script {
    let mut lines = Vec::new();
    for (i, l) in text.split('\n').enumerate() {
        let l = l.strip_suffix('\r').unwrap_or(l);
        if l.starts_with('#') {
            continue;
        }
        lines.push((i + 1, if l.trim().is_empty() { "" } else { l }));
    }
    let mut script = Script { records: Vec::new(), skipped: 0 };
    for group in lines.split(|(_, l)| l.is_empty()).filter(|g| !g.is_empty()) {
        let mut at = 0;
        let mut skip = false;
        while let Some(&(_, l)) = group.get(at) {
            let mut words = l.split_whitespace();
            match (words.next(), words.next()) {
                (Some("skipif"), Some(db)) => skip |= db.eq_ignore_ascii_case(ENGINE),
                (Some("onlyif"), Some(db)) => skip |= !db.eq_ignore_ascii_case(ENGINE),
                _ => break,
            }
            at += 1;
        }
        let Some(&(line, head)) = group.get(at) else { continue };
        if skip {
            script.skipped += 1;
            continue;
        }
        let body: Vec<&str> = group[at + 1..].iter().map(|(_, l)| *l).collect();
        let words: Vec<&str> = head.split_whitespace().collect();
        let record = match words[0] {
            "statement" => {
                let expect_ok = match words.get(1) {
                    Some(&"ok") => true,
                    Some(&"error") => false,
                    other => panic!("{}:{line}: statement argument {other:?}", file.display()),
                };
                Record::Statement { line, sql: body.join("\n"), expect_ok }
            }
            "query" => {
                let types = words.get(1).copied().unwrap_or_default().to_owned();
                assert!(
                    !types.is_empty() && types.chars().all(|c| matches!(c, 'I' | 'R' | 'T')),
                    "{}:{line}: type string {types:?}",
                    file.display()
                );
                let sort = match words.get(2).copied().unwrap_or("nosort") {
                    "nosort" => Sort::None,
                    "rowsort" => Sort::Rows,
                    "valuesort" => Sort::Values,
                    other => panic!("{}:{line}: sort mode {other:?}", file.display()),
                };
                let label = words.get(3).map(|l| (*l).to_owned());
                let split = body.iter().position(|l| *l == "----").unwrap_or(body.len());
                let expected = body.get(split + 1..).unwrap_or_default().iter().map(|l| (*l).to_owned()).collect();
                Record::Query { line, sql: body[..split].join("\n"), types, sort, label, expected }
            }
            "hash-threshold" => {
                let n = words.get(1).and_then(|n| n.parse().ok());
                Record::HashThreshold(n.unwrap_or_else(|| panic!("{}:{line}: hash-threshold", file.display())))
            }
            "halt" => Record::Halt,
            other => panic!("{}:{line}: unknown record type {other:?}", file.display()),
        };
        script.records.push(record);
    }
    script
}

// ---------------------------------------------------------------------------
// Running a record.

/// What a record did: compared between the engines as it stands.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Done,
    /// Every value of every row, row after row, and the column count.
    Rows(usize, Vec<Cell>),
    Failed(String),
}

/// Runs every statement of `sql` to completion, as `sqlite3_exec` does.
fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    let mut batch = Batch::new(conn, sql);
    while let Some(mut stmt) = batch.next()? {
        let mut rows = stmt.raw_query();
        while rows.next()?.is_some() {}
    }
    Ok(())
}

/// Runs the first statement of `sql` and collects its rows.
fn query(conn: &Connection, sql: &str) -> rusqlite::Result<(usize, Vec<Cell>)> {
    let mut batch = Batch::new(conn, sql);
    let Some(mut stmt) = batch.next()? else { return Ok((0, Vec::new())) };
    let n = stmt.column_count();
    let mut cells = Vec::new();
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next()? {
        for i in 0..n {
            cells.push(Cell::from(row.get_ref(i)?));
        }
    }
    Ok((n, cells))
}

/// One engine: plain SQLite, or a vault whose errors are traced to the
/// sealing layer when it caused them.
enum Engine<'a> {
    Plain(&'a Connection),
    Sealed(&'a Vault),
}

impl Engine<'_> {
    fn conn(&self) -> &Connection {
        match self {
            Engine::Plain(c) => c,
            Engine::Sealed(v) => v.conn(),
        }
    }

    fn failed(&self, err: rusqlite::Error) -> Outcome {
        match self {
            Engine::Plain(_) => Outcome::Failed(err.to_string()),
            Engine::Sealed(v) => Outcome::Failed(match v.explain(err) {
                SealError::Sqlite(e) => e.to_string(),
                sealing => format!("sealing layer: {sealing}"),
            }),
        }
    }

    fn run(&self, record: &Record) -> Outcome {
        match record {
            Record::Statement { sql, .. } => match exec(self.conn(), sql) {
                Ok(()) => Outcome::Done,
                Err(e) => self.failed(e),
            },
            Record::Query { sql, sort, .. } => match query(self.conn(), sql) {
                Ok((n, mut cells)) => {
                    // Rows asked for in no particular order are compared as
                    // sets; the order is not part of the result.
                    match sort {
                        Sort::None => {}
                        Sort::Rows if n > 0 => {
                            let mut rows: Vec<&[Cell]> = cells.chunks(n).collect();
                            rows.sort();
                            cells = rows.concat();
                        }
                        Sort::Rows => {}
                        Sort::Values => cells.sort(),
                    }
                    Outcome::Rows(n, cells)
                }
                Err(e) => self.failed(e),
            },
            Record::HashThreshold(_) | Record::Halt => Outcome::Done,
        }
    }
}

// ---------------------------------------------------------------------------
// The files' expected results, formatted as the reference harness does.

/// Formats values as `slt_sqlite.c`: `I` through `sqlite3_column_int`, `R`
/// as `%.3f` of `sqlite3_column_double`, `T` as `sqlite3_column_text` with
/// `(empty)` and `@` for bytes outside printable ASCII; `NULL` for null. The
/// conversions run in SQLite itself, on a connection of their own.
struct Formatter {
    conn: Connection,
}

impl Formatter {
    fn new() -> Formatter {
        Formatter { conn: Connection::open_in_memory().unwrap() }
    }

    fn convert(&self, sql: &str, v: &Cell) -> Cell {
        let mut stmt = self.conn.prepare(sql).unwrap();
        stmt.query_row([v.to_value()], |r| Ok(Cell::from(r.get_ref(0)?))).unwrap()
    }

    fn format(&self, v: &Cell, ty: char) -> String {
        if *v == Cell::Null {
            return "NULL".into();
        }
        match ty {
            'I' => {
                let i = match v {
                    Cell::Int(i) => *i,
                    _ => match self.convert("SELECT CAST(?1 AS INTEGER)", v) {
                        Cell::Int(i) => i,
                        other => panic!("CAST AS INTEGER gave {other:?}"),
                    },
                };
                // sqlite3_column_int: the low 32 bits.
                (i as i32).to_string()
            }
            'R' => match self.convert("SELECT printf('%.3f', ?1)", v) {
                Cell::Text(t) => String::from_utf8(t).unwrap(),
                other => panic!("printf gave {other:?}"),
            },
            _ => {
                let mut bytes = match v {
                    Cell::Int(i) => i.to_string().into_bytes(),
                    Cell::Text(t) | Cell::Blob(t) => t.clone(),
                    _ => match self.convert("SELECT CAST(?1 AS TEXT)", v) {
                        Cell::Text(t) => t,
                        other => panic!("CAST AS TEXT gave {other:?}"),
                    },
                };
                // A C string ends at its first NUL.
                if let Some(nul) = bytes.iter().position(|&b| b == 0) {
                    bytes.truncate(nul);
                }
                if bytes.is_empty() {
                    return "(empty)".into();
                }
                bytes.iter().map(|&b| if (b' '..=b'~').contains(&b) { char::from(b) } else { '@' }).collect()
            }
        }
    }
}

fn md5_of_values(values: &[String]) -> String {
    let mut h = Md5::new();
    for v in values {
        h.update(v.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The harness's default, until a `hash-threshold` record changes it.
const DEFAULT_HASH_THRESHOLD: usize = 8;

/// Per-file state of the expected-result check.
struct Expectations {
    fmt: Formatter,
    threshold: usize,
    /// Hash of each labelled result seen: results with one label must agree.
    labels: HashMap<String, String>,
}

impl Expectations {
    /// Whether `got` is what the file expects of `record`.
    fn agree(&mut self, record: &Record, got: &Outcome) -> bool {
        match (record, got) {
            (Record::Statement { expect_ok, .. }, got) => *expect_ok == (*got == Outcome::Done),
            (Record::Query { types, sort, label, expected, .. }, Outcome::Rows(n, cells)) => {
                if *n != types.len() {
                    return false; // the harness refuses a wrong column count
                }
                let tys: Vec<char> = types.chars().collect();
                let mut values: Vec<String> =
                    cells.iter().enumerate().map(|(i, v)| self.fmt.format(v, tys[i % tys.len()])).collect();
                match sort {
                    Sort::None => {}
                    Sort::Rows => {
                        let mut rows: Vec<&[String]> = values.chunks(tys.len()).collect();
                        rows.sort();
                        values = rows.concat();
                    }
                    Sort::Values => values.sort(),
                }
                let hashed = self.threshold > 0 && values.len() > self.threshold;
                let mut ok = true;
                if hashed || label.is_some() {
                    let hash = md5_of_values(&values);
                    if let Some(label) = label {
                        ok &= self.labels.entry(label.clone()).or_insert_with(|| hash.clone()) == &hash;
                    }
                    if hashed {
                        return ok && *expected == [format!("{} values hashing to {hash}", values.len())];
                    }
                }
                ok && *expected == values
            }
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------
// Both engines side by side.

/// Both engines on tmpfs when there is one: `synchronous` stays as the vault
/// sets it (FULL or EXTRA) on both, and tmpfs makes those syncs cheap; this
/// compares SQL results (the crash suite covers durability).
fn scratch_dir() -> tempfile::TempDir {
    tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir()).unwrap()
}

/// The vault's cache: 32 MiB (its default), given to plain SQLite too.
const CACHE_KIB: u32 = 32 * 1024;

/// Plain SQLite set up as the vault sets up its connection, bar the
/// encryption: same journal mode, locking, sync, cache, temp store and
/// secure delete.
fn plain_like(vault: &Vault, path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    let pragma = |name: &str| -> String {
        vault.conn().query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, Value>(0)).map_or_else(
            |e| panic!("PRAGMA {name}: {e}"),
            |v| match v {
                Value::Integer(i) => i.to_string(),
                Value::Text(t) => t,
                other => panic!("PRAGMA {name}: {other:?}"),
            },
        )
    };
    let setup = format!(
        "PRAGMA locking_mode={}; PRAGMA journal_mode={}; PRAGMA synchronous={}; PRAGMA cache_size={}; \
         PRAGMA temp_store={}; PRAGMA secure_delete={};",
        pragma("locking_mode"),
        pragma("journal_mode"),
        pragma("synchronous"),
        pragma("cache_size"),
        pragma("temp_store"),
        pragma("secure_delete"),
    );
    exec(&conn, &setup).unwrap();
    assert_eq!(pragma("cache_size"), format!("-{CACHE_KIB}"), "the vault's default cache changed");
    conn
}

/// Every table's schema and rows, in a canonical order.
fn dump(conn: &Connection) -> Vec<(String, Vec<Vec<Cell>>)> {
    let (_, schema) = query(conn, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name").unwrap();
    let mut out = vec![("sqlite_schema".to_owned(), schema.chunks(4).map(<[Cell]>::to_vec).collect())];
    let mut stmt = conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").unwrap();
    let tables: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    for t in tables {
        let (n, cells) = query(conn, &format!("SELECT * FROM \"{}\"", t.replace('"', "\"\""))).unwrap();
        let mut rows: Vec<Vec<Cell>> = cells.chunks(n.max(1)).map(<[Cell]>::to_vec).collect();
        rows.sort();
        out.push((t, rows));
    }
    out
}

#[derive(Default)]
struct Totals {
    files: usize,
    records: usize,
    statements: usize,
    queries: usize,
    skipped: usize,
    agree_expected: usize,
    /// Records whose outcome differs from the file's expectation.
    unexpected: Vec<String>,
    /// Records on which plain SQLite and the vault differ.
    differences: Vec<String>,
    plain_time: Duration,
    sealed_time: Duration,
}

fn run_file(root: &Path, file: &Path, mode: JournalMode, totals: &mut Totals) {
    let text = std::fs::read_to_string(file).unwrap();
    let name = file.strip_prefix(root).unwrap_or(file).display();
    let script = parse(&text, file);
    totals.skipped += script.skipped;
    let dir = scratch_dir();
    let vault = create(&dir.path().join("vault"), mode);
    let plain = plain_like(&vault, &dir.path().join("plain.db"));
    let mut expect = Expectations { fmt: Formatter::new(), threshold: DEFAULT_HASH_THRESHOLD, labels: HashMap::new() };
    let (differences_before, records_before) = (totals.differences.len(), totals.records);
    for record in &script.records {
        let line = match record {
            Record::Halt => break,
            Record::HashThreshold(t) => {
                expect.threshold = *t;
                continue;
            }
            Record::Statement { line, .. } => {
                totals.statements += 1;
                *line
            }
            Record::Query { line, .. } => {
                totals.queries += 1;
                *line
            }
        };
        totals.records += 1;
        let t0 = Instant::now();
        let a = Engine::Plain(&plain).run(record);
        let t1 = Instant::now();
        let b = Engine::Sealed(&vault).run(record);
        totals.plain_time += t1 - t0;
        totals.sealed_time += t1.elapsed();
        if a != b {
            let sql = match record {
                Record::Statement { sql, .. } | Record::Query { sql, .. } => sql.as_str(),
                _ => "",
            };
            totals.differences.push(format!("{name}:{line} ({mode:?})\n  {sql}\n  plain:  {a:?}\n  sealed: {b:?}"));
        }
        if expect.agree(record, &a) {
            totals.agree_expected += 1;
        } else {
            totals.unexpected.push(format!("{name}:{line}"));
        }
    }
    // Whatever differed record by record, the end states must match.
    let report = vault.verify().unwrap();
    assert!(report.is_ok(), "{name} ({mode:?}): verify: {report:?}");
    let expected_state = dump(&plain);
    assert!(dump(vault.conn()) == expected_state, "{name} ({mode:?}): the vault's tables differ from plain SQLite's");
    vault.close().unwrap();
    let vault = open(&dir.path().join("vault"));
    assert!(
        dump(vault.conn()) == expected_state,
        "{name} ({mode:?}): after reopening, the vault's tables differ from plain SQLite's"
    );
    let report = vault.verify().unwrap();
    assert!(report.is_ok(), "{name} ({mode:?}): verify after reopening: {report:?}");
    vault.close().unwrap();
    totals.files += 1;
    eprintln!(
        "  {name} ({mode:?}): {} records, {} differences",
        totals.records - records_before,
        totals.differences.len() - differences_before
    );
}

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

#[test]
fn sealed_vault_matches_plain_sqlite_on_the_sqllogictest_corpus() {
    let Some(data) = shared_testdata() else {
        eprintln!("skipping sqllogictest corpus: ../shared/testdata not found");
        return;
    };
    let root = data.join("sqllogictest");
    let mut files = Vec::new();
    test_files(&root, &mut files);
    assert!(!files.is_empty(), "no .test files under {}", root.display());
    let started = Instant::now();
    let mut totals = Totals::default();
    for (n, file) in files.iter().enumerate() {
        // Alternate: half the files on a WAL vault, half on a rollback journal.
        let mode = if n % 2 == 0 { JournalMode::Wal } else { JournalMode::Delete };
        run_file(&root, file, mode, &mut totals);
    }
    let ratio = totals.sealed_time.as_secs_f64() / totals.plain_time.as_secs_f64().max(1e-9);
    eprintln!(
        "sqllogictest: {} files, {} records run ({} statements, {} queries; {} records for other engines skipped) \
         in {:.1?}\n  sealed vs plain: {} differences; time in plain SQLite {:.1?}, in the vault {:.1?} ({ratio:.2}x)\n  \
         expected results: {} of {} records agree, {} differ (SQLite has changed since the corpus was written){}",
        totals.files,
        totals.records,
        totals.statements,
        totals.queries,
        totals.skipped,
        started.elapsed(),
        totals.differences.len(),
        totals.plain_time,
        totals.sealed_time,
        totals.agree_expected,
        totals.records,
        totals.unexpected.len(),
        totals.unexpected.iter().map(|u| format!("\n    {u}")).collect::<String>(),
    );
    assert!(
        totals.differences.is_empty(),
        "plain SQLite and the vault differ on {} records; the first:\n{}",
        totals.differences.len(),
        totals.differences[..totals.differences.len().min(10)].join("\n")
    );
}

// ---------------------------------------------------------------------------
// The runner itself, on scripts of our own: it must not pass by reading
// nothing.

#[test]
fn sqllogictest_parser_reads_conditions_sort_modes_labels_and_halt() {
    let text = "\
hash-threshold 4

# a comment
statement ok
CREATE TABLE t(a INTEGER, b TEXT)

statement ok
INSERT INTO t VALUES (2, 'x'), (1, ''), (3, NULL)

skipif sqlite
statement ok
THIS IS NOT SQL

onlyif mysql
query I nosort
SELECT 1
----
2

onlyif SQLite
query IT rowsort label-1
SELECT a, b FROM t
# comments vanish even inside a record
WHERE a < 3
----
1
(empty)
2
x

query I valuesort
SELECT a FROM t UNION ALL SELECT a FROM t
----
6 values hashing to 45de3842a5fc5d2df5721ac6e8f43865

statement error
SELECT nosuchcolumn FROM t

halt

statement ok
DROP TABLE t
";
    let script = parse(text, Path::new("inline.test"));
    assert_eq!(script.skipped, 2);
    let kinds: Vec<String> =
        script.records.iter().map(|r| format!("{r:?}").split(' ').next().unwrap().to_owned()).collect();
    assert_eq!(
        kinds,
        ["HashThreshold(4)", "Statement", "Statement", "Query", "Query", "Statement", "Halt", "Statement"]
    );
    let Record::Query { sql, sort, label, .. } = &script.records[3] else { panic!() };
    assert_eq!(sql, "SELECT a, b FROM t\nWHERE a < 3");
    assert_eq!((*sort, label.as_deref()), (Sort::Rows, Some("label-1")));

    let conn = Connection::open_in_memory().unwrap();
    let mut expect = Expectations { fmt: Formatter::new(), threshold: DEFAULT_HASH_THRESHOLD, labels: HashMap::new() };
    let mut agreed = 0;
    for r in &script.records {
        match r {
            Record::HashThreshold(t) => expect.threshold = *t,
            Record::Halt => break,
            _ => agreed += usize::from(expect.agree(r, &Engine::Plain(&conn).run(r))),
        }
    }
    assert_eq!(agreed, 5, "every record before the halt matches its expectation");
    let n: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 3, "the halt stopped the script before the DROP");
}

#[test]
fn sqllogictest_values_are_formatted_as_the_reference_harness_does() {
    let f = Formatter::new();
    let real = |x: f64| Cell::Real(x.to_bits());
    let text = |s: &str| Cell::Text(s.as_bytes().to_vec());
    assert_eq!(f.format(&Cell::Null, 'I'), "NULL");
    assert_eq!(f.format(&Cell::Int(-7), 'I'), "-7");
    assert_eq!(f.format(&Cell::Int(1 << 32 | 5), 'I'), "5", "sqlite3_column_int keeps 32 bits");
    assert_eq!(f.format(&real(-2.75), 'I'), "-2");
    assert_eq!(f.format(&text("12abc"), 'I'), "12");
    assert_eq!(f.format(&Cell::Int(3), 'R'), "3.000");
    assert_eq!(f.format(&real(2.0 / 3.0), 'R'), "0.667");
    assert_eq!(f.format(&text("x"), 'R'), "0.000");
    assert_eq!(f.format(&real(1.0), 'T'), "1.0");
    assert_eq!(f.format(&real(0.1), 'T'), "0.1");
    assert_eq!(f.format(&text(""), 'T'), "(empty)");
    assert_eq!(f.format(&text("a\tb\u{e9}"), 'T'), "a@b@@");
    assert_eq!(
        md5_of_values(&["1".into(), "2".into(), "3".into()]),
        "c0710d6b4f15dfa88f600b0e6b624077",
        "the hash of 1, 2, 3 as the harness computes it"
    );
}
