//! When a scheduled backup is due: the `backup_schedule` policy value, its
//! slots in the workstation's local time, the catch-up rule, and when a
//! missing backup becomes a warning.
//!
//! Pure: the time and the zone are arguments (`chrono::Local` in the app,
//! fixed offsets and a hand-made zone with summer time in tests).
//!
//! # Slots
//!
//! A schedule names a local wall-clock time: every day (`daily 18:30`) or
//! one day of the week (`weekly fri 18:30`). Each such local time is a
//! **slot**, turned into an instant by [`local_to_utc`]: a time the clocks
//! skip (spring forward) moves to the next minute that exists, and a time
//! that happens twice (fall back) takes the earlier, so every day (or week)
//! has exactly one slot and no run is skipped or doubled by summer time.
//!
//! # Catch-up
//!
//! A run is due when the latest slot at or before now has no successful
//! scheduled run at or after it. The app only backs up while someone is
//! signed in, so after a long weekend several slots may have passed: one run
//! is due then, not one per missed slot, since each would copy the same vault.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};

/// The `backup_schedule` policy value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Schedule {
    /// No scheduled backups (`off`).
    Off,
    /// Every day at a local time (`daily HH:MM`).
    Daily {
        /// The local time, in whole minutes: seconds are not written out.
        at: NaiveTime,
    },
    /// One day a week at a local time (`weekly mon HH:MM`).
    Weekly {
        /// The day.
        day: Weekday,
        /// The local time, in whole minutes: seconds are not written out.
        at: NaiveTime,
    },
}

/// Why a `backup_schedule` value was refused. Each message says what was
/// expected, since a person typed the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Nothing but spaces.
    #[error("the backup schedule is empty: expected {FORMS}")]
    Empty,
    /// The first word is none of `off`, `daily`, `weekly`.
    #[error("`{0}` is not a kind of backup schedule: expected {FORMS}")]
    UnknownKind(String),
    /// `daily` or `weekly` without its time (or `weekly` without its day).
    #[error("`{given}` is missing its {missing}: expected {FORMS}")]
    Missing {
        /// The whole value, trimmed.
        given: String,
        /// What is missing: "time" or "day and time".
        missing: &'static str,
    },
    /// A weekday that is not `mon` to `sun`.
    #[error("`{0}` is not a day of the week: expected mon, tue, wed, thu, fri, sat or sun")]
    BadDay(String),
    /// A time that is not `HH:MM` from 00:00 to 23:59.
    #[error("`{0}` is not a time of day: expected HH:MM from 00:00 to 23:59, e.g. 18:30")]
    BadTime(String),
    /// Words after a complete value.
    #[error("unexpected `{0}` after the backup schedule: expected {FORMS}")]
    Trailing(String),
}

/// The accepted forms, as every error message spells them.
const FORMS: &str = "`off`, `daily HH:MM` or `weekly DAY HH:MM` (DAY is mon to sun)";

impl FromStr for Schedule {
    type Err = ScheduleError;

    /// Reads `off`, `daily HH:MM` or `weekly DAY HH:MM`; words are separated
    /// by any spaces and keywords may be in any case (`Daily 7:05` is read as
    /// `daily 07:05`), because a person types them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut words = s.split_whitespace();
        let kind = words.next().ok_or(ScheduleError::Empty)?;
        let given = || s.split_whitespace().collect::<Vec<_>>().join(" ");
        let schedule = match kind.to_ascii_lowercase().as_str() {
            "off" => Schedule::Off,
            "daily" => {
                let at = words.next().ok_or_else(|| ScheduleError::Missing { given: given(), missing: "time" })?;
                Schedule::Daily { at: parse_time(at)? }
            }
            "weekly" => {
                let missing = || ScheduleError::Missing { given: given(), missing: "day and time" };
                let day = parse_day(words.next().ok_or_else(missing)?)?;
                let at = words.next().ok_or_else(|| ScheduleError::Missing { given: given(), missing: "time" })?;
                Schedule::Weekly { day, at: parse_time(at)? }
            }
            _ => return Err(ScheduleError::UnknownKind(kind.to_owned())),
        };
        match words.next() {
            Some(extra) => Err(ScheduleError::Trailing(extra.to_owned())),
            None => Ok(schedule),
        }
    }
}

