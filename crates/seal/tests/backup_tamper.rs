//! The tamper matrix of backup files: every bit before the pages, random
//! bits in the pages, truncation at every page boundary and either side of
//! it, appended bytes, pages swapped or duplicated, parts taken from
//! another backup of the same vault, a backup of another vault, wrong
//! credentials and newer formats. Each case must give its own specific
//! error, and none may verify or be staged for restore.

mod common;

use std::path::{Path, PathBuf};

use chartvault_seal::backup::{BackupError, BackupFile, BackupUnlock, Part, RestoreKeys, inspect_backup};
use chartvault_seal::{JournalMode, KdfParams, Lower, PAGE_SIZE, SecretString, Vault};
use common::backup::{backup_to, go, no_check, passphrase};
use common::patients::{create_table, insert_rows};
use common::{USER, password};
use rand::{RngExt, SeedableRng};
use sha2::{Digest, Sha256};

const PS: usize = PAGE_SIZE;

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    /// Two backups of one vault, and one of another vault.
    a: Vec<u8>,
    b: Vec<u8>,
    other: Vec<u8>,
    vault_id: String,
}

impl Fixture {
    fn body_offset(&self) -> usize {
        let info = inspect_backup(&self.a, self.a.len() as u64).unwrap();
        self.a.len() - info.pages as usize * PS - 64
    }
    fn pages(&self) -> usize {
        inspect_backup(&self.a, self.a.len() as u64).unwrap().pages as usize
    }
}

fn make_vault(dir: &Path, rows: i64) -> Vault {
    let (v, _code) = Vault::create(dir, USER, &password(), &common::fast_opts(JournalMode::Wal)).unwrap();
    v.add_password_slot("bob", &SecretString::from("bob's password"), Some(KdfParams::INSECURE_FAST)).unwrap();
    create_table(&v);
    insert_rows(&v, 1..=rows);
    v
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("usb");
    std::fs::create_dir(&dest).unwrap();
    let pp = passphrase();
    let mut v = make_vault(&tmp.path().join("v"), 120);
    let a = backup_to(&mut v, &dest, "a.cvbackup", Some(&pp)).unwrap();
    let b = backup_to(&mut v, &dest, "b.cvbackup", Some(&pp)).unwrap();
    let vault_id = a.info.vault_id.clone();
    v.close().unwrap();
    let mut w = make_vault(&tmp.path().join("w"), 120);
    let other = backup_to(&mut w, &dest, "o.cvbackup", Some(&pp)).unwrap();
    w.close().unwrap();
    let read = |p: &Path| std::fs::read(p).unwrap();
    Fixture {
        dir: tmp.path().to_owned(),
        a: read(&a.path),
        b: read(&b.path),
        other: read(&other.path),
        vault_id,
        _tmp: tmp,
    }
}

/// What verifying `bytes` as a file gives, with the passphrase.
fn verify_bytes(fx: &Fixture, bytes: &[u8]) -> Result<(), BackupError> {
    let path = fx.dir.join("case.cvbackup");
    std::fs::write(&path, bytes).unwrap();
    let pp = passphrase();
    let file = BackupFile::open(&path, &Lower::Os)?;
    file.check_vault(&fx.vault_id)?;
    let u = file.unlock(BackupUnlock::Passphrase(&pp))?;
    u.verify(&no_check, &mut go).map(|_| ())
}

fn is_damaged(r: &Result<(), BackupError>, want: &Part) -> bool {
    matches!(r, Err(BackupError::Damaged { part, .. }) if part == want)
}

#[test]
fn the_untouched_backups_verify_and_the_matrix_has_over_ten_thousand_cases() {
    let fx = fixture();
    assert!(verify_bytes(&fx, &fx.a).is_ok());
    assert!(verify_bytes(&fx, &fx.b).is_ok());
    if let Some(dir) = std::env::var_os("CHARTVAULT_WRITE_FUZZ_SEED") {
        // The backup_header fuzz target's seed: the claimed length, then the head.
        let mut seed = (fx.a.len() as u64).to_le_bytes().to_vec();
        seed.extend_from_slice(&fx.a[..fx.body_offset()]);
        std::fs::write(Path::new(&dir).join("real-backup-head"), seed).unwrap();
    }
    let b = fx.body_offset();
    let n = fx.pages();
    let cases = 8 * b + 2000 + 3 * (n + 1) + 63 + 4 + n * (n - 1) / 2 + n * (n - 1) + 4 + 3 + 2;
    assert!(cases >= 10_000, "{cases} cases (B = {b}, N = {n})");
}

