//! Damage, edits, truncation, size and version: each has its error, and no
//! input makes the parser panic.

use super::*;

/// Rewrites the trailing SHA-256, as an attacker would.
fn rechecksum(b: &mut [u8]) {
    let n = b.len();
    let digest = Sha256::digest(&b[..n - 32]);
    b[n - 32..].copy_from_slice(&digest);
}

fn parse_err(bytes: &[u8]) -> SealError {
    KeyFile::parse(bytes, path()).expect_err("refused")
}

/// Where `pattern` occurs in `b`, in order.
fn positions(b: &[u8], pattern: &[u8]) -> Vec<usize> {
    (0..b.len().saturating_sub(pattern.len() - 1)).filter(|&i| b[i..].starts_with(pattern)).collect()
}

/// Offset of the current generation's epoch.
const EPOCH_AT: usize = 8 + 4 + 16 + 4 + 1 + 8;

fn small() -> (Vec<u8>, Key256) {
    let vs = VaultSecret::random().unwrap();
    let slot = password_slot("alice", "alice pw", &vs);
    let (vk, dk) = (Key256::random().unwrap(), Key256::random().unwrap());
    let g = Generation::new(&ID, 1, &vk, &dk, &vs, std::slice::from_ref(&slot)).unwrap();
    (KeyFile::new(ID, JournalMode::Wal, g, vec![slot]).to_bytes(&vk), vk)
}

#[test]
fn every_flipped_byte_is_caught_before_any_key_is_tried() {
    let (bytes, _) = small();
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x40;
        match KeyFile::parse(&b, path()) {
            Err(SealError::SlotFileCorrupt { .. }) if i >= MAGIC.len() => {}
            Err(SealError::NotAVault { .. }) if i < MAGIC.len() => {}
            other => panic!("byte {i}: {other:?}"),
        }
    }
}

#[test]
fn a_recomputed_checksum_hides_no_edit_from_the_mac() {
    let (mut f, vk, _, vs) = file_with(&["alice"]);
    let (vk2, dk2) = (Key256::random().unwrap(), Key256::random().unwrap());
    f.pending = Some(Generation::new(&ID, 2, &vk2, &dk2, &vs, &f.slots).unwrap());
    let bytes = f.to_bytes(&vk);
    let mut parsed = 0;
    for i in MAGIC.len()..bytes.len() - 32 {
        let mut b = bytes.clone();
        b[i] ^= 0x01;
        rechecksum(&mut b);
        match KeyFile::parse(&b, path()) {
            Ok(g) => {
                parsed += 1;
                assert!(matches!(g.verify_mac(&vk, path()), Err(SealError::SlotFileCorrupt { .. })), "byte {i}");
            }
            Err(SealError::SlotFileCorrupt { .. }) => {}
            Err(SealError::UnsupportedVersion { .. }) if (8..12).contains(&i) => {}
            Err(other) => panic!("byte {i}: {other}"),
        }
    }
    // Most edits (keys, salts, seals, counters) leave a well-formed file.
    assert!(parsed > bytes.len() / 2, "{parsed} of {}", bytes.len());
}

#[test]
fn a_seal_moved_to_another_slot_does_not_open() {
    let (f, vk, ..) = file_with(&["ann1", "bob1"]);
    let bytes = f.to_bytes(&vk);
    let (ann, bob) = (positions(&bytes, b"\x04ann1"), positions(&bytes, b"\x04bob1"));
    // First in the generation's seals, then among the slots.
    assert_eq!((ann.len(), bob.len()), (2, 2));
    let mut b = bytes.clone();
    b[ann[0] + 1..ann[0] + 5].copy_from_slice(b"bob1");
    b[bob[0] + 1..bob[0] + 5].copy_from_slice(b"ann1");
    rechecksum(&mut b);
    let g = parse(&b);
    assert!(open(&g, &g.current, "ann1", b"ann1 pw").is_none());
    assert!(open(&g, &g.current, "bob1", b"bob1 pw").is_none());

    // Ann's own seal, now filed under bob1, presented by ann's key pair
    // under the name bob1: the right private key, but the name is bound.
    let mut as_bob = g.slot("ann1").unwrap().clone();
    let unlocked = as_bob.unlock(&ID, b"ann1 pw").unwrap();
    as_bob.name = "bob1".to_owned();
    assert!(g.current.vault_key(&ID, &as_bob, &unlocked).is_none());
    as_bob.name = "ann1".to_owned();
    assert!(f.current.vault_key(&ID, &as_bob, &unlocked).is_some(), "control: unmoved, it opens");
    // The kind is bound too.
    as_bob.kind = SlotKind::RecoveryCode;
    assert!(f.current.vault_key(&ID, &as_bob, &unlocked).is_none());
    // And a slot's name is bound to its private key's wrap.
    let mut renamed = f.slot("ann1").unwrap().clone();
    renamed.name = "bob1".to_owned();
    assert!(matches!(renamed.unlock(&ID, b"ann1 pw"), Err(SealError::WrongPassword)));

    // A seal naming no slot of the file is malformed.
    let mut b = bytes.clone();
    b[bob[1] + 1..bob[1] + 5].copy_from_slice(b"bot1");
    rechecksum(&mut b);
    assert!(matches!(parse_err(&b), SealError::SlotFileCorrupt { .. }));
}

