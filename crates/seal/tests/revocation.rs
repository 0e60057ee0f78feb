//! Revocation that holds: after a rotation of the vault key, an old copy of
//! the key-slot file (a backup drive, a copied folder, a snapshot) with a
//! removed user's password, an old password or an old recovery code opens
//! nothing written afterwards. And vaults from before key pairs (key-slot
//! file version 1) are migrated slot by slot.
//!
//! Here the old file is put beside today's database; the stronger attack
//! (the old slot's vault key tried on today's key-slot file) needs the
//! crate's internals and is `vault::key_attack_tests`.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};

use chartvault_seal::testkit::rewrite_key_file_as_v1;
use chartvault_seal::{
    DB_FILE, JournalMode, KEYS_FILE, KdfParams, OpenOptions, RekeyProgress, RekeyStep, SealError, SecretString,
    SlotKind, Unlock, Vault, inspect_key_file,
};
use common::*;

fn secret(code: &chartvault_seal::RecoveryCode) -> SecretString {
    SecretString::from(code.expose_secret().to_owned())
}

fn pw(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn open_as(dir: &Path, slot: &str, password: &str) -> chartvault_seal::Result<Vault> {
    Vault::open(dir, Unlock::Password { slot, password: &pw(password) }, &OpenOptions::default())
}

fn insert(v: &Vault, what: &str) {
    v.conn().execute_batch("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, body TEXT)").unwrap();
    for i in 0..30 {
        v.conn().execute("INSERT INTO t(body) VALUES (?1)", [format!("{what} {i} {}", "x".repeat(300))]).unwrap();
    }
}

/// Today's database beside an old key-slot file, in a fresh folder: what
/// someone who kept the old file and later copies the vault holds.
fn old_keys_with_new_db(dir: &Path, old_keys: &[u8]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(dir.join(DB_FILE), d.path().join(DB_FILE)).unwrap();
    std::fs::write(d.path().join(KEYS_FILE), old_keys).unwrap();
    d
}

fn assert_opens_nothing(r: chartvault_seal::Result<Vault>, what: &str) {
    match r {
        Ok(v) => {
            let n = v.conn().query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0));
            panic!("{what}: the old key-slot file opened the rotated vault ({n:?} rows)");
        }
        // The database does not open under the old keys (page 1 fails).
        Err(SealError::DamagedFirstPage { .. } | SealError::TamperedPage { .. }) => {}
        Err(e) => panic!("{what}: unexpected error {e:?}"),
    }
}

#[test]
fn after_a_rotation_a_removed_users_old_key_file_opens_nothing_written_since() {
    let dir = tempfile::tempdir().unwrap();
    let (v, code) = Vault::create(dir.path(), USER, &password(), &fast_opts(JournalMode::Wal)).unwrap();
    v.add_password_slot("bob", &pw("bob's passphrase"), None).unwrap();
    insert(&v, "before");
    let old_keys = std::fs::read(dir.path().join(KEYS_FILE)).unwrap();

    // Removed without rotation: bob's old copy still opens everything.
    v.remove_slot("bob").unwrap();
    v.close().unwrap();
    let copy = old_keys_with_new_db(dir.path(), &old_keys);
    open_as(copy.path(), "bob", "bob's passphrase").expect("without a rotation, an old copy still opens");
    drop(copy);

    let mut v = open(dir.path());
    v.rotate_keys(None, None).unwrap();
    insert(&v, "after");
    v.close().unwrap();
    let copy = old_keys_with_new_db(dir.path(), &old_keys);
    assert_opens_nothing(open_as(copy.path(), "bob", "bob's passphrase"), "bob");
    assert_opens_nothing(open_as(copy.path(), USER, "correct horse battery staple"), "alice's old copy");
    assert_opens_nothing(
        Vault::open(copy.path(), Unlock::RecoveryCode(&secret(&code)), &OpenOptions::default()),
        "recovery",
    );
    // The current file: bob is gone, alice and the recovery code open it.
    assert!(matches!(open_as(dir.path(), "bob", "bob's passphrase"), Err(SealError::NoSuchSlot(_))));
    let v = open(dir.path());
    assert_eq!(v.conn().query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0)).unwrap(), 60);
    drop(v);
    Vault::open(dir.path(), Unlock::RecoveryCode(&secret(&code)), &OpenOptions::default()).unwrap();
}

#[test]
fn removing_a_slot_with_rotation_is_one_step_and_reports_progress() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = create(dir.path(), JournalMode::Delete);
    v.add_password_slot("bob", &pw("bob's passphrase"), None).unwrap();
    insert(&v, "rows");
    let old_keys = std::fs::read(dir.path().join(KEYS_FILE)).unwrap();
    let pages: i64 = v.conn().query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    let seen = Arc::new(Mutex::new(Vec::<RekeyProgress>::new()));
    let log = seen.clone();
    let mut progress = move |p: RekeyProgress| log.lock().unwrap().push(p);
    v.rotate_keys(Some("bob"), Some(&mut progress)).unwrap();
    let seen = seen.lock().unwrap().clone();
    let last = seen.last().expect("progress was reported");
    assert_eq!(last.pages_total, pages as u64);
    assert!(last.pages_done > 0 && last.pages_done <= last.pages_total, "{last:?}");
    assert!(seen.windows(2).all(|w| w[0].pages_done <= w[1].pages_done), "progress only grows");
    assert!(v.slots().iter().all(|s| s.name != "bob"));
    insert(&v, "after");
    v.close().unwrap();
    let copy = old_keys_with_new_db(dir.path(), &old_keys);
    assert_opens_nothing(open_as(copy.path(), "bob", "bob's passphrase"), "bob after remove-and-rotate");
    // The last slot cannot be rotated away.
    let mut v = open(dir.path());
    v.remove_slot("recovery").unwrap();
    assert!(matches!(v.rotate_keys(Some(USER), None), Err(SealError::LastSlot)));
}

