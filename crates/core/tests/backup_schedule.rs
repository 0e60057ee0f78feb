//! The backup schedule: the policy value read and written, slots in local
//! time across summer time (a hand-made zone with a gap and a fold), the one
//! catch-up run, and the overdue warning. Properties over random schedules,
//! zones and times; worked examples with concrete dates.

mod backup_common;

use backup_common::{Zone, cet, fixed, utc, zones};
use chartvault_core::backup::schedule::{
    DueRun, ON_TIME_WINDOW, Schedule, ScheduleError, due_now, local_to_utc, next_due, overdue,
};
use chrono::{
    DateTime, Datelike, Duration, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use proptest::prelude::*;

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn parse(s: &str) -> Result<Schedule, ScheduleError> {
    s.parse()
}

// ---------------------------------------------------------------- strategies

fn schedules() -> impl Strategy<Value = Schedule> {
    let at = (0u32..24, 0u32..60).prop_map(|(h, m)| hm(h, m));
    let day = (0u8..7).prop_map(|d| Weekday::try_from(d).unwrap());
    prop_oneof![
        1 => Just(Schedule::Off),
        3 => at.clone().prop_map(|at| Schedule::Daily { at }),
        3 => (day, at).prop_map(|(day, at)| Schedule::Weekly { day, at }),
    ]
}

fn on_schedules() -> impl Strategy<Value = Schedule> {
    schedules().prop_filter("a schedule that runs", |s| *s != Schedule::Off)
}

/// Instants from 2023 to 2026, to the second: every transition of the test
/// zones in four years.
fn instants() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4 * 366 * 86_400).prop_map(|s| utc("2023-01-01T00:00:00Z") + Duration::seconds(s))
}

// ---------------------------------------------------------------- parsing

#[test]
fn the_three_forms_are_read() {
    assert_eq!(parse("off"), Ok(Schedule::Off));
    assert_eq!(parse("daily 18:30"), Ok(Schedule::Daily { at: hm(18, 30) }));
    assert_eq!(parse("weekly fri 07:05"), Ok(Schedule::Weekly { day: Weekday::Fri, at: hm(7, 5) }));
    assert_eq!(parse("weekly sun 00:00"), Ok(Schedule::Weekly { day: Weekday::Sun, at: hm(0, 0) }));
    assert_eq!(parse("daily 23:59"), Ok(Schedule::Daily { at: hm(23, 59) }));
}

#[test]
fn what_a_person_types_is_forgiven_and_written_back_canonically() {
    let s = parse("  Weekly\tFRI   7:05 ").unwrap();
    assert_eq!(s, Schedule::Weekly { day: Weekday::Fri, at: hm(7, 5) });
    assert_eq!(s.to_string(), "weekly fri 07:05");
    assert_eq!(parse("OFF").unwrap().to_string(), "off");
    assert_eq!(parse("Daily 9:00").unwrap().to_string(), "daily 09:00");
}

#[test]
fn malformed_values_say_what_is_wrong() {
    let cases: &[(&str, ScheduleError)] = &[
        ("", ScheduleError::Empty),
        ("   ", ScheduleError::Empty),
        ("hourly 10:00", ScheduleError::UnknownKind("hourly".into())),
        ("never", ScheduleError::UnknownKind("never".into())),
        ("daily", ScheduleError::Missing { given: "daily".into(), missing: "time" }),
        ("weekly", ScheduleError::Missing { given: "weekly".into(), missing: "day and time" }),
        ("weekly  fri", ScheduleError::Missing { given: "weekly fri".into(), missing: "time" }),
        ("weekly friday 10:00", ScheduleError::BadDay("friday".into())),
        ("weekly 10:00 fri", ScheduleError::BadDay("10:00".into())),
        ("daily 24:00", ScheduleError::BadTime("24:00".into())),
        ("daily 18:60", ScheduleError::BadTime("18:60".into())),
        ("daily 18:5", ScheduleError::BadTime("18:5".into())),
        ("daily 1830", ScheduleError::BadTime("1830".into())),
        ("daily 018:30", ScheduleError::BadTime("018:30".into())),
        ("daily +1:30", ScheduleError::BadTime("+1:30".into())),
        ("daily 18:30:00", ScheduleError::BadTime("18:30:00".into())),
        ("daily ١٨:٣٠", ScheduleError::BadTime("١٨:٣٠".into())),
        ("daily 18:30 19:30", ScheduleError::Trailing("19:30".into())),
        ("off now", ScheduleError::Trailing("now".into())),
        ("weekly mon 08:00 tue", ScheduleError::Trailing("tue".into())),
    ];
    for (given, want) in cases {
        assert_eq!(parse(given).as_ref(), Err(want), "{given:?}");
    }
}

