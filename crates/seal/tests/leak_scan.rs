//! No plaintext ever reaches the disk.
//!
//! Two vaults (rollback journal, WAL) are filled with rows full of canary
//! strings and a long canary blob spanning many pages, then put through
//! everything that writes: commits, a rollback, a transaction whose pages
//! spill into the database file mid-way, checkpoints (including TRUNCATE),
//! a large sort, DISTINCT and a temp table under a 10-page cache, CREATE
//! INDEX, DELETE with secure delete, VACUUM, and a rekey (also stopped after
//! its resealed copy is written, to catch `vault.cvdb.rekey`).
//!
//! What is recorded and searched:
//! * after every step, every file in the vault directories, byte for byte
//!   (the WAL and journal while they exist, mid-transaction too);
//! * throughout, a watcher thread polling the vault directories every
//!   millisecond (a file that appears between steps is copied at first
//!   sight) and, on Linux, `/proc/self/fd` (a regular file open elsewhere,
//!   such as an unlinked SQLite temp file, is read through its descriptor);
//! * new or modified files in `std::env::temp_dir()` and `/var/tmp` (where
//!   SQLite would put temp files).
//!
//! Searched for: every 16-byte window of every canary (each carries a
//! per-run random token, so no window occurs in any file by chance or in
//! this test's source or binary), and in the vault directories also the
//! plaintext SQLite header `SQLite format 3` and schema text. A positive
//! control runs the same search over a plain SQLite file of the same rows.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use chartvault_seal::{JournalMode, PAGE_SIZE, RekeyStep, Vault};
use common::*;
use rand::RngExt;

const SQLITE_HEADER: &[u8] = b"SQLite format 3";
const WINDOW: usize = 16;

// ---------------------------------------------------------------------------
// Canaries and the search for them

/// A hasher for 16-byte windows read as `u128`: they are hashed once per
/// byte of every file searched, so SipHash would dominate the run time.
#[derive(Default)]
struct WindowHasher(u64);

impl Hasher for WindowHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u128(&mut self, v: u128) {
        let x = (v as u64) ^ ((v >> 64) as u64).rotate_left(29);
        self.0 = x.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (x >> 31);
    }
}

/// The canary texts of one run, and what to search for.
struct Canaries {
    token: String,
    /// Every 16-byte window of every canary text.
    windows: HashSet<u128, BuildHasherDefault<WindowHasher>>,
    /// Plaintext that must not appear in a vault directory, besides canaries.
    vault_strings: Vec<Vec<u8>>,
}

impl Canaries {
    fn new() -> Self {
        let token: String = {
            let mut rng = rand::rng();
            (0..4).map(|_| format!("{:02X}", rng.random_range(0..=255u8))).collect()
        };
        Canaries {
            token,
            windows: HashSet::default(),
            vault_strings: vec![SQLITE_HEADER.to_vec(), b"CREATE TABLE patients".to_vec()],
        }
    }

    /// A patient name: no 16 bytes of it without the token or the number.
    fn name(&self, n: usize) -> String {
        format!("CANARY-{}-{n:05}-PATIENT-NAME", self.token)
    }

    /// A note of about 200 bytes.
    fn note(&self, n: usize, version: usize) -> String {
        let mut s = String::new();
        for part in 0..7 {
            s.push_str(&format!("NOTE{}v{version}n{n:05}p{part}|", self.token));
        }
        s
    }

    /// The long blob: 16-byte segments, each "CV" + token + a counter.
    fn blob(&self, n: usize, len: usize) -> Vec<u8> {
        let mut b = Vec::with_capacity(len + 16);
        let mut i = 0;
        while b.len() < len {
            b.extend_from_slice(format!("CV{}{:06}", self.token, n * 100_000 + i).as_bytes());
            i += 1;
        }
        b.truncate(len);
        b
    }

    /// Registers a canary text that was written to a vault.
    fn register(&mut self, text: &[u8]) {
        assert!(text.len() >= WINDOW, "a canary shorter than a window");
        for w in text.windows(WINDOW) {
            self.windows.insert(u128::from_ne_bytes(w.try_into().unwrap()));
        }
    }

    /// Canary windows found in `bytes` (offsets of the first few).
    fn find_windows(&self, bytes: &[u8]) -> Vec<usize> {
        let mut hits = Vec::new();
        if bytes.len() < WINDOW {
            return hits;
        }
        for i in 0..=bytes.len() - WINDOW {
            let w = u128::from_ne_bytes(bytes[i..i + WINDOW].try_into().unwrap());
            if self.windows.contains(&w) {
                hits.push(i);
                if hits.len() >= 5 {
                    break;
                }
            }
        }
        hits
    }

