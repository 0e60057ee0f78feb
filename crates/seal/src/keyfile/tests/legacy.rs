//! Version-1 files, made with `crate::slots` as today's vaults make them.

use super::*;
use crate::slots;

/// A version-1 file with slots alice and recovery, a pending data key
/// (epoch 2) and 99 seals reserved; its vault key and data keys.
pub(super) fn v1_file() -> (Vec<u8>, Key256, Key256, Key256) {
    let (vk, dk, dk2) = (Key256::random().unwrap(), Key256::random().unwrap(), Key256::random().unwrap());
    let slots = vec![
        slots::Slot::new(&ID, "alice", SlotKind::Password, FAST, b"alice pw", &vk).unwrap(),
        slots::Slot::new(&ID, "recovery", SlotKind::RecoveryCode, FAST, CODE, &vk).unwrap(),
    ];
    let mut f = slots::SlotFile::new(ID, slots::DataKeyEntry::new(&vk, &ID, 1, &dk).unwrap(), slots);
    f.seals_reserved = 99;
    f.pending = Some(slots::DataKeyEntry::new(&vk, &ID, 2, &dk2).unwrap());
    (f.to_bytes(&vk), vk, dk, dk2)
}

#[test]
fn a_v1_file_opens_through_legacy_slots_with_the_same_keys() {
    let (bytes, vk, dk, dk2) = v1_file();
    let f = parse(&bytes);
    assert_eq!(f.read_version(), Some(1));
    assert_eq!((f.vault_id, f.journal_mode, f.seals_reserved, f.current.epoch), (ID, None, 99, 1));
    assert_eq!(f.pending.as_ref().map(|p| p.epoch), Some(2));
    assert!(f.slots.iter().all(Slot::is_legacy));
    f.verify_mac(&vk, path()).unwrap();
    assert!(f.verify_mac(&dk, path()).is_err());

    for (name, secret) in [("alice", &b"alice pw"[..]), ("recovery", CODE)] {
        let unlocked = f.slot(name).unwrap().unlock(&ID, secret).unwrap();
        assert!(matches!(&unlocked, UnlockedSlot::Legacy { vault_key, .. } if same(vault_key, &vk)), "{name}");
        let (v, d) = open(&f, &f.current, name, secret).unwrap();
        assert!(same(&v, &vk) && same(&d, &dk));
        let (_, d2) = open(&f, f.pending.as_ref().unwrap(), name, secret).unwrap();
        assert!(same(&d2, &dk2));
    }
    assert!(matches!(f.slot("alice").unwrap().unlock(&ID, b"wrong"), Err(SealError::WrongPassword)));
    let info = inspect_key_file(&bytes).unwrap();
    assert_eq!((info.version, info.epoch, info.pending_epoch), (1, 1, Some(2)));
    assert_eq!(info.legacy_slots, ["alice", "recovery"]);
}

#[test]
fn legacy_slots_are_upgraded_and_block_a_new_vault_key_until_then() {
    let (bytes, vk, dk, dk2) = v1_file();
    let mut f = parse(&bytes);
    // The vault secret, as alice's legacy slot derives it from the vault key.
    let unlocked = f.slot("alice").unwrap().unlock(&ID, b"alice pw").unwrap();
    let vs = unlocked.vault_secret();
    let fresh = (Key256::random().unwrap(), Key256::random().unwrap());
    let refused = |f: &KeyFile| match Generation::new(&ID, 3, &fresh.0, &fresh.1, vs, &f.slots) {
        Err(SealError::LegacySlots(names)) => names,
        other => panic!("{other:?}"),
    };
    assert_eq!(refused(&f), ["alice", "recovery"]);
    let legacy_alice = f.slot("alice").unwrap().clone();
    assert!(matches!(f.current.clone().seal_for(&ID, &legacy_alice, &vk, vs), Err(SealError::LegacySlots(_))));

    // A wrong vault key, a missing one for the pending generation, or a
    // vault secret not derived from the vault key, changes nothing.
    let wrong = Key256::random().unwrap();
    let up = |f: &mut KeyFile, name: &str, secret: &[u8], current: &Key256, pending: Option<&Key256>| {
        f.upgrade_slot(name, secret, current, pending, vs)
    };
    assert!(matches!(up(&mut f, "alice", b"alice pw", &wrong, Some(&vk)), Err(SealError::VaultKeyMismatch { .. })));
    assert!(matches!(up(&mut f, "alice", b"alice pw", &vk, None), Err(SealError::VaultKeyMismatch { epoch: 2 })));
    let other = VaultSecret::random().unwrap();
    assert!(matches!(
        f.upgrade_slot("alice", b"alice pw", &vk, Some(&vk), &other),
        Err(SealError::VaultSecretMismatch)
    ));
    let carol = Slot::new(&ID, "carol", SlotKind::Password, FAST, b"carol pw", &other).unwrap();
    assert!(matches!(f.put_slot(carol, &vk, Some(&vk), &other), Err(SealError::VaultSecretMismatch)));
    assert!(f.slot("alice").unwrap().is_legacy() && f.slot("carol").is_none());
    assert!(matches!(up(&mut f, "carol", b"x", &vk, Some(&vk)), Err(SealError::NoSuchSlot(_))));

    // Alice logs in and her slot gets a key pair.
    up(&mut f, "alice", b"alice pw", &vk, Some(&vk)).unwrap();
    let alice = f.slot("alice").unwrap();
    assert!(!alice.is_legacy());
    assert_eq!((alice.kind, alice.kdf), (legacy_alice.kind, legacy_alice.kdf));
    assert!(matches!(alice.unlock(&ID, b"alice pw").unwrap(), UnlockedSlot::KeyPair { .. }));
    assert_eq!(refused(&f), ["recovery"]);

    // Written as version 2: the upgraded slot opens through its seals, the
    // legacy one still through its own wrap; the journal mode stays unknown.
    let g = parse(&f.to_bytes(&vk));
    assert_eq!((g.read_version(), g.journal_mode), (Some(2), None));
    g.verify_mac(&vk, path()).unwrap();
    for (name, secret) in [("alice", &b"alice pw"[..]), ("recovery", CODE)] {
        let (v, d) = open(&g, &g.current, name, secret).unwrap_or_else(|| panic!("{name}"));
        assert!(same(&v, &vk) && same(&d, &dk));
        let (_, d2) = open(&g, g.pending.as_ref().unwrap(), name, secret).unwrap();
        assert!(same(&d2, &dk2));
    }
    assert_eq!(g.current.sealed_to().collect::<Vec<_>>(), ["alice"]);
    assert!(g.slot("recovery").unwrap().is_legacy());

    // Once the recovery slot is upgraded too, a new vault key can be made.
    let mut g = g;
    g.upgrade_slot("recovery", CODE, &vk, Some(&vk), vs).unwrap();
    let next = Generation::new(&ID, 3, &fresh.0, &fresh.1, vs, &g.slots).unwrap();
    g.current = next;
    g.pending = None;
    let h = parse(&g.to_bytes(&fresh.0));
    let (v, _) = open(&h, &h.current, "recovery", CODE).unwrap();
    assert!(same(&v, &fresh.0));
}

#[test]
fn a_v1_build_refuses_a_v2_file_as_a_newer_version() {
    let (f, vk, ..) = file_with(&["alice"]);
    assert!(matches!(
        slots::SlotFile::parse(&f.to_bytes(&vk), path()),
        Err(SealError::UnsupportedVersion { found: 2, supported: 1, .. })
    ));
}