#[test]
fn error_messages_show_the_expected_forms() {
    let msg = parse("hourly").unwrap_err().to_string();
    assert_eq!(
        msg,
        "`hourly` is not a kind of backup schedule: expected `off`, `daily HH:MM` or `weekly DAY HH:MM` (DAY is mon to sun)"
    );
    assert_eq!(
        parse("daily 25:00").unwrap_err().to_string(),
        "`25:00` is not a time of day: expected HH:MM from 00:00 to 23:59, e.g. 18:30"
    );
    assert!(parse("weekly xyz 10:00").unwrap_err().to_string().contains("mon, tue, wed, thu, fri, sat or sun"));
}

// ---------------------------------------------------------------- warnings

#[test]
fn the_warning_defaults_to_the_period_plus_twelve_hours() {
    assert_eq!(Schedule::Off.default_warn_after_hours(), 48);
    assert_eq!(parse("daily 18:00").unwrap().default_warn_after_hours(), 36);
    assert_eq!(parse("weekly mon 18:00").unwrap().default_warn_after_hours(), 180);
}

#[test]
fn overdue_after_the_hours_not_at_them() {
    let now = utc("2025-06-10T12:00:00Z");
    assert!(overdue(None, now, 36), "never backed up is overdue");
    assert!(!overdue(Some(now - Duration::hours(36)), now, 36));
    assert!(overdue(Some(now - Duration::hours(36) - Duration::seconds(1)), now, 36));
    assert!(!overdue(Some(now - Duration::hours(2)), now, 36));
    assert!(!overdue(Some(now + Duration::hours(5)), now, 36), "a clock stepped back a little");
    assert!(!overdue(Some(now + Duration::hours(36)), now, 36));
    assert!(overdue(Some(now + Duration::hours(37)), now, 36), "a clock set back by more than the window");
    assert!(overdue(Some(now - Duration::seconds(1)), now, 0));
}

// ---------------------------------------------------------------- slots and runs

/// At +02:00, `daily 18:00` is 16:00 UTC.
#[test]
fn a_daily_run_is_due_at_its_local_time_and_not_before() {
    let zone = fixed(120);
    let s = parse("daily 18:00").unwrap();
    let last = Some(utc("2025-06-09T16:01:00Z"));
    assert_eq!(next_due(&s, last, utc("2025-06-10T15:00:00Z"), &zone), Some(utc("2025-06-10T16:00:00Z")));
    assert_eq!(due_now(&s, last, utc("2025-06-10T15:59:59Z"), &zone), None);
    assert_eq!(
        due_now(&s, last, utc("2025-06-10T16:00:00Z"), &zone),
        Some(DueRun { slot: utc("2025-06-10T16:00:00Z"), catch_up: false })
    );
    let at_window_end = utc("2025-06-10T16:00:00Z") + ON_TIME_WINDOW;
    assert_eq!(due_now(&s, last, at_window_end, &zone).map(|r| r.catch_up), Some(false));
    assert_eq!(due_now(&s, last, at_window_end + Duration::seconds(1), &zone).map(|r| r.catch_up), Some(true));
    // Once it ran, the next is tomorrow's.
    let ran = Some(utc("2025-06-10T16:00:30Z"));
    assert_eq!(due_now(&s, ran, utc("2025-06-10T23:00:00Z"), &zone), None);
    assert_eq!(next_due(&s, ran, utc("2025-06-10T23:00:00Z"), &zone), Some(utc("2025-06-11T16:00:00Z")));
}

