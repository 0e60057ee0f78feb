//! The vault secret: what an outsider lacks, and what every slot of a vault
//! holds, through upgrades and rotations.

use hkdf::Hkdf;

use super::legacy::v1_file;
use super::*;

/// The vault secret the slot `name` of `f` unlocks with `secret`, as bytes.
fn secret_of(f: &KeyFile, name: &str, secret: &[u8]) -> [u8; 32] {
    let unlocked = f.slot(name).unwrap_or_else(|| panic!("{name}")).unlock(&ID, secret).unwrap();
    *unlocked.vault_secret().expose_secret()
}

#[test]
fn an_outsider_cannot_seal_a_vault_key_a_slot_accepts() {
    let (real, vk, _, vs) = file_with(&["alice", "bob"]);
    let real_bytes = real.to_bytes(&vk);
    let users = [("alice", &b"alice pw"[..]), ("bob", b"bob pw"), ("recovery", CODE)];

    // The outsider can write the vault directory and read the real file:
    // the slots, their public keys and wrapped blobs, but no password.
    let seen = parse(&real_bytes);
    let (evil_vk, evil_dk) = (Key256::random().unwrap(), Key256::random().unwrap());
    let guessed = VaultSecret::random().unwrap();
    let epoch = seen.current.epoch + 1;
    let forgeries = [
        ("base mode", Generation::new_base_mode(&ID, epoch, &evil_vk, &evil_dk, &seen.slots).unwrap()),
        ("a wrong PSK", Generation::new(&ID, epoch, &evil_vk, &evil_dk, &guessed, &seen.slots).unwrap()),
    ];
    for (how, forged_generation) in forgeries {
        // A whole key file with the real slots, MACed under the outsider's
        // vault key: it parses and its MAC checks.
        let mut forged = seen.clone();
        forged.current = forged_generation;
        let forged = parse(&forged.to_bytes(&evil_vk));
        forged.verify_mac(&evil_vk, path()).unwrap();
        assert_eq!(forged.current.sealed_to().count(), 3, "{how}");
        for (name, secret) in users {
            let slot = forged.slot(name).unwrap();
            // The real password still unlocks the real slot...
            let unlocked = slot.unlock(&ID, secret).unwrap();
            assert!(same_secret(unlocked.vault_secret(), &vs));
            // ...but the outsider's seal does not open with it.
            assert!(forged.current.vault_key(&ID, slot, &unlocked).is_none(), "{how}: {name}");
            assert!(open(&forged, &forged.current, name, secret).is_none(), "{how}: {name}");
        }
    }

    // Control: the same forgery under the real vault secret, which only a
    // slot holder knows, does open. It is the secret that stops the outsider.
    let mut insider = seen.clone();
    insider.current = Generation::new(&ID, epoch, &evil_vk, &evil_dk, &vs, &seen.slots).unwrap();
    let insider = parse(&insider.to_bytes(&evil_vk));
    for (name, secret) in users {
        let (v, d) = open(&insider, &insider.current, name, secret).unwrap_or_else(|| panic!("{name}"));
        assert!(same(&v, &evil_vk) && same(&d, &evil_dk), "{name}");
    }
}

