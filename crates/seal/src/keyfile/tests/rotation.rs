//! Rotating the vault key cuts off a removed slot's old copy of the file.

use super::*;

#[test]
fn rotation_holds_against_a_removed_users_old_copy() {
    let (a, vk1, dk1, vs) = file_with(&["alice", "bob"]);
    let file_a = a.to_bytes(&vk1);

    // The administrator removes bob and seals a fresh vault key and data
    // key to the remaining slots: no password is needed.
    let mut b = parse(&file_a);
    b.remove_slot("bob").unwrap();
    let (vk2, dk2) = (Key256::random().unwrap(), Key256::random().unwrap());
    let next = Generation::new(&ID, b.current.epoch + 1, &vk2, &dk2, &vs, &b.slots).unwrap();
    b.current = next;
    let file_b = b.to_bytes(&vk2);
    let b = parse(&file_b);
    b.verify_mac(&vk2, path()).unwrap();
    assert!(b.verify_mac(&vk1, path()).is_err());
    assert_eq!(b.current.sealed_to().collect::<Vec<_>>(), ["alice", "recovery"]);
    assert!(b.slot("bob").is_none());

    // Bob's old copy yields only the old keys.
    let old = parse(&file_a);
    let (v, d) = open(&old, &old.current, "bob", b"bob pw").unwrap();
    assert!(same(&v, &vk1) && same(&d, &dk1));
    assert!(!same(&v, &vk2) && !same(&d, &dk2));

    // Nothing bob holds opens file B's current generation: his private key
    // against every seal of B, his old vault key as a legacy key, against
    // every slot of B.
    let bob_old = old.slot("bob").unwrap();
    let UnlockedSlot::KeyPair { private: bob_private, vault_secret: bob_secret } =
        bob_old.unlock(&ID, b"bob pw").unwrap()
    else {
        panic!("key pair")
    };
    // The vault secret survives the rotation, so bob still knows it: what
    // stops him is that nothing in B is sealed to a key he holds.
    assert!(same_secret(&bob_secret, &vs));
    let as_key_pair = UnlockedSlot::KeyPair {
        private: Key256::from_bytes(*bob_private.expose_secret()),
        vault_secret: VaultSecret::from_bytes(*bob_secret.expose_secret()),
    };
    let as_legacy = UnlockedSlot::Legacy {
        vault_key: Key256::from_bytes(*vk1.expose_secret()),
        vault_secret: VaultSecret::from_bytes(*bob_secret.expose_secret()),
    };
    for slot in b.slots.iter().chain([bob_old]) {
        for unlocked in [&as_key_pair, &as_legacy] {
            assert!(b.current.vault_key(&ID, slot, unlocked).is_none(), "{} with {unlocked:?}", slot.name);
        }
    }
    // Bob's slot presented under each remaining name: the name is bound.
    for name in ["alice", "recovery"] {
        let mut renamed = bob_old.clone();
        renamed.name = name.to_owned();
        assert!(b.current.vault_key(&ID, &renamed, &as_key_pair).is_none(), "as {name}");
    }
    assert!(matches!(b.current.data_key(&ID, &vk1), Err(SealError::VaultKeyMismatch { epoch: 2 })));

    // The remaining slots open B, with the slots they had in A.
    for (name, secret) in [("alice", &b"alice pw"[..]), ("recovery", CODE)] {
        let (v, d) = open(&b, &b.current, name, secret).unwrap_or_else(|| panic!("{name} opens B"));
        assert!(same(&v, &vk2) && same(&d, &dk2), "{name}");
    }
}

#[test]
fn a_changed_password_gets_a_new_key_pair_the_old_one_cannot_follow() {
    let (mut f, vk1, _, vs) = file_with(&["alice", "bob"]);
    let old_bytes = f.to_bytes(&vk1);
    let old = parse(&old_bytes);
    let old_slot = old.slot("alice").unwrap();
    let old_unlocked = old_slot.unlock(&ID, b"alice pw").unwrap();

    f.put_slot(password_slot("alice", "new alice pw", &vs), &vk1, None, &vs).unwrap();
    assert_ne!(f.slot("alice").unwrap().public_key(), old_slot.public_key());
    // The current generation opens with the new password (and no longer
    // with the old one through the new slot).
    assert!(open(&f, &f.current, "alice", b"new alice pw").is_some_and(|(v, _)| same(&v, &vk1)));
    assert!(matches!(f.slot("alice").unwrap().unlock(&ID, b"alice pw"), Err(SealError::WrongPassword)));

    // A generation sealed after the change.
    let (vk2, dk2) = (Key256::random().unwrap(), Key256::random().unwrap());
    f.current = Generation::new(&ID, 2, &vk2, &dk2, &vs, &f.slots).unwrap();
    let after = parse(&f.to_bytes(&vk2));
    assert!(after.current.vault_key(&ID, old_slot, &old_unlocked).is_none());
    assert!(after.current.vault_key(&ID, after.slot("alice").unwrap(), &old_unlocked).is_none());
    let (v, d) = open(&after, &after.current, "alice", b"new alice pw").unwrap();
    assert!(same(&v, &vk2) && same(&d, &dk2));
    // The old secret still opens the old copy, and only the old generation.
    assert!(open(&old, &old.current, "alice", b"alice pw").is_some_and(|(v, _)| same(&v, &vk1)));
}
