//! De-identification by HIPAA Safe Harbor (45 CFR 164.514(b)(2)): of the
//! 18 kinds of identifier, what this record holds is removed or generalised
//! here, and nothing else leaves.
//!
//! Kept: sex; the year of birth, or "90+" (no year) for anyone who is or
//! turns 90 in the export's year; the first three digits of a US ZIP code,
//! "000" for the three-digit areas of 20,000 people or fewer and for any
//! code that is not a US ZIP; the years of visits and of vital signs; vital
//! values with their units; problem descriptions and statuses; allergy
//! substances, statuses and severities; medication names, statuses, routes
//! and doses. Dropped: names, record numbers, identifiers, contacts,
//! addresses, every exact date, and all free text (patient notes, visit
//! reasons, notes, addenda, list notes, reactions, attachments and their
//! names, consents). Each patient is named by a random pseudonym made for
//! this export alone and then forgotten.

use std::io::Write;

use chrono::{Datelike, NaiveDate};

use super::DeidSummary;
use super::fhir::{self, Detail};
use super::fhir_bundle::Bundle;
use super::record::{PatientRecord, in_error};
use super::writing::{failed, random_uuid, urn};
use crate::Result;
use crate::records::consents::ConsentScope;
use crate::records::lists::ChartEntry;
use crate::records::{Consent, ConsentStatus};

/// What the year of birth of a person of 90 or more becomes.
pub(crate) const NINETY_PLUS: &str = "90+";

/// The three-digit ZIP areas of 20,000 people or fewer (2000 census, as HHS
/// lists them): their codes become 000.
pub(crate) const RESTRICTED_ZIP3: [&str; 17] = [
    "036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831", "878", "879", "884", "890",
    "893",
];

/// The year of birth as the export may give it: "90+" when the person is,
/// or may be this year, 90 or older (the year's difference is counted, so
/// an 89-year-old who turns 90 later in the year is "90+" too).
pub(crate) fn birth_year(born: NaiveDate, today: NaiveDate) -> String {
    if today.year() - born.year() >= 90 { NINETY_PLUS.to_owned() } else { born.year().to_string() }
}

/// The three-digit ZIP of a postal code, "000" for a restricted area or a
/// code that is not a US ZIP (5 digits, or ZIP+4); none when none recorded.
pub(crate) fn zip3(code: Option<&str>) -> Option<String> {
    let b = code?.trim().as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let is_zip = match b.len() {
        5 | 9 => digits(b),
        10 => digits(&b[..5]) && matches!(b[5], b'-' | b' ') && digits(&b[6..]),
        _ => false,
    };
    if !is_zip {
        return Some("000".to_owned());
    }
    let three = std::str::from_utf8(&b[..3]).unwrap_or("000");
    Some(if RESTRICTED_ZIP3.contains(&three) { "000".to_owned() } else { three.to_owned() })
}

/// Whether a patient is in a research extract: not when they withdrew a
/// research consent and have none in force.
pub(crate) fn included(consents: &[Consent], today: NaiveDate) -> bool {
    let research: Vec<ConsentStatus> =
        consents.iter().filter(|c| c.scope == ConsentScope::Research).map(|c| c.status(today)).collect();
    research.contains(&ConsentStatus::Active) || !research.contains(&ConsentStatus::Withdrawn)
}

/// One patient as the extract shows them.
struct Subject<'a> {
    pseudonym: String,
    sex: &'static str,
    birth_year: String,
    zip3: Option<String>,
    rec: &'a PatientRecord,
}

fn kept(entries: &[ChartEntry]) -> impl Iterator<Item = &ChartEntry> {
    entries.iter().filter(|e| !in_error(e))
}

/// The CSV header: one row per fact, `record` saying which kind.
pub(crate) const CSV_HEADER: [&str; 13] = [
    "subject",
    "record",
    "sex",
    "birth_year",
    "zip3",
    "year",
    "item",
    "value",
    "unit",
    "status",
    "severity",
    "route",
    "dose",
];

/// Where the extract goes.
pub(crate) enum Extract<'a> {
    Csv(Box<csv::Writer<&'a mut dyn Write>>),
    Fhir(Bundle<'a>),
}

impl std::fmt::Debug for Extract<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Extract::Csv(_) => "Extract::Csv",
            Extract::Fhir(_) => "Extract::Fhir",
        })
    }
}

impl<'a> Extract<'a> {
    /// A CSV extract, its header written.
    pub(crate) fn csv(out: &'a mut dyn Write) -> Result<Extract<'a>> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(CSV_HEADER)?;
        Ok(Extract::Csv(Box::new(w)))
    }

