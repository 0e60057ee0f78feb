//! Backup and restore end to end through the real file system: what goes
//! in comes back (rows, keys, journal mode), including a backup taken while
//! another thread keeps committing, and a restore over a vault in use.

mod common;

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::{Arc, Mutex};

use chartvault_seal::backup::{BackupError, BackupFile, BackupUnlock, HeldDir, Phase, RestoreKeys};
use chartvault_seal::{JournalMode, KdfParams, Lower, OpenOptions, SecretString, Unlock, Vault};
use common::backup::{backup_to, go, no_check, only_backup, passphrase, rows};
use common::patients::{create_table, insert_rows};
use common::{USER, create, open, password};

fn unlock_with_password(path: &Path) -> chartvault_seal::backup::UnlockedBackup {
    let pw = password();
    BackupFile::open(path, &Lower::Os).unwrap().unlock(BackupUnlock::Password { slot: USER, password: &pw }).unwrap()
}

/// Restores `backup` into `dir` (no vault there yet) with the keys of
/// that time, and opens the result.
fn restore_fresh_machine(backup: &Path, dir: &Path) -> (Vault, std::path::PathBuf) {
    let unlocked = unlock_with_password(backup);
    unlocked.verify(&no_check, &mut go).unwrap();
    let held = HeldDir::take(dir, &Lower::Os).unwrap();
    assert!(!held.holds_vault().unwrap());
    let staged = unlocked.stage_restore(dir, &Lower::Os, RestoreKeys::OfThatTime, &mut go).unwrap();
    // The caller checks and audits the staged vault before the swap.
    let v = Vault::open(staged.dir(), Unlock::Password { slot: USER, password: &password() }, &OpenOptions::default())
        .unwrap();
    v.conn().execute("INSERT INTO t(id, name, payload) VALUES (-1, 'restored', x'00')", []).unwrap();
    v.close().unwrap();
    let aside = staged.swap_in(held).unwrap();
    (open(dir), aside)
}

#[test]
fn backup_then_restore_gives_the_same_rows_keys_and_mode() {
    for mode in [JournalMode::Wal, JournalMode::Delete] {
        let tmp = tempfile::tempdir().unwrap();
        let (src, dest, target) = (tmp.path().join("v"), tmp.path().join("usb"), tmp.path().join("new"));
        std::fs::create_dir(&dest).unwrap();
        let mut v = create(&src, mode);
        create_table(&v);
        insert_rows(&v, 1..=300);
        let before = rows(v.conn());
        let written = backup_to(&mut v, &dest, "one.cvbackup", None).unwrap();
        assert_eq!(written.path, dest.join("one.cvbackup"));
        assert_eq!(written.verified.zeroed_pages, 0);
        assert_eq!(std::fs::metadata(&written.path).unwrap().len(), written.info.bytes);
        // The vault keeps working after the fence comes down, in its mode.
        insert_rows(&v, 301..=310);
        let mode_now: String = v.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode_now.eq_ignore_ascii_case("wal"), mode == JournalMode::Wal, "{mode:?}: {mode_now}");
        v.close().unwrap();

        let (restored, aside) = restore_fresh_machine(&written.path, &target);
        let mut got = rows(restored.conn());
        assert_eq!(got.remove(0).1, "restored", "the entry made in the staged vault came along");
        assert_eq!(got, before, "{mode:?}");
        assert!(restored.verify().unwrap().is_ok());
        assert!(restored.data_key_epoch() >= 2, "a restore seals under a new data key");
        let mode_restored: String = restored.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode_restored.eq_ignore_ascii_case("wal"), mode == JournalMode::Wal);
        restored.close().unwrap();
        // A fresh machine had nothing to put aside; no staging is left.
        assert!(common::files_in(&aside).is_empty(), "{aside:?}");
        let left: Vec<String> = std::fs::read_dir(&target)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(left.iter().all(|n| !n.starts_with("restore")), "{left:?}");
        // The recovery code of that time opens the restored vault too.
        let unlocked = unlock_with_password(&written.path);
        assert!(unlocked.opened_with_slots());
    }
}