impl fmt::Display for Schedule {
    /// The canonical form, which [`FromStr`] reads back to the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Off => f.write_str("off"),
            Schedule::Daily { at } => write!(f, "daily {}", at.format("%H:%M")),
            Schedule::Weekly { day, at } => write!(f, "weekly {} {}", day_name(*day), at.format("%H:%M")),
        }
    }
}

/// `H:MM` or `HH:MM`; seconds are not part of a schedule.
fn parse_time(word: &str) -> Result<NaiveTime, ScheduleError> {
    let bad = || ScheduleError::BadTime(word.to_owned());
    let (h, m) = word.split_once(':').ok_or_else(bad)?;
    let digits = |s: &str, lens: &[usize]| lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h, &[1, 2]) || !digits(m, &[2]) {
        return Err(bad());
    }
    let (h, m) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    NaiveTime::from_hms_opt(h, m, 0).ok_or_else(bad)
}

const DAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "mon"),
    (Weekday::Tue, "tue"),
    (Weekday::Wed, "wed"),
    (Weekday::Thu, "thu"),
    (Weekday::Fri, "fri"),
    (Weekday::Sat, "sat"),
    (Weekday::Sun, "sun"),
];

fn parse_day(word: &str) -> Result<Weekday, ScheduleError> {
    let lower = word.to_ascii_lowercase();
    DAYS.iter().find(|(_, name)| *name == lower).map(|(d, _)| *d).ok_or_else(|| ScheduleError::BadDay(word.to_owned()))
}

fn day_name(day: Weekday) -> &'static str {
    DAYS[day.num_days_from_monday() as usize].1
}

/// How long after a slot a run still counts as on time rather than as a
/// catch-up: the app ticks every 30 s and may wait for the vault's mutex.
pub const ON_TIME_WINDOW: Duration = Duration::minutes(15);

/// The longest gap in local time [`local_to_utc`] steps over. Real zones
/// have skipped at most a day (Samoa, 2011); past two, the zone is broken.
const MAX_GAP_MINUTES: i64 = 2 * 24 * 60;

/// The instant of a local time in `zone`: the earlier of two when the time
/// happens twice, the next minute that exists when it does not. `None` only
/// for a zone that skips more than two days, or at the end of chrono's range.
pub fn local_to_utc<Tz: TimeZone>(zone: &Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let mut t = local;
    for _ in 0..=MAX_GAP_MINUTES {
        match zone.from_local_datetime(&t) {
            MappedLocalTime::Single(at) => return Some(at.with_timezone(&Utc)),
            MappedLocalTime::Ambiguous(a, b) => return Some(a.with_timezone(&Utc).min(b.with_timezone(&Utc))),
            MappedLocalTime::None => t = t.checked_add_signed(Duration::minutes(1))?,
        }
    }
    None
}

impl Schedule {
    /// The slot of local date `date`, if the schedule has one that day.
    fn slot_on<Tz: TimeZone>(&self, date: NaiveDate, zone: &Tz) -> Option<DateTime<Utc>> {
        match *self {
            Schedule::Off => None,
            Schedule::Daily { at } => local_to_utc(zone, date.and_time(at)),
            Schedule::Weekly { day, at } if date.weekday() == day => local_to_utc(zone, date.and_time(at)),
            Schedule::Weekly { .. } => None,
        }
    }

