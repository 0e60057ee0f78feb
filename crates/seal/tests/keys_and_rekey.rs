//! Key slots and rekey: slot changes rewrite only the slot file; rekey
//! reseals every page; a crash at any step of either leaves a vault that
//! opens with the old or the new secret and loses nothing.

mod common;

use std::path::Path;

use chartvault_seal::{JournalMode, OpenOptions, RekeyStep, SealError, SecretString, SlotKind, Unlock, Vault};
use common::*;

fn fill(v: &mut Vault, rows: i64) {
    let tx = v.conn_mut().transaction().unwrap();
    tx.execute_batch("CREATE TABLE IF NOT EXISTS notes(id INTEGER PRIMARY KEY, body TEXT)").unwrap();
    for i in 0..rows {
        tx.execute("INSERT INTO notes(body) VALUES (?1)", [format!("note {i} {}", "x".repeat((i % 50) as usize * 40))])
            .unwrap();
    }
    tx.commit().unwrap();
}

fn count(v: &Vault) -> i64 {
    v.conn().query_row("SELECT count(*) FROM notes", [], |r| r.get(0)).unwrap()
}

fn open_with(dir: &Path, slot: &str, pw: &str) -> chartvault_seal::Result<Vault> {
    let pw = SecretString::from(pw.to_owned());
    Vault::open(dir, Unlock::Password { slot, password: &pw }, &OpenOptions::default())
}

fn copy_dir(from: &Path, to: &Path) {
    for f in files_in(from) {
        std::fs::copy(&f, to.join(f.file_name().unwrap())).unwrap();
    }
}

#[test]
fn slot_changes_rewrite_only_the_slot_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = create(dir.path(), JournalMode::Wal);
    fill(&mut v, 50);
    v.close().unwrap();
    let db_before = std::fs::read(dir.path().join("vault.cvdb")).unwrap();

    let v = open(dir.path());
    v.add_password_slot("bob", &SecretString::from("bob's long passphrase"), None).unwrap();
    assert!(matches!(v.add_password_slot("bob", &SecretString::from("again"), None), Err(SealError::SlotExists(_))));
    v.change_password(USER, &SecretString::from("alice's new passphrase"), None).unwrap();
    let names: Vec<String> = v.slots().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["alice", "recovery", "bob"]);
    assert!(v.slots().iter().any(|s| s.kind == SlotKind::RecoveryCode));
    v.close().unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("vault.cvdb")).unwrap(),
        db_before,
        "slot changes must not touch the database"
    );

    assert!(matches!(open_with(dir.path(), USER, "correct horse battery staple"), Err(SealError::WrongPassword)));
    let v = open_with(dir.path(), USER, "alice's new passphrase").unwrap();
    assert_eq!(count(&v), 50);
    v.remove_slot("bob").unwrap();
    assert!(matches!(v.remove_slot("bob"), Err(SealError::NoSuchSlot(_))));
    v.close().unwrap();
    assert!(matches!(open_with(dir.path(), "bob", "bob's long passphrase"), Err(SealError::NoSuchSlot(_))));
}

#[test]
fn the_last_slot_cannot_be_removed() {
    let dir = tempfile::tempdir().unwrap();
    let v = create(dir.path(), JournalMode::Wal);
    v.remove_slot("recovery").unwrap();
    assert!(matches!(v.remove_slot(USER), Err(SealError::LastSlot)));
}

#[test]
fn recovery_code_opens_the_vault_and_can_be_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, code) = Vault::create(dir.path(), USER, &password(), &fast_opts(JournalMode::Wal)).unwrap();
    fill(&mut v, 10);
    v.close().unwrap();
    // Typed in lower case with spaces instead of dashes.
    let typed = SecretString::from(code.expose_secret().to_lowercase().replace('-', " "));
    let v = Vault::open(dir.path(), Unlock::RecoveryCode(&typed), &OpenOptions::default()).unwrap();
    assert_eq!(count(&v), 10);
    let new_code = v.replace_recovery_code().unwrap();
    v.close().unwrap();
    let old = SecretString::from(code.expose_secret().to_owned());
    assert!(matches!(
        Vault::open(dir.path(), Unlock::RecoveryCode(&old), &OpenOptions::default()),
        Err(SealError::WrongPassword)
    ));
    let new = SecretString::from(new_code.expose_secret().to_owned());
    assert!(Vault::open(dir.path(), Unlock::RecoveryCode(&new), &OpenOptions::default()).is_ok());
}