#[test]
fn each_credential_of_that_time_opens_the_backup_and_others_do_not() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, dest) = (tmp.path().join("v"), tmp.path().join("usb"));
    std::fs::create_dir(&dest).unwrap();
    let opts = common::fast_opts(JournalMode::Wal);
    let (mut v, code) = Vault::create(&src, USER, &password(), &opts).unwrap();
    v.add_password_slot("bob", &SecretString::from("bob's own password"), Some(KdfParams::INSECURE_FAST)).unwrap();
    create_table(&v);
    insert_rows(&v, 1..=5);
    let pp = passphrase();
    let written = backup_to(&mut v, &dest, "b.cvbackup", Some(&pp)).unwrap();
    let code = SecretString::from(code.expose_secret().to_owned());
    let bob = SecretString::from("bob's own password");
    let good = [
        BackupUnlock::Password { slot: USER, password: &password() },
        BackupUnlock::Password { slot: "bob", password: &bob },
        BackupUnlock::RecoveryCode(&code),
        BackupUnlock::Passphrase(&pp),
    ];
    for how in good {
        let u = BackupFile::open(&written.path, &Lower::Os).unwrap().unlock(how).unwrap();
        assert_eq!(u.meta(), b"meta");
        let db = u.read_only().unwrap();
        assert_eq!(rows(db.conn()).len(), 5);
        let err = db.conn().execute("DELETE FROM t", []).unwrap_err();
        assert!(
            err.to_string().contains("readonly")
                || err.to_string().contains("read-only")
                || err.to_string().contains("query_only"),
            "{err}"
        );
    }
    let wrong = SecretString::from("not the password");
    let bad = [
        BackupUnlock::Password { slot: USER, password: &wrong },
        BackupUnlock::Password { slot: "mallory", password: &password() },
        BackupUnlock::RecoveryCode(&wrong),
        BackupUnlock::Passphrase(&wrong),
        BackupUnlock::Passphrase(&password()),
    ];
    for how in bad {
        let err = BackupFile::open(&written.path, &Lower::Os).unwrap().unlock(how).unwrap_err();
        assert!(matches!(err, BackupError::WrongPassword), "{how:?}: {err:?}");
    }
    v.close().unwrap();
}

#[test]
fn a_backup_taken_while_writes_continue_holds_the_state_at_its_start() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, dest, target) = (tmp.path().join("v"), tmp.path().join("usb"), tmp.path().join("new"));
    std::fs::create_dir(&dest).unwrap();
    let v = create(&src, JournalMode::Wal);
    create_table(&v);
    insert_rows(&v, 1..=2000);
    let vault = Arc::new(Mutex::new(v));
    // Under the mutex, as the app holds it: the fence, and the model of
    // that moment.
    let (snap, model) = {
        let mut v = vault.lock().unwrap();
        let snap = v.snapshot().unwrap();
        (snap, rows(v.conn()))
    };
    let writer = {
        let vault = vault.clone();
        std::thread::spawn(move || {
            for batch in 0..40 {
                let v = vault.lock().unwrap();
                let first = 10_000 + batch * 10;
                insert_rows(&v, first..=first + 9);
                v.conn().execute("UPDATE t SET name = 'changed' WHERE id = ?1", [batch + 1]).unwrap();
            }
        })
    };
    let dest_spec = chartvault_seal::backup::Destination { dir: dest.clone(), lower: Lower::Os };
    let mut seen_copy = false;
    let mut progress = |p: chartvault_seal::backup::BackupProgress| {
        seen_copy |= p.phase == Phase::Copy && p.done > 0;
        std::thread::yield_now();
        ControlFlow::Continue(())
    };
    let written =
        snap.write(&dest_spec, "live.cvbackup", &common::backup::params(b"m", None), &no_check, &mut progress).unwrap();
    writer.join().unwrap();
    assert!(seen_copy);
    let live = vault.lock().unwrap();
    let live_rows = rows(live.conn());
    assert_eq!(live_rows.len(), 2000 + 400, "every row the writer committed is in the live vault");
    assert!(live.verify().unwrap().is_ok());
    drop(live);
    Arc::try_unwrap(vault).unwrap().into_inner().unwrap().close().unwrap();
    let vault = open(&src);
    assert_eq!(rows(vault.conn()), live_rows, "and survives closing");
    vault.close().unwrap();

    let (restored, _) = restore_fresh_machine(&written.path, &target);
    let mut got = rows(restored.conn());
    got.remove(0);
    assert_eq!(got, model, "the backup holds exactly the rows at the fence");
}

