//! Crash and fault injection for slot changes and rekey, below the sealing
//! layer: the slot file's atomic replace and rekey's copy-and-swap run on
//! the simulated disk too. After a power cut at every operation (crash
//! images that drop unsynced work, keep a random part of it, or tear it),
//! or a failing Nth read, write or sync, or a full disk: the vault opens,
//! holds every row, passes verify, and is in the old or the new state of
//! the change, the new one whenever the change was acknowledged.

mod common;

use std::path::Path;
use std::sync::Arc;

use chartvault_seal::testkit::{CrashMode, Fault, SimDisk};
use chartvault_seal::{CreateOptions, JournalMode, KdfParams, OpenOptions, SealError, SecretString, Unlock, Vault};
use rand::SeedableRng;
use rand::rngs::StdRng;

const MODES: [CrashMode; 4] =
    [CrashMode::DropUnsynced, CrashMode::RandomSubset, CrashMode::Torn(512), CrashMode::Torn(4096)];

/// Crash images drawn per (operation count, crash mode).
const IMAGES: u64 = 8;

fn opts(disk: &Arc<SimDisk>) -> OpenOptions {
    OpenOptions { cache_kib: 64, lower: disk.lower() }
}

fn vault_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn pw(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn open_as(dir: &Path, disk: &Arc<SimDisk>, slot: &str, password: &str) -> chartvault_seal::Result<Vault> {
    Vault::open(dir, Unlock::Password { slot, password: &pw(password) }, &opts(disk))
}

/// A vault with rows spread over enough pages that rekey takes many steps.
fn filled(dir: &Path, disk: &Arc<SimDisk>, mode: JournalMode) -> (Vault, Vec<(i64, String)>) {
    let o = CreateOptions { kdf: Some(KdfParams::INSECURE_FAST), journal_mode: mode, open: opts(disk) };
    let (mut v, _) = Vault::create(dir, common::USER, &common::password(), &o).expect("create");
    v.add_password_slot("bob", &pw("bob's passphrase"), None).unwrap();
    let rows: Vec<(i64, String)> = (0..120).map(|i| (i, format!("patient {i} {}", "notes ".repeat(40)))).collect();
    let tx = v.conn_mut().transaction().unwrap();
    tx.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT)").unwrap();
    for (id, body) in &rows {
        tx.execute("INSERT INTO t VALUES (?1, ?2)", (id, body)).unwrap();
    }
    tx.commit().unwrap();
    (v, rows)
}

fn rows_of(v: &Vault) -> Vec<(i64, String)> {
    let mut stmt = v.conn().prepare("SELECT id, body FROM t ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect()
}

/// The vault on `disk` holds `rows`, passes `integrity_check` and verify.
fn assert_whole(v: &Vault, rows: &[(i64, String)], what: &str) {
    assert_eq!(rows_of(v), rows, "{what}: rows");
    let ic: String = v.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ic, "ok", "{what}: integrity_check");
    let report = v.verify().unwrap_or_else(|e| panic!("{what}: verify: {e}"));
    assert!(report.is_ok(), "{what}: verify: {report:?}");
}

/// A slot change, and how to tell its old state from its new one.
#[derive(Debug, Clone, Copy)]
enum SlotChange {
    AddCarol,
    ChangeAlicePassword,
    RemoveBob,
}

impl SlotChange {
    fn apply(self, v: &Vault) -> chartvault_seal::Result<()> {
        match self {
            SlotChange::AddCarol => v.add_password_slot("carol", &pw("carol's passphrase"), None),
            SlotChange::ChangeAlicePassword => v.change_password(common::USER, &pw("alice's new passphrase"), None),
            SlotChange::RemoveBob => v.remove_slot("bob"),
        }
    }

    /// Opens the vault after a crash and says whether the change is in force
    /// (panicking if the slot file is in neither state).
    fn open_and_judge(self, dir: &Path, disk: &Arc<SimDisk>, what: &str) -> (Vault, bool) {
        let alice_old = open_as(dir, disk, common::USER, "correct horse battery staple");
        match self {
            SlotChange::AddCarol | SlotChange::RemoveBob => {
                let v = alice_old.unwrap_or_else(|e| panic!("{what}: alice cannot open: {e}"));
                let names: Vec<String> = v.slots().into_iter().map(|s| s.name).collect();
                let (carol, bob) = (names.iter().any(|n| n == "carol"), names.iter().any(|n| n == "bob"));
                assert!(bob || matches!(self, SlotChange::RemoveBob), "{what}: bob's slot lost: {names:?}");
                let changed = if matches!(self, SlotChange::AddCarol) { carol } else { !bob };
                if carol {
                    drop(v);
                    let c = open_as(dir, disk, "carol", "carol's passphrase");
                    c.unwrap_or_else(|e| panic!("{what}: carol's slot does not open: {e}")).close().unwrap();
                    return (open_as(dir, disk, common::USER, "correct horse battery staple").unwrap(), changed);
                }
                (v, changed)
            }
            SlotChange::ChangeAlicePassword => {
                let new = open_as(dir, disk, common::USER, "alice's new passphrase");
                match (alice_old, new) {
                    (Ok(v), Err(SealError::WrongPassword)) => (v, false),
                    (Err(SealError::WrongPassword), Ok(v)) => (v, true),
                    (old, new) => panic!("{what}: old password {:?}, new password {:?}", old.err(), new.err()),
                }
            }
        }
    }
}

