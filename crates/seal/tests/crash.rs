//! Crash and fault injection below the sealing layer.
//!
//! The vault runs on a simulated disk that knows what was synced. A power
//! cut at a random operation, followed by a crash image that drops unsynced
//! writes, keeps a random subset of them, or tears them at 512 B or 4 KiB,
//! must leave a vault that opens, passes `integrity_check`, holds every
//! acknowledged transaction, and holds the unacknowledged one wholly or not
//! at all. Then the same for a failing Nth read, write, sync or truncate,
//! and for a full disk.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chartvault_seal::testkit::{CrashMode, Fault, SimDisk};
use chartvault_seal::{CreateOptions, JournalMode, KdfParams, OpenOptions, Unlock, Vault};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use sha2::{Digest, Sha256};

/// Expected table contents: (txn, k) -> blob digest.
type Model = BTreeMap<(i64, i64), [u8; 32]>;

fn blob(seed: u64, txn: i64, k: i64, len: usize) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed ^ ((txn as u64) << 32) ^ (k as u64));
    let mut v = vec![0u8; len];
    rng.fill(&mut v[..]);
    v
}

fn digest(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

fn slot_dir() -> tempfile::TempDir {
    // Every vault file, the key-slot file included, lives on the simulated
    // disk; the directory only names them (and Vault::create makes it).
    match tempfile::tempdir_in("/dev/shm") {
        Ok(d) => d,
        Err(_) => tempfile::tempdir().unwrap(),
    }
}

fn opts(disk: &Arc<SimDisk>) -> OpenOptions {
    // A 64 KiB cache makes large transactions spill pages mid-transaction.
    OpenOptions { cache_kib: 64, lower: disk.lower() }
}

fn create(dir: &Path, disk: &Arc<SimDisk>, mode: JournalMode) -> Vault {
    let o = CreateOptions { kdf: Some(KdfParams::INSECURE_FAST), journal_mode: mode, open: opts(disk) };
    let (v, _) = Vault::create(dir, common::USER, &common::password(), &o).expect("create");
    v.conn()
        .execute_batch(
            "CREATE TABLE t(txn INTEGER, k INTEGER, v BLOB, PRIMARY KEY(txn, k)); CREATE INDEX t_len ON t(length(v));",
        )
        .unwrap();
    v
}

/// One transaction of the workload: inserts, updates an earlier
/// transaction's rows, sometimes deletes some. Applies to `model` only if
/// it commits.
fn run_txn(v: &mut Vault, seed: u64, txn: i64, model: &mut Model, pending: &mut Model) -> rusqlite::Result<()> {
    let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(31).wrapping_add(txn as u64));
    let mut next = model.clone();
    let tx = v.conn_mut().transaction()?;
    let rows = rng.random_range(1..6);
    for k in 0..rows {
        let len = if rng.random_bool(0.2) { rng.random_range(4000..20_000) } else { rng.random_range(10..600) };
        let b = blob(seed, txn, k, len);
        tx.execute("INSERT INTO t(txn, k, v) VALUES (?1, ?2, ?3)", (txn, k, &b))?;
        next.insert((txn, k), digest(&b));
    }
    if txn > 1 && rng.random_bool(0.5) {
        let earlier = rng.random_range(1..txn);
        let keys: Vec<(i64, i64)> = next.keys().filter(|(t, _)| *t == earlier).copied().collect();
        for (t, k) in keys {
            if rng.random_bool(0.3) {
                tx.execute("DELETE FROM t WHERE txn = ?1 AND k = ?2", (t, k))?;
                next.remove(&(t, k));
            } else {
                let b = blob(seed ^ 0xabcd, txn, t * 1000 + k, rng.random_range(10..3000));
                tx.execute("UPDATE t SET v = ?3 WHERE txn = ?1 AND k = ?2", (t, k, &b))?;
                next.insert((t, k), digest(&b));
            }
        }
    }
    *pending = next.clone();
    tx.commit()?;
    *model = next;
    Ok(())
}

/// Writes more than the cache holds, so pages spill to the log, then rolls back.
fn spill_and_roll_back(v: &mut Vault, seed: u64, txn: i64) -> rusqlite::Result<()> {
    let tx = v.conn_mut().transaction()?;
    for k in 0..30 {
        tx.execute("INSERT INTO t(txn, k, v) VALUES (?1, ?2, ?3)", (-txn, k, blob(seed, -txn, k, 3000)))?;
    }
    tx.rollback()
}

fn dump(v: &Vault) -> Model {
    let mut stmt = v.conn().prepare("SELECT txn, k, v FROM t ORDER BY txn, k").unwrap();
    let rows = stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), digest(&r.get::<_, Vec<u8>>(2)?)))).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

/// Opens the vault on `disk` and checks it holds `acked` or `pending`.
fn check_recovered(dir: &Path, disk: &Arc<SimDisk>, acked: &Model, pending: &Model, what: &str) {
    let v = Vault::open(dir, Unlock::Password { slot: common::USER, password: &common::password() }, &opts(disk))
        .unwrap_or_else(|e| panic!("{what}: vault does not open after the crash: {e}"));
    let ic: String = v.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ic, "ok", "{what}: integrity_check");
    let report = v.verify().unwrap();
    assert!(report.is_ok(), "{what}: verify: {report:?}");
    let got = dump(&v);
    assert!(
        &got == acked || &got == pending,
        "{what}: recovered {} rows; acknowledged state has {}, in-flight state {}",
        got.len(),
        acked.len(),
        pending.len()
    );
}