    /// Everything wrong with `bytes`, a copy of `label`; `in_vault` adds the
    /// SQLite header and schema text to the search.
    fn scan(&self, label: &str, bytes: &[u8], in_vault: bool) -> Vec<String> {
        let mut out = Vec::new();
        let hits = self.find_windows(bytes);
        if !hits.is_empty() {
            out.push(format!("{label}: canary text at byte offsets {hits:?}"));
        }
        if in_vault {
            for s in &self.vault_strings {
                if let Some(at) = bytes.windows(s.len()).position(|w| w == &s[..]) {
                    out.push(format!("{label}: plaintext {:?} at byte offset {at}", String::from_utf8_lossy(s)));
                }
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------
// Recording: the vault directories at every step, a watcher in between

#[derive(Default)]
struct Record {
    /// Every file name ever seen in a vault directory, as "dir/name".
    names: BTreeSet<String>,
    /// Problems found: canary or plaintext hits, plaintext page 1.
    problems: Vec<String>,
    /// Files outside the vault directories seen open by this process.
    foreign_open: BTreeSet<String>,
    /// What was read and searched.
    copies: usize,
    bytes: u64,
    polls: u64,
}

struct Recorder {
    dirs: Vec<PathBuf>,
    canaries: Arc<Mutex<Canaries>>,
    record: Arc<Mutex<Record>>,
    stop: Arc<AtomicBool>,
    watcher: Option<std::thread::JoinHandle<()>>,
    /// Page 1's clear first 16 bytes, per database file, as first seen.
    vault_ids: Mutex<BTreeMap<String, Vec<u8>>>,
}

fn label_of(path: &Path) -> String {
    let dir = path.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    format!("{dir}/{name}")
}

impl Recorder {
    fn start(dirs: Vec<PathBuf>, canaries: Arc<Mutex<Canaries>>) -> Recorder {
        let record = Arc::new(Mutex::new(Record::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let watcher = {
            let (dirs, canaries, record, stop) = (dirs.clone(), canaries.clone(), record.clone(), stop.clone());
            std::thread::spawn(move || watch(&dirs, &canaries, &record, &stop))
        };
        Recorder { dirs, canaries, record, stop, watcher: Some(watcher), vault_ids: Mutex::default() }
    }

    /// Copies every file of the vault directories and searches the copies.
    fn step(&mut self, what: &str) {
        let canaries = self.canaries.lock().unwrap();
        let mut found = Vec::new();
        let mut names = Vec::new();
        let mut bytes_read = 0u64;
        for dir in &self.dirs {
            for path in files_in(dir) {
                let label = label_of(&path);
                names.push(label.clone());
                let Ok(bytes) = std::fs::read(&path) else { continue };
                bytes_read += bytes.len() as u64;
                found.extend(canaries.scan(&format!("step {what:?}: {label}"), &bytes, true));
                if let Some(p) = self.check_page1(&label, &bytes) {
                    found.push(format!("step {what:?}: {p}"));
                }
            }
        }
        drop(canaries);
        let mut r = self.record.lock().unwrap();
        r.names.extend(names);
        r.problems.extend(found);
        r.copies += 1;
        r.bytes += bytes_read;
    }

    /// Page 1 of a database file starts with the vault id, never SQLite's
    /// magic, and the id stays the same (also across a rekey).
    fn check_page1(&self, label: &str, bytes: &[u8]) -> Option<String> {
        let name = label.rsplit('/').next().unwrap_or("");
        if !(name == "vault.cvdb" || name == "vault.cvdb.rekey") || bytes.len() < 16 {
            return None;
        }
        let head = &bytes[..16];
        if head == b"SQLite format 3\0" {
            return Some(format!("{label}: page 1 starts with the plaintext SQLite header"));
        }
        let dir = label.split('/').next().unwrap_or("").to_owned();
        let mut ids = self.vault_ids.lock().unwrap();
        let id = ids.entry(dir).or_insert_with(|| head.to_vec());
        (id != head).then(|| format!("{label}: page 1 starts with {head:02x?}, not the vault id {id:02x?}"))
    }

    fn finish(mut self) -> Record {
        let checked = self.vault_ids.lock().unwrap().len();
        assert_eq!(checked, self.dirs.len(), "page 1 of every vault was checked");
        self.stop.store(true, Ordering::SeqCst);
        self.watcher.take().unwrap().join().expect("the watcher thread");
        std::mem::take(&mut *self.record.lock().unwrap())
    }
}

/// The watcher: polls the vault directories and this process's open files.
fn watch(dirs: &[PathBuf], canaries: &Mutex<Canaries>, record: &Mutex<Record>, stop: &AtomicBool) {
    let mut copied: BTreeSet<PathBuf> = BTreeSet::new();
    let mut foreign_read: BTreeSet<String> = BTreeSet::new();
    while !stop.load(Ordering::SeqCst) {
        let mut names = Vec::new();
        let mut found = Vec::new();
        let mut bytes_read = 0u64;
        for dir in dirs {
            for path in files_in(dir) {
                names.push(label_of(&path));
                // A file not seen before is copied at once: it may be gone
                // by the next step.
                if copied.insert(path.clone())
                    && let Ok(bytes) = std::fs::read(&path)
                {
                    bytes_read += bytes.len() as u64;
                    let c = canaries.lock().unwrap();
                    found.extend(c.scan(&format!("watcher: {}", label_of(&path)), &bytes, true));
                }
            }
        }
        let mut foreign = Vec::new();
        for (fd, target) in open_regular_files() {
            if dirs.iter().any(|d| Path::new(&target).starts_with(d)) {
                continue;
            }
            foreign.push(target.clone());
            if foreign_read.insert(target.clone())
                && let Ok(bytes) = std::fs::read(format!("/proc/self/fd/{fd}"))
            {
                bytes_read += bytes.len() as u64;
                let c = canaries.lock().unwrap();
                found.extend(c.scan(&format!("watcher: open file {target}"), &bytes, false));
            }
        }
        {
            let mut r = record.lock().unwrap();
            r.names.extend(names);
            r.problems.extend(found);
            r.foreign_open.extend(foreign);
            r.bytes += bytes_read;
            r.polls += 1;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Regular files this process holds open, other than stdin/out/err, as
/// (descriptor, target); an unlinked file's target ends in " (deleted)".
#[cfg(target_os = "linux")]
fn open_regular_files() -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc/self/fd") else { return out };
    for e in rd.flatten() {
        let Some(fd) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        if fd <= 2 {
            continue;
        }
        let Ok(target) = std::fs::read_link(e.path()) else { continue };
        // metadata() follows the descriptor, even to an unlinked file.
        if std::fs::metadata(e.path()).map(|m| m.is_file()).unwrap_or(false) {
            out.push((fd, target.to_string_lossy().into_owned()));
        }
    }
    out
}

#[cfg(not(target_os = "linux"))]
fn open_regular_files() -> Vec<(u32, String)> {
    Vec::new()
}

/// Files below `dir` (symlinks not followed) with their modification time.
fn listing(dir: &Path, depth: usize, out: &mut BTreeMap<PathBuf, SystemTime>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let Ok(meta) = e.path().symlink_metadata() else { continue };
        if meta.is_dir() && depth > 0 {
            listing(&e.path(), depth - 1, out);
        } else if meta.is_file() {
            out.insert(e.path(), meta.modified().unwrap_or(SystemTime::UNIX_EPOCH));
        }
    }
}

fn temp_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![std::env::temp_dir()];
    for d in ["/var/tmp", "/tmp"] {
        let d = PathBuf::from(d);
        if d.is_dir() && !dirs.contains(&d) {
            dirs.push(d);
        }
    }
    dirs
}

fn temp_listing() -> BTreeMap<PathBuf, SystemTime> {
    let mut out = BTreeMap::new();
    for d in temp_dirs() {
        listing(&d, 6, &mut out);
    }
    out
}

// ---------------------------------------------------------------------------
// The workload

/// Fills `v` with `rows` patients, `per_tx` to a transaction, registering
/// every canary written.
fn insert_patients(v: &mut Vault, c: &Mutex<Canaries>, range: std::ops::Range<usize>, rec: &mut Recorder) {
    let rows: Vec<(usize, String, String)> = {
        let c = c.lock().unwrap();
        range.map(|n| (n, c.name(n), c.note(n, 0))).collect()
    };
    for chunk in rows.chunks(100) {
        let tx = v.conn_mut().transaction().unwrap();
        for (n, name, note) in chunk {
            tx.execute("INSERT INTO patients(id, name, note) VALUES (?1, ?2, ?3)", (*n as i64, name, note)).unwrap();
        }
        tx.commit().unwrap();
        let mut c = c.lock().unwrap();
        for (_, name, note) in chunk {
            c.register(name.as_bytes());
            c.register(note.as_bytes());
        }
        drop(c);
        rec.step("insert patients");
    }
}

fn insert_blob(v: &Vault, c: &Mutex<Canaries>, n: usize, len: usize, rec: &mut Recorder) {
    let blob = c.lock().unwrap().blob(n, len);
    v.conn().execute("INSERT INTO scans(id, image) VALUES (?1, ?2)", (n as i64, &blob)).unwrap();
    c.lock().unwrap().register(&blob);
    rec.step("insert long blob");
}

const SCHEMA: &str = "CREATE TABLE patients(id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT NOT NULL);
                      CREATE TABLE scans(id INTEGER PRIMARY KEY, image BLOB NOT NULL);";

/// Sorts, DISTINCT, a temp table and CREATE INDEX under a 10-page cache:
/// with temp files anywhere but memory these would spill to disk.
fn sort_and_index(v: &Vault, rec: &mut Recorder, index: &str) {
    let conn = v.conn();
    conn.execute_batch("PRAGMA cache_size=10;").unwrap();
    {
        let mut stmt = conn.prepare("SELECT name, note FROM patients ORDER BY note DESC, name").unwrap();
        let mut rows = stmt.query([]).unwrap();
        // The sorter has done its work when the first row comes out: look
        // at the files while it still holds its data.
        let first: String = rows.next().unwrap().expect("rows").get(0).unwrap();
        assert!(!first.is_empty());
        rec.step("mid-sort");
        let mut n = 1;
        while rows.next().unwrap().is_some() {
            n += 1;
        }
        assert!(n > 1000, "sorted {n} rows");
    }
    let distinct: i64 = conn
        .query_row("SELECT count(*) FROM (SELECT DISTINCT substr(note, 1, 40) FROM patients)", [], |r| r.get(0))
        .unwrap();
    assert!(distinct > 1000);
    conn.execute_batch("CREATE TEMP TABLE scratch AS SELECT name, note FROM patients ORDER BY name DESC;").unwrap();
    let n: i64 = conn.query_row("SELECT count(*) FROM temp.scratch", [], |r| r.get(0)).unwrap();
    assert!(n > 1000);
    rec.step("temp table");
    conn.execute_batch("DROP TABLE temp.scratch;").unwrap();
    conn.execute_batch(&format!("CREATE INDEX {index} ON patients(note, name);")).unwrap();
    rec.step("create index");
    conn.execute_batch("PRAGMA cache_size=-32768;").unwrap();
}

fn delete_some(v: &Vault, rec: &mut Recorder) {
    let conn = v.conn();
    let secure: i64 = conn.query_row("PRAGMA secure_delete", [], |r| r.get(0)).unwrap();
    assert_eq!(secure, 1, "the vault runs with secure_delete");
    let n = conn.execute("DELETE FROM patients WHERE id % 3 = 0", []).unwrap();
    assert!(n > 100);
    conn.execute("DELETE FROM scans WHERE id = 2", []).unwrap();
    rec.step("delete");
}

fn vacuum(v: &Vault, rec: &mut Recorder) {
    v.conn().execute_batch("VACUUM;").unwrap();
    rec.step("vacuum");
}

fn rekey(mut v: Vault, dir: &Path, rec: &mut Recorder) -> Vault {
    // Stopped once its resealed copy is on disk, to record vault.cvdb.rekey;
    // the vault is then dropped as if the process had died.
    v.rekey_stopping_after(Some(RekeyStep::CopyWritten)).unwrap();
    assert!(dir.join("vault.cvdb.rekey").exists(), "the resealed copy");
    rec.step("rekey copy written");
    drop(v);
    let mut v = open(dir);
    rec.step("reopened after an interrupted rekey");
    v.rekey().unwrap();
    rec.step("rekeyed");
    v
}

/// The canaries really are in the vault: read back through it.
fn assert_readable(v: &Vault, c: &Mutex<Canaries>) {
    let c = c.lock().unwrap();
    let name: String = v.conn().query_row("SELECT name FROM patients WHERE id = 1", [], |r| r.get(0)).unwrap();
    assert_eq!(name, c.name(1));
    let image: Vec<u8> = v.conn().query_row("SELECT image FROM scans WHERE id = 1", [], |r| r.get(0)).unwrap();
    assert_eq!(image, c.blob(1, image.len()));
    assert!(image.len() > 8 * PAGE_SIZE, "the blob spans pages");
}

#[test]
fn no_plaintext_ever_reaches_the_disk() {
    let started = SystemTime::now() - Duration::from_secs(1);
    let temp_before = temp_listing();
    let root = tempfile::Builder::new().prefix("cv-leak-scan-").tempdir().unwrap();
    let journal_dir = root.path().join("journal-vault");
    let wal_dir = root.path().join("wal-vault");
    let canaries = Arc::new(Mutex::new(Canaries::new()));
    let mut rec = Recorder::start(vec![journal_dir.clone(), wal_dir.clone()], canaries.clone());
    let clock = std::time::Instant::now();

    // --- Rollback journal mode.
    {
        let mut v = create(&journal_dir, JournalMode::Delete);
        rec.step("created (rollback journal)");
        v.conn().execute_batch(SCHEMA).unwrap();
        rec.step("schema");
        insert_patients(&mut v, &canaries, 0..1500, &mut rec);
        insert_blob(&v, &canaries, 1, 60_000, &mut rec);
        insert_blob(&v, &canaries, 2, 20_000, &mut rec);

        // An update rolled back, recorded mid-transaction.
        let note = canaries.lock().unwrap().note(5, 9);
        v.conn().execute_batch("BEGIN").unwrap();
        v.conn().execute("UPDATE patients SET note = ?1 WHERE id = 5", [&note]).unwrap();
        canaries.lock().unwrap().register(note.as_bytes());
        rec.step("open transaction");
        v.conn().execute_batch("ROLLBACK").unwrap();
        rec.step("rolled back");

        // A transaction too big for a 10-page cache: pages spill into
        // vault.cvdb while the journal holds their old images.
        let notes: Vec<(i64, String)> = {
            let c = canaries.lock().unwrap();
            (0..1500).map(|n| (n as i64, c.note(n, 1))).collect()
        };
        v.conn().execute_batch("PRAGMA cache_size=10; BEGIN;").unwrap();
        for (n, note) in &notes {
            v.conn().execute("UPDATE patients SET note = ?1 WHERE id = ?2", (note, n)).unwrap();
        }
        let mut c = canaries.lock().unwrap();
        notes.iter().for_each(|(_, note)| c.register(note.as_bytes()));
        drop(c);
        rec.step("spilled transaction");
        assert!(journal_dir.join("vault.cvdb.journal").exists(), "a journal mid-transaction");
        v.conn().execute_batch("COMMIT; PRAGMA cache_size=-32768;").unwrap();
        rec.step("spilled transaction committed");

        sort_and_index(&v, &mut rec, "patients_by_note");
        delete_some(&v, &mut rec);
        vacuum(&v, &mut rec);
        let mut v = rekey(v, &journal_dir, &mut rec);
        insert_patients(&mut v, &canaries, 1500..1600, &mut rec);
        assert_readable(&v, &canaries);
        v.close().unwrap();
        rec.step("closed");
    }

    // --- WAL mode.
    {
        let mut v = create(&wal_dir, JournalMode::Wal);
        rec.step("created (WAL)");
        v.conn().execute_batch(SCHEMA).unwrap();
        rec.step("schema");
        insert_patients(&mut v, &canaries, 0..1500, &mut rec);
        assert!(wal_dir.join("vault.cvdb.wal").exists(), "a WAL while open");
        insert_blob(&v, &canaries, 1, 60_000, &mut rec);
        insert_blob(&v, &canaries, 2, 20_000, &mut rec);
        let ckpt = |v: &Vault, mode: &str| {
            let busy: i64 = v.conn().query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| r.get(0)).unwrap();
            assert_eq!(busy, 0, "checkpoint {mode} completed");
        };
        ckpt(&v, "PASSIVE");
        rec.step("checkpoint");
        insert_patients(&mut v, &canaries, 1500..1700, &mut rec);
        ckpt(&v, "TRUNCATE");
        rec.step("checkpoint (TRUNCATE)");
        assert_eq!(std::fs::metadata(wal_dir.join("vault.cvdb.wal")).map(|m| m.len()).unwrap_or(0), 0);

        let note = canaries.lock().unwrap().note(7, 9);
        v.conn().execute_batch("BEGIN").unwrap();
        v.conn().execute("UPDATE patients SET note = ?1 WHERE id = 7", [&note]).unwrap();
        canaries.lock().unwrap().register(note.as_bytes());
        rec.step("open transaction");
        v.conn().execute_batch("ROLLBACK").unwrap();
        rec.step("rolled back");

        sort_and_index(&v, &mut rec, "patients_by_note");
        delete_some(&v, &mut rec);
        vacuum(&v, &mut rec);
        ckpt(&v, "TRUNCATE");
        rec.step("checkpoint after vacuum");
        let mut v = rekey(v, &wal_dir, &mut rec);
        insert_patients(&mut v, &canaries, 1700..1800, &mut rec);
        assert_readable(&v, &canaries);
        v.close().unwrap();
        rec.step("closed");
    }

    let workload = clock.elapsed();
    let record = rec.finish();

    // --- Temp directories: anything new or modified during the test.
    let temp_after = temp_listing();
    let mut temp_new = Vec::new();
    for (path, mtime) in &temp_after {
        if path.starts_with(root.path()) || *mtime < started || temp_before.get(path) == Some(mtime) {
            continue;
        }
        temp_new.push(path.clone());
    }
    let mut problems = record.problems.clone();
    {
        let c = canaries.lock().unwrap();
        for path in &temp_new {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.starts_with("etilqs_") {
                problems.push(format!("SQLite temp file in a temp directory: {}", path.display()));
            }
            match std::fs::metadata(path) {
                Ok(m) if m.len() <= 256 << 20 => {
                    if let Ok(bytes) = std::fs::read(path) {
                        problems.extend(c.scan(&format!("temp file {}", path.display()), &bytes, false));
                    }
                }
                _ => {}
            }
        }
    }

    // --- What was seen.
    let shm: Vec<&String> = record.names.iter().filter(|n| n.ends_with("-shm")).collect();
    assert!(shm.is_empty(), "a -shm file appeared: {shm:?}");
    let deleted_open: Vec<&String> = record.foreign_open.iter().filter(|t| t.ends_with(" (deleted)")).collect();
    assert!(deleted_open.is_empty(), "unlinked (temp) files were open: {deleted_open:?}");
    let temp_open: Vec<&String> = record
        .foreign_open
        .iter()
        .filter(|t| temp_dirs().iter().any(|d| Path::new(t.as_str()).starts_with(d)))
        .collect();
    assert!(temp_open.is_empty(), "files in a temp directory were open: {temp_open:?}");
    for expected in [
        "journal-vault/vault.cvdb",
        "journal-vault/vault.cvdb.journal",
        "journal-vault/vault.keys",
        "journal-vault/vault.cvdb.rekey",
        "wal-vault/vault.cvdb",
        "wal-vault/vault.cvdb.wal",
        "wal-vault/vault.keys",
        "wal-vault/vault.cvdb.rekey",
    ] {
        assert!(record.names.contains(expected), "never saw {expected}: {:?}", record.names);
    }
    let c = canaries.lock().unwrap();
    eprintln!(
        "leak scan: {} steps, {} watcher polls, {} step copies, {} MiB searched for {} canary windows in {:?}; \
         files seen {:?}; new temp files {}; other files open {:?}",
        record.copies,
        record.polls,
        record.copies,
        record.bytes >> 20,
        c.windows.len(),
        workload,
        record.names,
        temp_new.len(),
        record.foreign_open
    );
    assert!(
        problems.is_empty(),
        "{} plaintext findings; first ones:\n{}",
        problems.len(),
        problems.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );

    // --- Positive control: the same search over a plain SQLite file of the
    // same rows finds everything (so zero findings above means something).
    let plain_path = root.path().join("plain-control.db");
    {
        let plain = rusqlite::Connection::open(&plain_path).unwrap();
        plain.execute_batch(SCHEMA).unwrap();
        plain.execute("INSERT INTO patients(id, name, note) VALUES (1, ?1, ?2)", (c.name(1), c.note(1, 0))).unwrap();
        plain.execute("INSERT INTO scans(id, image) VALUES (1, ?1)", [c.blob(1, 60_000)]).unwrap();
    }
    let plain = std::fs::read(&plain_path).unwrap();
    let found = c.scan("plain control", &plain, true);
    assert_eq!(
        found.len(),
        3,
        "the search finds canaries, the SQLite header and the schema in plain SQLite: {found:?}"
    );
    let pages_with_canaries = plain.chunks(PAGE_SIZE).filter(|p| !c.find_windows(p).is_empty()).count();
    assert!(pages_with_canaries > 60_000 / PAGE_SIZE, "every page of the blob is found on its own");
}