#[test]
fn every_bit_before_the_pages_is_caught_before_any_key_is_tried() {
    let fx = fixture();
    let b = fx.body_offset();
    let hlen = u32::from_be_bytes(fx.a[16..20].try_into().unwrap()) as usize;
    let header_end = 32 + hlen;
    for bit in 0..b * 8 {
        let mut m = fx.a.clone();
        m[bit / 8] ^= 1 << (bit % 8);
        let err = inspect_backup(&m[..b], m.len() as u64).unwrap_err();
        let at = bit / 8;
        let ok = match &err {
            BackupError::NotABackup { .. } => at < 8,
            BackupError::Damaged { part: Part::Header, .. } => (8..header_end).contains(&at),
            BackupError::Damaged { part: Part::KeyBlock, .. } => at >= header_end,
            _ => false,
        };
        assert!(ok, "byte {at} bit {}: {err:?}", bit % 8);
    }
}

#[test]
fn random_bits_in_the_pages_name_the_page() {
    let fx = fixture();
    let b = fx.body_offset();
    let n = fx.pages();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed_cafe);
    for _ in 0..2000 {
        let off = b + rng.random_range(0..n * PS);
        let mut m = fx.a.clone();
        m[off] ^= 1 << rng.random_range(0..8);
        let page = ((off - b) / PS + 1) as u32;
        let r = verify_bytes(&fx, &m);
        assert!(is_damaged(&r, &Part::Page(page)), "offset {off}: {r:?}");
    }
}

#[test]
fn truncation_at_every_page_boundary_and_either_side_names_the_first_missing_page() {
    let fx = fixture();
    let b = fx.body_offset();
    let n = fx.pages();
    for k in 0..=n {
        for len in [b + k * PS - 1, b + k * PS, b + k * PS + 1] {
            let m = &fx.a[..len];
            let r = BackupFile::open(&write_case(&fx, m), &Lower::Os).map(|_| ());
            let ok = if len < b {
                is_damaged(&r, &Part::KeyBlock)
            } else {
                is_damaged(&r, &Part::Truncated { first_missing: ((len - b) / PS + 1) as u32 })
            };
            assert!(ok, "cut at {len} (page boundary {k}): {r:?}");
        }
    }
    for cut in 1..64 {
        let m = &fx.a[..fx.a.len() - cut];
        let r = BackupFile::open(&write_case(&fx, m), &Lower::Os).map(|_| ());
        assert!(is_damaged(&r, &Part::Truncated { first_missing: n as u32 + 1 }), "trailer cut by {cut}: {r:?}");
    }
}

