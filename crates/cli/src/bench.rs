//! `chartvault bench records`: how the records feel at this vault's size,
//! measured through the same session operations the app calls (each search
//! and read audited as usual). A benchmark, not a test: it prints a table
//! (`scripts/bench-records.sh` makes a vault of 100,000 demo patients and
//! runs it; docs/BENCHMARKS.md has the figures).
//!
//! - search: a mix of what a front desk types — family-name prefixes of 1
//!   to 4 letters, full names, record numbers, phone numbers, words of
//!   notes — each timed through `find_patients` (50 results, as the app);
//! - chart: opening a whole chart (patient, identifiers, visits with notes
//!   and vitals, the three lists, attachments, consents), once through the
//!   eight single readers and once through `open_chart` (one audit entry);
//! - import: a synthetic CSV file checked (dry run) then imported; the
//!   patients imported stay in the vault.
//!
//! The queries and charts are drawn from the vault's own patients (ids
//! `1..=N`, as a demo vault has them) with a fixed seed.

use std::time::{Duration, Instant};

use chartvault_core::CoreError;
use chartvault_core::records::{ChartList, ImportMode};
use chartvault_core::session::Session;
use clap::{Args, Subcommand};

use crate::exit::Failure;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Search, chart opening and CSV import timed on this vault.
    Records(RecordsArgs),
    /// Backup, verification and restore throughput against cp (reads the
    /// password again from the secrets: verification opens the backup with it).
    Backup(crate::bench_backup::BackupBenchArgs),
}

#[derive(Debug, Args)]
pub struct RecordsArgs {
    /// Searches to time.
    #[arg(long, default_value_t = 1000)]
    pub searches: usize,
    /// Charts to open.
    #[arg(long, default_value_t = 300)]
    pub charts: usize,
    /// Rows of the CSV import to time (0: none). They stay in the vault.
    #[arg(long, default_value_t = 10_000)]
    pub import_rows: u64,
    /// Seed of the sample of patients, queries and import rows.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// SplitMix64: enough to draw a sample, and the same on every machine.
struct Sample(u64);

impl Sample {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n.max(1)
    }
}

