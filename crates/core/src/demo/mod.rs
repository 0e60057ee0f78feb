//! Synthetic demonstration data: a vault filled with made-up patients and
//! their charts, for trying the product, training, and measuring it at a
//! clinic's scale. **Not a person's record**: every name, date and note is
//! drawn from the pools in `pools.rs` by a seeded generator (ChaCha8), so a
//! seed gives the same records on every machine (on the same day: ages and
//! visit dates count back from today).
//!
//! Written in batches, many patients per transaction, through the same
//! row functions and checks as the session operations (record numbers from
//! the clinic's format, the search index kept by its triggers), with one
//! audit entry per batch that says it is synthetic data — not one per
//! row as a person's work gets, which at 100,000 patients would be millions
//! of entries describing nothing anyone did.

mod chart;
mod person;
mod pools;

use chartvault_seal::rusqlite::Connection;
use chrono::NaiveDate;

use crate::access::Permission;
use crate::audit::{Action, Event};
use crate::records::{mrn, patients};
use crate::session::Session;
use crate::{CoreError, Result};

pub use chart::Counts;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    /// How many patients.
    pub patients: u64,
    /// Visits per patient (each patient gets exactly this many).
    pub visits_per_patient: u32,
    /// The generator's seed: the same seed makes the same records.
    pub seed: u64,
    /// Patients per transaction (and per audit entry).
    pub batch: u64,
}

impl Default for DemoOptions {
    fn default() -> DemoOptions {
        DemoOptions { patients: 100, visits_per_patient: 5, seed: 1, batch: 1000 }
    }
}

/// How far generation has come, after each batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoProgress {
    /// Patients written so far.
    pub patients_done: u64,
    /// Patients asked for.
    pub patients_total: u64,
    /// Visits written so far.
    pub visits_done: u64,
}

/// What a generation wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReport {
    /// Counts of each kind of row.
    pub counts: Counts,
    /// The first and last record numbers given, if any patient was made.
    pub mrns: Option<(String, String)>,
}

/// What a provider holds, and generation needs: it writes every part of a chart.
pub const DEMO_PERMISSIONS: [Permission; 5] = [
    Permission::PatientWrite,
    Permission::ClinicalWrite,
    Permission::NoteSign,
    Permission::AttachmentWrite,
    Permission::ConsentWrite,
];

/// `rows` synthetic patients (the same draw as [`Session::generate_demo`]'s
/// demographics) as a CSV file in the import's format, with every column it
/// knows: for trying the import, and for measuring it.
pub fn patients_csv(seed: u64, rows: u64, today: NaiveDate) -> Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = crate::records::import::COLUMNS.to_vec();
    header.extend(["identifier:NHS", "identifier:insurer"]);
    out.write_record(&header)?;
    let mut draw = person::Draw::new(seed);
    for _ in 0..rows {
        let (f, ids) = person::patient(&mut draw, today);
        let id = |s: &str| ids.iter().find(|(system, _)| system == s).map(|(_, v)| v.clone()).unwrap_or_default();
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut row = vec![String::new(); header.len()];
        for (cell, column) in row.iter_mut().zip(&header) {
            *cell = match *column {
                "given_name" => f.given_name.clone(),
                "family_name" => f.family_name.clone(),
                "date_of_birth" => f.date_of_birth.to_string(),
                "sex" => f.sex.as_str().to_owned(),
                "phone" => opt(&f.phone),
                "email" => opt(&f.email),
                "address" => opt(&f.address),
                "postal_code" => opt(&f.postal_code),
                "notes" => opt(&f.notes),
                "restricted" => if f.restricted { "yes" } else { "no" }.to_owned(),
                "identifier:NHS" => id("NHS"),
                _ => id("insurer"),
            };
        }
        out.write_record(&row)?;
    }
    out.into_inner().map_err(|e| CoreError::Io {
        what: "writing CSV to",
        path: "memory".into(),
        source: std::io::Error::other(e.to_string()),
    })
}

/// The active providers' ids (the session's user when there are none).
fn providers(conn: &Connection, me: i64) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare("SELECT id FROM users WHERE role = 'provider' AND status = 'active' ORDER BY id")?;
    let ids: Vec<i64> = stmt.query_map([], |r| r.get(0))?.collect::<chartvault_seal::rusqlite::Result<_>>()?;
    Ok(if ids.is_empty() { vec![me] } else { ids })
}

impl Session {
    /// Fills the vault with synthetic patients and their charts (see the
    /// module: made-up data, never a person's record), `opts.batch`
    /// patients per transaction, each batch audited by one entry saying
    /// so, `progress` told after each. Needs every permission of
    /// [`DEMO_PERMISSIONS`] (a provider's); refused before anything is
    /// written otherwise. A failure keeps the batches already committed.
    pub fn generate_demo(&mut self, opts: &DemoOptions, progress: &mut dyn FnMut(&DemoProgress)) -> Result<DemoReport> {
        for p in DEMO_PERMISSIONS {
            self.require(p, None)?;
        }
        let format = self.policy().mrn_format.clone();
        let me = self.user().id;
        let providers = providers(self.vault()?.conn(), me)?;
        let mut draw = person::Draw::new(opts.seed);
        let mut counts = Counts::default();
        let mut mrns: Option<(String, String)> = None;
        while counts.patients < opts.patients {
            let size = opts.batch.max(1).min(opts.patients - counts.patients);
            // Long work is activity: the idle lock counts from the last batch.
            self.active()?;
            let stamp = self.stamp()?;
            let before = counts;
            let tx = self.vault_mut()?.conn_mut().transaction()?;
            let ctx = chart::Ctx { tx: &tx, me, providers: &providers, now: stamp.at };
            let (mut first, mut last) = (None, String::new());
            for _ in 0..size {
                let (fields, identifiers) = person::patient(&mut draw, stamp.at.date_naive());
                let mrn = mrn::next(&tx, &format)?;
                let id = patients::insert(&tx, &mrn, &fields, stamp.at)?;
                for (system, value) in &identifiers {
                    patients::set_identifier(&tx, id, system, Some(value))?;
                }
                let who = format!("{} {}", fields.given_name, fields.family_name);
                chart::write(&ctx, &mut draw, id, fields.date_of_birth, &who, opts.visits_per_patient, &mut counts)?;
                counts.patients += 1;
                first.get_or_insert_with(|| mrn.clone());
                last = mrn;
            }
            let first = first.unwrap_or_default();
            let event = Event::new(Action::PatientWrite).target("demo", format!("{first}..{last}")).detail(format!(
                "synthetic demo data, not a person's record: {} patients ({first} to {last}), {} visits, {} notes \
                 ({} signed), {} addenda, {} vitals, {} list entries, {} consents, {} attachments (seed {})",
                counts.patients - before.patients,
                counts.visits - before.visits,
                counts.notes - before.notes,
                counts.signed_notes - before.signed_notes,
                counts.addenda - before.addenda,
                counts.vitals - before.vitals,
                counts.list_entries - before.list_entries,
                counts.consents - before.consents,
                counts.attachments - before.attachments,
                opts.seed
            ));
            stamp.append(&tx, &event)?;
            tx.commit()?;
            mrns = Some((mrns.map_or_else(|| first.clone(), |m| m.0), last));
            progress(&DemoProgress {
                patients_done: counts.patients,
                patients_total: opts.patients,
                visits_done: counts.visits,
            });
        }
        Ok(DemoReport { counts, mrns })
    }
}
