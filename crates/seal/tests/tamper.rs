//! Tampering with a vault's files at rest is detected, never silently
//! accepted.
//!
//! Every trial copies a vault's files (a closed vault, or a crash image taken
//! while the vault was open: `vault.cvdb` + `vault.cvdb.wal`, or `vault.cvdb` +
//! a hot `vault.cvdb.journal`) into a fresh directory, alters them, then opens
//! the copy and reads everything: every row through the table and through the
//! index, then `verify()` (every page and WAL frame authenticated, and
//! `PRAGMA integrity_check`). A trial passes when
//!
//! * opening, reading or verifying fails with the error that names the
//!   altered file (and the page, or the byte offset of the log structure), or
//! * (random flips only) the flipped page is a database page superseded by a
//!   newer copy in the WAL, which SQLite never reads: the data is intact and
//!   `verify()` names the page (as a problem, or as a damaged page set
//!   aside), or
//! * the flipped bit lies in the LAST transaction of the WAL, and the vault
//!   opens holding exactly the state before that transaction, everything else
//!   intact. A damaged frame at the tail of the log is indistinguishable from
//!   a transaction torn by a crash (its frames are only known durable once
//!   the commit frame is synced and a later write starts), so recovery stops
//!   the log there; `verify()` may still report the discarded frame.
//!
//! Anything else (different data, or an alteration nobody notices) fails.
//!
//! One more allowance, in the nonce of the commit frame of the transaction
//! before the last: see
//! `a_flip_in_the_commit_frame_before_the_last_transaction_is_refused_but_in_its_nonce`.
//!
//! `TAMPER_SEED=n` changes the seed of the random-flip test.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use chartvault_seal::{FileKind, JournalMode, PAGE_SIZE, SealError, SecretString, Unlock, Vault};
use common::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const DB: &str = "vault.cvdb";
const WAL: &str = "vault.cvdb.wal";
const JOURNAL: &str = "vault.cvdb.journal";
const KEYS: &str = "vault.keys";

const PS: usize = PAGE_SIZE;
const WAL_HDR: usize = 32;
const FRAME_HDR: usize = 24;
const FRAME: usize = FRAME_HDR + PS;
/// A journal record: page number, sealed page, masked checksum.
const JREC: usize = 4 + PS + 4;
/// The journal header fields (28 bytes) and our MAC behind them (16).
const JHDR_AUTH: usize = 44;

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

// ---------------------------------------------------------------------------
// Files, trials and outcomes

/// The bytes of a vault's files, by file name.
type Files = BTreeMap<&'static str, Vec<u8>>;

/// Where trial directories go: tmpfs when there is one (cheap fsyncs).
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(d) = tempfile::Builder::new().prefix("cv-tamper-").tempdir_in(shm)
    {
        return d;
    }
    tempfile::Builder::new().prefix("cv-tamper-").tempdir().unwrap()
}

/// The vault's files as they are on disk now (a crash image if it is open).
fn snapshot(dir: &Path) -> Files {
    let mut files = Files::new();
    for name in [DB, WAL, JOURNAL, KEYS] {
        if let Ok(b) = std::fs::read(dir.join(name)) {
            files.insert(name, b);
        }
    }
    files
}

fn materialize(files: &Files) -> tempfile::TempDir {
    let d = scratch();
    for (name, bytes) in files {
        std::fs::write(d.path().join(name), bytes).unwrap();
    }
    d
}

fn flipped(files: &Files, file: &'static str, pos: usize, mask: u8) -> Files {
    let mut f = files.clone();
    f.get_mut(file).unwrap_or_else(|| panic!("no {file} in the image"))[pos] ^= mask;
    f
}

/// Everything a reader can see: all rows by id, and all names in index order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    rows: Vec<(i64, String, Vec<u8>)>,
    names: Vec<String>,
}

fn read_state(v: &Vault) -> Result<State, SealError> {
    let conn = v.conn();
    let mut stmt = conn.prepare("SELECT id, name, payload FROM t ORDER BY id").map_err(|e| v.explain(e))?;
    let it = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(|e| v.explain(e))?;
    let rows = it.collect::<Result<Vec<_>, _>>().map_err(|e| v.explain(e))?;
    let mut stmt = conn.prepare("SELECT name FROM t ORDER BY name, id").map_err(|e| v.explain(e))?;
    let it = stmt.query_map([], |r| r.get(0)).map_err(|e| v.explain(e))?;
    let names = it.collect::<Result<Vec<_>, _>>().map_err(|e| v.explain(e))?;
    Ok(State { rows, names })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Open,
    Read,
    Verify,
}

#[derive(Debug)]
enum Outcome {
    /// Opening, reading every row, or `verify()` returned this error.
    Failed(Stage, SealError),
    /// Everything could be read; `verify()` reported these problems.
    /// `report` is its whole report, `{:?}`-formatted (see `set_aside_pages`).
    Opened { state: State, problems: Vec<SealError>, integrity: Vec<String>, report: String },
}

/// Damaged database pages that `verify()` lists apart from its problems
/// because SQLite will never read them: superseded by a newer copy in the
/// WAL, or unused. (Read from the report's `Debug` form, so that this test
/// builds against a `VerifyReport` with or without those lists.)
fn set_aside_pages(report: &str) -> Vec<u32> {
    let mut pages = Vec::new();
    for field in ["superseded_damaged: [", "unused_damaged: ["] {
        if let Some(start) = report.find(field) {
            let rest = &report[start + field.len()..];
            let list = &rest[..rest.find(']').unwrap_or(0)];
            pages.extend(list.split(", ").filter_map(|n| n.trim().parse::<u32>().ok()));
        }
    }
    pages
}

fn open_and_read(dir: &Path) -> Outcome {
    let v = match try_open(dir) {
        Ok(v) => v,
        Err(e) => return Outcome::Failed(Stage::Open, e),
    };
    let state = match read_state(&v) {
        Ok(s) => s,
        Err(e) => return Outcome::Failed(Stage::Read, e),
    };
    match v.verify() {
        Ok(r) => {
            let report = format!("{r:?}");
            Outcome::Opened { state, problems: r.problems, integrity: r.integrity, report }
        }
        Err(e) => Outcome::Failed(Stage::Verify, e),
    }
}

