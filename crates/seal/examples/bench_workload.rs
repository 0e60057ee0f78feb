//! The clinic benchmark workload (`bench/workload.rs`) on plain SQLite or on
//! a sealed vault, both on this crate's bundled SQLite; and the unlock time
//! of a vault at calibrated Argon2id parameters. Driven by `scripts/bench.sh`;
//! see `docs/BENCHMARKS.md`.
//!
//! ```text
//! bench_workload --engine plain|sealed --dir DIR --patients N
//! bench_workload --unlock --dir DIR [--runs 5]
//! ```
//!
//! Each prints one JSON line. DIR must not exist yet or be empty.

#[path = "../../../bench/workload.rs"]
mod workload;

use std::path::{Path, PathBuf};
use std::time::Instant;

use chartvault_seal::rusqlite::{Connection, OpenFlags};
use chartvault_seal::{CreateOptions, JournalMode, KdfParams, Lower, OpenOptions, SecretString, Unlock, Vault};
use workload::{CACHE_KIB, Engine};

const SLOT: &str = "alice";
const PASSWORD: &str = "correct horse battery staple";

/// Plain SQLite, configured as the vault configures itself.
struct Plain {
    path: PathBuf,
    conn: Option<Connection>,
}

impl Plain {
    fn open(path: &Path, create: bool) -> Result<Connection, String> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| format!("open {}: {e}", path.display()))?;
        workload::configure(&conn, create).map_err(|e| format!("configure: {e}"))?;
        Ok(conn)
    }
}

impl Engine for Plain {
    fn conn(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("open")
    }

    fn reopen(&mut self) -> Result<(), String> {
        if let Some(conn) = self.conn.take() {
            conn.close().map_err(|(_, e)| format!("close: {e}"))?;
        }
        self.conn = Some(Plain::open(&self.path, false)?);
        Ok(())
    }
}

/// A sealed vault (cheap Argon2id: the KDF is measured by `--unlock`).
struct Sealed {
    dir: PathBuf,
    password: SecretString,
    vault: Option<Vault>,
}

fn open_options() -> OpenOptions {
    OpenOptions { cache_kib: CACHE_KIB, lower: Lower::Os }
}

impl Engine for Sealed {
    fn conn(&mut self) -> &mut Connection {
        self.vault.as_mut().expect("open").conn_mut()
    }

    fn reopen(&mut self) -> Result<(), String> {
        if let Some(v) = self.vault.take() {
            v.close().map_err(|e| format!("close: {e}"))?;
        }
        let unlock = Unlock::Password { slot: SLOT, password: &self.password };
        self.vault = Some(Vault::open(&self.dir, unlock, &open_options()).map_err(|e| format!("open vault: {e}"))?);
        Ok(())
    }

    fn error_detail(&self) -> Option<String> {
        // `explain` hands back the sealing layer's own error, if it has one.
        let probe = chartvault_seal::rusqlite::Error::SqliteFailure(
            chartvault_seal::rusqlite::ffi::Error::new(chartvault_seal::rusqlite::ffi::SQLITE_IOERR),
            None,
        );
        match self.vault.as_ref()?.explain(probe) {
            chartvault_seal::SealError::Sqlite(_) => None,
            other => Some(other.to_string()),
        }
    }

    fn fts5_pgsz(&self) -> Option<u32> {
        Some(chartvault_seal::FTS5_PGSZ)
    }
    fn crypto_counts(&self) -> Option<(u64, u64)> {
        let s = self.vault.as_ref().expect("open").crypto_stats();
        Some((s.seals, s.opens))
    }
}

fn create_vault(dir: &Path, kdf: Option<KdfParams>) -> Result<Vault, String> {
    let password = SecretString::from(PASSWORD);
    let opts = CreateOptions { kdf, journal_mode: JournalMode::Wal, open: open_options() };
    let (vault, _code) = Vault::create(dir, SLOT, &password, &opts).map_err(|e| format!("create vault: {e}"))?;
    Ok(vault)
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 }
}

/// Times `Vault::open` of a vault made with calibrated Argon2id parameters.
fn unlock(dir: &Path, runs: usize) -> Result<String, String> {
    let start = Instant::now();
    let vault = create_vault(dir, None)?;
    let create_secs = start.elapsed().as_secs_f64();
    let kdf = vault.slots().first().map(|s| s.kdf).ok_or("vault has no slots")?;
    vault.close().map_err(|e| format!("close: {e}"))?;
    let password = SecretString::from(PASSWORD);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let v = Vault::open(dir, Unlock::Password { slot: SLOT, password: &password }, &open_options())
            .map_err(|e| format!("open vault: {e}"))?;
        times.push(start.elapsed().as_secs_f64());
        v.close().map_err(|e| format!("close: {e}"))?;
    }
    let samples: Vec<String> = times.iter().map(|t| format!("{t:.4}")).collect();
    let med = median(&mut times);
    Ok(format!(
        "{{\"mode\":\"unlock\",\"kdf\":{{\"m_kib\":{},\"t\":{},\"p\":{}}},\"create_s\":{create_secs:.4},\"unlock_median_s\":{med:.4},\"unlock_s\":[{}]}}",
        kdf.m_kib,
        kdf.t,
        kdf.p,
        samples.join(",")
    ))
}

fn main_inner() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: bench_workload --engine plain|sealed --dir DIR --patients N | --unlock --dir DIR [--runs N]";
    let dir = PathBuf::from(workload::arg_value(&args, "--dir").ok_or(usage)?);
    if args.iter().any(|a| a == "--unlock") {
        let runs = workload::arg_value(&args, "--runs").map_or(Ok(5), |r| r.parse()).map_err(|_| usage)?;
        return workload::emit(&unlock(&dir, runs)?);
    }
    let engine = workload::arg_value(&args, "--engine").ok_or(usage)?;
    let patients: usize = workload::arg_value(&args, "--patients").ok_or(usage)?.parse().map_err(|_| usage)?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let line = match engine.as_str() {
        "plain" => {
            let path = dir.join("bench.db");
            let mut e = Plain { conn: Some(Plain::open(&path, true)?), path };
            workload::run(&mut e, "plain", patients)?
        }
        "sealed" => {
            let vault = create_vault(&dir, Some(KdfParams::INSECURE_FAST))?;
            let mut e = Sealed { dir: dir.clone(), password: SecretString::from(PASSWORD), vault: Some(vault) };
            workload::run(&mut e, "sealed", patients)?
        }
        _ => return Err(usage.into()),
    };
    workload::emit(&line)
}

fn main() -> std::process::ExitCode {
    match main_inner() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_workload: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
