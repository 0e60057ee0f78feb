//! Retention of backup files: which are kept (and by which rule), deleted or
//! left alone. Properties over random histories of up to two years, random
//! policies and random zones (summer time included), each checked against a
//! naive oracle written from the rules' wording; then worked examples with
//! concrete dates whose kept ids are written out by hand.

mod backup_common;

use std::collections::BTreeSet;

use backup_common::{Zone, cet, fixed, utc, zones};
use chartvault_core::backup::retention::{
    Backup, Bucket, LeftAloneReason, MAX_KEEP, RetentionError, RetentionPlan, RetentionPolicy, Rule, plan,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

type B = Backup<u32>;

fn b(id: u32, at: DateTime<Utc>) -> B {
    Backup { id, created_at: at, verified: true, this_vault: true }
}

fn policy(d: u32, w: u32, m: u32) -> RetentionPolicy {
    RetentionPolicy::new(d, w, m).unwrap()
}

fn kept_ids<Id: Clone + Ord>(p: &RetentionPlan<Id>) -> BTreeSet<Id> {
    p.keep.iter().map(|k| k.id.clone()).collect()
}

fn rules_of<Id: PartialEq>(p: &RetentionPlan<Id>, id: &Id) -> Vec<Rule> {
    p.keep.iter().find(|k| k.id == *id).map(|k| k.rules.clone()).unwrap_or_default()
}

// ---------------------------------------------------------------- strategies

/// Up to 60 backups spread over 3 days, 6 weeks or two years (so that some
/// histories crowd days and others spread over months), about one in six
/// unverified and one in ten foreign; ids are unique, the order shuffled.
fn histories() -> impl Strategy<Value = Vec<B>> {
    let start = utc("2024-01-01T00:00:00Z");
    prop_oneof![Just(3i64), Just(42), Just(730)]
        .prop_flat_map(move |span_days| {
            prop::collection::vec((0..span_days * 86_400, prop::bool::weighted(0.85), prop::bool::weighted(0.9)), 0..60)
        })
        .prop_map(move |raw| {
            raw.into_iter()
                .enumerate()
                .map(|(i, (secs, verified, this_vault))| Backup {
                    id: i as u32,
                    created_at: start + Duration::seconds(secs),
                    verified,
                    this_vault,
                })
                .collect::<Vec<_>>()
        })
        .prop_shuffle()
}

fn policies() -> impl Strategy<Value = RetentionPolicy> {
    let count = || prop_oneof![4 => 0u32..=10, 1 => 0u32..=MAX_KEEP];
    (count(), count(), count()).prop_map(|(d, w, m)| policy(d, w, m))
}

// ---------------------------------------------------------------- the oracle

/// The rules that should keep `x`, worked out the slow way from the module's
/// wording: the newest of its bucket, and fewer than N buckets with a
/// backup that are more recent than its own.
fn expected_rules(x: &B, all: &[B], p: &RetentionPolicy, zone: &Zone) -> Vec<Rule> {
    let eligible: Vec<&B> = all.iter().filter(|b| b.verified && b.this_vault).collect();
    if !(x.verified && x.this_vault) {
        return Vec::new();
    }
    let newer = |a: &B, b: &B| (a.created_at, a.id) > (b.created_at, b.id);
    let day = |b: &B| b.created_at.with_timezone(zone).date_naive();
    let mut rules = Vec::new();
    if eligible.iter().all(|b| !newer(b, x)) {
        rules.push(Rule::Newest);
    }
    type Key = fn(NaiveDate) -> (i32, u32);
    let buckets: [(Rule, u32, Key); 3] = [
        (Rule::Daily, p.keep_daily(), |d| (d.year(), d.ordinal())),
        (Rule::Weekly, p.keep_weekly(), |d| (d.iso_week().year(), d.iso_week().week())),
        (Rule::Monthly, p.keep_monthly(), |d| (d.year(), d.month())),
    ];
    for (rule, n, key) in buckets {
        let mine = key(day(x));
        let newest_of_bucket = eligible.iter().filter(|b| key(day(b)) == mine).all(|b| !newer(b, x));
        let more_recent: BTreeSet<(i32, u32)> = eligible.iter().map(|b| key(day(b))).filter(|k| *k > mine).collect();
        if newest_of_bucket && (more_recent.len() as u32) < n {
            rules.push(rule);
        }
    }
    rules
}

// ---------------------------------------------------------------- properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Every rule on every backup is what the rules' wording says, and a
    /// backup is deleted exactly when no rule keeps it and it takes part.
    #[test]
    fn plan_matches_the_oracle(all in histories(), p in policies(), zone in zones()) {
        let got = plan(&all, &p, &zone).unwrap();
        for x in &all {
            let want = expected_rules(x, &all, &p, &zone);
            prop_assert_eq!(rules_of(&got, &x.id), want.clone(), "backup {} at {}", x.id, x.created_at);
            let deleted = got.delete.contains(&x.id);
            prop_assert_eq!(deleted, x.verified && x.this_vault && want.is_empty(), "backup {}", x.id);
        }
    }

    /// Each backup is in exactly one of the three lists, and nothing else is.
    #[test]
    fn every_backup_is_in_exactly_one_list(all in histories(), p in policies(), zone in zones()) {
        let got = plan(&all, &p, &zone).unwrap();
        let mut listed: Vec<u32> = got.keep.iter().map(|k| k.id).collect();
        listed.extend(&got.delete);
        listed.extend(got.left_alone.iter().map(|l| l.id));
        listed.sort_unstable();
        let mut input: Vec<u32> = all.iter().map(|b| b.id).collect();
        input.sort_unstable();
        prop_assert_eq!(listed, input);
        prop_assert!(got.keep.iter().all(|k| !k.rules.is_empty()));
    }

    /// The newest verified backup of this vault is always kept, as the newest.
    #[test]
    fn the_newest_verified_backup_is_always_kept(all in histories(), p in policies(), zone in zones()) {
        let got = plan(&all, &p, &zone).unwrap();
        let newest = all.iter().filter(|b| b.verified && b.this_vault).max_by_key(|b| (b.created_at, b.id));
        let marked: Vec<u32> = got.keep.iter().filter(|k| k.rules.contains(&Rule::Newest)).map(|k| k.id).collect();
        prop_assert_eq!(marked, newest.map(|b| b.id).into_iter().collect::<Vec<_>>());
    }

    /// Unverified and foreign files are left alone, with the right reason.
    #[test]
    fn unverified_or_foreign_files_are_never_deleted(all in histories(), p in policies(), zone in zones()) {
        let got = plan(&all, &p, &zone).unwrap();
        for x in all.iter().filter(|b| !(b.verified && b.this_vault)) {
            prop_assert!(!got.delete.contains(&x.id));
            let reason = got.left_alone.iter().find(|l| l.id == x.id).map(|l| l.reason);
            let want = if x.this_vault { LeftAloneReason::Unverified } else { LeftAloneReason::Foreign };
            prop_assert_eq!(reason, Some(want));
        }
    }

    /// Each rule keeps at most its count, one backup per distinct bucket.
    #[test]
    fn per_bucket_counts_never_exceed_the_policy(all in histories(), p in policies(), zone in zones()) {
        let got = plan(&all, &p, &zone).unwrap();
        let at = |id: u32| all.iter().find(|b| b.id == id).unwrap().created_at.with_timezone(&zone).date_naive();
        let with = |rule: Rule| got.keep.iter().filter(move |k| k.rules.contains(&rule)).map(|k| at(k.id));
        let days: Vec<NaiveDate> = with(Rule::Daily).collect();
        let weeks: BTreeSet<_> = with(Rule::Weekly).map(|d| d.iso_week()).collect();
        let months: BTreeSet<_> = with(Rule::Monthly).map(|d| (d.year(), d.month())).collect();
        prop_assert!(days.len() as u32 <= p.keep_daily());
        prop_assert_eq!(days.iter().collect::<BTreeSet<_>>().len(), days.len(), "one per day");
        prop_assert_eq!(weeks.len(), with(Rule::Weekly).count(), "one per week");
        prop_assert!(weeks.len() as u32 <= p.keep_weekly());
        prop_assert_eq!(months.len(), with(Rule::Monthly).count(), "one per month");
        prop_assert!(months.len() as u32 <= p.keep_monthly());
        prop_assert!(got.keep.len() as u32 <= 1 + p.keep_daily() + p.keep_weekly() + p.keep_monthly());
    }

    /// Pruning twice deletes nothing the second time, and keeps by the same rules.
    #[test]
    fn pruning_is_idempotent(all in histories(), p in policies(), zone in zones()) {
        let first = plan(&all, &p, &zone).unwrap();
        let gone: BTreeSet<u32> = first.delete.iter().copied().collect();
        let remaining: Vec<B> = all.iter().filter(|b| !gone.contains(&b.id)).cloned().collect();
        let second = plan(&remaining, &p, &zone).unwrap();
        prop_assert!(second.delete.is_empty(), "deleted again: {:?}", second.delete);
        prop_assert_eq!(second.keep, first.keep);
        prop_assert_eq!(second.left_alone, first.left_alone);
    }

    /// The order the folder lists its files in changes nothing.
    #[test]
    fn the_plan_is_independent_of_input_order(
        (all, shuffled) in histories().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        p in policies(),
        zone in zones(),
    ) {
        prop_assert_eq!(plan(&all, &p, &zone).unwrap(), plan(&shuffled, &p, &zone).unwrap());
    }

    /// A backup found later but older than some kept one never costs that
    /// one its place (nor touches a file left alone).
    #[test]
    fn adding_an_older_backup_never_deletes_a_newer_one(
        all in histories(),
        extra_secs in 0i64..730 * 86_400,
        verified in any::<bool>(),
        p in policies(),
        zone in zones(),
    ) {
        let before = plan(&all, &p, &zone).unwrap();
        let extra = Backup { id: 10_000, created_at: utc("2024-01-01T00:00:00Z") + Duration::seconds(extra_secs), verified, this_vault: true };
        let mut more = all.clone();
        more.push(extra.clone());
        let after = plan(&more, &p, &zone).unwrap();
        let kept_after = kept_ids(&after);
        for x in all.iter().filter(|b| b.created_at > extra.created_at) {
            if kept_ids(&before).contains(&x.id) {
                prop_assert!(kept_after.contains(&x.id), "backup {} at {} lost its place", x.id, x.created_at);
            }
            prop_assert!(!after.delete.contains(&x.id) || before.delete.contains(&x.id));
        }
    }
}

