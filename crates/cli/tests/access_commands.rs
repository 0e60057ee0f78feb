//! Who may do what, from the command line: a staff member reaches a
//! restricted record their search leaves out by its exact number and
//! breaks the glass; an administrator reviews it, changes a role, and
//! grants and clears a permission beyond it. The built binary with
//! `--password-stdin`; the administrator signs in with one-time codes.

mod common;

use common::*;

/// Runs as ada with her password and the next one-time code.
fn as_admin(vault: &std::path::Path, codes: &mut Vec<String>, args: &[&str]) -> Run {
    let code = codes.pop().expect("a one-time code left");
    run_with(vault, "ada", args, &[ADMIN_PW, &code])
}

#[test]
fn a_restricted_record_is_opened_by_number_in_an_emergency_and_reviewed() {
    let tmp = tempfile::tempdir().unwrap();
    let (vault, mut codes) = clinic_with_admin_codes(tmp.path());
    let add = ["patient", "add", "--given", "Vera", "--family", "Important", "--born", "1970-01-31", "--restricted"];
    let added = run(&vault, "sam", &add);
    added.exits(OK);
    let mrn = added.stdout.split_whitespace().find(|w| w.starts_with("MRN-")).expect("a record number").to_owned();

    // Search leaves it out for staff; its exact number does not (no name printed).
    run(&vault, "sam", &["patient", "find", "Important"]).exits(OK).says("no patient matches");
    let number = run(&vault, "sam", &["patient", "number", &mrn.to_lowercase()]);
    number.exits(OK);
    let id = number.stdout.trim().to_owned();
    assert!(id.parse::<i64>().is_ok() && !number.stdout.contains("Vera"), "{}", number.stdout);
    run(&vault, "sam", &["patient", "number", "MRN-999999"]).exits(OTHER).complains("no record has the number");

    // Refused, then emergency access with a reason, then it opens.
    run(&vault, "sam", &["patient", "show", &id]).exits(DENIED).complains("restricted_record_read");
    run(&vault, "sam", &["patient", "emergency", &id, "--reason", "short"])
        .exits(OTHER)
        .complains("at least 10 characters");
    let reason = "Patient collapsed at reception, needs history";
    run(&vault, "sam", &["patient", "emergency", &id, "--reason", reason])
        .exits(OK)
        .says("Emergency access to patient");
    run(&vault, "sam", &["patient", "show", &id]).exits(OK).says("Important, Vera");

    // Only an administrator lists and reviews it.
    run(&vault, "sam", &["emergency", "list"]).exits(DENIED);
    let listed = as_admin(&vault, &mut codes, &["emergency", "list"]);
    listed.exits(OK).says("sam").says("restricted_record_read").says(reason);
    let ids: Vec<&str> = listed.stdout.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(ids.len(), 3, "the record, the clinical record and past the restriction: {}", listed.stdout);
    for grant in &ids {
        as_admin(&vault, &mut codes, &["emergency", "review", grant, "--note", "checked with sam"]).exits(OK);
    }
    as_admin(&vault, &mut codes, &["emergency", "list"]).exits(OK).says("nothing to review");
}

#[test]
fn roles_grants_and_denials_are_set_from_the_command_line_never_on_oneself() {
    let tmp = tempfile::tempdir().unwrap();
    let (vault, mut codes) = clinic_with_admin_codes(tmp.path());

    as_admin(&vault, &mut codes, &["user", "role", "sam", "provider"]).exits(OK).says("sam is now provider");
    as_admin(&vault, &mut codes, &["user", "role", "ada", "staff"]).exits(DENIED);
    as_admin(&vault, &mut codes, &["user", "role", "sam", "surgeon"]).exits(USAGE);

    run(&vault, "sam", &["audit", "verify"]).exits(DENIED);
    as_admin(&vault, &mut codes, &["user", "override", "sam", "audit_read", "grant"])
        .exits(OK)
        .says("audit_read grant");
    let access = as_admin(&vault, &mut codes, &["user", "access", "sam"]);
    access.exits(OK).says("sam: provider");
    let line = |name: &str| -> Vec<String> {
        let l = access.stdout.lines().find(|l| l.split_whitespace().next() == Some(name)).expect("a line");
        l.split_whitespace().map(str::to_owned).collect()
    };
    assert_eq!(line("audit_read"), ["audit_read", "no", "grant", "yes"], "{}", access.stdout);
    assert_eq!(line("clinical_read"), ["clinical_read", "yes", "-", "yes"], "{}", access.stdout);
    run(&vault, "sam", &["audit", "verify"]).exits(OK);

    as_admin(&vault, &mut codes, &["user", "override", "sam", "audit_read", "clear"]).exits(OK);
    run(&vault, "sam", &["audit", "verify"]).exits(DENIED);
    as_admin(&vault, &mut codes, &["user", "override", "sam", "no_such_thing", "grant"]).exits(USAGE);
    run(&vault, "sam", &["user", "override", "sam", "audit_read", "grant"]).exits(DENIED);
}