/// The seeds to run; `CRASH_SEED=n` reruns one trial.
fn seeds(all: std::ops::Range<u64>) -> Vec<u64> {
    match std::env::var("CRASH_SEED").ok().and_then(|s| s.parse().ok()) {
        Some(s) if all.contains(&s) => vec![s],
        Some(_) => vec![],
        None => all.collect(),
    }
}

const MODES: [CrashMode; 4] =
    [CrashMode::DropUnsynced, CrashMode::RandomSubset, CrashMode::Torn(512), CrashMode::Torn(4096)];

/// Runs the workload until the power is cut after `cut` disk operations.
fn crash_trial(mode: JournalMode, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = slot_dir();
    let disk = SimDisk::new();
    let mut v = create(dir.path(), &disk, mode);
    let cut = rng.random_range(1..1500);
    disk.set_fault(Some(Fault::PowerCutAfter(cut)));
    let debug = std::env::var("CRASH_DEBUG").is_ok();
    if debug {
        disk.start_log();
    }
    let (mut acked, mut pending) = (Model::new(), Model::new());
    for txn in 1..=25 {
        // A transaction that spills into the log and then rolls back leaves
        // frames behind that later, shorter transactions only partly
        // overwrite: recovery must not mistake those for anything.
        if txn % 5 == 3 && spill_and_roll_back(&mut v, seed, txn).is_err() {
            break;
        }
        if run_txn(&mut v, seed, txn, &mut acked, &mut pending).is_err() {
            break;
        }
        pending = acked.clone();
        let checkpoint =
            if txn % 14 == 0 { "PRAGMA wal_checkpoint(TRUNCATE)" } else { "PRAGMA wal_checkpoint(PASSIVE)" };
        if txn % 7 == 0 && mode == JournalMode::Wal && v.conn().execute_batch(checkpoint).is_err() {
            break;
        }
        if txn % 11 == 0 && v.conn().execute_batch("VACUUM").is_err() {
            break;
        }
    }
    let crash = match std::env::var("CRASH_MODE").ok().and_then(|m| m.parse::<usize>().ok()) {
        Some(m) => MODES[m],
        None => MODES[(seed % 4) as usize],
    };
    let image = disk.crash_image(crash, &mut rng);
    if debug {
        eprintln!("acked {} rows; ops:\n{}", acked.len(), disk.take_log().join("\n"));
    }
    drop(v);
    check_recovered(dir.path(), &image, &acked, &pending, &format!("{mode:?} seed {seed} cut {cut} {crash:?}"));
}

#[test]
fn power_cut_at_random_points_loses_no_acknowledged_transaction_wal() {
    for seed in seeds(0..500) {
        crash_trial(JournalMode::Wal, seed);
    }
}

#[test]
fn power_cut_at_random_points_loses_no_acknowledged_transaction_rollback_journal() {
    for seed in seeds(1000..1500) {
        crash_trial(JournalMode::Delete, seed);
    }
}

/// Fails the Nth operation of one kind, for N = 1, 2, ... until a full run
/// completes without the fault firing. After each: reopen on the disk as
/// it is, and on what survives a power cut at that moment.
fn fault_sweep(mode: JournalMode, make: fn(u64) -> Fault) {
    let seed = 77;
    let mut n = 1;
    loop {
        let dir = slot_dir();
        let disk = SimDisk::new();
        let mut v = create(dir.path(), &disk, mode);
        disk.set_fault(Some(make(n)));
        let (mut acked, mut pending) = (Model::new(), Model::new());
        for txn in 1..=12 {
            if run_txn(&mut v, seed, txn, &mut acked, &mut pending).is_err() {
                break;
            }
            pending = acked.clone();
            if txn == 6
                && mode == JournalMode::Wal
                && v.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").is_err()
            {
                break;
            }
            // Shrinks the file: the truncates of the sweep.
            if txn == 8 && v.conn().execute_batch("VACUUM").is_err() {
                break;
            }
        }
        let fired = disk.fault_fired();
        let image = disk.crash_image(CrashMode::DropUnsynced, &mut StdRng::seed_from_u64(n));
        disk.set_fault(None);
        drop(v);
        let what = format!("{mode:?} {:?}", make(n));
        check_recovered(dir.path(), &image, &acked, &pending, &format!("{what}, power cut"));
        check_recovered(dir.path(), &disk, &acked, &pending, &format!("{what}, reopened"));
        if !fired {
            assert!(n > 1, "the workload must hit at least one {:?}", make(1));
            break;
        }
        n += 1;
    }
}

#[test]
fn failing_nth_read_never_corrupts_wal() {
    fault_sweep(JournalMode::Wal, Fault::Read);
}

#[test]
fn failing_nth_write_never_corrupts_wal() {
    fault_sweep(JournalMode::Wal, Fault::Write);
}