// ---------------------------------------------------------------- examples

/// 30 daily backups, 1 to 30 March 2025 at 18:00 UTC, under 7/4/12: the last
/// seven days, the Sundays closing ISO weeks 10 to 12 (week 13's Sunday is
/// the 30th), and the 30th as newest and month's newest.
#[test]
fn thirty_daily_backups_under_the_default_policy() {
    let all: Vec<B> = (1..=30).map(|d| b(d, utc(&format!("2025-03-{d:02}T18:00:00Z")))).collect();
    let got = plan(&all, &RetentionPolicy::default(), &Utc).unwrap();
    let want: BTreeSet<u32> = [9, 16, 23, 24, 25, 26, 27, 28, 29, 30].into();
    assert_eq!(kept_ids(&got), want);
    assert_eq!(got.delete, vec![22, 21, 20, 19, 18, 17, 15, 14, 13, 12, 11, 10, 8, 7, 6, 5, 4, 3, 2, 1]);
    assert!(got.left_alone.is_empty());
    assert_eq!(rules_of(&got, &30), vec![Rule::Newest, Rule::Daily, Rule::Weekly, Rule::Monthly]);
    assert_eq!(rules_of(&got, &24), vec![Rule::Daily]);
    assert_eq!(rules_of(&got, &23), vec![Rule::Weekly]);
    assert_eq!(rules_of(&got, &9), vec![Rule::Weekly]);
}

