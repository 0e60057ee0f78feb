//! The clinic schema, in numbered migrations (`migrations/NNNN_name.sql`),
//! applied in order inside one transaction and recorded in
//! `PRAGMA user_version`. A database of a newer version is refused.

use chartvault_seal::rusqlite::Connection;

use crate::{CoreError, Result};

/// Every migration, in order: (version, name, SQL). Version N brings the
/// schema from N - 1 to N.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "identity", include_str!("migrations/0001_identity.sql")),
    (2, "audit", include_str!("migrations/0002_audit.sql")),
    (3, "access", include_str!("migrations/0003_access.sql")),
    (4, "patients", include_str!("migrations/0004_patients.sql")),
    (5, "patient_search", include_str!("migrations/0005_patient_search.sql")),
    (6, "visits", include_str!("migrations/0006_visits.sql")),
    (7, "chart_lists", include_str!("migrations/0007_chart_lists.sql")),
    (8, "attachments_consents", include_str!("migrations/0008_attachments_consents.sql")),
    (9, "merge_erasure", include_str!("migrations/0009_merge_erasure.sql")),
    (10, "audit_subjects", include_str!("migrations/0010_audit_subjects.sql")),
    (11, "records_at_scale", include_str!("migrations/0011_records_at_scale.sql")),
    (12, "backups", include_str!("migrations/0012_backups.sql")),
];

