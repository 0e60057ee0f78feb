//! `chartvault patient export` and `chartvault export deid` end to end: a
//! clinic is set up through core (users of each role, a patient with a
//! chart), then the built binary exports as each role would, with
//! `--password-stdin`, and the files, exit codes and audit trail are
//! checked: nothing is ever overwritten, a refused or failed export leaves
//! no file, and every export is audited.

mod common;

use std::path::Path;

use chartvault_core::audit::{Action, Filter, Outcome};
use chartvault_core::records::{ChartList, NewAttachment, NewVisit, PatientFields, Sex, VisitKind, Vitals};
use common::*;

/// A vault with the three users (their own passwords chosen) and one
/// patient, Zoë Müller, with an allergy, a visit with vitals and a file.
fn patient_clinic(root: &Path) -> std::path::PathBuf {
    let vault = clinic(root);
    let mut pat = session(&vault, "pat");
    let fields = PatientFields {
        given_name: "Zoë".into(),
        family_name: "Müller".into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1961, 4, 12).unwrap(),
        sex: Sex::Female,
        phone: Some("555-0142".into()),
        email: None,
        address: None,
        postal_code: Some("02139".into()),
        notes: None,
        restricted: false,
    };
    let p = pat.register_patient(&fields).unwrap();
    pat.add_chart_entry(p.id, ChartList::Allergies, &[("substance", Some("Penicillin")), ("severity", Some("severe"))])
        .unwrap();
    let now = chrono::Utc::now();
    let visit = pat
        .record_visit(p.id, &NewVisit { started_at: now, kind: VisitKind::Office, provider: Some("pat"), reason: None })
        .unwrap();
    pat.record_vitals(visit.id, &Vitals { pulse: Some(72), ..Vitals::default() }, now).unwrap();
    let bytes = b"Referral letter\n";
    let new = NewAttachment { file_name: "referral.txt", description: None, size: bytes.len() as u64 };
    pat.add_attachment(p.id, &new, &mut &bytes[..]).unwrap();
    pat.logout().unwrap();
    vault
}

#[track_caller]
fn expect(run: &Run, code: i32, text: &str) {
    assert_eq!(run.code, code, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(text) || run.stderr.contains(text),
        "{text:?} not said\nstdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
}

/// The names of the files in `dir` besides the vault.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "vault" && !n.starts_with('.') && !n.contains("workstation"))
        .collect();
    names.sort();
    names
}

#[test]
fn patients_are_exported_by_providers_only_never_over_a_file_and_de_identified_by_auditors_only() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = patient_clinic(tmp.path());
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let path = |name: &str| out.join(name).to_string_lossy().into_owned();

    // A provider: FHIR, HTML and PDF, for the patient's own request.
    let json = path("zoe.json");
    let fhir = run(&vault, "pat", &["patient", "export", "1", "--format", "fhir", "--out", &json]);
    expect(&fhir, OK, "patient 1 exported as fhir");
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    let kinds: Vec<&str> =
        bundle["entry"].as_array().unwrap().iter().filter_map(|e| e["resource"]["resourceType"].as_str()).collect();
    for kind in ["Patient", "Encounter", "Observation", "AllergyIntolerance", "DocumentReference"] {
        assert!(kinds.contains(&kind), "{kind} missing: {kinds:?}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&json).unwrap().permissions().mode() & 0o777, 0o600, "owner-only");
    }
    let html = path("zoe.html");
    expect(&run(&vault, "pat", &["patient", "export", "1", "--format", "html", "--out", &html]), OK, "html");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains("Zoë Müller") && page.contains("Riverside Family Clinic")
    );
    let pdf = path("zoe.pdf");
    expect(&run(&vault, "pat", &["patient", "export", "1", "--format", "pdf", "--out", &pdf]), OK, "pdf");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));

    // Never over an existing file.
    let before = std::fs::read(&json).unwrap();
    let again = run(&vault, "pat", &["patient", "export", "1", "--format", "html", "--out", &json]);
    expect(&again, USAGE, "never overwrites");
    assert_eq!(std::fs::read(&json).unwrap(), before);

    // Refusals leave no file: sharing without consent, staff, an auditor,
    // a patient that does not exist, a folder that does not exist.
    let refused = [
        (
            "pat",
            vec!["patient", "export", "1", "--format", "fhir", "--purpose", "sharing"],
            DENIED,
            "no valid data sharing consent",
        ),
        ("sam", vec!["patient", "export", "1", "--format", "pdf"], DENIED, "permission denied: patient_export"),
        ("aud", vec!["patient", "export", "1", "--format", "fhir"], DENIED, "permission denied: patient_export"),
        ("pat", vec!["patient", "export", "9", "--format", "fhir"], OTHER, "no patient record 9"),
        ("pat", vec!["export", "deid", "--format", "csv"], DENIED, "permission denied: deidentified_export"),
        ("pat", vec!["patient", "export", "1", "--format", "docx"], USAGE, "invalid value 'docx'"),
    ];
    for (user, mut args, code, says) in refused {
        let target = path("refused.out");
        args.extend(["--out", target.as_str()]);
        expect(&run(&vault, user, &args), code, says);
    }
    let missing = path("no/such/folder/x.json");
    expect(
        &run(&vault, "pat", &["patient", "export", "1", "--format", "fhir", "--out", &missing]),
        OTHER,
        "cannot create",
    );
    assert_eq!(files(&out), ["zoe.html", "zoe.json", "zoe.pdf"], "no refused or partial file left");

    // The auditor's de-identified extracts.
    let csv = path("research.csv");
    expect(&run(&vault, "aud", &["export", "deid", "--format", "csv", "--out", &csv]), OK, "patients 1, left out");
    let table = std::fs::read_to_string(&csv).unwrap();
    assert!(table.starts_with("subject,record,sex,birth_year,zip3,"), "{table}");
    assert!(
        table.contains(",patient,female,1961,021,") && !table.contains("Müller") && !table.contains("02139"),
        "{table}"
    );
    let fhir = path("research.json");
    expect(
        &run(&vault, "aud", &["export", "deid", "--format", "fhir", "--out", &fhir]),
        OK,
        "de-identified export (fhir)",
    );
    let deid: serde_json::Value = serde_json::from_slice(&std::fs::read(&fhir).unwrap()).unwrap();
    assert_eq!(deid["type"], "collection");
    expect(&run(&vault, "aud", &["export", "deid", "--format", "fhir", "--out", &csv]), USAGE, "never overwrites");

    // Every export is in the audit trail, per-patient ones with the patient.
    let mut aud = session(&vault, "aud");
    let exports = aud.audit_list(&Filter { action: Some(Action::Export), ..Filter::default() }).unwrap();
    let done: Vec<_> = exports.iter().filter(|e| e.event.outcome == Outcome::Success).collect();
    let per_patient = done.iter().filter(|e| e.event.patient_id == Some(1)).count();
    assert_eq!(per_patient, 3, "fhir, html and pdf");
    let deidentified: Vec<_> = done.iter().filter(|e| e.event.target_kind.as_deref() == Some("deidentified")).collect();
    assert_eq!(deidentified.len(), 2);
    assert!(deidentified.iter().all(|e| e.event.patient_id.is_none()));
    let refused_sharing =
        exports.iter().filter(|e| e.event.outcome == Outcome::Denied && e.event.patient_id == Some(1)).count();
    assert_eq!(refused_sharing, 1, "the sharing refused for want of consent");
    aud.logout().unwrap();
}
