//! The whole matrix, every role × every permission, against a table written
//! out here independently of `matrix.rs` (by name, so it does not lean on
//! the code's own lists either).

use crate::access::matrix::MATRIX;
use crate::access::{Permission, Role, emergency_grantable, role_allows, role_permissions};

/// Role → exactly the permissions it holds by default.
const EXPECTED: &[(&str, &[&str])] = &[
    (
        "administrator",
        &[
            "user_admin",
            "policy_admin",
            "audit_read",
            "audit_export",
            "emergency_review",
            "backup_create",
            "backup_restore",
            "rekey",
        ],
    ),
    (
        "provider",
        &[
            "patient_read",
            "patient_read_deidentified",
            "patient_write",
            "clinical_read",
            "clinical_write",
            "note_sign",
            "patient_archive",
            "patient_merge",
            "attachment_read",
            "attachment_write",
            "consent_write",
            "patient_export",
        ],
    ),
    ("staff", &["patient_read", "patient_write", "attachment_read", "attachment_write", "consent_write"]),
    ("auditor", &["audit_read", "audit_export", "patient_read_deidentified", "deidentified_export"]),
];

/// Exactly the permissions emergency access may grant.
const EXPECTED_EMERGENCY: &[&str] = &["patient_read", "clinical_read", "attachment_read", "restricted_record_read"];

/// Every permission the product checks, by name.
const EXPECTED_PERMISSIONS: &[&str] = &[
    "user_admin",
    "policy_admin",
    "audit_read",
    "audit_export",
    "emergency_review",
    "patient_read",
    "patient_read_deidentified",
    "patient_write",
    "clinical_read",
    "clinical_write",
    "note_sign",
    "patient_archive",
    "patient_merge",
    "attachment_read",
    "attachment_write",
    "consent_write",
    "patient_export",
    "deidentified_export",
    "restricted_record_read",
    "backup_create",
    "backup_restore",
    "rekey",
    "patient_erase",
];

#[test]
fn every_role_holds_exactly_the_expected_permissions() {
    let names: Vec<&str> = Permission::ALL.iter().map(|p| p.name()).collect();
    assert_eq!(names, EXPECTED_PERMISSIONS, "the permissions themselves");
    let mut mismatches = Vec::new();
    for &(role, allowed) in EXPECTED {
        let role = Role::parse(role).unwrap();
        for name in allowed {
            assert!(EXPECTED_PERMISSIONS.contains(name), "the expected table names `{name}`, no permission");
        }
        for p in Permission::ALL {
            let want = allowed.contains(&p.name());
            let got = role_allows(role, *p);
            if want != got {
                mismatches.push(format!("{role} × {p}: expected {}, matrix says {}", yn(want), yn(got)));
            }
            if got != role_permissions(role).contains(*p) {
                mismatches.push(format!("{role} × {p}: role_permissions disagrees with role_allows"));
            }
        }
    }
    assert_eq!(EXPECTED.len(), Role::ALL.len(), "a role missing from the expected table");
    for p in Permission::ALL {
        let want = EXPECTED_EMERGENCY.contains(&p.name());
        if want != emergency_grantable(*p) {
            mismatches.push(format!("emergency × {p}: expected {}, matrix says {}", yn(want), yn(!want)));
        }
    }
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}

fn yn(b: bool) -> &'static str {
    if b { "allowed" } else { "denied" }
}

#[test]
fn the_matrix_has_one_row_per_permission_in_order() {
    let rows: Vec<Permission> = MATRIX.iter().map(|r| r.permission).collect();
    assert_eq!(rows, Permission::ALL);
}

#[test]
fn separation_of_duties_holds() {
    // Whoever administers users holds nothing on patients; the emergency
    // review is not the grantees' own; emergency access never administers.
    let admin = role_permissions(Role::Administrator);
    for p in Permission::ALL.iter().filter(|p| p.name().starts_with("patient") || p.name().starts_with("clinical")) {
        assert!(!admin.contains(*p), "administrator holds {p}");
    }
    assert!(!admin.contains(Permission::NoteSign));
    for p in [Permission::UserAdmin, Permission::PolicyAdmin, Permission::Rekey, Permission::BackupRestore] {
        assert!(!emergency_grantable(p), "{p}");
    }
}