/// The same backups taken at 23:30 UTC fall on the next local day in
/// Central Europe: local days 2 to 31 March, and 31 March 2025 is a Monday
/// opening ISO week 14.
#[test]
fn days_are_local_days() {
    let all: Vec<B> = (1..=30).map(|d| b(d, utc(&format!("2025-03-{d:02}T23:30:00Z")))).collect();
    let got = plan(&all, &RetentionPolicy::default(), &cet()).unwrap();
    // Daily: local 25..31 = ids 24..30. Weekly: week 14 (id 30), 13 (local 30th = id 29),
    // 12 (local 23rd = id 22), 11 (local 16th = id 15).
    let want: BTreeSet<u32> = [15, 22, 24, 25, 26, 27, 28, 29, 30].into();
    assert_eq!(kept_ids(&got), want);
    assert_eq!(rules_of(&got, &29), vec![Rule::Daily, Rule::Weekly]);
    // In UTC the same files keep another set.
    let in_utc = plan(&all, &RetentionPolicy::default(), &Utc).unwrap();
    assert_eq!(kept_ids(&in_utc), [9, 16, 23, 24, 25, 26, 27, 28, 29, 30].into());
}

/// A backup every day of 2024 (a leap year) at noon: the last seven days,
/// the weeks' Sundays back four ISO weeks (31 December 2024 is in week 1 of
/// 2025), and the last day of each month.
#[test]
fn a_year_of_daily_backups_keeps_month_ends() {
    let date = |m: u32, d: u32| NaiveDate::from_ymd_opt(2024, m, d).unwrap();
    let all: Vec<Backup<NaiveDate>> = date(1, 1)
        .iter_days()
        .take_while(|d| d.year() == 2024)
        .map(|d| Backup {
            id: d,
            created_at: Utc.from_utc_datetime(&d.and_hms_opt(12, 0, 0).unwrap()),
            verified: true,
            this_vault: true,
        })
        .collect();
    assert_eq!(all.len(), 366);
    let got = plan(&all, &RetentionPolicy::default(), &Utc).unwrap();
    let mut want: BTreeSet<NaiveDate> = (25..=31).map(|d| date(12, d)).collect();
    want.extend([date(12, 15), date(12, 22)]);
    want.extend(
        [(1, 31), (2, 29), (3, 31), (4, 30), (5, 31), (6, 30), (7, 31), (8, 31), (9, 30), (10, 31), (11, 30)]
            .map(|(m, d)| date(m, d)),
    );
    assert_eq!(kept_ids(&got), want);
    assert_eq!(got.delete.len(), 366 - 20);
    assert_eq!(rules_of(&got, &date(12, 29)), vec![Rule::Daily, Rule::Weekly]);
    assert_eq!(rules_of(&got, &date(2, 29)), vec![Rule::Monthly]);
}