#[test]
fn a_changed_epoch_does_not_open() {
    let (f, vk, ..) = file_with(&["alice"]);
    let mut b = f.to_bytes(&vk);
    assert_eq!(b[EPOCH_AT..EPOCH_AT + 4], 1u32.to_be_bytes());
    b[EPOCH_AT..EPOCH_AT + 4].copy_from_slice(&2u32.to_be_bytes());
    rechecksum(&mut b);
    let g = parse(&b);
    assert_eq!(g.current.epoch, 2);
    assert!(open(&g, &g.current, "alice", b"alice pw").is_none());
    assert!(matches!(g.current.data_key(&ID, &vk), Err(SealError::VaultKeyMismatch { epoch: 2 })));
    assert!(g.verify_mac(&vk, path()).is_err());
}

#[test]
fn size_truncation_signature_and_version_have_their_errors() {
    let (bytes, _) = small();
    for n in 0..bytes.len() {
        match parse_err(&bytes[..n]) {
            SealError::NotAVault { .. } if n < MAGIC.len() => {}
            SealError::SlotFileCorrupt { .. } if n >= MAGIC.len() => {}
            other => panic!("length {n}: {other}"),
        }
    }
    // The size is capped before anything else is looked at.
    let mut big = bytes.clone();
    big.resize(MAX_FILE_LEN + 1, 0);
    rechecksum(&mut big);
    assert!(matches!(parse_err(&big), SealError::SlotFileCorrupt { reason, .. } if reason.contains("larger")));
    assert!(matches!(parse_err(&vec![0u8; MAX_FILE_LEN + 1]), SealError::SlotFileCorrupt { .. }));
    // A newer version with a valid checksum.
    let mut v3 = bytes.clone();
    v3[8..12].copy_from_slice(&3u32.to_be_bytes());
    rechecksum(&mut v3);
    assert!(matches!(parse_err(&v3), SealError::UnsupportedVersion { found: 3, supported: 2, .. }));
    // The same edit without a valid checksum is damage, not a version.
    let mut damaged = bytes.clone();
    damaged[8..12].copy_from_slice(&3u32.to_be_bytes());
    assert!(matches!(parse_err(&damaged), SealError::SlotFileCorrupt { .. }));
    let mut v0 = bytes.clone();
    v0[8..12].copy_from_slice(&0u32.to_be_bytes());
    rechecksum(&mut v0);
    assert!(matches!(parse_err(&v0), SealError::SlotFileCorrupt { .. }));
    assert!(matches!(parse_err(b"SQLite format 3\0"), SealError::NotAVault { .. }));
}

#[test]
fn random_edits_with_a_valid_checksum_never_panic() {
    let (f, vk, ..) = file_with(&["alice"]);
    let v2 = f.to_bytes(&vk);
    let v1 = {
        let slot = crate::slots::Slot::new(&ID, "alice", SlotKind::Password, FAST, b"pw", &vk).unwrap();
        let dk = crate::slots::DataKeyEntry::new(&vk, &ID, 1, &vk).unwrap();
        crate::slots::SlotFile::new(ID, dk, vec![slot]).to_bytes(&vk)
    };
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..4000 {
        let mut b = if round % 2 == 0 { v2.clone() } else { v1.clone() };
        match next() % 3 {
            0 => b.truncate(MAGIC.len() + 4 + 64 + (next() as usize % (b.len() - 76))),
            1 => b.extend((0..next() % 300).map(|_| next() as u8)),
            _ => {}
        }
        for _ in 0..1 + next() % 4 {
            let i = 12 + next() as usize % (b.len() - 44);
            b[i] = next() as u8;
        }
        rechecksum(&mut b);
        if let Ok(g) = KeyFile::parse(&b, path()) {
            let _ = g.verify_mac(&vk, path());
            let _ = inspect_key_file(&b);
        }
    }
}
