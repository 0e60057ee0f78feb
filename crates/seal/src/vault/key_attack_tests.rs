//! Attacks on the keys, played with the crate's own parts. Revocation: a
//! removed user keeps an old copy of the key-slot file and reads the
//! current one from the vault folder. Through their old slot they reach the
//! old vault key; the current file's data key is wrapped under the current
//! vault key. Without a rotation the two are the same.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use crate::keyfile::KeyFile;
use crate::names::keys_path;
use crate::{CreateOptions, JournalMode, KdfParams, Vault};

fn key_file(dir: &Path) -> KeyFile {
    let path = keys_path(dir);
    KeyFile::parse(&std::fs::read(&path).unwrap(), &path).unwrap()
}

/// Whether bob's slot in `old` (with his password) reaches the data key of
/// `current`'s current generation.
fn bob_reads(old: &KeyFile, current: &KeyFile, password: &SecretString) -> bool {
    let slot = old.slot("bob").unwrap();
    let unlocked = slot.unlock(&old.vault_id, password.expose_secret().as_bytes()).unwrap();
    let old_vault_key = old.current.vault_key(&old.vault_id, slot, &unlocked).unwrap();
    current.current.data_key(&current.vault_id, &old_vault_key).is_ok()
}

#[test]
fn a_removed_users_old_slot_reaches_the_current_data_key_until_a_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let opts = CreateOptions {
        kdf: Some(KdfParams::INSECURE_FAST),
        journal_mode: JournalMode::Wal,
        ..CreateOptions::default()
    };
    let (mut v, _) = Vault::create(dir.path(), "alice", &SecretString::from("alice's passphrase"), &opts).unwrap();
    let bob = SecretString::from("bob's passphrase");
    v.add_password_slot("bob", &bob, None).unwrap();
    let old = key_file(dir.path());

    // Removed, then even rekeyed: the vault key stays, so bob still reads.
    v.remove_slot("bob").unwrap();
    v.rekey().unwrap();
    assert!(bob_reads(&old, &key_file(dir.path()), &bob), "without a rotation the old slot still reaches the data");

    v.rotate_keys(None, None).unwrap();
    assert!(!bob_reads(&old, &key_file(dir.path()), &bob), "after a rotation it reaches nothing");
    v.conn().execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);").unwrap();
    v.rekey().unwrap();
    assert!(!bob_reads(&old, &key_file(dir.path()), &bob), "nor after later rekeys");
}

#[test]
fn an_unknown_slot_costs_the_same_argon2id_run_as_a_wrong_password() {
    use crate::{OpenOptions, SealError, Unlock};
    let dir = tempfile::tempdir().unwrap();
    let opts = CreateOptions {
        kdf: Some(KdfParams::INSECURE_FAST),
        journal_mode: JournalMode::Wal,
        ..CreateOptions::default()
    };
    Vault::create(dir.path(), "alice", &SecretString::from("alice's passphrase"), &opts).unwrap().0.close().unwrap();
    let runs = || crate::kdf::RUNS.with(|r| r.get());
    let wrong = SecretString::from("not it");
    for (slot, expect_unknown) in [("alice", false), ("mallory", true)] {
        let before = runs();
        let e =
            Vault::open(dir.path(), Unlock::Password { slot, password: &wrong }, &OpenOptions::default()).unwrap_err();
        assert_eq!(matches!(e, SealError::NoSuchSlot(_)), expect_unknown, "{e:?}");
        assert_eq!(runs() - before, 1, "{slot}: one Argon2id run");
    }
}