/// "The N most recent days that have one": a clinic closed for a fortnight
/// still keeps seven daily backups, reaching back past the closure.
#[test]
fn days_without_a_backup_do_not_count() {
    let days = [1, 2, 3, 4, 5, 6, 7, 8, 23, 24];
    let all: Vec<B> = days.iter().map(|&d| b(d, utc(&format!("2025-09-{d:02}T17:00:00Z")))).collect();
    let got = plan(&all, &policy(7, 0, 0), &Utc).unwrap();
    assert_eq!(kept_ids(&got), [4, 5, 6, 7, 8, 23, 24].into());
    assert_eq!(got.delete, vec![3, 2, 1]);
}

/// Several backups a day: only each day's newest counts for the day.
#[test]
fn the_newest_of_a_day_stands_for_it() {
    let all = vec![
        b(1, utc("2025-05-05T08:00:00Z")),
        b(2, utc("2025-05-05T12:00:00Z")),
        b(3, utc("2025-05-05T18:00:00Z")),
        b(4, utc("2025-05-06T08:00:00Z")),
        b(5, utc("2025-05-06T09:00:00Z")),
    ];
    let got = plan(&all, &policy(2, 0, 0), &Utc).unwrap();
    assert_eq!(kept_ids(&got), [3, 5].into());
    assert_eq!(got.delete, vec![4, 2, 1]);
}

/// Ties in time are broken by the id, whatever the order of the list.
#[test]
fn a_tie_in_time_goes_to_the_greater_id() {
    let at = utc("2025-05-05T08:00:00Z");
    let forward = vec![b(1, at), b(2, at)];
    let backward = vec![b(2, at), b(1, at)];
    for list in [forward, backward] {
        let got = plan(&list, &policy(1, 0, 0), &Utc).unwrap();
        assert_eq!(rules_of(&got, &2), vec![Rule::Newest, Rule::Daily]);
        assert_eq!(got.delete, vec![1]);
    }
}

