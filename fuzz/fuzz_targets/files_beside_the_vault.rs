//! The files core keeps beside the vault, readable and writable by anyone
//! with the folder: the login throttle file and the failed-login queue.
//! Whatever bytes they hold, reading them must never panic, and the queue
//! must drain (reporting what does not open) and leave nothing behind.
#![no_main]

use std::sync::OnceLock;

use chartvault_core::failure_queue::{FailureQueue, QUEUE_FILE};
use chartvault_core::throttle::{THROTTLE_FILE, Throttle, ThrottlePolicy};
use chartvault_seal::rusqlite::Connection;
use chrono::DateTime;
use libfuzzer_sys::fuzz_target;

static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory")).path();
    let (throttle_bytes, queue_bytes) = data.split_at(data.len() / 2);
    std::fs::write(dir.join(THROTTLE_FILE), throttle_bytes).unwrap();
    std::fs::write(dir.join(QUEUE_FILE), queue_bytes).unwrap();
    let now = DateTime::from_timestamp(1_900_000_000, 0).unwrap();
    let th = Throttle::of(dir);
    let _ = th.check("alice", now);
    let _ = th.status("alice", now);
    let _ = th.published_policy();
    let _ = th.record_failure("alice", now, &ThrottlePolicy::default());
    let mut conn = Connection::open_in_memory().unwrap();
    chartvault_core::db::migrate(&mut conn).unwrap();
    let q = FailureQueue::of(dir);
    let drained = q.drain(&conn).expect("the queue drains whatever it holds");
    assert!(drained.len() <= queue_bytes.len());
    assert!(!dir.join(QUEUE_FILE).exists(), "drained means gone");
});