/// Closed Friday evening to Tuesday morning: three slots missed, one run.
#[test]
fn missed_slots_make_one_catch_up_run() {
    let zone = fixed(60);
    let s = parse("daily 18:00").unwrap();
    let last = Some(utc("2025-06-05T17:00:00Z")); // Thursday's run
    let tuesday = utc("2025-06-10T07:30:00Z");
    let run = due_now(&s, last, tuesday, &zone).unwrap();
    assert_eq!(run, DueRun { slot: utc("2025-06-09T17:00:00Z"), catch_up: true }, "Monday's slot, the latest");
    let after = Some(tuesday + Duration::minutes(3));
    for minutes in [5, 60, 9 * 60, 9 * 60 + 29] {
        assert_eq!(due_now(&s, after, tuesday + Duration::minutes(minutes), &zone), None, "+{minutes} min");
    }
    assert!(due_now(&s, after, utc("2025-06-10T17:00:00Z"), &zone).is_some(), "Tuesday's own slot");
}

#[test]
fn a_weekly_run_keeps_its_day() {
    let zone = fixed(-300); // UTC-5: Friday 18:00 is Friday 23:00 UTC
    let s = parse("weekly fri 18:00").unwrap();
    let last = Some(utc("2025-06-06T23:00:10Z")); // Friday 6 June
    assert_eq!(next_due(&s, last, utc("2025-06-11T12:00:00Z"), &zone), Some(utc("2025-06-13T23:00:00Z")));
    assert_eq!(due_now(&s, last, utc("2025-06-13T22:59:00Z"), &zone), None);
    assert!(due_now(&s, last, utc("2025-06-13T23:00:00Z"), &zone).is_some());
}

#[test]
fn off_is_never_due() {
    let now = utc("2025-06-10T12:00:00Z");
    assert_eq!(next_due(&Schedule::Off, None, now, &Utc), None);
    assert_eq!(due_now(&Schedule::Off, None, now, &Utc), None);
}

/// A new schedule with no scheduled run yet: the latest slot is missed, so
/// one run is due at once.
#[test]
fn a_first_schedule_runs_once_at_once() {
    let s = parse("daily 18:00").unwrap();
    let now = utc("2025-06-10T09:00:00Z");
    assert_eq!(due_now(&s, None, now, &Utc), Some(DueRun { slot: utc("2025-06-09T18:00:00Z"), catch_up: true }));
    assert_eq!(due_now(&s, Some(now), now + Duration::hours(1), &Utc), None);
}

/// A run recorded after now (the clock was set back) covers the slots up to
/// its date: nothing is due until the first slot after it, so a record that
/// stays the latest cannot start a backup at every tick; the overdue warning
/// tells someone instead.
#[test]
fn a_run_from_the_future_holds_the_schedule_and_warns() {
    let s = parse("daily 18:00").unwrap();
    let now = utc("2025-06-10T09:00:00Z");
    let future = Some(utc("2026-01-01T00:00:00Z"));
    assert_eq!(due_now(&s, future, now, &Utc), None);
    assert_eq!(due_now(&s, future, utc("2025-12-31T23:59:59Z"), &Utc), None);
    assert_eq!(next_due(&s, future, now, &Utc), Some(utc("2026-01-01T18:00:00Z")));
    assert!(due_now(&s, future, utc("2026-01-01T18:00:00Z"), &Utc).is_some());
    assert!(overdue(future, now, 36));
}

// ---------------------------------------------------------------- summer time

#[test]
fn the_test_zone_has_a_gap_and_a_fold() {
    let z = cet();
    assert!(!z.exists(local("2025-03-30 02:30")), "02:30 on 30 March 2025 is skipped");
    assert!(z.exists(local("2025-03-30 03:00")) && z.exists(local("2025-03-30 01:59")));
    match z.from_local_datetime(&local("2025-10-26 02:30")) {
        MappedLocalTime::Ambiguous(a, b) => {
            assert_eq!(a.with_timezone(&Utc), utc("2025-10-26T00:30:00Z"));
            assert_eq!(b.with_timezone(&Utc), utc("2025-10-26T01:30:00Z"));
        }
        other => panic!("02:30 on 26 October 2025 happens twice, got {other:?}"),
    }
    assert_eq!(z.offset_from_utc_datetime(&local("2025-01-15 12:00")).local_minus_utc(), 3600);
    assert_eq!(z.offset_from_utc_datetime(&local("2025-07-15 12:00")).local_minus_utc(), 7200);
}