/// A policy of nothing still keeps the newest verified backup, and the
/// newest file overall is left alone when it failed verification.
#[test]
fn an_empty_policy_keeps_the_newest_verified_backup() {
    let mut all: Vec<B> = (1..=5).map(|d| b(d, utc(&format!("2025-01-{d:02}T10:00:00Z")))).collect();
    all.push(Backup { id: 6, created_at: utc("2025-01-06T10:00:00Z"), verified: false, this_vault: true });
    let got = plan(&all, &policy(0, 0, 0), &Utc).unwrap();
    assert_eq!(kept_ids(&got), [5].into());
    assert_eq!(rules_of(&got, &5), vec![Rule::Newest]);
    assert_eq!(got.delete, vec![4, 3, 2, 1]);
    assert_eq!(got.left_alone.len(), 1);
    assert_eq!((got.left_alone[0].id, got.left_alone[0].reason), (6, LeftAloneReason::Unverified));
}

/// Another vault's files on the same drive are not counted and not deleted,
/// however old; one both foreign and unverified is named foreign.
#[test]
fn another_vaults_files_are_left_alone() {
    let foreign = |id, at, verified| Backup { id, created_at: utc(at), verified, this_vault: false };
    let all = vec![
        foreign(1, "2020-01-01T10:00:00Z", true),
        foreign(2, "2020-01-02T10:00:00Z", false),
        b(3, utc("2025-01-01T10:00:00Z")),
        b(4, utc("2025-01-02T10:00:00Z")),
        foreign(5, "2026-01-01T10:00:00Z", true),
    ];
    let got = plan(&all, &policy(1, 0, 0), &Utc).unwrap();
    assert_eq!(kept_ids(&got), [4].into());
    assert_eq!(rules_of(&got, &4), vec![Rule::Newest, Rule::Daily], "a newer foreign file is not the newest");
    assert_eq!(got.delete, vec![3]);
    let alone: Vec<(u32, LeftAloneReason)> = got.left_alone.iter().map(|l| (l.id, l.reason)).collect();
    assert_eq!(
        alone,
        vec![(5, LeftAloneReason::Foreign), (2, LeftAloneReason::Foreign), (1, LeftAloneReason::Foreign)]
    );
}

#[test]
fn an_empty_folder_plans_nothing() {
    let got = plan::<u32, _>(&[], &RetentionPolicy::default(), &fixed(0)).unwrap();
    assert!(got.keep.is_empty() && got.delete.is_empty() && got.left_alone.is_empty());
}

#[test]
fn the_default_policy_is_7_4_12() {
    let p = RetentionPolicy::default();
    assert_eq!((p.keep_daily(), p.keep_weekly(), p.keep_monthly()), (7, 4, 12));
    assert_eq!(RetentionPolicy::new(7, 4, 12), Ok(p));
}

#[test]
fn counts_above_366_are_refused() {
    assert_eq!(policy(366, 366, 366).keep_monthly(), 366);
    let err = RetentionPolicy::new(7, 367, 12).unwrap_err();
    assert_eq!(err, RetentionError::OutOfRange { bucket: Bucket::Weekly, value: 367 });
    assert_eq!(err.to_string(), "backups to keep weekly must be from 0 to 366, not 367");
    assert!(matches!(RetentionPolicy::new(400, 0, 0), Err(RetentionError::OutOfRange { bucket: Bucket::Daily, .. })));
    assert!(matches!(
        RetentionPolicy::new(0, 0, u32::MAX),
        Err(RetentionError::OutOfRange { bucket: Bucket::Monthly, .. })
    ));
}

#[test]
fn a_repeated_id_decides_nothing() {
    let all =
        vec![b(1, utc("2025-01-01T10:00:00Z")), b(2, utc("2025-01-02T10:00:00Z")), b(1, utc("2025-01-03T10:00:00Z"))];
    assert_eq!(plan(&all, &RetentionPolicy::default(), &Utc), Err(RetentionError::DuplicateId { first: 0, second: 2 }));
}