const CHANGES: [SlotChange; 3] = [SlotChange::AddCarol, SlotChange::ChangeAlicePassword, SlotChange::RemoveBob];

#[test]
fn power_cut_at_every_step_of_a_slot_change_leaves_the_old_or_the_new_slot_file() {
    let mut trials = 0;
    for change in CHANGES {
        for cut in 0.. {
            let dir = vault_dir();
            let disk = SimDisk::new();
            let (v, rows) = filled(dir.path(), &disk, JournalMode::Wal);
            disk.set_fault(Some(Fault::PowerCutAfter(cut)));
            let acked = change.apply(&v).is_ok();
            let fired = disk.fault_fired();
            drop(v);
            for (m, mode) in MODES.into_iter().enumerate() {
                for i in 0..IMAGES {
                    let what = format!("{change:?} cut after {cut} ops, {mode:?} image {i}");
                    let mut rng = StdRng::seed_from_u64(cut * 100 + m as u64 * 10 + i);
                    let image = disk.crash_image(mode, &mut rng);
                    let (v, changed) = change.open_and_judge(dir.path(), &image, &what);
                    assert!(changed || !acked, "{what}: an acknowledged slot change was lost");
                    assert_whole(&v, &rows, &what);
                    trials += 1;
                }
            }
            if !fired {
                assert!(acked, "{change:?}: the change failed with no fault");
                break;
            }
        }
    }
    eprintln!("{trials} crash trials of slot changes");
    assert!(trials >= 300, "only {trials} trials");
}

#[test]
fn a_failing_read_write_or_sync_during_a_slot_change_loses_nothing() {
    for change in CHANGES {
        for make in [Fault::Read as fn(u64) -> Fault, Fault::Write, Fault::Sync] {
            for n in 1.. {
                let dir = vault_dir();
                let disk = SimDisk::new();
                let (v, rows) = filled(dir.path(), &disk, JournalMode::Wal);
                let fault = make(n);
                disk.set_fault(Some(fault));
                let acked = change.apply(&v).is_ok();
                let fired = disk.fault_fired();
                disk.set_fault(None);
                let what = format!("{change:?} with {fault:?}");
                // The open vault carries on, and a reopen finds either state.
                assert_eq!(rows_of(&v), rows, "{what}: rows in the open vault");
                v.conn().execute("INSERT INTO t VALUES (1000, 'after the fault')", []).unwrap();
                v.close().unwrap();
                let mut rows = rows.clone();
                rows.push((1000, "after the fault".to_owned()));
                let (v, changed) = change.open_and_judge(dir.path(), &disk, &what);
                assert!(changed || !acked, "{what}: an acknowledged slot change was lost");
                assert_whole(&v, &rows, &what);
                if !fired {
                    break;
                }
            }
        }
    }
}

#[test]
fn a_full_disk_refuses_a_slot_change_with_a_clear_error_and_keeps_the_old_slots() {
    let dir = vault_dir();
    let disk = SimDisk::new();
    let (v, rows) = filled(dir.path(), &disk, JournalMode::Wal);
    let used: u64 = disk.paths().iter().filter_map(|p| disk.contents(p)).map(|c| c.len() as u64).sum();
    disk.set_fault(Some(Fault::Capacity(used)));
    let err = SlotChange::AddCarol.apply(&v).expect_err("no room for the new slot file");
    assert!(disk.fault_fired());
    let msg = err.to_string();
    assert!(
        matches!(&err, SealError::Io { source, .. } if source.kind() == std::io::ErrorKind::StorageFull),
        "{err:?}"
    );
    assert!(msg.contains("vault.keys"), "the error names the file: {msg}");
    disk.set_fault(None);
    drop(v);
    let (v, changed) = SlotChange::AddCarol.open_and_judge(dir.path(), &disk, "full disk");
    assert!(!changed, "the refused slot is not there");
    assert_whole(&v, &rows, "full disk");
}