    /// A FHIR extract.
    pub(crate) fn fhir(out: &'a mut dyn Write) -> Result<Extract<'a>> {
        Ok(Extract::Fhir(Bundle::start(out, None)?))
    }

    /// Adds one patient's de-identified record; counts it in `counts`.
    pub(crate) fn add(&mut self, rec: &PatientRecord, today: NaiveDate, counts: &mut DeidSummary) -> Result<()> {
        let f = &rec.patient.fields;
        let s = Subject {
            pseudonym: random_uuid()?.to_string(),
            sex: f.sex.as_str(),
            birth_year: birth_year(f.date_of_birth, today),
            zip3: zip3(f.postal_code.as_deref()),
            rec,
        };
        counts.patients += 1;
        counts.visits += rec.visits.len();
        counts.vitals +=
            rec.visits.iter().flat_map(|v| &v.vitals).map(|m| fhir::measures(&m.vitals).len()).sum::<usize>();
        counts.list_entries +=
            kept(&rec.problems).count() + kept(&rec.allergies).count() + kept(&rec.medications).count();
        match self {
            Extract::Csv(w) => csv_rows(w, &s),
            Extract::Fhir(b) => fhir_entries(b, &s),
        }
    }

    /// Ends the extract.
    pub(crate) fn finish(self) -> Result<()> {
        match self {
            Extract::Csv(mut w) => w.flush().map_err(failed),
            Extract::Fhir(b) => b.finish().map(|_| ()),
        }
    }
}

fn csv_rows(w: &mut csv::Writer<&mut dyn Write>, s: &Subject<'_>) -> Result<()> {
    let mut row = |record: &str, year: &str, item: &str, rest: [&str; 5]| -> Result<()> {
        let [value, unit, status, severity, route] = rest;
        let (sex, born, zip) = if record == "patient" {
            (s.sex, s.birth_year.as_str(), s.zip3.as_deref().unwrap_or(""))
        } else {
            ("", "", "")
        };
        let dose = if record == "medication" { value } else { "" };
        let value = if record == "medication" { "" } else { value };
        w.write_record([&s.pseudonym, record, sex, born, zip, year, item, value, unit, status, severity, route, dose])?;
        Ok(())
    };
    row("patient", "", "", [""; 5])?;
    for v in &s.rec.visits {
        row("visit", &v.visit.started_at.year().to_string(), v.visit.kind.as_str(), [""; 5])?;
        for m in &v.vitals {
            let year = m.taken_at.year().to_string();
            for x in fhir::measures(&m.vitals) {
                row("vital", &year, x.display, [&x.value.to_string(), x.unit, "", "", ""])?;
            }
        }
    }
    let get = |e: &ChartEntry, f: &str| e.get(f).unwrap_or("").to_owned();
    for e in kept(&s.rec.problems) {
        row("problem", "", &get(e, "description"), ["", "", &get(e, "status"), "", ""])?;
    }
    for e in kept(&s.rec.allergies) {
        row("allergy", "", &get(e, "substance"), ["", "", &get(e, "status"), &get(e, "severity"), ""])?;
    }
    for e in kept(&s.rec.medications) {
        // For a medication, the "value" slot carries its dose (its own column).
        row("medication", "", &get(e, "name"), [&get(e, "dose"), "", &get(e, "status"), "", &get(e, "route")])?;
    }
    Ok(())
}

fn fhir_entries(b: &mut Bundle<'_>, s: &Subject<'_>) -> Result<()> {
    let subject = urn()?;
    b.entry(&subject, &fhir::deidentified_patient(&s.pseudonym, s.sex, &s.birth_year, s.zip3.as_deref()))?;
    for v in &s.rec.visits {
        let enc = urn()?;
        b.entry(&enc, &fhir::encounter(&v.visit, &subject, None, Detail::SafeHarbor))?;
        for m in &v.vitals {
            for o in fhir::vital_observations(m, &subject, &enc, Detail::SafeHarbor) {
                b.entry(&urn()?, &o)?;
            }
        }
    }
    for e in kept(&s.rec.problems) {
        b.entry(&urn()?, &fhir::condition(e, &subject, Detail::SafeHarbor))?;
    }
    for e in kept(&s.rec.allergies) {
        b.entry(&urn()?, &fhir::allergy(e, &subject, Detail::SafeHarbor))?;
    }
    for e in kept(&s.rec.medications) {
        b.entry(&urn()?, &fhir::medication(e, &subject, Detail::SafeHarbor))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn zip_codes_keep_three_digits_unless_the_area_is_small_or_the_code_is_not_a_zip() {
        assert_eq!(zip3(Some("02139")).as_deref(), Some("021"));
        assert_eq!(zip3(Some("10001-1234")).as_deref(), Some("100"));
        assert_eq!(zip3(Some(" 941031234 ")).as_deref(), Some("941"));
        for restricted in RESTRICTED_ZIP3 {
            assert_eq!(zip3(Some(&format!("{restricted}42"))).as_deref(), Some("000"), "{restricted}");
        }
        for foreign in ["SW1A 1AA", "1234", "K1A 0B1", "123456", "75008-", "12-34-5678", "1234-56789", "9410３"] {
            assert_eq!(zip3(Some(foreign)).as_deref(), Some("000"), "{foreign}");
        }
        assert_eq!(zip3(None), None);
    }

    #[test]
    fn birth_years_of_people_of_ninety_or_more_become_ninety_plus() {
        let today = d(2030, 3, 17);
        assert_eq!(birth_year(d(1950, 7, 1), today), "1950");
        assert_eq!(birth_year(d(1941, 12, 31), today), "1941", "89 this year");
        assert_eq!(birth_year(d(1940, 12, 31), today), NINETY_PLUS, "turns 90 this year");
        assert_eq!(birth_year(d(1906, 12, 9), today), NINETY_PLUS);
    }
}
