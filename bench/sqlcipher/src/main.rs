//! The clinic benchmark workload (`bench/workload.rs`) on SQLCipher 4, for
//! comparison with the sealed vault. Driven by `scripts/bench.sh`; see
//! `docs/BENCHMARKS.md`.
//!
//! ```text
//! bench-sqlcipher --dir DIR --patients N
//! ```
//!
//! The database is keyed with a random raw 256-bit key
//! (`PRAGMA key = "x'<64 hex>'"`), so SQLCipher runs no password KDF
//! (PBKDF2-HMAC-SHA512 at 256,000 iterations by default) on open; only its
//! 2-iteration derivation of the HMAC key from the raw key remains. Every
//! other cipher setting is SQLCipher 4's default; in particular
//! `cipher_memory_security` is not set (its value, printed in the JSON line,
//! is SQLCipher's default, OFF since SQLCipher 4.5).

#[path = "../../workload.rs"]
mod workload;

use std::io::Read;
use std::path::PathBuf;

use rusqlite::{Connection, OpenFlags};
use workload::Engine;

struct SqlCipher {
    path: PathBuf,
    key_hex: String,
    conn: Option<Connection>,
}

impl SqlCipher {
    fn open(&self, create: bool) -> Result<Connection, String> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(&self.path, flags).map_err(|e| format!("open {}: {e}", self.path.display()))?;
        // The key comes first, before anything reads the file.
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", self.key_hex)).map_err(|e| format!("key: {e}"))?;
        workload::configure(&conn, create).map_err(|e| format!("configure: {e}"))?;
        Ok(conn)
    }
}

impl Engine for SqlCipher {
    fn conn(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("open")
    }

    fn reopen(&mut self) -> Result<(), String> {
        if let Some(conn) = self.conn.take() {
            conn.close().map_err(|(_, e)| format!("close: {e}"))?;
        }
        self.conn = Some(self.open(false)?);
        Ok(())
    }

    fn describe(&mut self) -> Result<String, String> {
        let conn = self.conn();
        let get = |pragma: &str| -> Result<String, String> {
            conn.query_row(&format!("PRAGMA {pragma}"), [], |r| r.get::<_, rusqlite::types::Value>(0))
                .map(|v| match v {
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    other => format!("{other:?}"),
                })
                .map_err(|e| format!("PRAGMA {pragma}: {e}"))
        };
        let fields = [
            "cipher_version",
            "cipher_provider",
            "cipher_provider_version",
            "cipher_page_size",
            "cipher_hmac_algorithm",
            "cipher_use_hmac",
            "cipher_memory_security",
        ];
        let mut parts = Vec::new();
        for f in fields {
            parts.push(format!("\"{f}\":\"{}\"", get(f)?.replace('"', "'")));
        }
        Ok(parts.join(","))
    }
}

fn random_key_hex() -> Result<String, String> {
    let mut key = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut key))
        .map_err(|e| format!("random key: {e}"))?;
    Ok(key.iter().map(|b| format!("{b:02x}")).collect())
}

fn main_inner() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: bench-sqlcipher --dir DIR --patients N";
    let dir = PathBuf::from(workload::arg_value(&args, "--dir").ok_or(usage)?);
    let patients: usize = workload::arg_value(&args, "--patients").ok_or(usage)?.parse().map_err(|_| usage)?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let mut engine = SqlCipher { path: dir.join("bench.db"), key_hex: random_key_hex()?, conn: None };
    engine.conn = Some(engine.open(true)?);
    let line = workload::run(&mut engine, "sqlcipher", patients)?;
    workload::emit(&line)
}

fn main() -> std::process::ExitCode {
    match main_inner() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-sqlcipher: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