fn write_case(fx: &Fixture, bytes: &[u8]) -> PathBuf {
    let path = fx.dir.join("case.cvbackup");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn appended_bytes_are_counted() {
    let fx = fixture();
    for extra in [1usize, 63, 4096, 4097] {
        let mut m = fx.a.clone();
        m.extend(std::iter::repeat_n(0u8, extra));
        let r = verify_bytes(&fx, &m);
        assert!(is_damaged(&r, &Part::TrailingBytes(extra as u64)), "{extra}: {r:?}");
    }
}

#[test]
fn pages_swapped_or_duplicated_are_caught_at_the_first_page_out_of_place() {
    let fx = fixture();
    let b = fx.body_offset();
    let n = fx.pages();
    let page = |m: &[u8], p: usize| m[b + (p - 1) * PS..b + p * PS].to_vec();
    for i in 1..=n {
        for j in i + 1..=n {
            let mut m = fx.a.clone();
            let (pi, pj) = (page(&m, i), page(&m, j));
            m[b + (i - 1) * PS..b + i * PS].copy_from_slice(&pj);
            m[b + (j - 1) * PS..b + j * PS].copy_from_slice(&pi);
            let r = verify_bytes(&fx, &m);
            assert!(is_damaged(&r, &Part::Page(i as u32)), "swap {i}<->{j}: {r:?}");
        }
    }
    for i in 1..=n {
        for j in 1..=n {
            if i == j {
                continue;
            }
            let mut m = fx.a.clone();
            let pi = page(&m, i);
            m[b + (j - 1) * PS..b + j * PS].copy_from_slice(&pi);
            let r = verify_bytes(&fx, &m);
            assert!(is_damaged(&r, &Part::Page(j as u32)), "page {i} copied over {j}: {r:?}");
        }
    }
}

#[test]
fn parts_of_another_backup_of_the_same_vault_never_fit() {
    let fx = fixture();
    let b = fx.body_offset();
    assert_eq!(b, fx.b.len() - fx.pages() * PS - 64, "both backups have one layout");
    let hlen = u32::from_be_bytes(fx.a[16..20].try_into().unwrap()) as usize;
    let header_end = 32 + hlen;
    let splice = |range: std::ops::Range<usize>| {
        let mut m = fx.a.clone();
        m[range.clone()].copy_from_slice(&fx.b[range]);
        m
    };
    let n = fx.pages();
    let t = fx.a.len() - 64;
    let cases = [
        (splice(0..header_end), Part::KeyBlock),
        (splice(header_end..b), Part::KeyBlock),
        (splice(b + PS..b + 2 * PS), Part::Page(2)),
        (splice(b..b + PS), Part::Page(1)),
        (splice(t..fx.a.len()), Part::Trailer),
        (splice(b..t), Part::Page(1)),
    ];
    for (i, (m, want)) in cases.iter().enumerate() {
        let r = verify_bytes(&fx, m);
        assert!(is_damaged(&r, want), "case {i}: {r:?} (N = {n})");
    }
    // Both heads from one backup and both bodies from the other: the
    // first page already fails under the head's key.
    let mut m = fx.a[..b].to_vec();
    m.extend_from_slice(&fx.b[b..]);
    assert!(is_damaged(&verify_bytes(&fx, &m), &Part::Page(1)));
}

#[test]
fn another_vaults_backup_wrong_credentials_and_newer_formats_get_their_own_answer() {
    let fx = fixture();
    let r = verify_bytes(&fx, &fx.other);
    assert!(matches!(r, Err(BackupError::OtherVault { .. })), "{r:?}");

    let path = write_case(&fx, &fx.a);
    let wrong = SecretString::from("wrong");
    let pw = password();
    for how in [
        BackupUnlock::Password { slot: USER, password: &wrong },
        BackupUnlock::Password { slot: "nobody", password: &pw },
        BackupUnlock::RecoveryCode(&wrong),
        BackupUnlock::Passphrase(&wrong),
    ] {
        let r = BackupFile::open(&path, &Lower::Os).unwrap().unlock(how).map(|_| ());
        assert!(matches!(r, Err(BackupError::WrongPassword)), "{how:?}: {r:?}");
    }

    let hlen = u32::from_be_bytes(fx.a[16..20].try_into().unwrap()) as usize;
    let end = 32 + hlen;
    let resum = |m: &mut Vec<u8>| {
        let sum: [u8; 32] = Sha256::digest(&m[..end - 32]).into();
        m[end - 32..end].copy_from_slice(&sum);
    };
    let mut v2 = fx.a.clone();
    v2[8..12].copy_from_slice(&2u32.to_be_bytes());
    resum(&mut v2);
    let mut flag = fx.a.clone();
    let flags = u32::from_be_bytes(flag[12..16].try_into().unwrap()) | 0x100;
    flag[12..16].copy_from_slice(&flags.to_be_bytes());
    resum(&mut flag);
    for m in [v2, flag] {
        let r = verify_bytes(&fx, &m);
        assert!(matches!(r, Err(BackupError::NewerFormat { supported: 1, .. })), "{r:?}");
    }
    // Other files chosen by mistake are named.
    for (bytes, needle) in [(b"SQLite format 3\0".repeat(300), "SQLite"), (vec![0u8; 9000], "signature")] {
        let r = BackupFile::open(&write_case(&fx, &bytes), &Lower::Os).map(|_| ());
        assert!(matches!(&r, Err(BackupError::NotABackup { reason, .. }) if reason.contains(needle)), "{r:?}");
    }
}

#[test]
fn a_failing_content_check_is_damage_and_a_damaged_page_is_never_staged() {
    let fx = fixture();
    let path = write_case(&fx, &fx.a);
    let pp = passphrase();
    let u = BackupFile::open(&path, &Lower::Os).unwrap().unlock(BackupUnlock::Passphrase(&pp)).unwrap();
    let r = u.verify(&|_| Err("audit chain broken at entry 7".to_owned()), &mut go).map(|_| ());
    assert!(matches!(&r, Err(BackupError::Damaged { part: Part::Content(s), .. }) if s.contains("entry 7")), "{r:?}");

    // A page flipped after verification (a failing drive): staging
    // authenticates every page again and leaves no vault behind.
    let b = fx.body_offset();
    let mut m = fx.a.clone();
    m[b + 3 * PS + 100] ^= 4;
    let path = write_case(&fx, &m);
    let u = BackupFile::open(&path, &Lower::Os).unwrap().unlock(BackupUnlock::Passphrase(&pp)).unwrap();
    let target = fx.dir.join("restored");
    let new_pw = SecretString::from("a new administrator password");
    let keys = RestoreKeys::Fresh { slot: "admin", password: &new_pw, kdf: Some(KdfParams::INSECURE_FAST) };
    let r = u.stage_restore(&target, &Lower::Os, keys, &mut go).map(|_| ());
    assert!(matches!(&r, Err(BackupError::Damaged { part: Part::Page(4), .. })), "{r:?}");
    assert!(!target.join(chartvault_seal::KEYS_FILE).exists());
}
