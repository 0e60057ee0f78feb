//! Tests of the version-2 key file, with `KdfParams::INSECURE_FAST`.

mod legacy;
mod rotation;
mod tamper;
mod vault_secret;

use std::path::Path;

use super::*;
use crate::kdf::KdfParams;

pub(super) const ID: [u8; VAULT_ID_LEN] = [7u8; VAULT_ID_LEN];
pub(super) const FAST: KdfParams = KdfParams::INSECURE_FAST;
pub(super) const CODE: &[u8] = b"RECOVERY-CODE-0000";

pub(super) fn path() -> &'static Path {
    Path::new("vault.keys")
}

pub(super) fn parse(bytes: &[u8]) -> KeyFile {
    KeyFile::parse(bytes, path()).expect("parses")
}

pub(super) fn same(a: &Key256, b: &Key256) -> bool {
    a.expose_secret() == b.expose_secret()
}

pub(super) fn same_secret(a: &VaultSecret, b: &VaultSecret) -> bool {
    a.expose_secret() == b.expose_secret()
}

pub(super) fn password_slot(name: &str, secret: &str, vault_secret: &VaultSecret) -> Slot {
    Slot::new(&ID, name, SlotKind::Password, FAST, secret.as_bytes(), vault_secret).unwrap()
}

/// A file with the given password slots (name = password + " pw") and a
/// recovery slot, its vault key, data key and vault secret.
pub(super) fn file_with(names: &[&str]) -> (KeyFile, Key256, Key256, VaultSecret) {
    let vs = VaultSecret::random().unwrap();
    let mut slots: Vec<Slot> = names.iter().map(|n| password_slot(n, &format!("{n} pw"), &vs)).collect();
    slots.push(Slot::new(&ID, "recovery", SlotKind::RecoveryCode, FAST, CODE, &vs).unwrap());
    let (vk, dk) = (Key256::random().unwrap(), Key256::random().unwrap());
    let current = Generation::new(&ID, 1, &vk, &dk, &vs, &slots).unwrap();
    (KeyFile::new(ID, JournalMode::Wal, current, slots), vk, dk, vs)
}

/// What `secret` opens through slot `name` in generation `g` of `f`: the
/// vault key and the data key.
pub(super) fn open(f: &KeyFile, g: &Generation, name: &str, secret: &[u8]) -> Option<(Key256, Key256)> {
    let slot = f.slot(name)?;
    let unlocked = slot.unlock(&f.vault_id, secret).ok()?;
    let vk = g.vault_key(&f.vault_id, slot, &unlocked)?;
    let dk = g.data_key(&f.vault_id, &vk).ok()?;
    Some((vk, dk))
}

#[test]
fn round_trip_v2_every_slot_opens_the_current_generation() {
    let (mut f, vk, dk, vs) = file_with(&["alice", "bob"]);
    f.seals_reserved = 42;
    let bytes = f.to_bytes(&vk);
    let g = parse(&bytes);
    assert_eq!(g.read_version(), Some(2));
    assert_eq!((g.vault_id, g.journal_mode, g.seals_reserved, g.current.epoch), (ID, Some(JournalMode::Wal), 42, 1));
    assert!(g.pending.is_none());
    assert_eq!(g.slots.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["alice", "bob", "recovery"]);
    assert_eq!(g.current.sealed_to().collect::<Vec<_>>(), ["alice", "bob", "recovery"]);
    for (name, secret) in [("alice", &b"alice pw"[..]), ("bob", b"bob pw"), ("recovery", CODE)] {
        let (v, d) = open(&g, &g.current, name, secret).unwrap_or_else(|| panic!("{name} opens"));
        assert!(same(&v, &vk) && same(&d, &dk), "{name}");
        let unlocked = g.slot(name).unwrap().unlock(&ID, secret).unwrap();
        assert!(same_secret(unlocked.vault_secret(), &vs), "{name}");
    }
    g.verify_mac(&vk, path()).unwrap();
    assert!(matches!(g.verify_mac(&dk, path()), Err(SealError::SlotFileCorrupt { .. })));
    assert!(matches!(g.slot("alice").unwrap().unlock(&ID, b"bob pw"), Err(SealError::WrongPassword)));
    // Serializing is deterministic: the parsed file writes the same bytes.
    assert_eq!(g.to_bytes(&vk), bytes);
}

#[test]
fn round_trip_v2_with_a_pending_generation() {
    let (mut f, vk, _, vs) = file_with(&["alice"]);
    let (vk2, dk2) = (Key256::random().unwrap(), Key256::random().unwrap());
    f.pending = Some(Generation::new(&ID, 2, &vk2, &dk2, &vs, &f.slots).unwrap());
    f.journal_mode = Some(JournalMode::Delete);
    let g = parse(&f.to_bytes(&vk));
    assert_eq!(g.journal_mode, Some(JournalMode::Delete));
    let p = g.pending.as_ref().unwrap();
    assert_eq!(p.epoch, 2);
    let (v, d) = open(&g, p, "alice", b"alice pw").unwrap();
    assert!(same(&v, &vk2) && same(&d, &dk2));
    // The MAC is under the current generation's vault key.
    g.verify_mac(&vk, path()).unwrap();
    assert!(g.verify_mac(&vk2, path()).is_err());
}

