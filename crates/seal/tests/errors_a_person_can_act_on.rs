//! Each of these situations was once answered with a bare SQLite code or a
//! misleading message; each now has a specific error that says what
//! happened and what to do.

mod common;

use chartvault_seal::{
    CreateOptions, DB_FILE, JournalMode, KEYS_FILE, LOCK_FILE, OpenOptions, SealError, SecretString, Unlock, Vault,
};
use common::*;

#[test]
fn opening_a_folder_that_does_not_exist_says_so() {
    let parent = tempfile::tempdir().unwrap();
    let missing = parent.path().join("nowhere");
    let e = try_open(&missing).unwrap_err();
    assert!(matches!(&e, SealError::NoSuchDirectory(p) if p == &missing), "{e:?}");
    assert!(e.to_string().contains("does not exist"), "{e}");
    assert!(!missing.exists(), "nothing was created");
}

#[test]
fn opening_a_folder_without_a_vault_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let e = try_open(dir.path()).unwrap_err();
    assert!(matches!(e, SealError::NotAVault { .. }), "{e:?}");
    assert!(!dir.path().join(LOCK_FILE).exists(), "no lock file in a folder that holds no vault");
}

#[test]
fn the_recovery_slot_name_is_reserved_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let e = Vault::create(dir.path(), "recovery", &password(), &fast_opts(JournalMode::Wal)).unwrap_err();
    assert!(matches!(&e, SealError::ReservedSlotName(n) if n == "recovery"), "{e:?}");
    assert!(e.to_string().contains("reserved for the recovery code"), "{e}");
    let v = create(dir.path(), JournalMode::Wal);
    let e = v.add_password_slot("recovery", &password(), None).unwrap_err();
    assert!(matches!(e, SealError::ReservedSlotName(_)), "{e:?}");
}

#[test]
fn an_empty_password_is_refused_everywhere() {
    let empty = SecretString::from("");
    let dir = tempfile::tempdir().unwrap();
    let e = Vault::create(dir.path(), USER, &empty, &fast_opts(JournalMode::Wal)).unwrap_err();
    assert!(matches!(e, SealError::EmptySecret), "{e:?}");
    let v = create(dir.path(), JournalMode::Wal);
    assert!(matches!(v.add_password_slot("bob", &empty, None), Err(SealError::EmptySecret)));
    assert!(matches!(v.change_password(USER, &empty, None), Err(SealError::EmptySecret)));
    drop(v);
    let e = Vault::open(dir.path(), Unlock::Password { slot: USER, password: &empty }, &OpenOptions::default())
        .unwrap_err();
    assert!(matches!(e, SealError::EmptySecret), "{e:?}");
}

#[test]
fn kdf_parameters_below_the_floor_are_refused_for_new_slots_without_the_test_feature() {
    // This suite runs with the test-only feature (fast slots); the floor
    // itself is unit-tested in kdf.rs. Here: out-of-range parameters are
    // refused whatever the feature.
    let dir = tempfile::tempdir().unwrap();
    let bad = chartvault_seal::KdfParams { m_kib: 64, t: 0, p: 1 };
    let opts = CreateOptions { kdf: Some(bad), ..fast_opts(JournalMode::Wal) };
    let e = Vault::create(dir.path(), USER, &password(), &opts).unwrap_err();
    assert!(matches!(e, SealError::InvalidKdfParams(_)), "{e:?}");
}

#[test]
fn read_only_vault_files_are_named() {
    for name in [KEYS_FILE, DB_FILE] {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path(), JournalMode::Wal).close().unwrap();
        let path = dir.path().join(name);
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&path, perms.clone()).unwrap();
        let e = try_open(dir.path()).unwrap_err();
        assert!(matches!(&e, SealError::ReadOnly { path: p, .. } if p == &path), "{name}: {e:?}");
        assert!(e.to_string().contains("read-only"), "{e}");
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&path, perms).unwrap();
        open(dir.path());
    }
}

#[test]
fn a_read_only_vault_folder_is_named() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        create(dir.path(), JournalMode::Wal).close().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o500)).unwrap();
        // The superuser writes anywhere: the check cannot be seen there.
        let probe = dir.path().join("probe");
        if std::fs::write(&probe, b"").is_ok() {
            let _ = std::fs::remove_file(&probe);
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
            eprintln!("skipped: running as a user who can write in a read-only folder (root)");
            return;
        }
        let e = try_open(dir.path()).unwrap_err();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(matches!(&e, SealError::ReadOnly { path, .. } if path == dir.path()), "{e:?}");
    }
}

#[test]
fn a_database_cut_right_after_page_one_says_truncated_and_how_far() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = create(dir.path(), JournalMode::Wal);
    v.conn_mut().execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(20000));").unwrap();
    v.close().unwrap();
    let db = dir.path().join(DB_FILE);
    let len = std::fs::metadata(&db).unwrap().len();
    let pages = (len / 4096) as u32;
    std::fs::OpenOptions::new().write(true).open(&db).unwrap().set_len(4096).unwrap();
    let e = try_open(dir.path()).unwrap_err();
    match &e {
        SealError::DatabaseTruncated { len, first_missing, pages: p, .. } => {
            assert_eq!((*len, *first_missing, *p), (4096, 2, pages));
        }
        e => panic!("{e:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("truncated") && msg.contains("byte 4096") && msg.contains(&format!("its {pages} pages")),
        "{msg}"
    );
}

#[test]
fn a_slot_file_from_elsewhere_and_a_damaged_first_page_are_told_apart() {
    let ours = tempfile::tempdir().unwrap();
    let theirs = tempfile::tempdir().unwrap();
    for d in [&ours, &theirs] {
        let mut v = create(d.path(), JournalMode::Wal);
        v.conn_mut().execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(20000));").unwrap();
        v.close().unwrap();
    }
    // Their key-slot file beside our database: another vault.
    let mixed = tempfile::tempdir().unwrap();
    std::fs::copy(ours.path().join(DB_FILE), mixed.path().join(DB_FILE)).unwrap();
    std::fs::copy(theirs.path().join(KEYS_FILE), mixed.path().join(KEYS_FILE)).unwrap();
    assert!(matches!(try_open(mixed.path()), Err(SealError::SlotFileMismatch(_))));
    // Our database with its first 16 bytes flipped: damaged, ours.
    let db = ours.path().join(DB_FILE);
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[3] ^= 0xff;
    std::fs::write(&db, bytes).unwrap();
    let e = try_open(ours.path()).unwrap_err();
    assert!(matches!(e, SealError::DamagedFirstPage { .. }), "{e:?}");
    assert!(e.to_string().contains("first page of the database file"), "{e}");
}