fn trial(files: &Files) -> Outcome {
    let d = materialize(files);
    open_and_read(d.path())
}

fn describe(o: &Outcome, states: &[State]) -> String {
    match o {
        Outcome::Failed(stage, e) => format!("{stage:?} failed: {e:?}"),
        Outcome::Opened { state, problems, integrity, report } => {
            let which =
                states.iter().position(|s| s == state).map_or("UNKNOWN data".to_owned(), |i| format!("state {i}"));
            let aside = set_aside_pages(report);
            format!(
                "opened with {which}; verify problems {problems:?}; damaged unread pages {aside:?}; integrity {integrity:?}"
            )
        }
    }
}

fn file_name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// `e` is `TamperedPage { kind, pgno }` about `file`, and says so in words.
fn check_tampered_page(e: &SealError, kind: FileKind, file: &str, pgno: u32) -> Result<(), String> {
    match e {
        SealError::TamperedPage { kind: k, path, pgno: p } if *k == kind && file_name(path) == file && *p == pgno => {
            check_message(e, file, &format!("page {pgno} "))
        }
        _ => Err(format!("expected TamperedPage {{ {kind:?}, {file}, page {pgno} }}, got {e:?}")),
    }
}

/// `e` is `TamperedLog { kind, offset }` about `file`, and says so in words.
fn check_tampered_log(e: &SealError, kind: FileKind, file: &str, offset: u64) -> Result<(), String> {
    match e {
        SealError::TamperedLog { kind: k, path, offset: o, .. }
            if *k == kind && file_name(path) == file && *o == offset =>
        {
            check_message(e, file, &format!("byte offset {offset}"))
        }
        _ => Err(format!("expected TamperedLog {{ {kind:?}, {file}, offset {offset} }}, got {e:?}")),
    }
}

/// `e` is `TruncatedPage { kind, pgno }` about `file`, and says so in words.
fn check_truncated_page(e: &SealError, kind: FileKind, file: &str, pgno: u32) -> Result<(), String> {
    match e {
        SealError::TruncatedPage { kind: k, path, pgno: p } if *k == kind && file_name(path) == file && *p == pgno => {
            check_message(e, file, &format!("page {pgno} "))
        }
        _ => Err(format!("expected TruncatedPage {{ {kind:?}, {file}, page {pgno} }}, got {e:?}")),
    }
}

fn check_message(e: &SealError, file: &str, needle: &str) -> Result<(), String> {
    let msg = e.to_string();
    if msg.contains(file) && msg.contains(needle) {
        Ok(())
    } else {
        Err(format!("message {msg:?} does not name {file:?} and {needle:?}"))
    }
}

fn check_slot_file_corrupt(e: &SealError) -> Result<(), String> {
    match e {
        SealError::SlotFileCorrupt { path, .. } if file_name(path) == KEYS => check_message(e, KEYS, "key-slot file"),
        _ => Err(format!("expected SlotFileCorrupt about {KEYS}, got {e:?}")),
    }
}

