//! `chartvault demo --patients N [--seed S] [--visits-per-patient V]`:
//! fills the vault with synthetic patients and charts (core's demo data:
//! made up, marked so in the audit trail), with a progress bar on a
//! terminal.

use std::io::IsTerminal;
use std::time::Instant;

use chartvault_core::demo::{DemoOptions, DemoProgress};
use chartvault_core::session::Session;
use clap::Args;

use crate::exit::Failure;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many patients.
    #[arg(long)]
    pub patients: u64,
    /// The generator's seed: the same seed gives the same records.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Visits per patient.
    #[arg(long, default_value_t = 5)]
    pub visits_per_patient: u32,
}

/// Runs the demo command for the signed-in `session`.
pub fn demo(session: &mut Session, args: &DemoArgs) -> Result<(), Failure> {
    let opts = DemoOptions {
        patients: args.patients,
        visits_per_patient: args.visits_per_patient,
        seed: args.seed,
        ..DemoOptions::default()
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(args.patients);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} {wide_bar} {pos}/{len} patients, {elapsed} (about {eta} left)",
        ) {
            bar.set_style(style);
        }
        bar.set_message("generating synthetic patients");
        bar
    });
    let started = Instant::now();
    let mut report = |p: &DemoProgress| {
        if let Some(b) = &bar {
            b.set_position(p.patients_done);
        }
    };
    let done = session.generate_demo(&opts, &mut report)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let c = done.counts;
    let range = done.mrns.map(|(a, b)| format!(" ({a} to {b})")).unwrap_or_default();
    println!(
        "generated {} synthetic patients{range}: {} visits, {} notes ({} signed), {} addenda, {} vitals, \
         {} list entries, {} consents, {} attachments in {:.1} s (seed {})",
        c.patients,
        c.visits,
        c.notes,
        c.signed_notes,
        c.addenda,
        c.vitals,
        c.list_entries,
        c.consents,
        c.attachments,
        started.elapsed().as_secs_f64(),
        args.seed
    );
    Ok(())
}