#[test]
fn the_vault_secret_survives_rotation_and_upgrade() {
    // A vault converted from version 1: its original (legacy) slots unlock
    // the secret derived from the vault key.
    let (bytes, vk, _, _) = v1_file();
    let mut f = parse(&bytes);
    let original = secret_of(&f, "alice", b"alice pw");
    assert_eq!(secret_of(&f, "recovery", CODE), original);

    // Alice's slot is upgraded; carol is added with the secret alice's
    // upgraded slot unlocks.
    let alice = f.slot("alice").unwrap().unlock(&ID, b"alice pw").unwrap();
    f.upgrade_slot("alice", b"alice pw", &vk, Some(&vk), alice.vault_secret()).unwrap();
    let mut f = parse(&f.to_bytes(&vk));
    let alice = f.slot("alice").unwrap().unlock(&ID, b"alice pw").unwrap();
    assert!(matches!(alice, UnlockedSlot::KeyPair { .. }));
    assert_eq!(*alice.vault_secret().expose_secret(), original, "upgraded slot");
    let carol = Slot::new(&ID, "carol", SlotKind::Password, FAST, b"carol pw", alice.vault_secret()).unwrap();
    f.put_slot(carol, &vk, Some(&vk), alice.vault_secret()).unwrap();
    assert_eq!(secret_of(&f, "carol", b"carol pw"), original, "new slot");
    assert_eq!(secret_of(&f, "recovery", CODE), original, "legacy slot still");

    // The recovery slot is upgraded too; then a rotation drops carol and
    // seals a fresh vault key to alice and recovery under the same secret.
    let recovery = f.slot("recovery").unwrap().unlock(&ID, CODE).unwrap();
    f.upgrade_slot("recovery", CODE, &vk, Some(&vk), recovery.vault_secret()).unwrap();
    f.remove_slot("carol").unwrap();
    let (vk2, dk2) = (Key256::random().unwrap(), Key256::random().unwrap());
    f.current = Generation::new(&ID, 3, &vk2, &dk2, alice.vault_secret(), &f.slots).unwrap();
    f.pending = None;
    let mut f = parse(&f.to_bytes(&vk2));
    for (name, secret) in [("alice", &b"alice pw"[..]), ("recovery", CODE)] {
        assert_eq!(secret_of(&f, name, secret), original, "{name} after rotation");
        let (v, d) = open(&f, &f.current, name, secret).unwrap_or_else(|| panic!("{name}"));
        assert!(same(&v, &vk2) && same(&d, &dk2), "{name}");
    }

    // A slot added after the rotation, and a password change, keep it.
    let recovery = f.slot("recovery").unwrap().unlock(&ID, CODE).unwrap();
    let dave = Slot::new(&ID, "dave", SlotKind::Password, FAST, b"dave pw", recovery.vault_secret()).unwrap();
    f.put_slot(dave, &vk2, None, recovery.vault_secret()).unwrap();
    f.upgrade_slot("alice", b"new alice pw", &vk2, None, recovery.vault_secret()).unwrap();
    let f = parse(&f.to_bytes(&vk2));
    for (name, secret) in [("alice", &b"new alice pw"[..]), ("dave", b"dave pw"), ("recovery", CODE)] {
        assert_eq!(secret_of(&f, name, secret), original, "{name}");
        assert!(open(&f, &f.current, name, secret).is_some_and(|(v, _)| same(&v, &vk2)), "{name}");
    }

    // A vault made as version 2: original, new and re-made slots alike,
    // across a rotation.
    let (mut g, vk, _, vs) = file_with(&["alice", "bob"]);
    g.put_slot(password_slot("carol", "carol pw", &vs), &vk, None, &vs).unwrap();
    g.upgrade_slot("bob", b"new bob pw", &vk, None, &vs).unwrap();
    g.remove_slot("alice").unwrap();
    let (vk2, dk2) = (Key256::random().unwrap(), Key256::random().unwrap());
    g.current = Generation::new(&ID, 2, &vk2, &dk2, &vs, &g.slots).unwrap();
    let g = parse(&g.to_bytes(&vk2));
    for (name, secret) in [("bob", &b"new bob pw"[..]), ("carol", b"carol pw"), ("recovery", CODE)] {
        assert_eq!(&secret_of(&g, name, secret), vs.expose_secret(), "{name}");
        assert!(open(&g, &g.current, name, secret).is_some_and(|(v, _)| same(&v, &vk2)), "{name}");
    }
}

#[test]
fn a_legacy_converted_vault_derives_the_same_secret_on_every_upgrade() {
    let (bytes, vk, _, _) = v1_file();
    // The derivation, as documented: HKDF-SHA-256(salt vault id, key the
    // version-1 vault key, info "chartvault vault secret from v1").
    let mut expected = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&ID), vk.expose_secret())
        .expand(b"chartvault vault secret from v1", &mut expected)
        .unwrap();
    assert_eq!(VaultSecret::from_v1_vault_key(&vk, &ID).expose_secret(), &expected);

    // Two copies of the same converted file, upgraded in opposite orders,
    // each upgrade in a session of its own: every slot, legacy or
    // upgraded, unlocks the same secret.
    let order = [[("alice", &b"alice pw"[..]), ("recovery", CODE)], [("recovery", CODE), ("alice", b"alice pw")]];
    for upgrades in order {
        let mut bytes = bytes.clone();
        for (name, secret) in upgrades {
            let mut f = parse(&bytes);
            let unlocked = f.slot(name).unwrap().unlock(&ID, secret).unwrap();
            assert!(matches!(unlocked, UnlockedSlot::Legacy { .. }), "{name}");
            assert_eq!(unlocked.vault_secret().expose_secret(), &expected, "{name} before");
            f.upgrade_slot(name, secret, &vk, Some(&vk), unlocked.vault_secret()).unwrap();
            bytes = f.to_bytes(&vk);
            assert_eq!(secret_of(&parse(&bytes), name, secret), expected, "{name} after");
        }
        let f = parse(&bytes);
        assert!(f.slots.iter().all(|s| !s.is_legacy()));
        for (name, secret) in upgrades {
            assert_eq!(secret_of(&f, name, secret), expected, "{name}");
            assert!(open(&f, &f.current, name, secret).is_some_and(|(v, _)| same(&v, &vk)), "{name}");
        }
    }

    // Another vault, or another vault key, derives another secret.
    let (_, other_vk, _, _) = v1_file();
    assert_ne!(VaultSecret::from_v1_vault_key(&other_vk, &ID).expose_secret(), &expected);
    assert_ne!(VaultSecret::from_v1_vault_key(&vk, &[8u8; VAULT_ID_LEN]).expose_secret(), &expected);
}