/// Panics listing the failures, if any.
fn assert_all(what: &str, failures: &[String], trials: usize) {
    assert!(
        failures.is_empty(),
        "{what}: {} of {trials} trials were not detected as expected; first ones:\n{}",
        failures.len(),
        failures.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

// ---------------------------------------------------------------------------
// Vault contents

fn name_of(id: i64) -> String {
    format!("patient-{id:04}")
}

fn payload_of(id: i64, len: usize) -> Vec<u8> {
    common::patients::payload_bytes(id, len)
}

/// `rows` rows of about `len` bytes each, in one transaction.
fn fill(v: &mut Vault, rows: i64, len: usize, index: bool) {
    let tx = v.conn_mut().transaction().unwrap();
    tx.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, payload BLOB NOT NULL);").unwrap();
    if index {
        tx.execute_batch("CREATE INDEX t_name ON t(name);").unwrap();
    }
    for id in 1..=rows {
        tx.execute("INSERT INTO t(id, name, payload) VALUES (?1, ?2, ?3)", (id, name_of(id), payload_of(id, len)))
            .unwrap();
    }
    tx.commit().unwrap();
}

/// A closed vault of about 20 pages: `vault.cvdb` and `vault.keys`.
struct Closed {
    files: Files,
    state: State,
}

fn closed_vault(mode: JournalMode) -> Closed {
    let dir = scratch();
    let mut v = create(dir.path(), mode);
    fill(&mut v, 60, 900, true);
    let state = read_state(&v).unwrap();
    v.close().unwrap();
    let files = snapshot(dir.path());
    assert_eq!(files.keys().copied().collect::<Vec<_>>(), vec![DB, KEYS], "a closed vault leaves no log behind");
    Closed { files, state }
}

/// One WAL frame of a crash image.
#[derive(Debug, Clone, Copy)]
struct Frame {
    offset: usize,
    pgno: u32,
    commit: bool,
}

/// A crash image of a WAL vault: `vault.cvdb` as checkpointed at the last
/// close, a `vault.cvdb.wal` holding `txs.len()` committed transactions, and
/// `vault.keys`. `states[i]` is the content after the first `i` of them.
struct WalImage {
    files: Files,
    states: Vec<State>,
    frames: Vec<Frame>,
    /// Frame indices (into `frames`) of each transaction, in log order.
    txs: Vec<Vec<usize>>,
}

impl WalImage {
    fn tx_of(&self, frame: usize) -> usize {
        self.txs.iter().position(|t| t.contains(&frame)).expect("every frame belongs to a transaction")
    }
}

/// Rows each WAL transaction renames, spread over the table's leaves.
const WAL_TXS: [[i64; 2]; 4] = [[1, 31], [9, 45], [17, 53], [25, 60]];

fn wal_image() -> WalImage {
    let dir = scratch();
    {
        let mut v = create(dir.path(), JournalMode::Wal);
        fill(&mut v, 60, 900, true);
        v.close().unwrap();
    }
    let v = open(dir.path());
    let mut states = vec![read_state(&v).unwrap()];
    for (k, ids) in WAL_TXS.iter().enumerate() {
        let tx = v.conn().unchecked_transaction().unwrap();
        for id in ids {
            tx.execute("UPDATE t SET name = ?1 WHERE id = ?2", (format!("renamed{k}-{id:04}"), id)).unwrap();
        }
        tx.commit().unwrap();
        states.push(read_state(&v).unwrap());
    }
    // The crash image: the files as they are while the vault is open.
    let files = snapshot(dir.path());
    drop(v);

    let wal = files.get(WAL).expect("an open WAL vault with commits has a WAL");
    assert_eq!((wal.len() - WAL_HDR) % FRAME, 0, "the WAL holds whole frames");
    let salts = &wal[16..24];
    let mut frames = Vec::new();
    let mut txs = vec![Vec::new()];
    for offset in (WAL_HDR..wal.len()).step_by(FRAME) {
        assert_eq!(&wal[offset + 8..offset + 16], salts, "a fresh WAL has only frames of its own generation");
        let frame = Frame { offset, pgno: u32_at(wal, offset), commit: u32_at(wal, offset + 4) != 0 };
        txs.last_mut().unwrap().push(frames.len());
        frames.push(frame);
        if frame.commit {
            txs.push(Vec::new());
        }
    }
    assert!(txs.pop().unwrap().is_empty(), "the WAL ends with a commit frame");
    assert_eq!(txs.len(), WAL_TXS.len(), "one WAL transaction per commit");
    WalImage { files, states, frames, txs }
}

/// A crash image of a rollback-journal vault in the middle of a
/// transaction whose pages spilled into `vault.cvdb`: opening it must roll
/// back to `before`.
struct JournalImage {
    files: Files,
    before: State,
    /// Offset of the first record (the header is padded to a sector).
    first_record: usize,
}

fn journal_image() -> JournalImage {
    let dir = scratch();
    let closed_db = {
        let mut v = create(dir.path(), JournalMode::Delete);
        // No index: the update below then rewrites leaf cells in place.
        fill(&mut v, 100, 900, false);
        v.close().unwrap();
        std::fs::read(dir.path().join(DB)).unwrap()
    };
    let v = open(dir.path());
    let before = read_state(&v).unwrap();
    // A 10-page cache cannot hold the 25-odd pages this touches: SQLite
    // syncs the journal and writes changed pages to vault.cvdb mid-transaction.
    v.conn().execute_batch("PRAGMA cache_size=10; BEGIN; UPDATE t SET name = 'UPDATED-' || substr(name, 9);").unwrap();
    let files = snapshot(dir.path());
    v.conn().execute_batch("ROLLBACK").unwrap();
    drop(v);

    let j = files.get(JOURNAL).expect("a hot journal");
    assert_eq!(&j[..8], &[0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7], "the journal header is finalised");
    assert!(u32_at(j, 8) > 0, "the journal header counts its records");
    let first_record = u32_at(j, 20) as usize;
    assert!(j.len() >= first_record + JREC, "the journal holds a record");
    assert_ne!(files[DB], closed_db, "pages of the open transaction spilled into vault.cvdb");
    JournalImage { files, before, first_record }
}

// ---------------------------------------------------------------------------
// (a) Every byte of one structure of each file kind

/// Every byte of page 1 and of a later page of `vault.cvdb` (a closed vault,
/// so every page is read from the database file).
#[test]
fn every_byte_of_database_pages_is_authenticated() {
    let img = closed_vault(JournalMode::Wal);
    let pages = (img.files[DB].len() / PS) as u32;
    assert!((15..=30).contains(&pages), "about 20 pages, got {pages}");
    assert!(trial(&img.files).is_clean(&img.state), "the unaltered copy opens and reads back");
    let mut failures = Vec::new();
    let mut trials = 0;
    for pgno in [1, pages / 2, pages] {
        for at in 0..PS {
            let pos = (pgno as usize - 1) * PS + at;
            let outcome = trial(&flipped(&img.files, DB, pos, 0x01));
            trials += 1;
            let verdict = match &outcome {
                // The first 16 bytes of page 1 are the vault id in clear;
                // once the keys are known the rest of the page shows it is
                // ours, damaged there.
                Outcome::Failed(Stage::Open, e @ SealError::DamagedFirstPage { .. }) if pgno == 1 && at < 16 => {
                    check_message(e, DB, "16 bytes naming the vault")
                }
                Outcome::Failed(_, e) => check_tampered_page(e, FileKind::Database, DB, pgno),
                o => Err(describe(o, std::slice::from_ref(&img.state))),
            };
            if let Err(why) = verdict {
                failures.push(format!("{DB} page {pgno} byte {at}: {why}"));
            }
        }
    }
    assert_all("database page flips", &failures, trials);
}

/// Every byte of every frame of the first WAL transaction (three more follow
/// it), and of the WAL header from byte 3 on (bytes 0..3: see
/// `a_flipped_wal_signature_is_refused_not_taken_for_an_empty_log`).
#[test]
fn every_byte_of_an_earlier_wal_transaction_is_authenticated() {
    let img = wal_image();
    let final_state = img.states.last().unwrap();
    assert!(trial(&img.files).is_clean(final_state), "the unaltered crash image recovers every transaction");
    let mut failures = Vec::new();
    let mut trials = 0;
    for pos in 3..WAL_HDR {
        let outcome = trial(&flipped(&img.files, WAL, pos, 0x01));
        trials += 1;
        let verdict = match &outcome {
            Outcome::Failed(Stage::Open, e) => check_tampered_log(e, FileKind::Wal, WAL, 0),
            o => Err(describe(o, &img.states)),
        };
        if let Err(why) = verdict {
            failures.push(format!("WAL header byte {pos}: {why}"));
        }
    }
    assert!(img.txs[0].len() >= 2, "the first transaction spans several frames: {:?}", img.frames);
    for &i in &img.txs[0] {
        let f = img.frames[i];
        for at in 0..FRAME {
            let outcome = trial(&flipped(&img.files, WAL, f.offset + at, 0x01));
            trials += 1;
            let verdict = match &outcome {
                Outcome::Failed(Stage::Open, e) => check_tampered_log(e, FileKind::Wal, WAL, f.offset as u64),
                o => Err(describe(o, &img.states)),
            };
            if let Err(why) = verdict {
                failures.push(format!("WAL frame {} (page {}) byte {at}: {why}", i + 1, f.pgno));
            }
        }
    }
    assert_all("earlier WAL transaction flips", &failures, trials);
}

/// The documented allowance: a flip anywhere in the frames of the LAST
/// transaction of the WAL looks like a transaction torn by a crash. The
/// vault then opens without that transaction, and with everything else.
#[test]
fn flips_in_the_last_wal_transaction_read_as_a_torn_tail() {
    let img = wal_image();
    let n = img.txs.len();
    let without_last = &img.states[n - 1];
    let mut failures = Vec::new();
    let mut trials = 0;
    let mut torn = 0;
    for &i in &img.txs[n - 1] {
        let f = img.frames[i];
        for at in 0..FRAME {
            let outcome = trial(&flipped(&img.files, WAL, f.offset + at, 0x01));
            trials += 1;
            match judge_last_tx(&outcome, without_last) {
                Ok(true) => torn += 1,
                Ok(false) => {}
                Err(why) => failures.push(format!("WAL frame {} (page {}) byte {at}: {why}", i + 1, f.pgno)),
            }
        }
    }
    assert_all("last WAL transaction flips", &failures, trials);
    eprintln!("last WAL transaction: {trials} flips, {torn} recovered as a torn tail, the rest refused");

    // After such a recovery the vault is fully usable: write, close, reopen.
    let f = img.frames[img.txs[n - 1][0]];
    let d = materialize(&flipped(&img.files, WAL, f.offset + FRAME_HDR + 100, 0x01));
    {
        let v = open(d.path());
        assert_eq!(&read_state(&v).unwrap(), without_last);
        v.conn().execute("INSERT INTO t(id, name, payload) VALUES (1000, 'after', x'00')", []).unwrap();
        v.close().unwrap();
    }
    let v = open(d.path());
    let s = read_state(&v).unwrap();
    assert_eq!(s.rows.len(), without_last.rows.len() + 1);
    assert_eq!(&s.rows[..without_last.rows.len()], &without_last.rows[..]);
    let r = v.verify().unwrap();
    assert!(r.is_ok(), "{r:?}");
}

/// A flip in the last WAL transaction: `Ok(true)` if recovered as a torn
/// tail, `Ok(false)` if refused as WAL tampering.
fn judge_last_tx(outcome: &Outcome, without_last: &State) -> Result<bool, String> {
    match outcome {
        Outcome::Opened { state, problems, integrity, report }
            if state == without_last && integrity.is_empty() && set_aside_pages(report).is_empty() =>
        {
            // verify() may still report the discarded frame.
            match problems.iter().find(|p| !matches!(p, SealError::TamperedPage { kind: FileKind::Wal, .. })) {
                None => Ok(true),
                Some(p) => Err(format!("recovered, but verify reports {p:?}")),
            }
        }
        Outcome::Failed(_, SealError::TamperedLog { kind: FileKind::Wal, .. })
        | Outcome::Failed(_, SealError::TamperedPage { kind: FileKind::Wal, .. }) => Ok(false),
        o => Err(describe(o, std::slice::from_ref(without_last))),
    }
}

/// Every byte of the first record of a hot journal (page number, sealed
/// page image, masked checksum), and of the journal header's fields and MAC
/// from byte 8 on (bytes 0..8, the magic: see
/// `a_flipped_journal_signature_is_refused_not_taken_for_a_finished_journal`).
#[test]
fn every_byte_of_a_journal_record_and_header_is_authenticated() {
    let img = journal_image();
    assert!(trial(&img.files).is_clean(&img.before), "the unaltered crash image rolls back");
    let j = &img.files[JOURNAL];
    let rec = img.first_record;
    let pgno = u32_at(j, rec);
    let mut failures = Vec::new();
    let mut trials = 0;
    for pos in 8..JHDR_AUTH {
        let outcome = trial(&flipped(&img.files, JOURNAL, pos, 0x01));
        trials += 1;
        let verdict = match &outcome {
            Outcome::Failed(Stage::Open, e) => check_tampered_log(e, FileKind::Journal, JOURNAL, 0),
            o => Err(describe(o, std::slice::from_ref(&img.before))),
        };
        if let Err(why) = verdict {
            failures.push(format!("journal header byte {pos}: {why}"));
        }
    }
    for at in 0..JREC {
        let outcome = trial(&flipped(&img.files, JOURNAL, rec + at, 0x01));
        trials += 1;
        let verdict = match &outcome {
            // The page number: the page is authenticated as the page it now
            // claims to be, and fails.
            Outcome::Failed(Stage::Open, e) if at < 4 => {
                let claimed = pgno ^ (1 << (8 * (3 - at)));
                check_tampered_page(e, FileKind::Journal, JOURNAL, claimed)
            }
            Outcome::Failed(Stage::Open, e) if at < 4 + PS => check_tampered_page(e, FileKind::Journal, JOURNAL, pgno),
            Outcome::Failed(Stage::Open, e) => check_tampered_log(e, FileKind::Journal, JOURNAL, (rec + 4 + PS) as u64),
            o => Err(describe(o, std::slice::from_ref(&img.before))),
        };
        if let Err(why) = verdict {
            failures.push(format!("journal record of page {pgno}, byte {at}: {why}"));
        }
    }
    assert_all("journal flips", &failures, trials);
}

impl Outcome {
    fn is_clean(&self, expected: &State) -> bool {
        matches!(self, Outcome::Opened { state, problems, integrity, report }
            if state == expected && problems.is_empty() && integrity.is_empty() && set_aside_pages(report).is_empty())
    }

    fn err(self) -> Option<SealError> {
        match self {
            Outcome::Failed(_, e) => Some(e),
            Outcome::Opened { .. } => None,
        }
    }
}

// ---------------------------------------------------------------------------
// (b) Random single-bit flips across the database, the WAL and the slot file

/// Where a flipped bit lies.
#[derive(Debug, Clone, Copy)]
enum Region {
    SlotMagic,
    SlotRest,
    DbVaultId,
    DbPage(u32),
    WalMagic,
    WalHeader,
    /// Frame index into `WalImage::frames`, and the byte within the frame.
    WalFrame(usize, usize),
}

/// What a trial showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    /// Refused with the expected error, or reported by `verify()`.
    Detected,
    /// In the last WAL transaction: recovered without it.
    TornTail,
    /// In a database page superseded by the WAL: the data is intact and
    /// `verify()` lists the page as damaged but set aside.
    SetAside,
    /// In the nonce of the commit frame before the last transaction: both
    /// transactions rolled back (see
    /// `a_flip_in_the_commit_frame_before_the_last_transaction_is_refused_but_in_its_nonce`).
    RolledBackTwo,
}

