//! Defects an internal review of this round's seal code found, each with
//! the reproduction that showed it.

use std::path::Path;

use chartvault_seal::testkit::{Fault, SimDisk};
use chartvault_seal::*;

fn pw() -> SecretString {
    SecretString::from("correct horse battery staple")
}

fn make(dir: &Path, disk: &std::sync::Arc<SimDisk>, mode: JournalMode) -> Vault {
    let opts = CreateOptions {
        kdf: Some(KdfParams::INSECURE_FAST),
        journal_mode: mode,
        open: OpenOptions { lower: disk.lower(), ..OpenOptions::default() },
    };
    let (v, _) = Vault::create(dir, "alice", &pw(), &opts).unwrap();
    v.conn()
        .execute_batch("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<300) INSERT INTO t SELECT x, hex(randomblob(200)) FROM c;")
        .unwrap();
    v
}

fn open_sim(dir: &Path, disk: &std::sync::Arc<SimDisk>) -> Result<Vault> {
    Vault::open(
        dir,
        Unlock::Password { slot: "alice", password: &pw() },
        &OpenOptions { lower: disk.lower(), ..OpenOptions::default() },
    )
}

#[test]
fn the_first_frame_written_after_recovery_is_not_taken_for_a_checksum_rewrite() {
    use chartvault_seal::testkit::CrashMode;
    use rand::SeedableRng;
    let disk = SimDisk::new();
    let dir = Path::new("/sim/w");
    let v = make(dir, &disk, JournalMode::Wal);
    // Two tables on separate pages; a checkpoint; then a smaller second
    // generation of the log, so frames of the first remain past its end.
    v.conn().execute_batch("CREATE TABLE u(a INTEGER PRIMARY KEY, b TEXT); INSERT INTO u VALUES (1,'x');").unwrap();
    v.conn().execute_batch("UPDATE t SET b = b || 'y';").unwrap(); // many frames
    v.conn().execute_batch("PRAGMA wal_checkpoint;").unwrap();
    v.conn().execute_batch("UPDATE t SET b = 'z' WHERE a = 1;").unwrap(); // restart: 1 frame, frame 2.. old generation
    let wal_len = disk.contents("/sim/w/vault.cvdb.wal").unwrap().len();
    assert!(wal_len > 32 + 2 * (24 + 4096), "frames of the earlier generation remain past the log's end");
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let img = disk.crash_image(CrashMode::DropUnsynced, &mut rng);
    std::mem::forget(v);
    // First life after the crash: one write to a page that is not in the log.
    let v = open_sim(dir, &img).unwrap();
    v.conn().execute("UPDATE u SET b = 'first after crash' WHERE a = 1", []).unwrap();
    v.conn().execute("UPDATE u SET b = 'second after crash' WHERE a = 1", []).unwrap();
    v.conn().execute("UPDATE t SET b = 'third' WHERE a = 2", []).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(2);
    let img2 = img.crash_image(CrashMode::DropUnsynced, &mut rng);
    std::mem::forget(v);
    // Second crash: everything above was committed with synchronous=FULL.
    let v = open_sim(dir, &img2).expect("the vault opens after the second crash");
    let b: String = v.conn().query_row("SELECT b FROM u WHERE a = 1", [], |r| r.get(0)).unwrap();
    let c: String = v.conn().query_row("SELECT b FROM t WHERE a = 2", [], |r| r.get(0)).unwrap();
    assert_eq!((b.as_str(), c.as_str()), ("second after crash", "third"), "every committed write survives");
    assert!(v.verify().unwrap().is_ok());
}

#[test]
fn a_rotation_a_full_disk_stops_at_open_stays_owed_until_it_is_done() {
    let disk = SimDisk::new();
    let dir = Path::new("/sim/r");
    let mut v = make(dir, &disk, JournalMode::Wal);
    v.add_password_slot("bob", &SecretString::from("bob's password 123"), Some(KdfParams::INSECURE_FAST)).unwrap();
    let before = v.data_key_epoch();
    // Power cut right after the pending generation (bob removed) is durable.
    v.rotate_keys_stopping_after(Some("bob"), Some(RekeyStep::PendingKeyWritten)).unwrap();
    drop(v);
    let oo = OpenOptions { lower: disk.lower(), ..OpenOptions::default() };
    let used: u64 = disk.paths().iter().filter_map(|p| disk.contents(p)).map(|c| c.len() as u64).sum();
    // The disk is nearly full: the redo's copy does not fit.
    disk.set_fault(Some(Fault::Capacity(used + 8192)));
    let r = Vault::open(dir, Unlock::Password { slot: "alice", password: &pw() }, &oo);
    if let Ok(v) = &r {
        assert!(v.rotation_owed(), "a rotation that could not be redone stays owed");
    }
    drop(r);
    disk.set_fault(None);
    let v = Vault::open(dir, Unlock::Password { slot: "alice", password: &pw() }, &oo).unwrap();
    let slots: Vec<String> = v.slots().into_iter().map(|s| s.name).collect();
    assert_eq!(slots, ["alice", "recovery"]);
    assert!(v.data_key_epoch() > before, "the rotation was completed at the next open");
    assert!(!v.rotation_owed());
    assert_eq!(inspect_key_file(&disk.contents("/sim/r/vault.keys").unwrap()).unwrap().pending_epoch, None);
}

#[test]
fn a_create_that_fails_leaves_no_half_made_vault_behind() {
    let disk = SimDisk::new();
    let dir = Path::new("/sim/c");
    let opts = CreateOptions {
        kdf: Some(KdfParams::INSECURE_FAST),
        journal_mode: JournalMode::Wal,
        open: OpenOptions { lower: disk.lower(), ..OpenOptions::default() },
    };
    disk.set_fault(Some(Fault::Capacity(3000)));
    assert!(Vault::create(dir, "alice", &pw(), &opts).is_err(), "the disk is full");
    disk.set_fault(None);
    assert!(
        disk.paths().iter().all(|p| p.ends_with(".tmp") || disk.contents(p).is_none_or(|c| c.is_empty())),
        "no key-slot file or database left: {:?}",
        disk.paths()
    );
    Vault::create(dir, "alice", &pw(), &opts).expect("a second try makes the vault");
}