#[test]
fn failing_nth_sync_never_corrupts_wal() {
    fault_sweep(JournalMode::Wal, Fault::Sync);
}

#[test]
fn failing_nth_truncate_never_corrupts_wal() {
    fault_sweep(JournalMode::Wal, Fault::Truncate);
}

#[test]
fn failing_nth_read_never_corrupts_rollback_journal() {
    fault_sweep(JournalMode::Delete, Fault::Read);
}

#[test]
fn failing_nth_write_never_corrupts_rollback_journal() {
    fault_sweep(JournalMode::Delete, Fault::Write);
}

#[test]
fn failing_nth_sync_never_corrupts_rollback_journal() {
    fault_sweep(JournalMode::Delete, Fault::Sync);
}

#[test]
fn failing_nth_truncate_never_corrupts_rollback_journal() {
    fault_sweep(JournalMode::Delete, Fault::Truncate);
}

#[test]
fn full_disk_refuses_the_write_and_keeps_what_was_committed() {
    for mode in [JournalMode::Wal, JournalMode::Delete] {
        for cap in [40_000u64, 80_000, 160_000, 320_000] {
            let dir = slot_dir();
            let disk = SimDisk::new();
            let mut v = create(dir.path(), &disk, mode);
            disk.set_fault(Some(Fault::Capacity(cap)));
            let (mut acked, mut pending) = (Model::new(), Model::new());
            let mut full = false;
            for txn in 1..=60 {
                if let Err(e) = run_txn(&mut v, 5, txn, &mut acked, &mut pending) {
                    assert!(
                        matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull),
                        "{mode:?} cap {cap}: expected SQLITE_FULL, got {e}"
                    );
                    full = true;
                    break;
                }
                pending = acked.clone();
            }
            assert!(full, "{mode:?} cap {cap}: the disk never filled");
            // The failed transaction is rolled back; earlier ones stay.
            assert_eq!(dump(&v), acked, "{mode:?} cap {cap}: live state after SQLITE_FULL");
            drop(v);
            disk.set_fault(None);
            check_recovered(dir.path(), &disk, &acked, &acked, &format!("{mode:?} cap {cap}"));
        }
    }
}

/// Regression: SQLite rewrites the checksums of WAL frames it overwrote in
/// place within a transaction, reading the previous frame's checksum alone;
/// the mask for that lone checksum once came from the wrong bytes, which
/// broke the chain and lost every later transaction at recovery.
#[test]
fn wal_checksum_rewrite_after_in_place_overwrite_survives_recovery() {
    let dir = slot_dir();
    let disk = SimDisk::new();
    let mut v = create(dir.path(), &disk, JournalMode::Wal);
    let (mut acked, mut pending) = (Model::new(), Model::new());
    run_txn(&mut v, 9, 1, &mut acked, &mut pending).unwrap();
    {
        // One transaction larger than the 64 KiB cache that touches the
        // same pages again after they spilled: frames overwritten in place.
        let tx = v.conn_mut().transaction().unwrap();
        for round in 0..3 {
            for k in 100..140 {
                let b = blob(9, 2, k * 10 + round, 1500);
                tx.execute("INSERT OR REPLACE INTO t(txn, k, v) VALUES (2, ?1, ?2)", (k, &b)).unwrap();
                acked.insert((2, k), digest(&b));
            }
        }
        tx.commit().unwrap();
    }
    run_txn(&mut v, 9, 3, &mut acked, &mut pending).unwrap();
    let image = disk.crash_image(CrashMode::DropUnsynced, &mut StdRng::seed_from_u64(1));
    drop(v);
    check_recovered(dir.path(), &image, &acked, &acked, "in-place overwrite then crash");
}

/// Regression: when the first frame after a WAL reset is overwritten in
/// place, SQLite rereads the WAL header's checksum and then each frame to
/// rewrite their checksums; rereading the header once restarted the
/// recovery chain, so the frame reads went unremembered and the header
/// rewrites that followed were refused (found by the benchmark at 50,000
/// patients).
#[test]
fn checksum_rewrite_from_the_first_frame_after_a_wal_reset_commits() {
    let dir = slot_dir();
    let disk = SimDisk::new();
    let mut v = create(dir.path(), &disk, JournalMode::Wal);
    let (mut acked, mut pending) = (Model::new(), Model::new());
    run_txn(&mut v, 4, 1, &mut acked, &mut pending).unwrap();
    v.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    {
        let tx = v.conn_mut().transaction().unwrap();
        for round in 0..3 {
            for k in 100..140 {
                let b = blob(4, 2, k * 10 + round, 1500);
                tx.execute("INSERT OR REPLACE INTO t(txn, k, v) VALUES (2, ?1, ?2)", (k, &b)).unwrap();
                acked.insert((2, k), digest(&b));
            }
        }
        tx.commit().expect("a large transaction right after a WAL reset commits");
    }
    let image = disk.crash_image(CrashMode::DropUnsynced, &mut StdRng::seed_from_u64(1));
    drop(v);
    check_recovered(dir.path(), &image, &acked, &acked, "rewrite from frame 1 then crash");
}