#[test]
fn an_interrupted_slot_file_write_leaves_the_old_file_in_force() {
    let dir = tempfile::tempdir().unwrap();
    create(dir.path(), JournalMode::Wal).close().unwrap();
    // What a crash between writing and renaming the temporary leaves.
    std::fs::write(dir.path().join("vault.keys.tmp"), b"half a slot file").unwrap();
    let v = open(dir.path());
    v.add_password_slot("carol", &SecretString::from("carol's passphrase!"), None).unwrap();
    v.close().unwrap();
    assert!(open_with(dir.path(), "carol", "carol's passphrase!").is_ok());
}

#[test]
fn seal_count_is_recorded_ahead_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = create(dir.path(), JournalMode::Wal);
    fill(&mut v, 500);
    let used = v.seals_used();
    assert!(used > 0);
    assert!(v.crypto_stats().seals > 0);
    assert!(!v.rekey_due());
    v.close().unwrap();
    let v = open(dir.path());
    assert!(v.seals_used() >= used, "the persisted count must never go backwards");
}

fn rekey_round_trip(mode: JournalMode) {
    let dir = tempfile::tempdir().unwrap();
    let mut v = create(dir.path(), mode);
    fill(&mut v, 400);
    let before = std::fs::read(dir.path().join("vault.cvdb")).unwrap();
    v.rekey().unwrap();
    assert_eq!(count(&v), 400);
    fill(&mut v, 10);
    let mode_after: String = v.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode_after.eq_ignore_ascii_case("wal"), mode == JournalMode::Wal);
    v.close().unwrap();
    let after = std::fs::read(dir.path().join("vault.cvdb")).unwrap();
    // Every page resealed: no 28-byte nonce+tag survives from before.
    let tails = |b: &[u8]| b.chunks(4096).map(|p| p[4068..].to_vec()).collect::<std::collections::HashSet<_>>();
    assert!(tails(&before).is_disjoint(&tails(&after)));
    let v = open(dir.path());
    assert_eq!(count(&v), 410);
    assert!(v.verify().unwrap().is_ok());
    assert!(!dir.path().join("vault.cvdb.rekey").exists());
}

#[test]
fn rekey_reseals_every_page_wal() {
    rekey_round_trip(JournalMode::Wal);
}

#[test]
fn rekey_reseals_every_page_rollback_journal() {
    rekey_round_trip(JournalMode::Delete);
}

#[test]
fn a_crash_at_any_step_of_rekey_leaves_an_openable_vault_with_all_data() {
    for step in [RekeyStep::PendingKeyWritten, RekeyStep::CopyWritten, RekeyStep::OldClosed, RekeyStep::Swapped] {
        for mode in [JournalMode::Wal, JournalMode::Delete] {
            let dir = tempfile::tempdir().unwrap();
            let mut v = create(dir.path(), mode);
            fill(&mut v, 300);
            v.rekey_stopping_after(Some(step)).unwrap();
            // The files as a crash at this step leaves them.
            let crashed = tempfile::tempdir().unwrap();
            copy_dir(dir.path(), crashed.path());
            drop(v);
            let v = open(crashed.path());
            assert_eq!(count(&v), 300, "{step:?} {mode:?}");
            assert!(v.verify().unwrap().is_ok(), "{step:?} {mode:?}");
            assert!(!crashed.path().join("vault.cvdb.rekey").exists(), "{step:?} {mode:?}: leftover copy removed");
            v.close().unwrap();
            // And a later rekey still works.
            let mut v = open(crashed.path());
            v.rekey().unwrap();
            assert_eq!(count(&v), 300);
        }
    }
}

#[test]
fn check_password_tells_the_right_password_without_closing_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let v = create(dir.path(), JournalMode::Wal);
    v.check_password(USER, &password()).unwrap();
    let wrong = SecretString::from("not the password");
    assert!(matches!(v.check_password(USER, &wrong), Err(SealError::WrongPassword)));
    assert!(matches!(v.check_password("nobody", &wrong), Err(SealError::NoSuchSlot(_))));
    assert!(matches!(v.check_password("recovery", &wrong), Err(SealError::NoSuchSlot(_))));
    // Still open and usable.
    v.conn().execute_batch("CREATE TABLE t(x)").unwrap();
}
