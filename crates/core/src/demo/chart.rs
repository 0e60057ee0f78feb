//! One synthetic patient's chart — visits with notes (most signed, some
//! with addenda) and vitals, problems, allergies, medications, consents and
//! now and then a small attachment — written with the same row functions
//! the session operations use, each value through the same checks.

use chartvault_seal::rusqlite::Transaction;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::person::Draw;
use super::pools;
use crate::Result;
use crate::records::attachments::{self, Incoming};
use crate::records::lists::{self, ChartList};
use crate::records::visits::{self, Soap, Visit, VisitKind, Vitals};
use crate::records::{Consent, ConsentScope, consents};

/// What a generated chart is written with.
pub(super) struct Ctx<'a, 'c> {
    pub tx: &'a Transaction<'c>,
    /// The user generating (recorder, signer, author).
    pub me: i64,
    /// The clinic's providers, one of whom saw each visit.
    pub providers: &'a [i64],
    pub now: DateTime<Utc>,
}

/// How much was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Patients.
    pub patients: u64,
    /// Visits.
    pub visits: u64,
    /// Notes (drafts and signed).
    pub notes: u64,
    /// Signed notes.
    pub signed_notes: u64,
    /// Addenda.
    pub addenda: u64,
    /// Sets of vital signs.
    pub vitals: u64,
    /// Problems, allergies and medications.
    pub list_entries: u64,
    /// Consents.
    pub consents: u64,
    /// Attachments.
    pub attachments: u64,
}

fn day_between(d: &mut Draw, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    from + Duration::days(d.below(0, (to - from).num_days() + 1))
}

fn years(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days() / 365
}

/// Vital signs plausible for the age, checked as a clinician's would be.
fn vitals(d: &mut Draw, age: i64) -> Result<Vitals> {
    let (weight, height, pulse) = match age {
        0..=1 => (d.tenths(3.0, 12.0), d.tenths(48.0, 85.0), d.below(100, 160)),
        2..=11 => (d.tenths(12.0, 40.0), d.tenths(85.0, 150.0), d.below(70, 120)),
        _ => (d.tenths(48.0, 120.0), d.tenths(150.0, 196.0), d.below(52, 100)),
    };
    let systolic = if age < 12 { d.below(85, 115) } else { d.below(100, 165) };
    let v = Vitals {
        systolic: Some(systolic),
        diastolic: Some(d.below(systolic / 2, systolic - 25)),
        pulse: Some(pulse),
        temperature_c: Some(d.tenths(36.0, 38.6)),
        weight_kg: Some(weight),
        height_cm: Some(height),
        spo2: Some(d.below(94, 101)),
    };
    v.checked()
}

/// `count` entries of a pool, distinct, from a drawn start.
fn some<'p, T>(d: &mut Draw, pool: &'p [T], count: i64) -> impl Iterator<Item = &'p T> + use<'p, T> {
    let start = d.below(0, pool.len() as i64) as usize;
    (0..count as usize).map(move |i| &pool[(start + i) % pool.len()])
}

fn add_entry(c: &Ctx<'_, '_>, list: ChartList, patient: i64, given: &[(&str, Option<&str>)]) -> Result<()> {
    let values = lists::checked(list, given)?;
    lists::add(c.tx, list, patient, &values, c.me, c.now)?;
    Ok(())
}

fn visit(
    c: &Ctx<'_, '_>,
    d: &mut Draw,
    patient: i64,
    born: NaiveDate,
    at: DateTime<Utc>,
    n: &mut Counts,
) -> Result<()> {
    let age = years(born, at.date_naive());
    let story = if age < 12 && d.chance(0.5) {
        pools::STORIES.iter().find(|s| s.reason == "well-child visit").unwrap_or(&pools::STORIES[0])
    } else {
        d.pick(pools::STORIES)
    };
    let kind = match d.below(0, 100) {
        0..70 => VisitKind::Office,
        70..80 => VisitKind::Telephone,
        80..88 => VisitKind::Video,
        88..92 => VisitKind::Home,
        92..97 => VisitKind::Emergency,
        _ => VisitKind::Other,
    };
    let v = Visit {
        id: 0,
        patient_id: patient,
        started_at: at,
        kind,
        provider_id: Some(*d.pick(c.providers)),
        reason: Some(story.reason.to_owned()),
    };
    let id = visits::insert_visit(c.tx, &v, c.me, at)?;
    n.visits += 1;
    if matches!(kind, VisitKind::Office | VisitKind::Home | VisitKind::Emergency) {
        visits::insert_vitals(c.tx, id, &vitals(d, age)?, at + Duration::minutes(5), c.me, at)?;
        n.vitals += 1;
    }
    if !d.chance(0.9) {
        return Ok(());
    }
    let soap = Soap {
        subjective: story.subjective.to_owned(),
        objective: story.objective.to_owned(),
        assessment: story.assessment.to_owned(),
        plan: story.plan.to_owned(),
    }
    .checked()?;
    let written = at + Duration::minutes(20);
    visits::save_note(c.tx, id, &soap, c.me, written)?;
    n.notes += 1;
    if c.now - at < Duration::days(2) || !d.chance(0.95) {
        return Ok(());
    }
    visits::sign_note(c.tx, id, c.me, written)?;
    n.signed_notes += 1;
    if d.chance(0.1) {
        let when = (at + Duration::days(d.below(1, 14))).min(c.now);
        let text = *d.pick(pools::ADDENDA);
        visits::add_addendum(c.tx, id, text, c.me, when)?;
        n.addenda += 1;
    }
    Ok(())
}