#[test]
fn closing_the_vault_cancels_a_running_backup_and_leaves_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, dest) = (tmp.path().join("v"), tmp.path().join("usb"));
    std::fs::create_dir(&dest).unwrap();
    let mut v = create(&src, JournalMode::Wal);
    create_table(&v);
    insert_rows(&v, 1..=3000);
    let snap = v.snapshot().unwrap();
    assert!(v.snapshot_running());
    assert!(matches!(v.snapshot(), Err(chartvault_seal::SealError::SnapshotInProgress)));
    assert!(matches!(v.rekey(), Err(chartvault_seal::SealError::SnapshotInProgress)));
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (go_on_tx, go_on_rx) = std::sync::mpsc::channel::<()>();
    let dest2 = dest.clone();
    let t = std::thread::spawn(move || {
        let spec = chartvault_seal::backup::Destination { dir: dest2, lower: Lower::Os };
        let mut first = true;
        let mut progress = |_p: chartvault_seal::backup::BackupProgress| {
            if first {
                first = false;
                started_tx.send(()).unwrap();
                let _ = go_on_rx.recv();
            }
            ControlFlow::Continue(())
        };
        snap.write(&spec, "x.cvbackup", &common::backup::params(b"m", None), &no_check, &mut progress)
    });
    started_rx.recv().unwrap();
    let closer = std::thread::spawn(move || v.close());
    std::thread::sleep(std::time::Duration::from_millis(50));
    go_on_tx.send(()).unwrap();
    let result = t.join().unwrap();
    assert!(matches!(result, Err(BackupError::Cancelled)), "{result:?}");
    closer.join().unwrap().unwrap();
    assert!(common::files_in(&dest).is_empty(), "no file is left: {:?}", common::files_in(&dest));
    let v = open(&src);
    assert_eq!(rows(v.conn()).len(), 3000);
}

#[test]
fn restore_over_a_vault_in_use_keeps_the_old_one_aside_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, dest) = (tmp.path().join("v"), tmp.path().join("usb"));
    std::fs::create_dir(&dest).unwrap();
    let mut v = create(&src, JournalMode::Wal);
    create_table(&v);
    insert_rows(&v, 1..=50);
    let written = backup_to(&mut v, &dest, "b.cvbackup", None).unwrap();
    insert_rows(&v, 51..=80);
    v.conn().execute("DELETE FROM t WHERE id <= 10", []).unwrap();
    let changed = rows(v.conn());
    let unlocked = unlock_with_password(&only_backup(&dest));
    unlocked.verify(&no_check, &mut go).unwrap();
    let staged = unlocked.stage_restore(&src, &Lower::Os, RestoreKeys::OfThatTime, &mut go).unwrap();
    assert!(staged.dir().starts_with(&src));
    // While the old vault is open a second opener is still refused.
    let held = v.close_keeping_hold().unwrap();
    assert!(matches!(common::try_open(&src), Err(chartvault_seal::SealError::InUse { .. })));
    let aside = staged.swap_in(held).unwrap();
    let restored = open(&src);
    assert_eq!(rows(restored.conn()).len(), 50);
    assert_eq!(rows(restored.conn())[0].0, 1);
    restored.close().unwrap();
    let old = open(&aside);
    assert_eq!(rows(old.conn()), changed, "the vault put aside is whole and opens");
    drop(old);
    drop(written);
}

