//! Time zones for the backup tests, built on chrono's `TimeZone` trait so
//! the schedule and retention code meet summer time without a zone database:
//! a fixed offset, or a standard offset with a summer shift that starts and
//! ends at 01:00 UTC on the last Sundays of March and October (the EU's
//! rule; "southern" zones have their summer the other way round).
//!
//! Any standard offset and a shift of 30 or 60 minutes put the gap and the
//! fold at every local hour, across midnight too, so a property over random
//! zones reaches cases real zones reach only now and then.

#![allow(dead_code)]

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
    Weekday,
};
use proptest::prelude::*;

/// A test zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// Always one offset.
    Fixed(FixedOffset),
    /// `standard` in winter, `standard + shift_minutes` in summer.
    Summer {
        /// The winter offset.
        standard: FixedOffset,
        /// How far summer time is ahead, in minutes (positive).
        shift_minutes: i32,
        /// Summer from October to March.
        southern: bool,
    },
}

/// Central European time: +01:00, +02:00 in summer.
pub fn cet() -> Zone {
    Zone::Summer { standard: FixedOffset::east_opt(3600).unwrap(), shift_minutes: 60, southern: false }
}

/// A fixed offset of `minutes` east of UTC.
pub fn fixed(minutes: i32) -> Zone {
    Zone::Fixed(FixedOffset::east_opt(minutes * 60).unwrap())
}

/// The last Sunday of a month.
fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let next = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    let mut d = NaiveDate::from_ymd_opt(next.0, next.1, 1).unwrap().pred_opt().unwrap();
    while d.weekday() != Weekday::Sun {
        d = d.pred_opt().unwrap();
    }
    d
}

impl Zone {
    fn summer_offset(standard: FixedOffset, shift_minutes: i32) -> FixedOffset {
        FixedOffset::east_opt(standard.local_minus_utc() + shift_minutes * 60).unwrap()
    }

    /// The offset in force at a UTC instant.
    fn offset_at(&self, utc: &NaiveDateTime) -> FixedOffset {
        match *self {
            Zone::Fixed(o) => o,
            Zone::Summer { standard, shift_minutes, southern } => {
                let one = NaiveTime::from_hms_opt(1, 0, 0).unwrap();
                let start = last_sunday(utc.year(), 3).and_time(one);
                let end = last_sunday(utc.year(), 10).and_time(one);
                let between = start <= *utc && *utc < end;
                if between != southern { Self::summer_offset(standard, shift_minutes) } else { standard }
            }
        }
    }

    /// The offsets this zone ever uses, the larger (summer) first.
    fn offsets(&self) -> Vec<FixedOffset> {
        match *self {
            Zone::Fixed(o) => vec![o],
            Zone::Summer { standard, shift_minutes, .. } => {
                vec![Self::summer_offset(standard, shift_minutes), standard]
            }
        }
    }

    /// Whether a local time exists in this zone.
    pub fn exists(&self, local: NaiveDateTime) -> bool {
        !matches!(self.from_local_datetime(&local), MappedLocalTime::None)
    }
}

impl TimeZone for Zone {
    type Offset = FixedOffset;

    /// chrono calls this only for `DateTime::timezone()` and the arithmetic
    /// on a `DateTime<Zone>`, which would lose the summer rule; the code
    /// under test must convert with the zone it was given instead.
    fn from_offset(offset: &FixedOffset) -> Self {
        panic!("the code under test rebuilt a zone from the offset {offset}: it lost the zone's rules")
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<FixedOffset> {
        self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN))
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<FixedOffset> {
        // An offset fits a local time when the instant it gives has that offset.
        let fits: Vec<FixedOffset> = self
            .offsets()
            .into_iter()
            .filter(|o| self.offset_at(&(*local - Duration::seconds(o.local_minus_utc().into()))) == *o)
            .collect();
        match fits[..] {
            [] => MappedLocalTime::None,
            [o] => MappedLocalTime::Single(o),
            // The larger offset gives the earlier instant: chrono's order.
            [earlier, later] => MappedLocalTime::Ambiguous(earlier, later),
            _ => unreachable!("two offsets at most"),
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> FixedOffset {
        self.offset_at(&utc.and_time(NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> FixedOffset {
        self.offset_at(utc)
    }
}

/// A UTC instant from RFC 3339 text.
pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Random zones: fixed offsets from -12:00 to +14:00 in quarter hours, and
/// summer-time zones with any standard offset from -12:00 to +13:00 in half
/// hours, a shift of 30 or 60 minutes, either hemisphere.
pub fn zones() -> impl Strategy<Value = Zone> {
    prop_oneof![
        (-48i32..=56).prop_map(|q| fixed(q * 15)),
        Just(cet()),
        ((-24i32..=26), prop_oneof![Just(30), Just(60)], any::<bool>()).prop_map(|(h, shift, southern)| {
            Zone::Summer { standard: FixedOffset::east_opt(h * 1800).unwrap(), shift_minutes: shift, southern }
        }),
    ]
}
