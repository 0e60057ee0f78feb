//! Which backups a destination folder keeps, and which it deletes.
//!
//! Pure: the caller lists the backups it found (from the folder's index,
//! each confirmed by a file whose clear header carries the same backup id)
//! and deletes what the plan says, recording each deletion.
//!
//! # The rules
//!
//! Only a backup that is both **this vault's** (made by it and listed in its
//! index) and **verified** takes part. Among those, a backup is kept when any
//! of these holds, and every rule that holds is reported:
//!
//! - [`Rule::Newest`]: it is the newest one. Always, whatever the policy says,
//!   so a policy of 0/0/0 still leaves one good backup.
//! - [`Rule::Daily`]: it is the newest of its local day, and that day is one of
//!   the `keep_daily` most recent days that have a backup.
//! - [`Rule::Weekly`]: the same per ISO 8601 week (Monday to Sunday, weeks
//!   numbered in the ISO week-based year) for `keep_weekly` weeks.
//! - [`Rule::Monthly`]: the same per calendar month for `keep_monthly` months.
//!
//! "Most recent days that have one" counts days with a backup, not calendar
//! days: a clinic closed for a fortnight still has its last seven backups.
//! Days, weeks and months are the workstation's local ones (the injected
//! zone), because a person thinks of "Tuesday's backup" in local time.
//!
//! Every other participating backup is deleted. A backup that is unverified,
//! or not this vault's, is **left alone**: neither kept by a rule nor
//! deleted. A failed or unchecked file may be the only copy someone has, and
//! a file another vault made (a drive may hold several) is not ours to judge.
//!
//! Ties in time are broken by the id, the greater counting as newer, so the
//! plan does not depend on the order the backups are listed in.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};

/// The largest count a policy may ask for in each kind of bucket: a year of
/// days is the most a clinic asked for, and the bound keeps a typo from
/// meaning "keep everything for ever" silently.
pub const MAX_KEEP: u32 = 366;

/// How many buckets of each kind keep their newest backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    keep_daily: u32,
    keep_weekly: u32,
    keep_monthly: u32,
}

impl Default for RetentionPolicy {
    /// A week of days, four weeks, a year of months.
    fn default() -> Self {
        RetentionPolicy { keep_daily: 7, keep_weekly: 4, keep_monthly: 12 }
    }
}

impl RetentionPolicy {
    /// A policy keeping `daily` days, `weekly` weeks and `monthly` months,
    /// each from 0 to [`MAX_KEEP`].
    pub fn new(daily: u32, weekly: u32, monthly: u32) -> Result<Self, RetentionError> {
        for (bucket, value) in [(Bucket::Daily, daily), (Bucket::Weekly, weekly), (Bucket::Monthly, monthly)] {
            if value > MAX_KEEP {
                return Err(RetentionError::OutOfRange { bucket, value });
            }
        }
        Ok(RetentionPolicy { keep_daily: daily, keep_weekly: weekly, keep_monthly: monthly })
    }

    /// Days that keep their newest backup.
    pub fn keep_daily(&self) -> u32 {
        self.keep_daily
    }

    /// ISO weeks that keep their newest backup.
    pub fn keep_weekly(&self) -> u32 {
        self.keep_weekly
    }

    /// Calendar months that keep their newest backup.
    pub fn keep_monthly(&self) -> u32 {
        self.keep_monthly
    }
}

/// A kind of bucket, as named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Local days.
    Daily,
    /// ISO weeks.
    Weekly,
    /// Calendar months.
    Monthly,
}

impl std::fmt::Display for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Bucket::Daily => "daily",
            Bucket::Weekly => "weekly",
            Bucket::Monthly => "monthly",
        })
    }
}

/// Why a retention plan could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetentionError {
    /// A policy count above [`MAX_KEEP`].
    #[error("backups to keep {bucket} must be from 0 to {MAX_KEEP}, not {value}")]
    OutOfRange {
        /// Which count.
        bucket: Bucket,
        /// The value given.
        value: u32,
    },
    /// Two backups in the list have the same id: the list cannot say which
    /// file a decision is about, so nothing is decided.
    #[error("backups number {first} and {second} in the list have the same id")]
    DuplicateId {
        /// The position of the first, from 0.
        first: usize,
        /// The position of the second.
        second: usize,
    },
}

/// One backup file found in the destination folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup<Id> {
    /// The backup's id (in the app, its 16-byte backup id).
    pub id: Id,
    /// When the snapshot was taken.
    pub created_at: DateTime<Utc>,
    /// Whether the file passed verification after it was written.
    pub verified: bool,
    /// Whether this vault made it and its index lists it.
    pub this_vault: bool,
}