#[test]
fn a_skipped_time_moves_to_the_next_minute_that_exists() {
    let z = cet();
    assert_eq!(local_to_utc(&z, local("2025-03-30 02:30")), Some(utc("2025-03-30T01:00:00Z")));
    assert_eq!(local_to_utc(&z, local("2025-03-30 02:00")), Some(utc("2025-03-30T01:00:00Z")));
    assert_eq!(local_to_utc(&z, local("2025-03-30 02:59")), Some(utc("2025-03-30T01:00:00Z")));
    assert_eq!(local_to_utc(&z, local("2025-03-30 01:59")), Some(utc("2025-03-30T00:59:00Z")));
    // A half-hour shift from +10:30, summer from October (Lord Howe's way):
    // 11:30 to 12:00 local skipped on 26 October 2025.
    let half =
        Zone::Summer { standard: chrono::FixedOffset::east_opt(37_800).unwrap(), shift_minutes: 30, southern: true };
    let gap = NaiveDate::from_ymd_opt(2025, 10, 26).unwrap().and_time(hm(11, 30)); // 01:00 UTC + 10:30
    assert!(!half.exists(gap) && half.exists(gap + Duration::minutes(30)));
    assert_eq!(local_to_utc(&half, gap + Duration::minutes(10)), Some(utc("2025-10-26T01:00:00Z")));
}

#[test]
fn a_time_that_happens_twice_takes_the_earlier() {
    let z = cet();
    assert_eq!(local_to_utc(&z, local("2025-10-26 02:30")), Some(utc("2025-10-26T00:30:00Z")));
    assert_eq!(local_to_utc(&z, local("2025-10-26 03:00")), Some(utc("2025-10-26T02:00:00Z")));
}

/// `daily 02:30` in Central Europe around both changes of 2025: one run on
/// the day the clocks skip 02:30 (at 03:00), one on the day 02:30 happens
/// twice (the first), never two.
#[test]
fn summer_time_neither_skips_nor_doubles_a_run() {
    let z = cet();
    let s = parse("daily 02:30").unwrap();
    // Spring: Saturday's run done; Sunday's slot is 03:00 CEST = 01:00 UTC.
    let sat = Some(utc("2025-03-29T01:30:05Z"));
    assert_eq!(next_due(&s, sat, utc("2025-03-29T12:00:00Z"), &z), Some(utc("2025-03-30T01:00:00Z")));
    assert_eq!(due_now(&s, sat, utc("2025-03-30T00:59:00Z"), &z), None);
    assert!(due_now(&s, sat, utc("2025-03-30T01:00:00Z"), &z).is_some());
    assert_eq!(
        next_due(&s, Some(utc("2025-03-30T01:00:05Z")), utc("2025-03-30T02:00:00Z"), &z),
        Some(utc("2025-03-31T00:30:00Z"))
    );
    // Autumn: Sunday's slot is the first 02:30 (00:30 UTC); the second 02:30 (01:30 UTC) is no slot.
    let sat = Some(utc("2025-10-25T00:30:05Z"));
    assert_eq!(next_due(&s, sat, utc("2025-10-25T12:00:00Z"), &z), Some(utc("2025-10-26T00:30:00Z")));
    let sun = Some(utc("2025-10-26T00:30:05Z"));
    assert_eq!(due_now(&s, sun, utc("2025-10-26T01:30:00Z"), &z), None, "the second 02:30");
    assert_eq!(next_due(&s, sun, utc("2025-10-26T01:31:00Z"), &z), Some(utc("2025-10-27T01:30:00Z")));
}

/// With a standard offset of +22:30 and a one-hour shift, the clocks jump
/// from 23:30 on 30 March 2025 to 00:30 on the 31st (01:00 UTC): `daily
/// 00:15` on the 31st moves to 00:30, and `daily 23:45` on the 30th moves
/// past midnight to the same instant, and the 31st still has its own slot.
#[test]
fn a_gap_across_midnight() {
    let z = Zone::Summer {
        standard: chrono::FixedOffset::east_opt(22 * 3600 + 1800).unwrap(),
        shift_minutes: 60,
        southern: false,
    };
    assert!(!z.exists(local("2025-03-30 23:45")) && !z.exists(local("2025-03-31 00:15")));
    assert_eq!(utc("2025-03-30T01:00:00Z").with_timezone(&z).naive_local(), local("2025-03-31 00:30"));
    let early = parse("daily 00:15").unwrap();
    let t = utc("2025-03-29T12:00:00Z");
    assert_eq!(early.next_slot(t, &z), Some(utc("2025-03-30T01:00:00Z")));
    let late = parse("daily 23:45").unwrap();
    assert_eq!(late.next_slot(t, &z), Some(utc("2025-03-30T01:00:00Z")));
    assert_eq!(late.next_slot(utc("2025-03-30T01:00:00Z"), &z), Some(utc("2025-03-31T00:15:00Z")));
    assert_eq!(late.latest_slot(utc("2025-03-30T00:59:59Z"), &z), Some(utc("2025-03-29T01:15:00Z")));
}

