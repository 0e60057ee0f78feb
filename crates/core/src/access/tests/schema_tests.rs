//! The access schema, as migrated.

use super::{DESK, db, t0};
use crate::access::time_text;

#[test]
fn the_access_tables_exist_with_their_keys() {
    let conn = db();
    let cols = |t: &str| -> Vec<String> {
        let mut s = conn.prepare(&format!("SELECT name FROM pragma_table_info('{t}') ORDER BY cid")).unwrap();
        s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(cols("user_permission_overrides"), ["user_id", "permission", "effect", "set_by", "set_at"]);
    assert_eq!(
        cols("emergency_access"),
        [
            "id",
            "user_id",
            "patient_id",
            "permission",
            "reason",
            "started_at",
            "expires_at",
            "reviewed_by",
            "reviewed_at",
            "review_note"
        ]
    );
    let insert = |effect: &str| {
        conn.execute(
            "INSERT INTO user_permission_overrides (user_id, permission, effect, set_at) VALUES (?1, 'rekey', ?2, ?3)",
            chartvault_seal::rusqlite::params![DESK, effect, time_text(t0())],
        )
    };
    insert("grant").unwrap();
    assert!(insert("deny").is_err(), "one override per user and permission");
}

#[test]
fn stored_times_are_fixed_width_utc() {
    let s = time_text(t0());
    assert_eq!(s, "2023-11-14T22:13:20.000000Z");
    assert_eq!(crate::access::parse_time(&s).unwrap(), t0());
    assert_eq!(crate::access::parse_time("2023-11-14T23:13:20+01:00").unwrap(), t0());
}