/// Rekey, or a rotation that removes bob (`rotate`), with the power cut
/// after `cut` operations, checked on crash images of every mode. Returns
/// whether the cut fired.
fn rekey_trial(mode: JournalMode, rotate: bool, cut: u64, trials: &mut usize) -> bool {
    let dir = vault_dir();
    let disk = SimDisk::new();
    let (mut v, rows) = filled(dir.path(), &disk, mode);
    let before = v.data_key_epoch();
    disk.set_fault(Some(Fault::PowerCutAfter(cut)));
    if std::env::var("CRASH_DEBUG").is_ok() {
        disk.start_log();
    }
    let acked = if rotate { v.rotate_keys(Some("bob"), None).is_ok() } else { v.rekey().is_ok() };
    let fired = disk.fault_fired();
    assert!(fired || acked, "{mode:?}: rekey failed with no fault");
    if std::env::var("CRASH_DEBUG").is_ok() {
        eprintln!("cut {cut}, acked {acked}; ops:\n{}", disk.take_log().join("\n"));
    }
    drop(v);
    for (m, crash) in MODES.into_iter().enumerate() {
        for i in 0..IMAGES {
            let op = if rotate { "rotation" } else { "rekey" };
            let what = format!("{mode:?} {op} cut after {cut} ops, {crash:?} image {i}");
            let mut rng = StdRng::seed_from_u64(cut * 100 + m as u64 * 10 + i);
            let image = disk.crash_image(crash, &mut rng);
            let v = open_as(dir.path(), &image, common::USER, "correct horse battery staple")
                .unwrap_or_else(|e| panic!("{what}: vault does not open: {e}"));
            let epoch = v.data_key_epoch();
            assert!(epoch == before || epoch == before + 1, "{what}: epoch {epoch}, was {before}");
            assert!(epoch == before + 1 || !acked, "{what}: an acknowledged rekey was undone");
            if rotate {
                // The slot goes in the same write as the pending key: once
                // it is gone the rotation is done, or redone at this open.
                let bob = v.slots().iter().any(|s| s.name == "bob");
                assert!(bob || epoch == before + 1, "{what}: bob removed but the vault key not rotated");
                assert!(!bob || !acked, "{what}: an acknowledged removal was undone");
            }
            assert_whole(&v, &rows, &what);
            assert!(
                image.contents(&format!("{}/vault.cvdb.rekey", dir.path().display())).is_none(),
                "{what}: copy left"
            );
            *trials += 1;
        }
    }
    fired
}

#[test]
fn power_cut_at_every_step_of_rekey_leaves_the_old_or_the_new_key_and_every_row() {
    let mut trials = 0;
    for mode in [JournalMode::Wal, JournalMode::Delete] {
        let mut cut = 0;
        while rekey_trial(mode, false, cut, &mut trials) {
            cut += 1;
        }
    }
    eprintln!("{trials} crash trials of rekey");
    assert!(trials >= 1000, "only {trials} trials");
}

#[test]
fn power_cut_at_every_step_of_a_rotation_leaves_it_undone_or_done_and_every_row() {
    let mut trials = 0;
    for mode in [JournalMode::Wal, JournalMode::Delete] {
        let mut cut = 0;
        while rekey_trial(mode, true, cut, &mut trials) {
            cut += 1;
        }
    }
    eprintln!("{trials} crash trials of rotation");
    assert!(trials >= 1000, "only {trials} trials");
}

#[test]
fn a_failing_read_write_or_sync_during_rekey_leaves_a_usable_vault_with_every_row() {
    for mode in [JournalMode::Wal, JournalMode::Delete] {
        for make in [Fault::Read as fn(u64) -> Fault, Fault::Write, Fault::Sync, Fault::Truncate] {
            for n in 1.. {
                let dir = vault_dir();
                let disk = SimDisk::new();
                let (mut v, rows) = filled(dir.path(), &disk, mode);
                let before = v.data_key_epoch();
                let fault = make(n);
                disk.set_fault(Some(fault));
                let acked = v.rekey().is_ok();
                let fired = disk.fault_fired();
                disk.set_fault(None);
                let what = format!("{mode:?} rekey with {fault:?}");
                // A failed rekey leaves the open vault usable.
                assert_eq!(rows_of(&v), rows, "{what}: rows in the open vault");
                v.conn().execute("INSERT INTO t VALUES (1000, 'after the fault')", []).unwrap();
                let epoch = v.data_key_epoch();
                v.close().unwrap();
                let mut rows = rows.clone();
                rows.push((1000, "after the fault".to_owned()));
                let v = open_as(dir.path(), &disk, common::USER, "correct horse battery staple")
                    .unwrap_or_else(|e| panic!("{what}: vault does not open: {e}"));
                assert_eq!(v.data_key_epoch(), epoch, "{what}: the reopened vault has the key it was using");
                assert!(epoch == before + 1 || (!acked && epoch == before), "{what}: epoch {epoch}, was {before}");
                assert_whole(&v, &rows, &what);
                if !fired {
                    break;
                }
            }
        }
    }
}