/// A rule that keeps a backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// The newest verified backup of this vault.
    Newest,
    /// The newest of one of the `keep_daily` most recent days.
    Daily,
    /// The newest of one of the `keep_weekly` most recent ISO weeks.
    Weekly,
    /// The newest of one of the `keep_monthly` most recent months.
    Monthly,
}

/// A backup the plan keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept<Id> {
    /// Its id.
    pub id: Id,
    /// Every rule that keeps it, in the order of [`Rule`]; never empty.
    pub rules: Vec<Rule>,
}

/// Why a backup is neither kept nor deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftAloneReason {
    /// Not this vault's, or not in its index (said first when both hold).
    Foreign,
    /// This vault's, but not verified.
    Unverified,
}

/// A backup the plan does not touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftAlone<Id> {
    /// Its id.
    pub id: Id,
    /// Why.
    pub reason: LeftAloneReason,
}

/// What to do with each backup of the list: every one is in exactly one of
/// the three lists, each newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionPlan<Id> {
    /// Kept, with the rules that keep each.
    pub keep: Vec<Kept<Id>>,
    /// To delete.
    pub delete: Vec<Id>,
    /// Neither kept nor deleted.
    pub left_alone: Vec<LeftAlone<Id>>,
}

/// Plans retention for `backups` under `policy`, days, weeks and months
/// taken in `zone`.
pub fn plan<Id, Tz>(
    backups: &[Backup<Id>],
    policy: &RetentionPolicy,
    zone: &Tz,
) -> Result<RetentionPlan<Id>, RetentionError>
where
    Id: Clone + Ord,
    Tz: TimeZone,
{
    check_unique(backups)?;
    // Newest first; ties by the greater id, so the order of the input is lost.
    let mut sorted: Vec<&Backup<Id>> = backups.iter().collect();
    sorted.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));

    let mut left_alone = Vec::new();
    let mut eligible = Vec::new();
    for b in sorted {
        match (b.this_vault, b.verified) {
            (false, _) => left_alone.push(LeftAlone { id: b.id.clone(), reason: LeftAloneReason::Foreign }),
            (true, false) => left_alone.push(LeftAlone { id: b.id.clone(), reason: LeftAloneReason::Unverified }),
            (true, true) => eligible.push(b),
        }
    }

    let days: Vec<NaiveDate> = eligible.iter().map(|b| b.created_at.with_timezone(zone).date_naive()).collect();
    let mut rules: Vec<Vec<Rule>> = vec![Vec::new(); eligible.len()];
    if let Some(first) = rules.first_mut() {
        first.push(Rule::Newest);
    }
    mark(&mut rules, &days, policy.keep_daily, Rule::Daily, |d| (d.year(), d.ordinal()));
    mark(&mut rules, &days, policy.keep_weekly, Rule::Weekly, |d| {
        let w = d.iso_week();
        (w.year(), w.week())
    });
    mark(&mut rules, &days, policy.keep_monthly, Rule::Monthly, |d| (d.year(), d.month()));

    let mut keep = Vec::new();
    let mut delete = Vec::new();
    for (b, rules) in eligible.into_iter().zip(rules) {
        if rules.is_empty() {
            delete.push(b.id.clone());
        } else {
            keep.push(Kept { id: b.id.clone(), rules });
        }
    }
    Ok(RetentionPlan { keep, delete, left_alone })
}

/// Adds `rule` to the newest backup of each of the `count` most recent
/// buckets. `days` is newest first, so the first backup seen in a bucket is
/// its newest, and buckets are met newest first too as long as local dates
/// rise with time (they may not across a fold at midnight, hence the map).
fn mark<K: Ord>(rules: &mut [Vec<Rule>], days: &[NaiveDate], count: u32, rule: Rule, key: impl Fn(&NaiveDate) -> K) {
    let mut newest_in: BTreeMap<K, usize> = BTreeMap::new();
    for (i, day) in days.iter().enumerate() {
        newest_in.entry(key(day)).or_insert(i);
    }
    for &i in newest_in.values().rev().take(count as usize) {
        rules[i].push(rule);
    }
}

/// Refuses a list in which an id repeats.
fn check_unique<Id: Ord>(backups: &[Backup<Id>]) -> Result<(), RetentionError> {
    let mut seen: BTreeMap<&Id, usize> = BTreeMap::new();
    for (i, b) in backups.iter().enumerate() {
        if let Some(&first) = seen.get(&b.id) {
            return Err(RetentionError::DuplicateId { first, second: i });
        }
        seen.insert(&b.id, i);
    }
    Ok(())
}
