//! Opening a vault whose write-ahead log or rollback journal holds arbitrary
//! bytes (a crash image, then fuzzed) must never panic or hand back a vault
//! that fails its integrity check: it opens intact or reports an error.
#![no_main]

use std::sync::{Arc, OnceLock};

use chartvault_seal::testkit::{CrashMode, SimDisk};
use chartvault_seal::{CreateOptions, JournalMode, KdfParams, OpenOptions, SecretString, Unlock, Vault};
use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;

struct Fixture {
    /// Holds the key-slot file (the database files live on the simulated disk).
    dir: std::path::PathBuf,
    disk: Arc<SimDisk>,
    log: String,
}

fn password() -> SecretString {
    SecretString::from("fuzzing passphrase")
}

/// One vault per process, left with a WAL (or journal) in its crash image.
fn fixture(mode: JournalMode) -> Fixture {
    let dir = std::env::temp_dir().join(format!("chartvault-fuzz-{}-{:?}", std::process::id(), mode));
    let _ = std::fs::remove_dir_all(&dir);
    let disk = SimDisk::new();
    let opts = CreateOptions {
        kdf: Some(KdfParams::INSECURE_FAST),
        journal_mode: mode,
        open: OpenOptions { cache_kib: 64, lower: disk.lower() },
    };
    let (mut v, _) = Vault::create(&dir, "fuzz", &password(), &opts).expect("create");
    v.conn().execute_batch("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)").unwrap();
    for i in 0..4 {
        let tx = v.conn_mut().transaction().unwrap();
        for k in 0..20 {
            tx.execute("INSERT OR REPLACE INTO t VALUES (?1, randomblob(700))", [k + i * 7]).unwrap();
        }
        tx.commit().unwrap();
    }
    // Leave a transaction in flight so a rollback journal exists too.
    if mode == JournalMode::Delete {
        v.conn().execute_batch("BEGIN; UPDATE t SET v = randomblob(900);").unwrap();
    }
    let image = disk.crash_image(CrashMode::DropUnsynced, &mut rand::rngs::StdRng::seed_from_u64(0));
    drop(v);
    let log = if mode == JournalMode::Wal { "vault.cvdb.wal" } else { "vault.cvdb.journal" };
    let log = dir.join(log).to_string_lossy().into_owned();
    Fixture { dir, disk: image, log }
}

static WAL: OnceLock<Fixture> = OnceLock::new();
static JOURNAL: OnceLock<Fixture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some((&which, edits)) = data.split_first() else { return };
    let fx = if which & 1 == 0 {
        WAL.get_or_init(|| fixture(JournalMode::Wal))
    } else {
        JOURNAL.get_or_init(|| fixture(JournalMode::Delete))
    };
    let Some(mut bytes) = fx.disk.contents(&fx.log) else { return };
    // Each 4-byte edit: a 24-bit offset into the log and a byte to xor in.
    for e in edits.chunks_exact(4) {
        let off = (usize::from(e[0]) << 16 | usize::from(e[1]) << 8 | usize::from(e[2])) % bytes.len().max(1);
        if let Some(b) = bytes.get_mut(off) {
            *b ^= e[3];
        }
    }
    let disk = SimDisk::new();
    for p in fx.disk.paths() {
        disk.put(&p, fx.disk.contents(&p).unwrap());
    }
    disk.put(&fx.log, bytes);
    let pw = password();
    let opts = OpenOptions { cache_kib: 64, lower: disk.lower() };
    if let Ok(v) = Vault::open(&fx.dir, Unlock::Password { slot: "fuzz", password: &pw }, &opts) {
        let ic = v.conn().query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0));
        if let Ok(ic) = ic {
            assert_eq!(ic, "ok", "a fuzzed log produced a corrupt database without an error");
        }
    }
});