    /// The slots of the local dates around `t`, from 9 days before to 9
    /// after: a week and a day either side covers a weekly schedule, with
    /// room for a slot moved across midnight by a gap.
    fn slots_around<Tz: TimeZone>(&self, t: DateTime<Utc>, zone: &Tz) -> impl Iterator<Item = DateTime<Utc>> {
        let today = t.with_timezone(zone).date_naive();
        (-9..=9)
            .filter_map(move |d| today.checked_add_signed(Duration::days(d)))
            .filter_map(move |d| self.slot_on(d, zone))
    }

    /// The latest slot at or before `t`.
    pub fn latest_slot<Tz: TimeZone>(&self, t: DateTime<Utc>, zone: &Tz) -> Option<DateTime<Utc>> {
        self.slots_around(t, zone).filter(|s| *s <= t).max()
    }

    /// The first slot after `t`.
    pub fn next_slot<Tz: TimeZone>(&self, t: DateTime<Utc>, zone: &Tz) -> Option<DateTime<Utc>> {
        self.slots_around(t, zone).filter(|s| *s > t).min()
    }

    /// The time between slots, in hours: 24 or 168; `None` when off.
    pub fn period_hours(&self) -> Option<u32> {
        match self {
            Schedule::Off => None,
            Schedule::Daily { .. } => Some(24),
            Schedule::Weekly { .. } => Some(7 * 24),
        }
    }

    /// The default `backup_warn_after_hours`: the period plus 12 hours, so a
    /// run delayed to the next morning is no warning; 48 hours when off.
    pub fn default_warn_after_hours(&self) -> u32 {
        self.period_hours().map_or(48, |h| h + 12)
    }
}

/// The slot the next scheduled run serves: at or before `now` when a run is
/// due now (a catch-up of the latest missed slot), otherwise the first slot
/// after `now` and after the last success. `None` when the schedule is off.
///
/// `last_scheduled_success` is the start of the latest successful scheduled
/// or catch-up run. One dated after `now` (the clock was set back) covers
/// every slot up to its date, as the rule says: any rule that ran a backup
/// now in spite of it would run one at every tick for as long as that record
/// stays the latest. [`overdue`] is what tells a person, since it counts a
/// backup dated far in the future as overdue.
pub fn next_due<Tz: TimeZone>(
    schedule: &Schedule,
    last_scheduled_success: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    zone: &Tz,
) -> Option<DateTime<Utc>> {
    match schedule.latest_slot(now, zone) {
        Some(slot) if last_scheduled_success.is_none_or(|l| l < slot) => Some(slot),
        _ => schedule.next_slot(last_scheduled_success.map_or(now, |l| l.max(now)), zone),
    }
}

/// A scheduled run that is due now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueRun {
    /// The slot it serves: the latest at or before now.
    pub slot: DateTime<Utc>,
    /// Whether it starts more than [`ON_TIME_WINDOW`] after its slot, to be
    /// recorded as a catch-up rather than a scheduled run.
    pub catch_up: bool,
}

/// The run due now, if any: at most one, however many slots were missed.
pub fn due_now<Tz: TimeZone>(
    schedule: &Schedule,
    last_scheduled_success: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    zone: &Tz,
) -> Option<DueRun> {
    let slot = next_due(schedule, last_scheduled_success, now, zone).filter(|s| *s <= now)?;
    Some(DueRun { slot, catch_up: now - slot > ON_TIME_WINDOW })
}

/// Whether the latest verified backup is more than `warn_after_hours` old,
/// or there is none. Exactly that old is not yet overdue. A backup dated
/// more than `warn_after_hours` after `now` is overdue too: the clock was
/// set back (or the record is wrong), the schedule waits for that date (see
/// [`next_due`]), and someone should look; a few seconds of clock step are
/// no warning.
pub fn overdue(last_verified: Option<DateTime<Utc>>, now: DateTime<Utc>, warn_after_hours: u32) -> bool {
    let window = Duration::hours(i64::from(warn_after_hours));
    last_verified.is_none_or(|last| (now - last).abs() > window)
}