fn consent(
    c: &Ctx<'_, '_>,
    patient: i64,
    scope: ConsentScope,
    from: NaiveDate,
    until: Option<NaiveDate>,
) -> Result<i64> {
    let new = Consent {
        id: 0,
        patient_id: patient,
        scope,
        granted_on: from,
        expires_on: until,
        note: Some("Signed form scanned at reception.".to_owned()),
        recorded_by: c.me,
        recorded_at: c.now,
        withdrawn_at: None,
        withdrawn_by: None,
    };
    consents::insert(c.tx, &new)
}

fn attachment(c: &Ctx<'_, '_>, d: &mut Draw, patient: i64, who: &str) -> Result<()> {
    let letter;
    let (file_name, description, bytes): (&str, &str, &[u8]) = if d.chance(0.5) {
        ("wound-photo.png", "Photograph (synthetic)", pools::TINY_PNG)
    } else {
        letter = format!("Referral letter\n\nRe: {who}\nPlease see this patient for review.\n— synthetic demo data\n");
        ("referral-letter.txt", "Referral letter (synthetic)", letter.as_bytes())
    };
    let incoming = Incoming { file_name, description: Some(description.to_owned()), size: bytes.len() as u64 };
    attachments::store(c.tx, patient, &incoming, &mut &bytes[..], c.me, c.now)?;
    Ok(())
}

/// Writes the chart of `patient` (born `born`, called `who`): `visits`
/// visits over up to ten years, lists, consents, maybe an attachment.
pub(super) fn write(
    c: &Ctx<'_, '_>,
    d: &mut Draw,
    patient: i64,
    born: NaiveDate,
    who: &str,
    visits: u32,
    n: &mut Counts,
) -> Result<()> {
    let today = c.now.date_naive();
    let first_seen = day_between(d, born.max(today - Duration::days(3650)), today);
    let mut days: Vec<NaiveDate> = (0..visits).map(|_| day_between(d, first_seen, today)).collect();
    days.sort_unstable();
    for day in days {
        let clock = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let at = (clock + Duration::minutes(d.below(8 * 60, 17 * 60))).min(c.now);
        visit(c, d, patient, born, at, n)?;
    }
    let age = years(born, today);
    let problems = if age < 18 { d.below(0, 2) } else { d.below(0, 4) };
    for (description, may_resolve) in some(d, pools::PROBLEMS, problems) {
        let onset = day_between(d, born, today).to_string();
        let resolved = (*may_resolve && d.chance(0.4)).then(|| today.to_string());
        let status = if resolved.is_some() { "resolved" } else { "active" };
        let given = [
            ("description", Some(*description)),
            ("status", Some(status)),
            ("onset", Some(onset.as_str())),
            ("resolved", resolved.as_deref()),
        ];
        add_entry(c, ChartList::Problems, patient, &given)?;
    }
    let allergies = if d.chance(0.7) { 0 } else { d.below(1, 3) };
    for (substance, reaction) in some(d, pools::ALLERGIES, allergies) {
        let severity = *d.pick(pools::SEVERITIES);
        let given = [("substance", Some(*substance)), ("reaction", Some(*reaction)), ("severity", Some(severity))];
        add_entry(c, ChartList::Allergies, patient, &given)?;
    }
    let medications = if age < 18 { d.below(0, 2) } else { d.below(0, 4) };
    for (name, dose, route, frequency) in some(d, pools::MEDICATIONS, medications) {
        let start = day_between(d, first_seen, today);
        let stop = d.chance(0.15).then(|| day_between(d, start, today).to_string());
        let status = if stop.is_some() { "stopped" } else { "active" };
        let start = start.to_string();
        let given = [
            ("name", Some(*name)),
            ("dose", Some(*dose)),
            ("route", Some(*route)),
            ("frequency", Some(*frequency)),
            ("start_date", Some(start.as_str())),
            ("stop_date", stop.as_deref()),
            ("status", Some(status)),
        ];
        add_entry(c, ChartList::Medications, patient, &given)?;
    }
    n.list_entries += (problems + allergies + medications).unsigned_abs();
    if d.chance(0.95) {
        consent(c, patient, ConsentScope::Treatment, first_seen, None)?;
        n.consents += 1;
    }
    if d.chance(0.3) {
        let from = day_between(d, first_seen, today);
        let until = d.chance(0.5).then(|| from + Duration::days(365));
        consent(c, patient, ConsentScope::DataSharing, from, until)?;
        n.consents += 1;
    }
    if d.chance(0.1) {
        let id = consent(c, patient, ConsentScope::Research, day_between(d, first_seen, today), None)?;
        if d.chance(0.3) {
            consents::withdraw(c.tx, id, c.me, c.now)?;
        }
        n.consents += 1;
    }
    if d.chance(0.2) {
        attachment(c, d, patient, who)?;
        n.attachments += 1;
    }
    Ok(())
}
