//! Faults and crashes during a backup and a restore, on simulated disks:
//! a destination that fills up, a drive pulled out after any operation, a
//! power cut after any operation of the vault's disk or the destination's
//! with every kind of crash image. The live vault always opens with every
//! row; no file without `.partial` exists unless it is a verified backup;
//! a restore leaves the old vault or the restored one, never neither.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chartvault_seal::backup::{BackupError, BackupFile, BackupStep, BackupUnlock, Destination, RestoreKeys, Written};
use chartvault_seal::testkit::{CrashMode, Fault, SimDisk};
use chartvault_seal::{CreateOptions, JournalMode, KdfParams, OpenOptions, Unlock, Vault};
use common::backup::{go, no_check, params};
use common::{USER, password};
use rand::SeedableRng;
use rand::rngs::StdRng;

const MODES: [CrashMode; 3] = [CrashMode::DropUnsynced, CrashMode::RandomSubset, CrashMode::Torn(512)];

fn opts(disk: &Arc<SimDisk>) -> OpenOptions {
    OpenOptions { cache_kib: 64, lower: disk.lower() }
}

type Rows = Vec<(i64, String)>;

fn rows_of(v: &Vault) -> Rows {
    let mut stmt = v.conn().prepare("SELECT id, body FROM t ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

fn add_rows(v: &Vault, ids: std::ops::Range<i64>) {
    let tx = v.conn().unchecked_transaction().unwrap();
    for i in ids {
        tx.execute("INSERT INTO t VALUES (?1, ?2)", (i, format!("patient {i} {}", "notes ".repeat(30)))).unwrap();
    }
    tx.commit().unwrap();
}

fn filled(dir: &Path, disk: &Arc<SimDisk>) -> Vault {
    let o = CreateOptions { kdf: Some(KdfParams::INSECURE_FAST), journal_mode: JournalMode::Wal, open: opts(disk) };
    let (v, _) = Vault::create(dir, USER, &password(), &o).expect("create");
    v.conn().execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT)").unwrap();
    add_rows(&v, 0..80);
    v
}

fn open_on(dir: &Path, disk: &Arc<SimDisk>) -> chartvault_seal::Result<Vault> {
    Vault::open(dir, Unlock::Password { slot: USER, password: &password() }, &opts(disk))
}

fn backup(v: &mut Vault, dest: &Destination, stop: Option<BackupStep>) -> Result<Written, BackupError> {
    let snap = v.snapshot()?;
    snap.write_stopping_after(dest, "b.cvbackup", &params(b"meta", None), &no_check, &mut go, stop)
}

/// Files on `disk` under `dir` that do not end in `.partial`.
fn finished_files(disk: &SimDisk, dir: &Path) -> Vec<String> {
    let prefix = format!("{}/", dir.display());
    disk.paths().into_iter().filter(|p| p.starts_with(&prefix) && !p.ends_with(".partial")).collect()
}

fn assert_vault_whole(dir: &Path, disk: &Arc<SimDisk>, rows: &Rows, what: &str) {
    let v = open_on(dir, disk).unwrap_or_else(|e| panic!("{what}: the vault does not open: {e}"));
    assert_eq!(&rows_of(&v), rows, "{what}: rows");
    assert!(v.verify().unwrap().is_ok(), "{what}: verify");
}

#[test]
fn a_destination_that_fills_up_at_any_point_leaves_no_backup_and_the_vault_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let (vdir, ddir) = (tmp.path().join("v"), PathBuf::from("/usb"));
    let a = SimDisk::new();
    let mut v = filled(&vdir, &a);
    let rows = rows_of(&v);
    let probe = SimDisk::new();
    let size = backup(&mut v, &Destination { dir: ddir.clone(), lower: probe.lower() }, None).unwrap().info.bytes;
    let mut trials = 0;
    for cap in (0..size).step_by(4096).chain([size - 1]) {
        let b = SimDisk::new();
        b.set_fault(Some(Fault::Capacity(cap)));
        let err = backup(&mut v, &Destination { dir: ddir.clone(), lower: b.lower() }, None).unwrap_err();
        assert!(err.to_string().contains("full"), "cap {cap}: {err}");
        assert!(b.paths().is_empty(), "cap {cap}: the partial file is removed: {:?}", b.paths());
        add_rows(&v, 1000 + cap as i64..1001 + cap as i64);
        trials += 1;
    }
    assert!(trials > 5);
    let rows_now = rows_of(&v);
    assert!(rows_now.len() > rows.len());
    v.close().unwrap();
    assert_vault_whole(&vdir, &a, &rows_now, "after the full-disk trials");
}