fn region_of(file: &str, pos: usize) -> Region {
    match file {
        KEYS if pos < 8 => Region::SlotMagic,
        KEYS => Region::SlotRest,
        DB if pos < 16 => Region::DbVaultId,
        DB => Region::DbPage((pos / PS) as u32 + 1),
        WAL if pos < 4 => Region::WalMagic,
        WAL if pos < WAL_HDR => Region::WalHeader,
        WAL => Region::WalFrame((pos - WAL_HDR) / FRAME, (pos - WAL_HDR) % FRAME),
        _ => unreachable!(),
    }
}

fn judge(img: &WalImage, region: Region, outcome: &Outcome) -> Result<Verdict, String> {
    let n = img.txs.len();
    let final_state = &img.states[n];
    let detected = |r: Result<(), String>| r.map(|()| Verdict::Detected);
    match (region, outcome) {
        (Region::SlotMagic, Outcome::Failed(Stage::Open, e @ SealError::NotAVault { path, .. })) => detected(
            check_message(e, KEYS, "not a Chartvault vault")
                .and_then(|()| if file_name(path) == KEYS { Ok(()) } else { Err(format!("names {path:?}")) }),
        ),
        (Region::SlotRest, Outcome::Failed(Stage::Open, e)) => detected(check_slot_file_corrupt(e)),
        (Region::DbVaultId, Outcome::Failed(Stage::Open, SealError::DamagedFirstPage { .. })) => Ok(Verdict::Detected),
        (Region::DbPage(p), Outcome::Failed(_, e)) => detected(check_tampered_page(e, FileKind::Database, DB, p)),
        // A database page whose newer version is in the WAL is never read
        // by SQLite; verify() authenticates it and must name it, as a
        // problem or as a damaged page set aside.
        (Region::DbPage(p), Outcome::Opened { state, problems, integrity, report })
            if state == final_state && integrity.is_empty() =>
        {
            match (&problems[..], &set_aside_pages(report)[..]) {
                ([e], []) => detected(check_tampered_page(e, FileKind::Database, DB, p)),
                ([], [q]) if *q == p => Ok(Verdict::SetAside),
                _ => Err(describe(outcome, &img.states)),
            }
        }
        (Region::WalHeader | Region::WalMagic, Outcome::Failed(Stage::Open, e)) => {
            detected(check_tampered_log(e, FileKind::Wal, WAL, 0))
        }
        (Region::WalFrame(i, at), o) => {
            let in_nonce = |pos: usize| (FRAME_HDR + PS - 28..FRAME_HDR + PS - 16).contains(&pos);
            let tx = img.tx_of(i);
            let f = img.frames[i];
            if tx == n - 1 {
                return judge_last_tx(o, &img.states[n - 1])
                    .map(|torn| if torn { Verdict::TornTail } else { Verdict::Detected });
            }
            match o {
                Outcome::Failed(Stage::Open, e) => detected(check_tampered_log(e, FileKind::Wal, WAL, f.offset as u64)),
                Outcome::Opened { state, integrity, .. }
                    if tx == n - 2
                        && f.commit
                        && in_nonce(at)
                        && state == &img.states[n - 2]
                        && integrity.is_empty() =>
                {
                    Ok(Verdict::RolledBackTwo)
                }
                o => Err(describe(o, &img.states)),
            }
        }
        (_, o) => Err(describe(o, &img.states)),
    }
}