#[test]
fn a_passphrase_restore_makes_new_keys_with_one_password_and_a_new_recovery_code() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, dest, target) = (tmp.path().join("v"), tmp.path().join("usb"), tmp.path().join("new"));
    std::fs::create_dir(&dest).unwrap();
    let mut v = create(&src, JournalMode::Wal);
    create_table(&v);
    insert_rows(&v, 1..=20);
    let pp = passphrase();
    let written = backup_to(&mut v, &dest, "p.cvbackup", Some(&pp)).unwrap();
    v.close().unwrap();
    let unlocked = BackupFile::open(&written.path, &Lower::Os).unwrap().unlock(BackupUnlock::Passphrase(&pp)).unwrap();
    assert!(!unlocked.opened_with_slots());
    let err = unlocked.stage_restore(&target, &Lower::Os, RestoreKeys::OfThatTime, &mut go).unwrap_err();
    assert!(err.to_string().contains("passphrase"), "{err}");
    let held = HeldDir::take(&target, &Lower::Os).unwrap();
    let new_pw = SecretString::from("the administrator's new password");
    let keys = RestoreKeys::Fresh { slot: "admin", password: &new_pw, kdf: Some(KdfParams::INSECURE_FAST) };
    let staged = unlocked.stage_restore(&target, &Lower::Os, keys, &mut go).unwrap();
    let code = SecretString::from(staged.recovery_code().unwrap().expose_secret().to_owned());
    staged.swap_in(held).unwrap();
    let by_pw =
        Vault::open(&target, Unlock::Password { slot: "admin", password: &new_pw }, &OpenOptions::default()).unwrap();
    assert_eq!(rows(by_pw.conn()).len(), 20);
    by_pw.close().unwrap();
    let by_code = Vault::open(&target, Unlock::RecoveryCode(&code), &OpenOptions::default()).unwrap();
    by_code.close().unwrap();
    assert!(common::try_open(&target).is_err(), "the old password does not open a vault with new keys");
}

#[test]
fn no_record_text_can_be_found_in_a_backup_file_or_a_restored_vault() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, dest, target) = (tmp.path().join("v"), tmp.path().join("usb"), tmp.path().join("new"));
    std::fs::create_dir(&dest).unwrap();
    let mut v = create(&src, JournalMode::Wal);
    create_table(&v);
    let canary = "CANARY-Zoë-Ångström-1906-12-09";
    for id in 1..=200 {
        v.conn()
            .execute(
                "INSERT INTO t(id, name, payload) VALUES (?1, ?2, ?3)",
                (id, format!("{canary}-{id}"), vec![0x41u8; 900]),
            )
            .unwrap();
    }
    let written = backup_to(&mut v, &dest, "leak.cvbackup", Some(&passphrase())).unwrap();
    v.close().unwrap();
    let needles: [&[u8]; 3] = [canary.as_bytes(), &[0x41u8; 64], b"CREATE TABLE"];
    let bytes = std::fs::read(&written.path).unwrap();
    for n in needles {
        assert!(!bytes.windows(n.len()).any(|w| w == n), "{:?} found in the backup", String::from_utf8_lossy(n));
    }
    let (restored, _) = restore_fresh_machine(&written.path, &target);
    restored.close().unwrap();
    for f in common::files_in(&target) {
        let b = std::fs::read(&f).unwrap();
        for n in needles {
            assert!(!b.windows(n.len()).any(|w| w == n), "{:?} found in {}", String::from_utf8_lossy(n), f.display());
        }
    }
}