/// Whether patient `id` exists (a restricted record this user may not open exists too).
fn exists(s: &mut Session, id: i64) -> Result<bool, Failure> {
    match s.patient(id) {
        Ok(_) | Err(CoreError::Denied(_)) => Ok(true),
        Err(CoreError::NoSuchPatient(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The highest patient id, by bisection (ids are dense in a demo vault).
fn patient_count(s: &mut Session) -> Result<i64, Failure> {
    let mut hi = 1;
    while exists(s, hi)? {
        hi *= 2;
    }
    let mut lo = hi / 2;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if exists(s, mid)? { lo = mid } else { hi = mid }
    }
    Ok(lo)
}

const NOTE_WORDS: &[&str] = &[
    "bronchitis",
    "hypertension",
    "tonsillitis",
    "osteoarthritis",
    "asthma",
    "cystitis",
    "dermatitis",
    "headache",
    "anxiety",
    "diabetes",
    "otitis",
    "physiotherapy",
];

/// (kind, query) drawn from the vault's patients.
fn queries(s: &mut Session, n: usize, patients: i64, r: &mut Sample) -> Result<Vec<(&'static str, String)>, Failure> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let id = 1 + r.below(patients.unsigned_abs()) as i64;
        let Ok(p) = s.patient(id) else { continue };
        let f = p.fields;
        let family: String = f.family_name.to_lowercase();
        let q = match r.below(100) {
            k @ 0..40 => {
                let len = 1 + (k / 10) as usize;
                let kinds = [
                    "name prefix, 1 letter",
                    "name prefix, 2 letters",
                    "name prefix, 3 letters",
                    "name prefix, 4 letters",
                ];
                (kinds[len - 1], family.chars().take(len).collect())
            }
            40..60 => ("full name", format!("{} {}", f.given_name, f.family_name)),
            60..75 => ("record number", p.mrn),
            75..85 => match f.phone {
                Some(phone) => ("phone", phone.chars().filter(char::is_ascii_digit).collect()),
                None => continue,
            },
            _ => ("note word", NOTE_WORDS[r.below(NOTE_WORDS.len() as u64) as usize].to_owned()),
        };
        out.push(q);
    }
    Ok(out)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// A row of the table: n, p50, p95, max.
fn row(what: &str, times: &mut [Duration], target: &str) -> String {
    times.sort_unstable();
    let at = |p: f64| times[((p * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1];
    if times.is_empty() {
        return format!("| {what} | 0 | | | | {target} |");
    }
    format!("| {what} | {} | {} | {} | {} | {target} |", times.len(), ms(at(0.5)), ms(at(0.95)), ms(at(1.0)))
}

fn open_chart(s: &mut Session, id: i64) -> Result<(), CoreError> {
    s.patient(id)?;
    s.patient_identifiers(id)?;
    s.patient_visits(id)?;
    for list in ChartList::ALL {
        s.chart_entries(id, list)?;
    }
    s.attachments(id)?;
    s.consents(id)?;
    Ok(())
}

fn vault_bytes(s: &Session) -> u64 {
    std::fs::read_dir(s.dir())
        .map(|d| d.flatten().filter_map(|e| e.metadata().ok()).filter(|m| m.is_file()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

/// Runs a bench command for the signed-in `session`.
pub fn bench(session: &mut Session, c: &BenchCommand) -> Result<(), Failure> {
    let BenchCommand::Records(args) = c else { unreachable!("bench backup is run by run.rs") };
    let mut r = Sample(args.seed);
    let patients = patient_count(session)?;
    eprintln!("{patients} patients; drawing {} queries", args.searches);
    let size = vault_bytes(session);
    let qs = queries(session, args.searches + 50, patients, &mut r)?;
    // The first 50 warm the page cache, as a day's first searches do.
    for (_, q) in &qs[..50] {
        session.find_patients(q, false, 50)?;
    }
    let mut by_kind: Vec<(&str, Vec<Duration>)> = Vec::new();
    let mut all = Vec::new();
    for (kind, q) in &qs[50..] {
        let t = Instant::now();
        session.find_patients(q, false, 50)?;
        let took = t.elapsed();
        all.push(took);
        match by_kind.iter_mut().find(|(k, _)| k == kind) {
            Some((_, v)) => v.push(took),
            None => by_kind.push((kind, vec![took])),
        }
    }
    by_kind.sort_by_key(|(k, _)| *k);
    eprintln!("opening {} charts, twice each", args.charts);
    let (mut charts, mut at_once) = (Vec::new(), Vec::new());
    while charts.len() < args.charts {
        let id = 1 + r.below(patients.unsigned_abs()) as i64;
        let t = Instant::now();
        match open_chart(session, id) {
            Ok(()) => charts.push(t.elapsed()),
            Err(CoreError::Denied(_)) => continue,
            Err(e) => return Err(e.into()),
        }
        // Another patient's, so the first opening did not warm its pages.
        let other = 1 + r.below(patients.unsigned_abs()) as i64;
        let t = Instant::now();
        match session.open_chart(other) {
            Ok(_) => at_once.push(t.elapsed()),
            Err(CoreError::Denied(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    println!("| measure | n | p50 | p95 | max | target |");
    println!("|---|---|---|---|---|---|");
    println!("{}", row("search, all queries", &mut all, "p95 < 50 ms"));
    for (kind, times) in &mut by_kind {
        println!("{}", row(&format!("search, {kind}"), times, ""));
    }
    println!("{}", row("open a chart: 8 single readers, 7 audit commits", &mut charts, "p95 < 30 ms"));
    println!("{}", row("open a chart: open_chart, 1 audit commit", &mut at_once, "p95 < 30 ms"));
    println!();
    println!("vault: {patients} patients, {:.1} MiB on disk", size as f64 / 1024.0 / 1024.0);
    if args.import_rows > 0 {
        let today = chrono::Utc::now().date_naive();
        let csv = chartvault_core::demo::patients_csv(args.seed.wrapping_add(1000), args.import_rows, today)?;
        let t = Instant::now();
        let dry = session.import_patients(&mut &csv[..], ImportMode::DryRun)?;
        let dry_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let done = session.import_patients(&mut &csv[..], ImportMode::AllOrNothing)?;
        let s = t.elapsed().as_secs_f64();
        let n = done.imported.len();
        println!(
            "CSV import of {} rows ({:.1} MiB): dry run {dry_s:.2} s; import {s:.2} s, {:.0} rows/s ({n} registered, {} problems)",
            args.import_rows,
            csv.len() as f64 / 1024.0 / 1024.0,
            n as f64 / s,
            dry.problems.len()
        );
    }
    Ok(())
}