#[test]
fn a_drive_pulled_out_after_any_operation_leaves_no_finished_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (vdir, ddir) = (tmp.path().join("v"), PathBuf::from("/usb"));
    let a = SimDisk::new();
    let mut v = filled(&vdir, &a);
    let probe = SimDisk::new();
    let before = probe.ops();
    backup(&mut v, &Destination { dir: ddir.clone(), lower: probe.lower() }, None).unwrap();
    let ops = probe.ops() - before;
    for cut in 0..ops {
        let b = SimDisk::new();
        b.set_fault(Some(Fault::PowerCutAfter(cut)));
        let r = backup(&mut v, &Destination { dir: ddir.clone(), lower: b.lower() }, None);
        assert!(r.is_err(), "cut after {cut} of {ops}: {r:?}");
        // Whatever the drive kept under a final name is a good backup.
        for disk in [b.crash_image(CrashMode::DropUnsynced, &mut StdRng::seed_from_u64(cut)), b.clone()] {
            for f in finished_files(&disk, &ddir) {
                disk.set_fault(None);
                let pw = password();
                let u = BackupFile::open(Path::new(&f), &disk.lower())
                    .and_then(|f| f.unlock(BackupUnlock::Password { slot: USER, password: &pw }))
                    .unwrap_or_else(|e| panic!("cut {cut}: {f} is kept but does not open: {e}"));
                u.verify(&no_check, &mut go).unwrap_or_else(|e| panic!("cut {cut}: {f} is kept but damaged: {e}"));
            }
        }
    }
    let rows = rows_of(&v);
    add_rows(&v, 500..510);
    v.close().unwrap();
    let mut rows = rows;
    let v = open_on(&vdir, &a).unwrap();
    rows.extend(rows_of(&v).into_iter().filter(|(id, _)| (500..510).contains(id)));
    assert_eq!(rows_of(&v), rows);
}

#[test]
fn a_crash_at_each_step_or_any_operation_of_a_backup_keeps_the_vault_and_no_false_backup() {
    let tmp = tempfile::tempdir().unwrap();
    let (vdir, ddir) = (tmp.path().join("v"), PathBuf::from("/usb"));
    let mut trials = 0;
    let steps = [
        BackupStep::PartialCreated,
        BackupStep::HeaderWritten,
        BackupStep::BodyWritten,
        BackupStep::Synced,
        BackupStep::Verified,
    ];
    for (i, stop) in steps.into_iter().enumerate() {
        let a = SimDisk::new();
        let mut v = filled(&vdir, &a);
        let rows = rows_of(&v);
        let b = SimDisk::new();
        let r = backup(&mut v, &Destination { dir: ddir.clone(), lower: b.lower() }, Some(stop));
        assert!(matches!(r, Err(BackupError::Cancelled)), "{stop:?}: {r:?}");
        drop(v);
        for (m, mode) in MODES.into_iter().enumerate() {
            let mut rng = StdRng::seed_from_u64(i as u64 * 10 + m as u64);
            let image_b = b.crash_image(mode, &mut rng);
            assert!(finished_files(&image_b, &ddir).is_empty(), "{stop:?} {mode:?}");
            let image_a = a.crash_image(mode, &mut rng);
            assert_vault_whole(&vdir, &image_a, &rows, &format!("{stop:?} {mode:?}"));
            trials += 1;
        }
    }
    // The power cut on the vault's own disk, after any operation of the
    // whole backup: the checkpoint before the fence is the only write.
    let a = SimDisk::new();
    let mut v = filled(&vdir, &a);
    let rows = rows_of(&v);
    let b = SimDisk::new();
    let before = a.ops();
    backup(&mut v, &Destination { dir: ddir.clone(), lower: b.lower() }, None).unwrap();
    let ops = a.ops() - before;
    drop(v);
    for cut in 0..ops {
        let a = SimDisk::new();
        let mut v = filled(&vdir, &a);
        let b = SimDisk::new();
        a.set_fault(Some(Fault::PowerCutAfter(cut)));
        let r = backup(&mut v, &Destination { dir: ddir.clone(), lower: b.lower() }, None);
        drop(v);
        for (m, mode) in MODES.into_iter().enumerate() {
            let image_a = a.crash_image(mode, &mut StdRng::seed_from_u64(cut * 10 + m as u64));
            assert_vault_whole(&vdir, &image_a, &rows, &format!("vault disk cut after {cut}: {mode:?}"));
            if let Ok(w) = &r {
                // A backup reported good is good.
                let f = BackupFile::open(&w.path, &b.lower()).unwrap();
                let pw = password();
                let u = f.unlock(BackupUnlock::Password { slot: USER, password: &pw }).unwrap();
                u.verify(&no_check, &mut go).unwrap();
            }
            trials += 1;
        }
    }
    assert!(trials >= 15 + 3, "{trials}");
}