#[test]
fn removing_a_slot_drops_its_seals_and_no_dangling_seal_is_written() {
    let (mut f, vk, _, vs) = file_with(&["alice", "bob"]);
    let (vk2, dk2) = (Key256::random().unwrap(), Key256::random().unwrap());
    f.pending = Some(Generation::new(&ID, 2, &vk2, &dk2, &vs, &f.slots).unwrap());
    let mut g = f.clone();
    g.remove_slot("bob").unwrap();
    assert_eq!(g.current.sealed_to().collect::<Vec<_>>(), ["alice", "recovery"]);
    assert_eq!(g.pending.as_ref().unwrap().sealed_to().collect::<Vec<_>>(), ["alice", "recovery"]);
    // A slot dropped without its seals: the seals are not written.
    f.slots.retain(|s| s.name != "bob");
    assert!(f.current.sealed_to().any(|n| n == "bob"));
    let h = parse(&f.to_bytes(&vk));
    assert_eq!(h.current.sealed_to().collect::<Vec<_>>(), ["alice", "recovery"]);
    assert_eq!(h.pending.as_ref().unwrap().sealed_to().collect::<Vec<_>>(), ["alice", "recovery"]);
    assert!(matches!(g.remove_slot("bob"), Err(SealError::NoSuchSlot(_))));
    g.remove_slot("alice").unwrap();
    assert!(matches!(g.remove_slot("recovery"), Err(SealError::LastSlot)));
}

#[test]
fn put_slot_checks_the_keys_and_changes_nothing_on_error() {
    let (mut f, vk, _, vs) = file_with(&["alice"]);
    let before = f.to_bytes(&vk);
    let carol = password_slot("carol", "carol pw", &vs);
    let wrong = Key256::random().unwrap();
    assert!(matches!(f.put_slot(carol.clone(), &wrong, None, &vs), Err(SealError::VaultKeyMismatch { epoch: 1 })));
    let (vk2, dk2) = (Key256::random().unwrap(), Key256::random().unwrap());
    let pending = Generation::new(&ID, 2, &vk2, &dk2, &vs, &f.slots).unwrap();
    f.pending = Some(pending.clone());
    assert!(matches!(f.put_slot(carol.clone(), &vk, None, &vs), Err(SealError::VaultKeyMismatch { epoch: 2 })));
    assert!(matches!(f.put_slot(carol.clone(), &vk, Some(&vk), &vs), Err(SealError::VaultKeyMismatch { epoch: 2 })));
    assert!(f.slot("carol").is_none() && !f.current.sealed_to().any(|n| n == "carol"));
    assert!(f.pending.as_ref() == Some(&pending));
    f.pending = None;
    assert_eq!(f.to_bytes(&vk), before, "nothing changed");
    f.put_slot(carol, &vk, None, &vs).unwrap();
    assert!(open(&f, &f.current, "carol", b"carol pw").is_some_and(|(v, _)| same(&v, &vk)));
    assert!(matches!(Generation::new(&ID, 3, &vk, &vk, &vs, &[]), Err(SealError::LastSlot)));
}

/// Whether `text` shows `key` in hex or as a Debug list of its bytes.
fn shows(text: &str, key: &[u8; 32]) -> bool {
    let hex_lower: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let list = format!("{:?}", &key[..6]);
    text.to_lowercase().contains(&hex_lower[..16]) || text.contains(list.trim_matches(['[', ']']))
}

#[test]
fn debug_output_shows_no_key_bytes() {
    let (mut f, vk, dk, vs) = file_with(&["alice"]);
    let (vk2, dk2) = (Key256::random().unwrap(), Key256::random().unwrap());
    f.pending = Some(Generation::new(&ID, 2, &vk2, &dk2, &vs, &f.slots).unwrap());
    let bytes = f.to_bytes(&vk);
    let parsed = parse(&bytes);
    let slot = parsed.slot("alice").unwrap();
    let unlocked = slot.unlock(&ID, b"alice pw").unwrap();
    let UnlockedSlot::KeyPair { private, vault_secret } = &unlocked else { panic!("a key-pair slot") };
    assert!(same_secret(vault_secret, &vs));
    let legacy = UnlockedSlot::Legacy {
        vault_key: Key256::from_bytes(*vk.expose_secret()),
        vault_secret: VaultSecret::from_v1_vault_key(&vk, &ID),
    };
    let legacy_secret = legacy.vault_secret();
    let texts = [
        format!("{f:?}"),
        format!("{parsed:?}"),
        format!("{slot:?}"),
        format!("{:?}", parsed.current),
        format!("{unlocked:?}"),
        format!("{legacy:?}"),
        format!("{vs:?}"),
        format!("{:?}", inspect_key_file(&bytes).unwrap()),
    ];
    let secrets = [vk.expose_secret(), dk.expose_secret(), vk2.expose_secret(), dk2.expose_secret()];
    let more = [private.expose_secret(), vs.expose_secret(), legacy_secret.expose_secret()];
    for text in &texts {
        for key in secrets.iter().chain(&more) {
            assert!(!shows(text, key), "{text}");
        }
    }
    assert!(texts[0].contains("alice") && texts[3].contains("epoch"));
    // The check itself finds a key that is printed.
    assert!(shows(&format!("{:?}", vk.expose_secret()), vk.expose_secret()));
}
