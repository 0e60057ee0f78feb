//! Queries select exactly the entries their filter names, in order, paged.

use super::*;
use crate::audit::{Filter, Order, query};

const N: i64 = 64;

fn log() -> Connection {
    let mut conn = db();
    let key = key_of(&mut conn);
    fill(&mut conn, &key, N);
    conn
}

/// The seqs `filter` selects.
fn seqs(conn: &Connection, filter: Filter) -> Vec<i64> {
    query(conn, &filter).unwrap().iter().map(|e| e.seq).collect()
}

/// The seqs of `sample(i)` for which `pred` holds, newest first.
fn expect(pred: impl Fn(i64, &Actor, &Event) -> bool) -> Vec<i64> {
    (1..=N)
        .rev()
        .filter(|&i| {
            let (actor, event) = sample(i);
            pred(i, &actor, &event)
        })
        .collect()
}

#[test]
fn each_filter_selects_exactly_its_entries() {
    let conn = log();
    let all = Filter::default;
    assert_eq!(seqs(&conn, all()), expect(|_, _, _| true));
    assert_eq!(seqs(&conn, Filter { user_id: Some(1), ..all() }), expect(|_, a, _| a.user_id == Some(1)));
    assert_eq!(seqs(&conn, Filter { user_id: Some(1), ..all() }), expect(|i, _, _| i % 3 == 0));
    assert_eq!(seqs(&conn, Filter { username: Some("mallory".into()), ..all() }), expect(|i, _, _| i % 3 == 2));
    assert_eq!(seqs(&conn, Filter { user_id: Some(2), username: Some("alice".into()), ..all() }), Vec::<i64>::new());
    assert_eq!(seqs(&conn, Filter { patient_id: Some(101), ..all() }), expect(|i, _, _| i % 4 == 1));
    assert_eq!(
        seqs(&conn, Filter { action: Some(Action::ALL[5]), ..all() }),
        expect(|_, _, e| e.action == Action::ALL[5])
    );
    assert_eq!(seqs(&conn, Filter { action: Some(Action::Init), ..all() }), expect(|_, _, e| e.action == Action::Init));
    assert_eq!(seqs(&conn, Filter { action: Some(Action::Init), ..all() }).len(), N as usize / Action::ALL.len());
    for outcome in Outcome::ALL {
        assert_eq!(
            seqs(&conn, Filter { outcome: Some(*outcome), ..all() }),
            expect(|_, _, e| e.outcome == *outcome),
            "{outcome}"
        );
    }
    assert_eq!(seqs(&conn, Filter { emergency: Some(true), ..all() }), expect(|i, _, _| i % 5 == 0));
    assert_eq!(seqs(&conn, Filter { emergency: Some(false), ..all() }).len(), 52);
    assert_eq!(
        seqs(&conn, Filter { patient_id: Some(100), emergency: Some(true), ..all() }),
        [60, 40, 20],
        "filters combine"
    );
}

#[test]
fn a_time_range_includes_its_start_and_excludes_its_end() {
    let conn = log();
    // Entry i is at t(10 * i).
    let range = |from: i64, to: i64| Filter { from: Some(t(from)), to: Some(t(to)), ..Filter::default() };
    assert_eq!(seqs(&conn, range(100, 200)), (10..20).rev().collect::<Vec<_>>());
    assert_eq!(seqs(&conn, range(101, 199)), (11..20).rev().collect::<Vec<_>>());
    assert_eq!(seqs(&conn, range(100, 100)), Vec::<i64>::new());
    let one_ns = chrono::Duration::nanoseconds(1);
    let tight = Filter { from: Some(t(100) - one_ns), to: Some(t(100) + one_ns), ..Filter::default() };
    assert_eq!(seqs(&conn, tight), [10], "nanoseconds count");
    assert_eq!(seqs(&conn, Filter { from: Some(t(630)), ..Filter::default() }), [64, 63]);
    assert_eq!(seqs(&conn, Filter { to: Some(t(20)), ..Filter::default() }), [1]);
}

#[test]
fn pages_are_exact_in_either_order() {
    let conn = log();
    let page = |order, limit, offset| seqs(&conn, Filter { order, limit: Some(limit), offset, ..Filter::default() });
    assert_eq!(page(Order::NewestFirst, 5, 0), [64, 63, 62, 61, 60]);
    assert_eq!(page(Order::NewestFirst, 5, 5), [59, 58, 57, 56, 55]);
    assert_eq!(page(Order::OldestFirst, 3, 0), [1, 2, 3]);
    assert_eq!(page(Order::OldestFirst, 3, 62), [63, 64]);
    assert_eq!(page(Order::OldestFirst, 3, 64), Vec::<i64>::new());
    assert_eq!(page(Order::OldestFirst, 0, 0), Vec::<i64>::new());
    assert_eq!(page(Order::NewestFirst, u64::MAX, u64::MAX), Vec::<i64>::new());
    let offset_only = Filter { offset: 60, ..Filter::default() };
    assert_eq!(seqs(&conn, offset_only), [4, 3, 2, 1]);

    let mut pages = Vec::new();
    for p in 0.. {
        let got = page(Order::OldestFirst, 7, p * 7);
        if got.is_empty() {
            break;
        }
        pages.extend(got);
    }
    assert_eq!(pages, (1..=N).collect::<Vec<_>>());

    // Paging applies after filtering.
    let mallory = |offset| Filter {
        username: Some("mallory".into()),
        limit: Some(2),
        offset,
        order: Order::OldestFirst,
        ..Filter::default()
    };
    assert_eq!(seqs(&conn, mallory(0)), [2, 5]);
    assert_eq!(seqs(&conn, mallory(2)), [8, 11]);
}

#[test]
fn entries_come_back_with_their_changes() {
    let conn = log();
    let got = query(&conn, &Filter { patient_id: Some(102), limit: Some(1), ..Filter::default() }).unwrap();
    let (actor, mut event) = sample(62);
    event.changes.sort_by(|a, b| a.field.cmp(&b.field));
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].seq, &got[0].actor, &got[0].event, got[0].at), (62, &actor, &event, t(620)));
    assert_eq!(got[0].event.changes.len(), 2);
}
