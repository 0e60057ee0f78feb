//! One synthetic patient's demographics, drawn from a seeded generator.

use chrono::{Duration, NaiveDate};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

use super::pools::{self, CULTURES};
use crate::records::{PatientFields, Sex};

/// A seeded generator: ChaCha8, whose output for a seed is fixed across
/// platforms, so a seed makes the same records everywhere.
#[derive(Debug)]
pub(super) struct Draw(ChaCha8Rng);

impl Draw {
    pub(super) fn new(seed: u64) -> Draw {
        Draw(ChaCha8Rng::seed_from_u64(seed))
    }

    /// A number in `lo..hi` (`lo` when the range is empty).
    pub(super) fn below(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo { lo } else { self.0.random_range(lo..hi) }
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.0.random_bool(p)
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.0.random_range(0..items.len())]
    }

    /// A decimal in `lo..hi` with one digit after the point.
    pub(super) fn tenths(&mut self, lo: f64, hi: f64) -> f64 {
        (self.0.random_range(lo..hi) * 10.0).round() / 10.0
    }
}

/// Letters of a name as an e-mail address takes them: diacritics folded,
/// anything else left out.
fn mail_part(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'á' | 'à' | 'â' | 'ä' | 'å' | 'ā' | 'ã' | 'ă' | 'ả' | 'ạ' | 'ặ' | 'ầ' | 'ấ' => "a",
            'é' | 'è' | 'ê' | 'ë' | 'ē' | 'ễ' | 'ệ' | 'ế' | 'ề' => "e",
            'í' | 'ï' | 'ı' | 'î' | 'ị' | 'ĩ' => "i",
            'ó' | 'ô' | 'ö' | 'ø' | 'ō' | 'ọ' | 'ồ' | 'ơ' | 'ộ' | 'ố' => "o",
            'ú' | 'ü' | 'ū' | 'ư' | 'ũ' | 'ứ' | 'ữ' | 'ụ' => "u",
            'ñ' => "n",
            'ç' | 'č' => "c",
            'ğ' => "g",
            'ş' | 'š' => "s",
            'ž' => "z",
            'ł' => "l",
            'ř' => "r",
            'ý' => "y",
            'đ' => "d",
            'ß' => "ss",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => continue,
        };
        out.push_str(folded);
    }
    if out.is_empty() { "patient".to_owned() } else { out }
}

/// A patient born within the 100 years before `today`, with the contacts
/// most patients have, an identifier for some, and a restricted record for
/// about one in a hundred.
pub(super) fn patient(d: &mut Draw, today: NaiveDate) -> (PatientFields, Vec<(String, String)>) {
    let culture = d.pick(CULTURES);
    let sex = match d.below(0, 100) {
        0 => Sex::Other,
        1 => Sex::Unknown,
        n if n < 51 => Sex::Female,
        _ => Sex::Male,
    };
    let given = match sex {
        Sex::Female => *d.pick(culture.female),
        Sex::Male => *d.pick(culture.male),
        _ => {
            let names = if d.chance(0.5) { culture.female } else { culture.male };
            *d.pick(names)
        }
    };
    let family = *d.pick(culture.family);
    let date_of_birth = today - Duration::days(d.below(0, 100 * 365 + 24));
    let phone = d.chance(0.85).then(|| {
        let area = d.pick(pools::AREA_CODES);
        format!("({area}) {:03}-{:04}", d.below(200, 1000), d.below(0, 10_000))
    });
    let email = d.chance(0.6).then(|| {
        let n = if d.chance(0.5) { d.below(1, 100).to_string() } else { String::new() };
        format!("{}.{}{n}@{}", mail_part(given), mail_part(family), d.pick(pools::MAIL_DOMAINS))
    });
    let housed = d.chance(0.9);
    let address = housed.then(|| {
        format!(
            "{} {} {}, {}",
            d.below(1, 2000),
            d.pick(pools::STREETS),
            d.pick(pools::STREET_KINDS),
            d.pick(pools::CITIES)
        )
    });
    let postal_code = housed.then(|| {
        let zip = d.below(10_000, 100_000);
        if d.chance(0.2) { format!("{zip}-{:04}", d.below(0, 10_000)) } else { zip.to_string() }
    });
    let notes = d.chance(0.08).then(|| (*d.pick(pools::PATIENT_NOTES)).to_owned());
    let mut identifiers = Vec::new();
    if d.chance(0.3) {
        identifiers.push(("NHS".to_owned(), format!("{:010}", d.below(1_000_000_000, 9_999_999_999))));
    }
    if d.chance(0.25) {
        identifiers.push(("insurer".to_owned(), format!("MBR-{:08}", d.below(0, 100_000_000))));
    }
    let fields = PatientFields {
        given_name: given.to_owned(),
        family_name: family.to_owned(),
        date_of_birth,
        sex,
        phone,
        email,
        address,
        postal_code,
        notes,
        restricted: d.chance(0.01),
    };
    (fields, identifiers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_parts_fold_diacritics_and_drop_the_rest() {
        assert_eq!(mail_part("Núñez"), "nunez");
        assert_eq!(mail_part("Ó Súilleabháin"), "osuilleabhain");
        assert_eq!(mail_part("Al-Sayed"), "alsayed");
        assert_eq!(mail_part("Groß"), "gross");
        assert_eq!(mail_part("Đặng"), "dang");
        assert_eq!(mail_part("Nguyễn"), "nguyen");
        assert_eq!(mail_part("Ω"), "patient", "a letter not in the table is left out");
    }

    #[test]
    fn every_drawn_patient_passes_the_registration_checks() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let mut d = Draw::new(7);
        for _ in 0..2000 {
            let (f, ids) = patient(&mut d, today);
            assert_eq!(f.checked(today).unwrap(), f, "{f:?}");
            for (s, v) in ids {
                crate::records::patients::identifier_part("identifier", &v, 128).unwrap();
                assert!(!s.is_empty());
            }
        }
    }
}