// ---------------------------------------------------------------- properties

/// What `slot` should be for a local date, found minute by minute from the
/// wording: the first instant at or after the local time whose local time
/// is at least it on that date, the earlier of two.
fn brute_force_slot(zone: &Zone, date: NaiveDate, at: NaiveTime) -> DateTime<Utc> {
    let wanted = date.and_time(at);
    // No test zone is 15 hours ahead, so 16 hours before `wanted` read as
    // UTC the local clock is still before it; walk minutes from there.
    let mut t = Utc.from_utc_datetime(&(wanted - Duration::hours(16)));
    loop {
        if t.with_timezone(zone).naive_local() >= wanted {
            return t;
        }
        t += Duration::minutes(1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn format_then_parse_is_the_same_schedule(s in schedules()) {
        let text = s.to_string();
        prop_assert_eq!(parse(&text), Ok(s));
        prop_assert_eq!(parse(&text).unwrap().to_string(), text);
    }

    #[test]
    fn any_case_and_spacing_reads_the_same(s in schedules(), upper in prop::collection::vec(any::<bool>(), 20), pad in "[ \t]{0,3}", sep in "[ \t]{1,3}") {
        let text: String = s.to_string().chars().zip(upper.iter().cycle()).map(|(c, &u)| if u { c.to_ascii_uppercase() } else { c }).collect();
        let text = format!("{pad}{}{pad}", text.split(' ').collect::<Vec<_>>().join(&sep));
        prop_assert_eq!(parse(&text), Ok(s));
    }

    /// Whatever is typed, parsing answers (no panic), and what it accepts
    /// writes back to a value that reads the same.
    #[test]
    fn parsing_anything_answers(text in prop_oneof!["\\PC{0,24}", "(off|daily|weekly|mon|fri|[0-9]{1,3}:[0-9]{1,3}| |\t){0,5}"]) {
        if let Ok(s) = parse(&text) {
            prop_assert_eq!(parse(&s.to_string()), Ok(s));
        }
    }

    /// Every slot is the brute-force one: the local time itself, the next
    /// minute after a gap, the earlier of a fold; on the schedule's weekday.
    #[test]
    fn slots_are_the_local_time_resolved(s in on_schedules(), t in instants(), zone in zones()) {
        let next = s.next_slot(t, &zone).unwrap();
        let latest = s.latest_slot(t, &zone).unwrap();
        prop_assert!(latest <= t && t < next);
        let (at, day) = match s {
            Schedule::Daily { at } => (at, None),
            Schedule::Weekly { day, at } => (at, Some(day)),
            Schedule::Off => unreachable!(),
        };
        for slot in [latest, next] {
            // The slot's local date, or the day before when a gap pushed it past midnight.
            let date = slot.with_timezone(&zone).date_naive();
            let date = if brute_force_slot(&zone, date, at) == slot { date } else { date.pred_opt().unwrap() };
            prop_assert_eq!(brute_force_slot(&zone, date, at), slot, "slot {} of {}", slot, s);
            if let Some(day) = day {
                prop_assert_eq!(date.weekday(), day);
            }
        }
    }

    /// Consecutive slots are a period apart, give or take the summer shift:
    /// none skipped, none doubled.
    #[test]
    fn consecutive_slots_are_a_period_apart(s in on_schedules(), t in instants(), zone in zones()) {
        let a = s.next_slot(t, &zone).unwrap();
        let b = s.next_slot(a, &zone).unwrap();
        let period = Duration::hours(s.period_hours().unwrap().into());
        prop_assert!((b - a - period).num_minutes().abs() <= 60, "{} then {} for {}", a, b, s);
        prop_assert_eq!(s.latest_slot(b - Duration::seconds(1), &zone), Some(a));
    }

    /// For a fixed offset the slot has a closed form: the local time on the
    /// local date, minus the offset.
    #[test]
    fn fixed_offsets_match_the_closed_form(s in on_schedules(), t in instants(), minutes in -720i32..=840) {
        let zone = chrono::FixedOffset::east_opt(minutes * 60).unwrap();
        let local_now = t.naive_utc() + Duration::minutes(minutes.into());
        let mut d = local_now.date() - Duration::days(8);
        let mut want = None;
        while d <= local_now.date() + Duration::days(8) {
            let fits = match s { Schedule::Weekly { day, .. } => d.weekday() == day, _ => true };
            let at = match s { Schedule::Daily { at } | Schedule::Weekly { at, .. } => at, Schedule::Off => unreachable!() };
            let slot = d.and_time(at) - Duration::minutes(minutes.into());
            if fits && slot > t.naive_utc() && want.is_none() {
                want = Some(Utc.from_utc_datetime(&slot));
            }
            d = d.succ_opt().unwrap();
        }
        prop_assert_eq!(s.next_slot(t, &zone), want);
    }

    /// The next run serves a slot after the last success's slot; it is due
    /// now exactly when the latest slot came after the last success.
    #[test]
    fn next_due_is_after_the_last_successs_slot(
        s in on_schedules(), last in instants(), ahead in -3 * 86_400i64..40 * 86_400, zone in zones(),
    ) {
        // Now is mostly after the last success, sometimes before it (a clock set back).
        let now = last + Duration::seconds(ahead);
        let due = next_due(&s, Some(last), now, &zone).unwrap();
        if let Some(served) = s.latest_slot(last, &zone) {
            prop_assert!(due > served, "due {} not after {}", due, served);
        }
        let missed = s.latest_slot(now, &zone).is_some_and(|slot| slot > last);
        prop_assert_eq!(due <= now, missed);
        prop_assert_eq!(due_now(&s, Some(last), now, &zone).is_some(), missed);
        if !missed {
            prop_assert_eq!(Some(due), s.next_slot(now.max(last), &zone));
            // And at that slot the run is indeed due.
            prop_assert_eq!(due_now(&s, Some(last), due, &zone).map(|r| r.slot), Some(due));
        }
    }

    /// However many slots were missed, one run is due; once it has run,
    /// nothing more is due until the next slot, and then exactly that.
    #[test]
    fn at_most_one_catch_up(
        s in on_schedules(), last in instants(), away in 0i64..60 * 86_400, later in 0.0f64..1.0, zone in zones(),
    ) {
        let now = last + Duration::seconds(away);
        let Some(run) = due_now(&s, Some(last), now, &zone) else { return Ok(()) };
        prop_assert_eq!(Some(run.slot), s.latest_slot(now, &zone));
        prop_assert_eq!(run.catch_up, now - run.slot > ON_TIME_WINDOW);
        let next = s.next_slot(now, &zone).unwrap();
        let before_next = now + Duration::seconds(((next - now).num_seconds() as f64 * later) as i64);
        prop_assert!(before_next < next);
        prop_assert_eq!(due_now(&s, Some(now), before_next, &zone), None);
        prop_assert_eq!(due_now(&s, Some(now), next, &zone).map(|r| r.slot), Some(next));
    }

    /// A scheduler ticking at random intervals and running whatever is due
    /// runs once per slot it was awake after, and never twice for one slot.
    #[test]
    fn a_ticking_scheduler_runs_once_per_slot(
        s in on_schedules(), start in instants(), gaps in prop::collection::vec(30i64..3 * 86_400, 1..60), zone in zones(),
    ) {
        let mut now = start;
        let mut last = Some(start);
        let mut served = Vec::new();
        for gap in gaps {
            now += Duration::seconds(gap);
            if let Some(run) = due_now(&s, last, now, &zone) {
                prop_assert!(served.last().is_none_or(|prev| *prev < run.slot), "slot {} served twice", run.slot);
                prop_assert!(run.slot > last.unwrap());
                served.push(run.slot);
                last = Some(now);
            } else {
                // Nothing due: no slot came between the last run and now.
                prop_assert!(s.latest_slot(now, &zone).is_none_or(|slot| slot <= last.unwrap()));
            }
        }
    }
}