/// 10,000 single-bit flips at random positions of a WAL vault's crash
/// image: about 45% in `vault.cvdb`, 45% in `vault.cvdb.wal`, 10% in
/// `vault.keys`. None may be silently accepted.
#[test]
fn random_bit_flips_are_never_silently_accepted() {
    const TRIALS: usize = 10_000;
    let seed = std::env::var("TAMPER_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5ea1_f11b_u64);
    let img = wal_image();
    let sizes: Vec<(&str, usize)> = [DB, WAL, KEYS].iter().map(|f| (*f, img.files[f].len())).collect();
    eprintln!("random flips, seed {seed}: image {sizes:?}, {} WAL transactions", img.txs.len());
    let started = std::time::Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut failures = Vec::new();
    let mut tally: BTreeMap<(&str, Verdict), usize> = BTreeMap::new();
    for t in 0..TRIALS {
        let file = match rng.random_range(0..100) {
            0..45 => DB,
            45..90 => WAL,
            _ => KEYS,
        };
        let bit = rng.random_range(0..img.files[file].len() * 8);
        let (pos, mask) = (bit / 8, 1u8 << (bit % 8));
        let region = region_of(file, pos);
        let outcome = trial(&flipped(&img.files, file, pos, mask));
        match judge(&img, region, &outcome) {
            Ok(v) => *tally.entry((file, v)).or_default() += 1,
            Err(why) => failures.push(format!("trial {t}: {file} byte {pos} mask {mask:#04x} ({region:?}): {why}")),
        }
    }
    eprintln!("random flips: {TRIALS} trials in {:?}: {tally:?}", started.elapsed());
    assert_all("random bit flips", &failures, TRIALS);
    for file in [DB, WAL, KEYS] {
        assert!(tally.get(&(file, Verdict::Detected)).copied().unwrap_or(0) > 100, "too few trials in {file}");
    }
}

// ---------------------------------------------------------------------------
// (c) Pages moved within the database, or brought from another vault

fn swap_pages(files: &Files, a: u32, b: u32) -> Files {
    let mut f = files.clone();
    let db = f.get_mut(DB).unwrap();
    let (a, b) = ((a as usize - 1) * PS, (b as usize - 1) * PS);
    let pa = db[a..a + PS].to_vec();
    let pb = db[b..b + PS].to_vec();
    db[a..a + PS].copy_from_slice(&pb);
    db[b..b + PS].copy_from_slice(&pa);
    f
}

/// Opening or reading names one of `pages`; verify() names all of them.
fn check_refused_naming(outcome: Outcome, pages: &[u32]) -> Result<(), String> {
    match outcome {
        Outcome::Failed(_, e) => {
            if pages.iter().any(|&p| check_tampered_page(&e, FileKind::Database, DB, p).is_ok()) {
                Ok(())
            } else {
                Err(format!("expected TamperedPage naming one of pages {pages:?}, got {e:?}"))
            }
        }
        o => Err(format!("accepted: {o:?}")),
    }
}

#[test]
fn swapped_database_pages_are_refused_naming_the_page() {
    let img = closed_vault(JournalMode::Wal);
    let pages = (img.files[DB].len() / PS) as u32;
    for (a, b) in [(2, 3), (3, pages), (1, 2), (pages - 1, pages)] {
        let files = swap_pages(&img.files, a, b);
        let d = materialize(&files);
        if a == 1 {
            // Page 1's clear vault id moved away: once the keys are known,
            // the page found there opens as another page of this vault.
            let e = try_open(d.path()).unwrap_err();
            assert!(matches!(e, SealError::DamagedFirstPage { .. }), "{e:?}");
            assert!(e.to_string().contains("pages were moved"), "{e}");
            continue;
        }
        check_refused_naming(open_and_read(d.path()), &[a, b]).unwrap_or_else(|e| panic!("swap {a}<->{b}: {e}"));
        // When the vault still opens (the schema pages are intact),
        // verify() fails naming one of them (integrity_check reads them
        // through SQLite), or reports both.
        let Ok(v) = try_open(d.path()) else { continue };
        match v.verify() {
            Err(e) => check_refused_naming(Outcome::Failed(Stage::Verify, e), &[a, b]).unwrap(),
            Ok(r) => {
                for p in [a, b] {
                    assert!(
                        r.problems.iter().any(|e| check_tampered_page(e, FileKind::Database, DB, p).is_ok()),
                        "swap {a}<->{b}: verify does not name page {p}: {r:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_page_from_another_vault_is_refused_naming_the_page() {
    let ours = closed_vault(JournalMode::Wal);
    // Same schema, same rows, same page layout; other keys and vault id.
    let theirs = closed_vault(JournalMode::Wal);
    assert_eq!(ours.state, theirs.state);
    assert_eq!(ours.files[DB].len(), theirs.files[DB].len());
    let pages = (ours.files[DB].len() / PS) as u32;
    for p in [2, pages / 2, pages] {
        let mut files = ours.files.clone();
        let r = (p as usize - 1) * PS..p as usize * PS;
        files.get_mut(DB).unwrap()[r.clone()].copy_from_slice(&theirs.files[DB][r]);
        check_refused_naming(trial(&files), &[p]).unwrap_or_else(|e| panic!("page {p} from another vault: {e}"));
    }
    // Page 1 of the other vault: its clear vault id does not match our slot
    // file, but the rest of the database opens under our keys: the first
    // page is named as damaged, not the whole file as another vault's.
    let mut files = ours.files.clone();
    files.get_mut(DB).unwrap()[..PS].copy_from_slice(&theirs.files[DB][..PS]);
    let e = trial(&files).err().expect("refused");
    assert!(matches!(e, SealError::DamagedFirstPage { .. }), "{e:?}");
    assert!(e.to_string().contains("fails authentication"), "{e}");
    // ... and with our vault id put back in clear, it fails authentication.
    files.get_mut(DB).unwrap()[..16].copy_from_slice(&ours.files[DB][..16]);
    let e = trial(&files).err().expect("refused");
    check_tampered_page(&e, FileKind::Database, DB, 1).unwrap();
}

// ---------------------------------------------------------------------------
// (d) Password, slot file, foreign and truncated files: distinct errors

fn open_with(dir: &Path, password: &str) -> chartvault_seal::Result<Vault> {
    let pw = SecretString::from(password);
    Vault::open(dir, Unlock::Password { slot: USER, password: &pw }, &Default::default())
}

#[test]
fn wrong_password_and_corrupt_slot_file_are_told_apart() {
    let img = closed_vault(JournalMode::Wal);
    let d = materialize(&img.files);
    let e = open_with(d.path(), "not the password").unwrap_err();
    assert!(matches!(e, SealError::WrongPassword), "{e:?}");

    // A damaged slot file is reported as such, whatever the password.
    let keys_len = img.files[KEYS].len();
    for pos in [12, 40, keys_len / 2, keys_len - 40, keys_len - 1] {
        let d = materialize(&flipped(&img.files, KEYS, pos, 0x10));
        for e in [try_open(d.path()).unwrap_err(), open_with(d.path(), "not the password").unwrap_err()] {
            check_slot_file_corrupt(&e).unwrap_or_else(|why| panic!("slot file byte {pos}: {why}"));
            assert!(e.to_string().contains("checksum mismatch"), "{e}");
        }
    }

    // An edit that recomputes the trailing SHA-256 (here: the seal count
    // lowered to zero, which would invite nonce reuse) passes the checksum
    // but not the HMAC, which is checked once the password unlocks a slot.
    let mut keys = img.files[KEYS].clone();
    let seals = 8 + 4 + 16 + 4 + 4; // magic, version, vault id, page size, epoch
    assert_ne!(&keys[seals..seals + 8], &[0u8; 8], "the seal count is recorded");
    keys[seals..seals + 8].fill(0);
    let body = keys.len() - 32;
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&keys[..body]);
    keys[body..].copy_from_slice(&digest);
    let mut files = img.files.clone();
    files.insert(KEYS, keys);
    let d = materialize(&files);
    let e = try_open(d.path()).unwrap_err();
    check_slot_file_corrupt(&e).unwrap();
    assert!(e.to_string().contains("authentication code"), "{e}");
    // Without the password nothing can tell, and it says so.
    let e = open_with(d.path(), "not the password").unwrap_err();
    assert!(matches!(e, SealError::WrongPassword), "{e:?}");

    // A damaged version field is damage (the checksum is checked first)...
    let mut keys = img.files[KEYS].clone();
    keys[8..12].copy_from_slice(&3u32.to_be_bytes());
    let e = open_with_keys(&img.files, keys.clone());
    check_slot_file_corrupt(&e).unwrap();
    // ... and a file of a later version, with its checksum, is told apart.
    let body = keys.len() - 32;
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&keys[..body]);
    keys[body..].copy_from_slice(&digest);
    let e = open_with_keys(&img.files, keys);
    assert!(matches!(e, SealError::UnsupportedVersion { kind: FileKind::SlotFile, found: 3, supported: 2 }), "{e:?}");
}

fn open_with_keys(files: &Files, keys: Vec<u8>) -> SealError {
    let mut files = files.clone();
    files.insert(KEYS, keys);
    trial(&files).err().expect("refused")
}

#[test]
fn a_slot_file_from_another_vault_is_a_mismatch() {
    let ours = closed_vault(JournalMode::Wal);
    let theirs = closed_vault(JournalMode::Wal);
    let mut files = ours.files.clone();
    files.insert(KEYS, theirs.files[KEYS].clone());
    let d = materialize(&files);
    // Same user and password in both: only the vault id tells them apart.
    let e = try_open(d.path()).unwrap_err();
    match &e {
        SealError::SlotFileMismatch(dir) => assert_eq!(dir, d.path()),
        e => panic!("expected SlotFileMismatch, got {e:?}"),
    }
    assert!(e.to_string().contains(&d.path().display().to_string()), "{e}");
}

#[test]
fn a_plain_sqlite_database_is_not_a_vault() {
    let ours = closed_vault(JournalMode::Wal);
    let d = scratch();
    {
        let c = rusqlite::Connection::open(d.path().join(DB)).unwrap();
        c.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t VALUES (1, 'plain');")
            .unwrap();
    }
    // Without a slot file.
    let e = try_open(d.path()).unwrap_err();
    assert!(matches!(&e, SealError::NotAVault { path, .. } if path == d.path()), "{e:?}");
    // With a slot file: the database itself is recognised as plain SQLite.
    std::fs::write(d.path().join(KEYS), &ours.files[KEYS]).unwrap();
    let e = try_open(d.path()).unwrap_err();
    match &e {
        SealError::NotAVault { path, reason } => {
            assert_eq!(file_name(path), DB);
            assert!(reason.contains("plain"), "{reason}");
        }
        e => panic!("expected NotAVault, got {e:?}"),
    }
    assert!(e.to_string().contains(DB), "{e}");
}

/// `vault.cvdb` cut in the middle of a page: `TruncatedPage` naming it.
///
/// A cut inside page 1 fails the open; a cut inside the last page fails
/// the read that needs it (SQLite counts the partial page, and the sealing
/// layer refuses to authenticate half a page), and `verify()` names it too.
/// A cut further up loses whole pages as well: SQLite then refuses the file
/// itself at open (the header's page count exceeds the file) before any
/// page is read; see `bug_a_database_cut_mid_file_is_not_named`.
#[test]
fn a_truncated_database_names_the_incomplete_page() {
    let img = closed_vault(JournalMode::Wal);
    let pages = img.files[DB].len() / PS;
    for (pgno, keep) in [(1, 100), (1, 2000), (1, PS - 1), (pages, 1), (pages, 1000), (pages, PS - 1)] {
        let d = materialize(&truncated(&img.files, (pgno - 1) * PS + keep));
        let pgno = pgno as u32;
        let outcome = open_and_read(d.path());
        if pgno == 1 {
            assert!(
                matches!(outcome, Outcome::Failed(Stage::Open, _)),
                "cut in page 1 after {keep} bytes: {outcome:?}"
            );
        }
        match outcome {
            Outcome::Failed(_, e) => check_truncated_page(&e, FileKind::Database, DB, pgno),
            o => Err(format!("accepted: {o:?}")),
        }
        .unwrap_or_else(|why| panic!("cut in page {pgno} after {keep} bytes: {why}"));
        if pgno == 1 {
            continue;
        }
        let v = open(d.path());
        let r = v.verify();
        let named = match &r {
            Ok(r) => r.problems.iter().any(|e| check_truncated_page(e, FileKind::Database, DB, pgno).is_ok()),
            Err(e) => check_truncated_page(e, FileKind::Database, DB, pgno).is_ok(),
        };
        assert!(named, "cut in page {pgno}: verify does not name it: {r:?}");
    }
    // Cuts that also drop whole pages are refused at open, by SQLite.
    for cut in [PS, PS + 1, (pages / 2) * PS + 2048, (pages - 1) * PS] {
        match trial(&truncated(&img.files, cut)) {
            Outcome::Failed(Stage::Open, _) => {}
            o => panic!("cut at {cut}: accepted: {o:?}"),
        }
    }
}

fn truncated(files: &Files, len: usize) -> Files {
    let mut f = files.clone();
    f.get_mut(DB).unwrap().truncate(len);
    f
}

// ---------------------------------------------------------------------------
// Regressions: gaps this suite found, now closed

/// Flipping a bit of the WAL magic (bytes 0..3; byte 3's low bit merely
/// switches between SQLite's two valid magics, which the header MAC
/// catches) makes the sealing layer pass the header through as "no WAL",
/// so SQLite ignores the whole log: every transaction committed since the
/// last checkpoint silently disappears, and `verify()` reports nothing.
#[test]
fn a_flipped_wal_signature_is_refused_not_taken_for_an_empty_log() {
    let img = wal_image();
    let mut failures = Vec::new();
    for pos in 0..3 {
        for bit in 0..8 {
            let outcome = trial(&flipped(&img.files, WAL, pos, 1 << bit));
            let verdict = match &outcome {
                Outcome::Failed(Stage::Open, e) => check_tampered_log(e, FileKind::Wal, WAL, 0),
                o => Err(describe(o, &img.states)),
            };
            if let Err(why) = verdict {
                failures.push(format!("WAL byte {pos} bit {bit}: {why}"));
            }
        }
    }
    assert_all("WAL magic flips", &failures, 24);
}

/// Flipping a bit of the hot journal's magic (bytes 0..8) makes the
/// sealing layer skip the header MAC check; SQLite then sees no valid
/// journal and does not roll back, so the pages the unfinished transaction
/// spilled into `vault.cvdb` become visible as if committed.
#[test]
fn a_flipped_journal_signature_is_refused_not_taken_for_a_finished_journal() {
    let img = journal_image();
    let mut failures = Vec::new();
    for pos in 0..8 {
        let outcome = trial(&flipped(&img.files, JOURNAL, pos, 0x01));
        let verdict = match &outcome {
            Outcome::Failed(Stage::Open, e) => check_tampered_log(e, FileKind::Journal, JOURNAL, 0),
            Outcome::Opened { state, problems, integrity, .. } => {
                let uncommitted = state.rows.iter().filter(|r| r.1.starts_with("UPDATED-")).count();
                Err(format!(
                    "opened without rolling back: {uncommitted} of {} rows show the uncommitted update; \
                     verify problems {problems:?}, integrity {integrity:?}",
                    state.rows.len()
                ))
            }
            o => Err(describe(o, std::slice::from_ref(&img.before))),
        };
        if let Err(why) = verdict {
            failures.push(format!("journal byte {pos}: {why}"));
        }
    }
    assert_all("journal magic flips", &failures, 8);
}

/// A flip in the commit frame of the transaction before the last is refused
/// (frames of the last transaction chain from it), except in that frame's
/// nonce: the nonce masks the frame's recorded checksum, so with it damaged
/// nothing ties the last transaction to it, and recovery ends the log there,
/// rolling back to the state before both transactions. Like truncating the
/// log, that is the rollback limit of docs/SECURITY.md; it is allowed here,
/// and only there.
#[test]
fn a_flip_in_the_commit_frame_before_the_last_transaction_is_refused_but_in_its_nonce() {
    let img = wal_image();
    let n = img.txs.len();
    let i = *img.txs[n - 2].last().unwrap();
    let f = img.frames[i];
    assert!(f.commit);
    let nonce = FRAME_HDR + PS - 28..FRAME_HDR + PS - 16;
    // The fields the checksum mask binds (page number, commit size, salts):
    // damaged, they hide the recorded checksum just as a damaged nonce does.
    let bound = 0..16;
    let mut failures = Vec::new();
    let (mut trials, mut rolled_back) = (0, 0);
    for at in (0..FRAME).step_by(7).chain([4, 8, 16, 20, FRAME_HDR + 100, FRAME - 1]).chain(nonce.clone()) {
        let outcome = trial(&flipped(&img.files, WAL, f.offset + at, 0x01));
        trials += 1;
        let verdict = match &outcome {
            Outcome::Failed(Stage::Open, e) => check_tampered_log(e, FileKind::Wal, WAL, f.offset as u64),
            o if nonce.contains(&at) || bound.contains(&at) => match judge_last_tx(o, &img.states[n - 2]) {
                Ok(true) => {
                    rolled_back += 1;
                    Ok(())
                }
                Ok(false) => Ok(()),
                Err(why) => Err(why),
            },
            o => Err(describe(o, &img.states)),
        };
        if let Err(why) = verdict {
            failures.push(format!("WAL frame {} (commit of transaction {}) byte {at}: {why}", i + 1, n - 1));
        }
    }
    assert_all("second-to-last commit frame flips", &failures, trials);
    eprintln!(
        "second-to-last commit frame: {trials} flips, {rolled_back} (nonce) rolled back two transactions, the rest refused"
    );
}

/// A cut in the middle of a page that is not the last: SQLite calls the
/// file "malformed" (the header's page count exceeds the file's); the vault
/// names the file and the first incomplete page instead.
#[test]
fn a_database_cut_mid_file_names_the_first_incomplete_page() {
    let img = closed_vault(JournalMode::Wal);
    let pages = img.files[DB].len() / PS;
    let mut failures = Vec::new();
    for pgno in [2, pages / 2, pages - 1] {
        let outcome = trial(&truncated(&img.files, (pgno - 1) * PS + 2048));
        let verdict = match &outcome {
            Outcome::Failed(_, e @ SealError::DatabaseTruncated { path, first_missing, pages: total, .. })
                if file_name(path) == DB && *first_missing == pgno as u32 && *total == pages as u32 =>
            {
                check_message(e, DB, "is truncated: it ends at byte")
            }
            o => Err(format!("expected DatabaseTruncated at page {pgno}, got {o:?}")),
        };
        if let Err(why) = verdict {
            failures.push(format!("cut in page {pgno}: {why}"));
        }
    }
    assert_all("mid-file cuts", &failures, 3);
}