#[test]
fn a_changed_password_or_recovery_code_opens_no_old_copy_after_a_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let (v, old_code) = Vault::create(dir.path(), USER, &password(), &fast_opts(JournalMode::Wal)).unwrap();
    insert(&v, "rows");
    let old_keys = std::fs::read(dir.path().join(KEYS_FILE)).unwrap();
    v.change_password(USER, &pw("a new and longer passphrase"), None).unwrap();
    let new_code = v.replace_recovery_code().unwrap();
    // The old password no longer opens the current file ...
    drop(v);
    assert!(matches!(open_as(dir.path(), USER, "correct horse battery staple"), Err(SealError::WrongPassword)));
    assert!(matches!(
        Vault::open(dir.path(), Unlock::RecoveryCode(&secret(&old_code)), &OpenOptions::default()),
        Err(SealError::WrongPassword)
    ));
    // ... and after a rotation, not the old copy beside today's database.
    let mut v = open_as(dir.path(), USER, "a new and longer passphrase").unwrap();
    v.rotate_keys(None, None).unwrap();
    v.close().unwrap();
    let copy = old_keys_with_new_db(dir.path(), &old_keys);
    assert_opens_nothing(open_as(copy.path(), USER, "correct horse battery staple"), "old password");
    assert_opens_nothing(
        Vault::open(copy.path(), Unlock::RecoveryCode(&secret(&old_code)), &OpenOptions::default()),
        "old recovery code",
    );
    Vault::open(dir.path(), Unlock::RecoveryCode(&secret(&new_code)), &OpenOptions::default()).unwrap();
}

#[test]
fn a_rotation_interrupted_at_any_step_is_finished_or_run_again_at_the_next_open() {
    for mode in [JournalMode::Wal, JournalMode::Delete] {
        for step in [RekeyStep::PendingKeyWritten, RekeyStep::CopyWritten, RekeyStep::OldClosed, RekeyStep::Swapped] {
            let dir = tempfile::tempdir().unwrap();
            let mut v = create(dir.path(), mode);
            v.add_password_slot("bob", &pw("bob's passphrase"), None).unwrap();
            insert(&v, "rows");
            let old_keys = std::fs::read(dir.path().join(KEYS_FILE)).unwrap();
            v.rotate_keys_stopping_after(Some("bob"), Some(step)).unwrap();
            drop(v);
            let v = open(dir.path());
            assert_eq!(v.data_key_epoch(), 2, "{mode:?} {step:?}");
            assert!(v.slots().iter().all(|s| s.name != "bob"), "{mode:?} {step:?}");
            assert_eq!(v.conn().query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0)).unwrap(), 30);
            assert!(v.verify().unwrap().is_pristine(), "{mode:?} {step:?}");
            v.close().unwrap();
            let copy = old_keys_with_new_db(dir.path(), &old_keys);
            assert_opens_nothing(open_as(copy.path(), "bob", "bob's passphrase"), &format!("{mode:?} {step:?}"));
        }
    }
}

#[test]
fn a_version_1_vault_is_migrated_slot_by_slot_and_rotates_once_every_slot_has_a_key_pair() {
    let dir = tempfile::tempdir().unwrap();
    let (v, code) = Vault::create(dir.path(), USER, &password(), &fast_opts(JournalMode::Wal)).unwrap();
    insert(&v, "rows");
    v.close().unwrap();
    let bob = pw("bob's passphrase");
    rewrite_key_file_as_v1(
        dir.path(),
        Unlock::Password { slot: USER, password: &password() },
        &[
            (USER, SlotKind::Password, &password()),
            ("bob", SlotKind::Password, &bob),
            ("recovery", SlotKind::RecoveryCode, &secret(&code)),
        ],
        KdfParams::INSECURE_FAST,
    )
    .unwrap();
    let info = inspect_key_file(&std::fs::read(dir.path().join(KEYS_FILE)).unwrap()).unwrap();
    assert_eq!((info.version, info.legacy_slots.len()), (1, 3));

    let mut v = open(dir.path());
    let info = inspect_key_file(&std::fs::read(dir.path().join(KEYS_FILE)).unwrap()).unwrap();
    assert_eq!(info.version, 2, "written in the new format at the first open");
    assert_eq!(info.journal_mode, Some(JournalMode::Wal), "the database's mode recorded");
    assert_eq!(v.legacy_slots(), vec!["bob".to_owned(), "recovery".to_owned()]);
    match v.rotate_keys(None, None) {
        Err(e @ SealError::LegacySlots(_)) => assert!(e.to_string().contains("bob"), "{e}"),
        other => panic!("{other:?}"),
    }
    // A plain rekey needs no key pairs: legacy slots hold the same vault key.
    v.rekey().unwrap();
    v.close().unwrap();
    open_as(dir.path(), "bob", "bob's passphrase").unwrap().close().unwrap();
    let mut v = Vault::open(dir.path(), Unlock::RecoveryCode(&secret(&code)), &OpenOptions::default()).unwrap();
    assert!(v.legacy_slots().is_empty());
    v.rotate_keys(None, None).unwrap();
    v.close().unwrap();
    for (slot, p) in [(USER, "correct horse battery staple"), ("bob", "bob's passphrase")] {
        let v = open_as(dir.path(), slot, p).unwrap();
        assert_eq!(v.conn().query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0)).unwrap(), 30);
    }
}