/// A restore over a vault in use with the vault's disk cut after `cut`
/// operations. Returns whether the fault fired.
fn restore_trial(cut: u64, trials: &mut usize) -> bool {
    let tmp = tempfile::tempdir().unwrap();
    let (vdir, ddir) = (tmp.path().join("v"), PathBuf::from("/usb"));
    let a = SimDisk::new();
    let b = SimDisk::new();
    let mut v = filled(&vdir, &a);
    let old_rows = rows_of(&v);
    let w = backup(&mut v, &Destination { dir: ddir, lower: b.lower() }, None).unwrap();
    add_rows(&v, 200..230);
    let new_rows = rows_of(&v);
    let pw = password();
    let u = BackupFile::open(&w.path, &b.lower())
        .unwrap()
        .unlock(BackupUnlock::Password { slot: USER, password: &pw })
        .unwrap();
    a.set_fault(Some(Fault::PowerCutAfter(cut)));
    let done = (|| -> Result<PathBuf, String> {
        let staged = u.stage_restore(&vdir, &a.lower(), RestoreKeys::OfThatTime, &mut go).map_err(|e| e.to_string())?;
        let s = Vault::open(staged.dir(), Unlock::Password { slot: USER, password: &pw }, &opts(&a))
            .map_err(|e| e.to_string())?;
        s.close().map_err(|e| e.to_string())?;
        let held = v.close_keeping_hold().map_err(|e| e.to_string())?;
        staged.swap_in(held).map_err(|e| e.to_string())
    })();
    let fired = a.fault_fired();
    assert!(fired || done.is_ok(), "cut {cut}: {done:?}");
    for (m, mode) in MODES.into_iter().enumerate() {
        let what = format!("restore cut after {cut}, {mode:?}");
        let image = a.crash_image(mode, &mut StdRng::seed_from_u64(cut * 10 + m as u64));
        let v = open_on(&vdir, &image).unwrap_or_else(|e| panic!("{what}: no vault opens: {e}"));
        let got = rows_of(&v);
        assert!(got == old_rows || got == new_rows, "{what}: {} rows", got.len());
        if done.is_ok() {
            assert_eq!(got, old_rows, "{what}: a finished restore was undone");
        }
        assert!(v.verify().unwrap().is_ok(), "{what}");
        if got == old_rows {
            // The vault it replaced is kept aside, whole.
            let aside: Vec<String> = image
                .paths()
                .into_iter()
                .filter(|p| p.contains("/before-restore-") && p.ends_with("/vault.keys"))
                .collect();
            assert_eq!(aside.len(), 1, "{what}: {:?}", image.paths());
            let aside_dir = Path::new(&aside[0]).parent().unwrap().to_owned();
            drop(v);
            let old = open_on(&aside_dir, &image).unwrap_or_else(|e| panic!("{what}: aside: {e}"));
            assert_eq!(rows_of(&old), new_rows, "{what}: the vault kept aside");
        }
        *trials += 1;
    }
    fired
}

#[test]
fn a_crash_at_any_operation_of_a_restore_leaves_the_old_vault_or_the_restored_one() {
    let mut trials = 0;
    let mut cut = 0;
    while restore_trial(cut, &mut trials) {
        cut += if cut < 200 { 1 } else { 7 };
    }
    assert!(trials > 100, "{trials}");
}
