//! What is appended reads back whole, through `query` and through CSV.

use super::*;
use crate::CoreError;
use crate::audit::{CSV_HEADER, Filter, Order, export_csv, head, query, render_changes, verify};

#[test]
fn every_action_reads_back_with_all_its_fields() {
    let mut conn = db();
    let key = key_of(&mut conn);
    let mut expected = Vec::new();
    for (i, action) in Action::ALL.iter().enumerate() {
        let i = i as i64;
        let actor = if i % 2 == 0 { Actor::user(i, format!("user{i}")) } else { Actor::unknown(format!("ghost{i}")) };
        let mut event = Event::new(*action)
            .target(format!("kind{i}"), format!("id {i}"))
            .patient(1000 + i)
            .outcome(Outcome::ALL[(i % 3) as usize])
            .detail(format!("détail, \"quoted\"\nline {i}"))
            // Given out of order: read back ordered by field.
            .change("zeta", Some("old z"), None)
            .change("alpha", None, Some(&format!("new {i}")))
            .change("mid", Some(""), Some("→ ; x"));
        if i % 3 == 0 {
            event = event.emergency();
        }
        if i % 7 == 6 {
            // The bare minimum: no target, patient, detail or changes.
            event = Event::new(*action);
        }
        let at = t(i * 61);
        let seq = add(&mut conn, &key, &actor, at, &event);
        assert_eq!(seq, i + 1);
        event.changes.sort_by(|a, b| a.field.cmp(&b.field));
        expected.push((seq, at, actor, event));
    }
    let entries = query(&conn, &Filter { order: Order::OldestFirst, ..Filter::default() }).unwrap();
    assert_eq!(entries.len(), expected.len());
    for (e, (seq, at, actor, event)) in entries.iter().zip(&expected) {
        assert_eq!((e.seq, e.at, &e.actor, &e.workstation, &e.event), (*seq, *at, actor, &ws(), event));
    }
    assert_eq!(head(&conn).unwrap().map(|h| (h.seq, h.hash)), entries.last().map(|e| (e.seq, e.hash)));
    assert!(verify(&conn, &key).unwrap().is_ok());
}

#[test]
fn the_csv_export_parses_back_to_the_same_values() {
    let mut conn = db();
    let key = key_of(&mut conn);
    for (i, action) in Action::ALL.iter().enumerate() {
        let i = i as i64;
        let event = Event::new(*action)
            .target("patient", format!("{i},\"x\""))
            .patient(i)
            .detail(format!("line one\nline \"two\", {i}"))
            .change("b", Some("x\"y"), None)
            .change("a", None, Some("=1+2"));
        add(&mut conn, &key, &Actor::user(i, format!("u,{i}")), t(i), &event);
    }
    add(&mut conn, &key, &Actor::unknown("nobody"), t(99), &Event::new(Action::LoginFailed).outcome(Outcome::Denied));

    let filter = Filter { order: Order::OldestFirst, ..Filter::default() };
    let mut out = Vec::new();
    assert_eq!(export_csv(&conn, &filter, &mut out).unwrap(), Action::ALL.len() as u64 + 1);
    let entries = query(&conn, &filter).unwrap();

    let mut reader = csv::Reader::from_reader(out.as_slice());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), CSV_HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), entries.len());
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let num = |s: &str| (!s.is_empty()).then(|| s.parse::<i64>().unwrap());
    for (r, e) in rows.iter().zip(&entries) {
        assert_eq!(r.len(), CSV_HEADER.len());
        assert_eq!(r[0].parse::<i64>().unwrap(), e.seq);
        assert_eq!(DateTime::parse_from_rfc3339(&r[1]).unwrap(), e.at);
        assert!(r[1].ends_with('Z'), "{}", &r[1]);
        assert_eq!(num(&r[2]), e.actor.user_id);
        assert_eq!(r[3], e.actor.username);
        assert_eq!((&r[4], &r[5]), (e.workstation.host.as_str(), e.workstation.id.as_str()));
        assert_eq!(Action::parse(&r[6]), Some(e.event.action));
        assert_eq!((opt(&r[7]), opt(&r[8])), (e.event.target_kind.clone(), e.event.target_id.clone()));
        assert_eq!(num(&r[9]), e.event.patient_id);
        assert_eq!(Outcome::parse(&r[10]), Some(e.event.outcome));
        assert_eq!(&r[11], if e.event.emergency { "yes" } else { "no" });
        assert_eq!(opt(&r[12]), e.event.detail);
        assert_eq!(r[13], render_changes(&e.event.changes));
        assert_eq!(r[14], crate::audit::chain::hex(&e.hash));
    }
    assert_eq!(&rows[0][13], r#"a: (none) → "=1+2"; b: "x\"y" → (none)"#);
    assert_eq!(&rows[Action::ALL.len()][13], "");
}

#[test]
fn a_field_changed_twice_and_a_time_past_year_9999_are_refused() {
    let mut conn = db();
    let key = key_of(&mut conn);
    let tx = conn.transaction().unwrap();
    let twice = Event::new(Action::PatientWrite).change("x", None, Some("1")).change("x", Some("1"), Some("2"));
    let err = append(&tx, &key, &Actor::user(1, "a"), &ws(), t(0), &twice).unwrap_err();
    assert!(matches!(&err, CoreError::AuditDuplicateChange { field } if field == "x"), "{err}");
    let far = DateTime::from_timestamp(253_402_300_800, 0).unwrap(); // 10000-01-01
    let err = append(&tx, &key, &Actor::user(1, "a"), &ws(), far, &Event::new(Action::Login)).unwrap_err();
    assert!(matches!(err, CoreError::AuditTimeOutOfRange { .. }), "{err}");
    assert_eq!(head(&tx).unwrap(), None);
}

#[test]
fn the_key_is_made_once_and_never_shown() {
    let mut conn = db();
    assert!(AuditKey::load(&conn).unwrap().is_none());
    let a = key_of(&mut conn);
    let b = key_of(&mut conn);
    assert_eq!(a.bytes(), b.bytes());
    assert_ne!(a.bytes(), &[0; 32]);
    assert_eq!(AuditKey::load(&conn).unwrap().unwrap().bytes(), a.bytes());
    let shown = format!("{a:?}");
    assert_eq!(shown, "AuditKey(..)");
    assert!(!shown.contains(&crate::audit::chain::hex(a.bytes())));

    conn.execute("UPDATE vault_secrets SET value = x'0102' WHERE name = 'audit_chain_key'", []).unwrap();
    assert!(matches!(AuditKey::load(&conn), Err(CoreError::AuditKeyCorrupt { len: 2 })));
}

#[test]
fn an_empty_log_is_sound_and_has_no_head() {
    let mut conn = db();
    let key = key_of(&mut conn);
    let report = verify(&conn, &key).unwrap();
    assert_eq!((report.entries, report.head, report.first_problem), (0, None, None));
    assert!(query(&conn, &Filter::default()).unwrap().is_empty());
}
