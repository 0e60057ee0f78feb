//! `chartvault bench backup --to FOLDER`: backup, verification and restore
//! throughput on this vault, side by side with `cp` of the same bytes on
//! the same disk, through the session operations the app calls. A
//! benchmark, not a test (`scripts/bench-backup.sh` makes a vault of about
//! 1 GiB and runs it; docs/BENCHMARKS.md has the figures).
//!
//! Each round, with the page cache dropped first when run as root:
//! - `cp`: the vault's database file copied into FOLDER and synced;
//! - backup: snapshot, copy (pages opened and resealed), sync — and the
//!   read-back verification (every page, integrity check, audit chain),
//!   timed apart from the progress phases;
//! - verify: the file opened with the password and verified in full;
//! - restore: staged under a new data key into a new vault folder in
//!   FOLDER, opened, audited and swapped in — against `cp` of the backup
//!   file into a new folder.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chartvault_core::backup::{BackupCredentials, BackupReason, check_file, restore_first_run};
use chartvault_core::session::{Env, Session};
use chartvault_seal::SecretString;
use chartvault_seal::backup::{BackupProgress, Phase};
use clap::Args;

use crate::exit::Failure;

#[derive(Debug, Args)]
pub struct BackupBenchArgs {
    /// Where the copies, backups and restored vaults go (removed after).
    #[arg(long, value_name = "FOLDER")]
    pub to: PathBuf,
    /// Rounds; the median of each figure is reported.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
}

/// Drops the OS page cache (Linux, as root); whether it could.
fn drop_caches() -> bool {
    #[cfg(target_os = "linux")]
    {
        let _ = std::process::Command::new("sync").status();
        std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    false
}

fn cp(from: &Path, to: &Path) -> Result<Duration, Failure> {
    let t = Instant::now();
    std::fs::copy(from, to).map_err(|e| format!("cp {}: {e}", from.display()))?;
    std::fs::File::open(to).and_then(|f| f.sync_all()).map_err(|e| format!("sync {}: {e}", to.display()))?;
    Ok(t.elapsed())
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn mib_s(bytes: u64, d: Duration) -> String {
    format!("{:.0} MiB/s", bytes as f64 / f64::from(1u32 << 20) / d.as_secs_f64())
}

#[derive(Default)]
struct Times {
    cp: Vec<Duration>,
    copy: Vec<Duration>,
    readback: Vec<Duration>,
    backup: Vec<Duration>,
    verify: Vec<Duration>,
    restore: Vec<Duration>,
    cp_back: Vec<Duration>,
}

/// Runs the benchmark; `password` is the signed-in user's (verification
/// and restore open the backup with it).
pub fn bench_backup(
    s: &mut Session,
    env: &Env,
    args: &BackupBenchArgs,
    password: &SecretString,
) -> Result<(), Failure> {
    std::fs::create_dir_all(&args.to).map_err(|e| format!("cannot create {}: {e}", args.to.display()))?;
    let db = s.dir().join(chartvault_seal::DB_FILE);
    let db_bytes = std::fs::metadata(&db).map_err(|e| format!("{}: {e}", db.display()))?.len();
    let me = s.user().username.to_string();
    let mut t = Times::default();
    let mut dropped = true;
    let mut file_bytes = 0;
    for round in 0..args.rounds.max(1) {
        eprintln!("round {} of {}", round + 1, args.rounds);
        let copy = args.to.join("cp-of-vault.cvdb");
        dropped &= drop_caches();
        t.cp.push(cp(&db, &copy)?);
        let _ = std::fs::remove_file(&copy);

        dropped &= drop_caches();
        let start = Instant::now();
        let mut copied_at = None;
        let mut mark = |p: BackupProgress| {
            if p.phase != Phase::Copy && copied_at.is_none() {
                copied_at = Some(start.elapsed());
            }
            ControlFlow::Continue(())
        };
        let done = s.backup_now(&args.to, BackupReason::Manual, None, &mut mark)?;
        let total = start.elapsed();
        let copied = copied_at.unwrap_or(total);
        t.backup.push(total);
        t.copy.push(copied);
        t.readback.push(total - copied);
        file_bytes = done.bytes;

        dropped &= drop_caches();
        let creds = BackupCredentials::Password { username: &me, password };
        let v = Instant::now();
        let checked = check_file(&done.path, creds, None, &mut |_| ControlFlow::Continue(()))?;
        t.verify.push(v.elapsed());

        let target = args.to.join(format!("restored-{round}"));
        dropped &= drop_caches();
        let r = Instant::now();
        restore_first_run(&target, &checked, creds, None, env, &mut |_| ControlFlow::Continue(()))?;
        t.restore.push(r.elapsed());
        let back = args.to.join(format!("cp-back-{round}"));
        std::fs::create_dir_all(&back).map_err(|e| e.to_string())?;
        dropped &= drop_caches();
        t.cp_back.push(cp(&done.path, &back.join("file"))?);
        for d in [&target, &back] {
            let _ = std::fs::remove_dir_all(d);
        }
        let _ = std::fs::remove_file(&done.path);
    }
    let cp_m = median(&mut t.cp);
    let row = |what: &str, d: Duration, bytes: u64, against: Option<Duration>| {
        let ratio = against.map_or(String::new(), |c| format!("{:.2}x", d.as_secs_f64() / c.as_secs_f64()));
        println!("| {what} | {:.2} s | {} | {ratio} |", d.as_secs_f64(), mib_s(bytes, d));
    };
    println!(
        "Database {:.0} MiB, backup file {:.0} MiB; {} rounds, medians; page cache {}.",
        db_bytes as f64 / f64::from(1u32 << 20),
        file_bytes as f64 / f64::from(1u32 << 20),
        args.rounds,
        if dropped { "dropped before each step" } else { "NOT dropped (run as root to drop it)" }
    );
    println!();
    println!("| what | time | throughput | vs cp |");
    println!("|---|---|---|---|");
    row("cp of vault.cvdb + sync", cp_m, db_bytes, None);
    row("backup: snapshot, reseal, write, sync", median(&mut t.copy), db_bytes, Some(cp_m));
    row("backup: read back and verify", median(&mut t.readback), file_bytes, Some(cp_m));
    row("backup, whole (copy + verify)", median(&mut t.backup), db_bytes, Some(cp_m));
    row("verify a backup file (password, every page, integrity, audit)", median(&mut t.verify), file_bytes, Some(cp_m));
    let cpb = median(&mut t.cp_back);
    row("cp of the backup file + sync", cpb, file_bytes, None);
    row("restore onto a new folder (after the verification above)", median(&mut t.restore), file_bytes, Some(cpb));
    Ok(())
}