/// The schema version this build writes.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// The schema version of the database.
pub fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings the database to [`latest`], one transaction for all steps.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found = version(conn)?;
    if found > latest() {
        return Err(CoreError::SchemaTooNew { found, supported: latest() });
    }
    let tx = conn.transaction()?;
    for (v, _name, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {v};"))?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visits_addenda_are_found_by_index_not_by_scanning_them_all() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let plan = |sql: &str| -> String {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = stmt.query_map([], |r| r.get::<_, String>(3)).unwrap();
            rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
        };
        let p = plan("SELECT id, text FROM note_addenda WHERE visit_id = 1 ORDER BY id");
        assert!(p.contains("USING INDEX note_addenda_by_visit") || p.contains("USING COVERING INDEX"), "{p}");
        let p = plan("SELECT notes FROM patient_search_source WHERE id = 1");
        assert!(!p.contains("SCAN a"), "the search source scans the addenda: {p}");
    }

    /// A foreign key whose child column has no index makes every change of
    /// a parent's key (the search triggers' `UPDATE patients SET id = id`,
    /// an erasure's deletes) scan the child table: found as a demo of
    /// 100,000 patients slowing down by the patient.
    #[test]
    fn every_foreign_key_to_a_record_table_is_found_through_an_index() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE '%VIRTUAL%'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut checked = 0;
        for child in &tables {
            let fks: Vec<(String, String)> = conn
                .prepare(&format!("SELECT \"table\", \"from\" FROM pragma_foreign_key_list('{child}')"))
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for (parent, column) in fks {
                if !["patients", "visits", "attachments", "patient_merges"].contains(&parent.as_str()) {
                    continue;
                }
                let plan: String = conn
                    .prepare(&format!("EXPLAIN QUERY PLAN SELECT 1 FROM {child} WHERE {column} = 1"))
                    .unwrap()
                    .query_map([], |r| r.get::<_, String>(3))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect::<Vec<_>>()
                    .join("; ");
                assert!(!plan.starts_with("SCAN"), "{child}.{column} -> {parent} has no index: {plan}");
                checked += 1;
            }
        }
        assert!(checked >= 12, "the record tables' keys were found ({checked})");
    }

    #[test]
    fn the_search_index_leaves_fit_one_sealed_page() {
        let (_, _, sql) = MIGRATIONS.iter().find(|m| m.1 == "patient_search").unwrap();
        let want = format!("('pgsz', {})", chartvault_seal::FTS5_PGSZ);
        assert!(sql.contains(&want), "the migration sets pgsz to {}", chartvault_seal::FTS5_PGSZ);
    }

    #[test]
    fn patients_registered_before_search_existed_are_found_after_the_migration() {
        let mut conn = Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        for (v, _, sql) in MIGRATIONS.iter().filter(|m| m.0 <= 4) {
            tx.execute_batch(sql).unwrap();
            tx.execute_batch(&format!("PRAGMA user_version = {v};")).unwrap();
        }
        tx.execute_batch(
            "INSERT INTO patients (mrn, given_name, family_name, date_of_birth, sex, created_at, updated_at)
             VALUES ('MRN-000001', 'Grace', 'Hopper', '1906-12-09', 'female', 't', 't');
             INSERT INTO patient_identifiers VALUES (1, 'NHS', '9434765919');",
        )
        .unwrap();
        tx.commit().unwrap();
        migrate(&mut conn).unwrap();
        for q in ["\"grace\"", "\"9434765919\"", "\"MRN\""] {
            let id: i64 = conn
                .query_row("SELECT rowid FROM patient_search WHERE patient_search MATCH ?1", [q], |r| r.get(0))
                .unwrap();
            assert_eq!(id, 1, "{q}");
        }
    }

    #[test]
    fn a_chart_from_version_7_keeps_its_rows_and_guards_through_the_later_migrations() {
        let mut conn = Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        for (v, _, sql) in MIGRATIONS.iter().filter(|m| m.0 <= 7) {
            tx.execute_batch(sql).unwrap();
            tx.execute_batch(&format!("PRAGMA user_version = {v};")).unwrap();
        }
        tx.execute_batch(
            "INSERT INTO users (id, username, display_name, role, created_at, updated_at) VALUES (1, 'pat', 'Pat', 'provider', 't', 't');
             INSERT INTO patients (mrn, given_name, family_name, date_of_birth, sex, created_at, updated_at)
             VALUES ('MRN-000001', 'Grace', 'Hopper', '1906-12-09', 'female', 't', 't');
             INSERT INTO visits (patient_id, started_at, kind, created_by, created_at) VALUES (1, 't', 'office', 1, 't');
             INSERT INTO visit_notes (visit_id, subjective, updated_by, updated_at) VALUES (1, 'cobol compiler', 1, 't');",
        )
        .unwrap();
        tx.commit().unwrap();
        migrate(&mut conn).unwrap();
        let (postal, merged): (Option<String>, Option<i64>) = conn
            .query_row("SELECT postal_code, merged_into FROM patients WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!((postal, merged), (None, None));
        let found: i64 = conn
            .query_row("SELECT rowid FROM patient_search WHERE patient_search MATCH 'cobol'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(found, 1, "the note is still found");
        assert!(conn.execute("DELETE FROM patients WHERE id = 1", []).is_err(), "still never deleted");
        assert!(conn.execute("DELETE FROM visit_notes", []).is_err(), "notes are still kept");
        let n: i64 = conn.query_row("SELECT count(*) FROM audit_subject_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn migrations_are_numbered_in_order_from_one() {
        for (i, (v, _, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*v, i as i64 + 1);
        }
    }

    #[test]
    fn every_earlier_version_migrates_to_the_latest_and_a_newer_one_is_refused() {
        for start in 0..latest() {
            let mut conn = Connection::open_in_memory().unwrap();
            let tx = conn.transaction().unwrap();
            for (v, _, sql) in MIGRATIONS.iter().filter(|m| m.0 <= start) {
                tx.execute_batch(sql).unwrap();
                tx.execute_batch(&format!("PRAGMA user_version = {v};")).unwrap();
            }
            tx.commit().unwrap();
            migrate(&mut conn).unwrap();
            assert_eq!(version(&conn).unwrap(), latest(), "from {start}");
            migrate(&mut conn).unwrap();
        }
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&format!("PRAGMA user_version = {};", latest() + 1)).unwrap();
        assert!(matches!(migrate(&mut conn), Err(CoreError::SchemaTooNew { .. })));
    }
}
