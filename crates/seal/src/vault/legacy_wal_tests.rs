//! A write-ahead log left by a crash of the version whose frame checksums
//! were XOR-masked by the nonce alone (and whose WAL header MAC had the
//! domain "CVWH") still recovers: every committed transaction in it is
//! kept, and the log is checkpointed at open so nothing is appended to it.

use std::collections::BTreeMap;

use secrecy::SecretString;

use crate::cipher::{LEGACY_WAL_MASK_DOMAIN, NONCE_LEN, PAGE_SIZE, PageKeys, RESERVE, WAL_FRAME_HDR};
use crate::names::{DB_FILE, KEYS_FILE, WAL_FILE};
use crate::{CreateOptions, JournalMode, KdfParams, OpenOptions, Unlock, Vault};

const FRAME: usize = WAL_FRAME_HDR + PAGE_SIZE;

/// Rewrites a current-format log as the earlier version wrote it.
fn to_legacy(keys: &PageKeys, wal: &mut [u8]) {
    let mac = keys.header_mac(b"CVWH", 0, &wal[..24]);
    wal[24..32].copy_from_slice(&mac[..8]);
    for at in (32..wal.len()).step_by(FRAME) {
        let mut hdr = [0u8; WAL_FRAME_HDR];
        hdr.copy_from_slice(&wal[at..at + WAL_FRAME_HDR]);
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&wal[at + FRAME - RESERVE..][..NONCE_LEN]);
        let mut stored = [0u8; 8];
        stored.copy_from_slice(&hdr[16..]);
        let sum = keys.open_frame_checksum(&nonce, &hdr, stored);
        let mask = keys.mask(&nonce, LEGACY_WAL_MASK_DOMAIN);
        for i in 0..8 {
            wal[at + 16 + i] = sum[i] ^ mask[i];
        }
    }
}

fn count(v: &Vault) -> i64 {
    v.conn().query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap()
}

#[test]
fn a_crashed_log_of_the_earlier_checksum_format_recovers_and_is_checkpointed() {
    let password = SecretString::from("a passphrase for the test");
    let unlock = Unlock::Password { slot: "alice", password: &password };
    let dir = tempfile::tempdir().unwrap();
    let opts =
        CreateOptions { kdf: Some(KdfParams::INSECURE_FAST), journal_mode: JournalMode::Wal, ..Default::default() };
    let (v, _) = Vault::create(dir.path(), "alice", &password, &opts).unwrap();
    v.conn().execute_batch("CREATE TABLE t(x)").unwrap();
    v.close().unwrap();
    // The version that wrote such logs wrote key-slot files of version 1.
    crate::testkit::rewrite_key_file_as_v1(
        dir.path(),
        unlock,
        &[("alice", crate::SlotKind::Password, &password)],
        KdfParams::INSECURE_FAST,
    )
    .unwrap();
    let v1_keys = std::fs::read(dir.path().join(KEYS_FILE)).unwrap();
    let v = Vault::open(dir.path(), unlock, &OpenOptions::default()).unwrap();
    for i in 0..5 {
        v.conn().execute("INSERT INTO t VALUES (randomblob(3000 + ?1))", [i]).unwrap();
    }
    // The crash image, its log rewritten in the earlier format.
    let mut files: BTreeMap<&str, Vec<u8>> =
        [DB_FILE, WAL_FILE, KEYS_FILE].into_iter().map(|n| (n, std::fs::read(dir.path().join(n)).unwrap())).collect();
    let v2_keys = files.insert(KEYS_FILE, v1_keys).unwrap();
    assert!(files[WAL_FILE].len() > 32 + 5 * FRAME, "five commits in the log");
    let mut legacy = files[WAL_FILE].clone();
    to_legacy(&v.shared.keys, &mut legacy);
    drop(v);

    let open_image = |wal: &[u8]| {
        let d = tempfile::tempdir().unwrap();
        for (n, b) in &files {
            std::fs::write(d.path().join(n), if *n == WAL_FILE { wal } else { b }).unwrap();
        }
        let r = Vault::open(d.path(), unlock, &OpenOptions::default());
        (d, r)
    };
    // The image as written opens too, of course.
    let (_d, r) = open_image(&files[WAL_FILE]);
    assert_eq!(count(&r.unwrap()), 5);

    // Beside a key-slot file this version wrote, an old log was put back:
    // refused, not trusted.
    {
        let d = tempfile::tempdir().unwrap();
        for (n, b) in &files {
            let b = match *n {
                WAL_FILE => &legacy,
                KEYS_FILE => &v2_keys,
                _ => b,
            };
            std::fs::write(d.path().join(n), b).unwrap();
        }
        let e = Vault::open(d.path(), unlock, &OpenOptions::default()).unwrap_err();
        assert!(e.to_string().contains("earlier format"), "{e}");
    }
    let (d, r) = open_image(&legacy);
    let v = r.expect("the earlier format recovers at the open that converts the key-slot file");
    assert_eq!(count(&v), 5, "every committed transaction");
    let wal_len = std::fs::metadata(d.path().join(WAL_FILE)).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "checkpointed at open");
    v.conn().execute("INSERT INTO t VALUES (1)", []).unwrap();
    assert!(v.verify().unwrap().is_pristine());
    v.close().unwrap();
    assert_eq!(count(&Vault::open(d.path(), unlock, &OpenOptions::default()).unwrap()), 6);
}
