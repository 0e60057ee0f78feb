//! A patient's chart, end to end in WebKit: a provider registers a
//! patient, records an allergy (shown in the chart's header from then on),
//! a visit with vitals, writes and signs a note, adds an addendum, and
//! finds the patient by a prefix of the name, archives the record and
//! brings it back; a staff member, whose search leaves a restricted record
//! out, reaches it by its exact number, is refused it with the reason, and
//! opens it with emergency access.
//! Each screen photographed and checked with axe.

use chartvault_core::audit::{Action, Filter};
use chartvault_e2e::{App, AppHome, add_users, admin_session, make_vault};

const ADMIN_PW: &str = "Violet kettle 47 marching north";
const PAT_FIRST: &str = "Granite owls count the tides";
const PAT_PW: &str = "Saffron kites drift past Lyon";
const SAM_FIRST: &str = "Seven quiet lanterns over Brno";
const SAM_PW: &str = "Copper heron waits by the weir";

async fn look(app: &App, name: &str) {
    app.screenshot(name).await;
    app.axe(name).await;
}

/// Opens the first search result's chart, named `name`, at its Details tab.
async fn details_of_first_hit(app: &App, name: &str) {
    app.click(r#"[data-testid="patient-results"] li"#).await;
    app.wait_text(r#"[data-testid="chart-header"]"#, name).await;
    app.click_button("Details").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_charts_a_visit_and_staff_open_a_restricted_record_only_in_an_emergency() {
    let home = AppHome::new();
    let secret = make_vault(&home.default_vault(), "Harbour Clinic", ADMIN_PW);
    add_users(&home.default_vault(), ADMIN_PW, &secret, &[("pat", "provider", PAT_FIRST), ("sam", "staff", SAM_FIRST)]);
    let Some(app) = App::launch_in(home).await else { return };

    app.first_sign_in("pat", PAT_FIRST, PAT_PW).await;
    app.wait_for(r#"main[data-view="patients"]"#).await;
    app.wait_for(r#"[data-testid="no-patients"]"#).await;
    look(&app, "30-patients-empty").await;
    app.click_button("New patient").await;
    app.fill("new-patient-given", "José").await;
    app.fill("new-patient-family", "Núñez").await;
    app.choose("new-patient-dob", "1961-04-12").await;
    app.choose("new-patient-sex", "male").await;
    app.fill("new-patient-phone", "555-0142").await;
    look(&app, "31-patient-new").await;
    app.click_button("Register").await;
    app.wait_text(r#"[data-testid="chart-header"]"#, "Núñez, José").await;
    let header = app.text(r#"[data-testid="chart-header"]"#).await;
    assert!(header.contains("MRN-000001"), "the record number is shown: {header}");
    assert!(header.contains("none recorded"), "no allergies yet: {header}");

    // An allergy, then the header shows it on every tab.
    app.click_button("Allergies").await;
    app.click_button("Add to allergies").await;
    app.fill("allergies-substance", "Penicillin").await;
    app.fill("allergies-reaction", "hives").await;
    app.choose("allergies-severity", "severe").await;
    app.click_button("Save").await;
    app.wait_text(r#"[data-list="allergies"] table"#, "Penicillin").await;
    app.wait_text(r#"[data-testid="allergy-banner"]"#, "Penicillin (hives, severe)").await;
    look(&app, "32-chart-allergies").await;

    // A visit with vitals, a note signed, an addendum.
    app.click_button("Visits").await;
    app.fill("visit-reason", "Chest pain on exertion").await;
    app.click_button("New visit").await;
    let visit = app.wait_for("[data-visit]").await;
    let vid = visit.attr("data-visit").await.unwrap().unwrap();
    app.fill(&format!("v{vid}-systolic"), "150").await;
    app.fill(&format!("v{vid}-diastolic"), "160").await;
    app.click_button("Record vitals").await;
    app.wait_text(&format!(r#"[data-visit="{vid}"] [role="alert"]"#), "diastolic").await;
    app.fill(&format!("v{vid}-diastolic"), "95").await;
    app.fill(&format!("v{vid}-pulse"), "88").await;
    app.fill(&format!("v{vid}-temperature_c"), "36.8").await;
    app.click_button("Record vitals").await;
    app.wait_text(r#"[data-testid="vitals"]"#, "BP 150/95").await;
    app.fill(&format!("note-{vid}-subjective"), "Tight chest climbing stairs for two weeks.").await;
    app.fill(&format!("note-{vid}-assessment"), "Possible angina pectoris.").await;
    app.fill(&format!("note-{vid}-plan"), "ECG today; refer to cardiology.").await;
    app.click_button("Save draft").await;
    app.wait_text(r#".visit [role="status"]"#, "Draft saved").await;
    look(&app, "33-chart-visit-draft").await;
    app.click_button("Save and sign").await;
    app.wait_text(r#"[data-testid="signed-note"]"#, "angina").await;
    assert!(!app.exists(&format!("#note-{vid}-subjective")).await, "a signed note is no longer editable");
    app.fill(&format!("addendum-{vid}"), "ECG normal sinus rhythm.").await;
    app.click_button("Add addendum").await;
    app.wait_text(r#"[data-testid="addenda"]"#, "normal sinus rhythm").await;
    look(&app, "34-chart-visit-signed").await;

    // Found by a prefix of the name (diacritics folded), and by note text.
    app.go("patients").await;
    app.fill("patient-search", "nun").await;
    app.wait_text(r#"[data-testid="patient-results"]"#, "Núñez, José").await;
    app.fill("patient-search", "angin").await;
    app.wait_text(r#"[data-testid="patient-results"]"#, "Núñez, José").await;
    look(&app, "35-patients-search").await;

    // Archived: kept whole, out of the active list, found when asked for, brought back.
    details_of_first_hit(&app, "Núñez, José").await;
    app.click_button("Archive this record").await;
    app.wait_text(r#".alert.ok"#, "The record was archived.").await;
    app.go("patients").await;
    app.fill("patient-search", "nun").await;
    app.wait_text(r#"[data-testid="no-patients"]"#, "No patient matches").await;
    app.click("#include-archived").await;
    app.wait_text(r#"[data-testid="patient-results"]"#, "archived").await;
    details_of_first_hit(&app, "Núñez, José").await;
    app.click_button("Bring back from the archive").await;
    app.wait_text(r#".alert.ok"#, "back in the active list").await;
    app.go("patients").await;

    // A restricted record for the staff member.
    app.click_button("New patient").await;
    app.fill("new-patient-given", "Vera").await;
    app.fill("new-patient-family", "Important").await;
    app.choose("new-patient-dob", "1970-01-31").await;
    app.click("#new-patient-restricted").await;
    app.click_button("Register").await;
    // Nobody opens a restricted record by role, its registrar included.
    app.wait_text(r#"[data-testid="chart-refused"]"#, "restricted_record_read").await;
    let vera = app.client().execute("return location.hash;", vec![]).await.unwrap();
    let vera = vera.as_str().unwrap().trim_start_matches("#/patients/").to_owned();
    app.click_button("Sign out").await;

    // Sam's search leaves it out; its exact number leads to the chart.
    app.first_sign_in("sam", SAM_FIRST, SAM_PW).await;
    app.go("patients").await;
    app.wait_for(r#"main[data-view="patients"]"#).await;
    app.fill("patient-search", "Important").await;
    app.wait_text(r#"[data-testid="no-patients"]"#, "No patient matches").await;
    app.click(r#"[data-testid="by-number"] summary"#).await;
    app.fill("by-mrn", "MRN-000009").await;
    app.click_button("Open").await;
    app.wait_text(r#"[data-testid="by-number"] [role="alert"]"#, "No record has the number MRN-000009").await;
    app.fill("by-mrn", " mrn-000002 ").await;
    look(&app, "35b-patients-by-number").await;
    app.click_button("Open").await;
    app.wait_for(r#"[data-testid="chart-refused"]"#).await;
    let at = app.client().execute("return location.hash;", vec![]).await.unwrap();
    assert_eq!(at.as_str(), Some(format!("#/patients/{vera}").as_str()), "the number opened Vera's chart");
    let refused = app.wait_text(r#"[data-testid="chart-refused"]"#, "Nothing was changed").await;
    assert!(refused.contains("restricted_record_read"), "the reason names what is missing: {refused}");
    look(&app, "36-chart-restricted-refused").await;
    app.click_button("Emergency access…").await;
    app.fill("emergency-reason", "short").await;
    look(&app, "37-emergency-reason").await;
    app.fill("emergency-reason", "Patient collapsed at reception, needs history").await;
    app.click_button("Open the record").await;
    app.wait_text(r#"[data-testid="chart-header"]"#, "Important, Vera").await;
    look(&app, "38-chart-emergency").await;
    // Staff may not archive: the chart does not offer it (and core refuses it).
    app.click_button("Details").await;
    app.wait_for(r#"[aria-label="Patient details"], #id-system"#).await;
    assert!(!app.visible_text().await.contains("Archive this record"), "staff are offered archiving");
    let refused =
        app.invoke("archive_patient", serde_json::json!({ "args": { "id": vera.parse::<i64>().unwrap() } })).await;
    assert_eq!(refused.expect_err("archive_patient")["code"], "denied");
    let home = app.close_keeping_home().await;
    let vault = home.default_vault();

    // The refusal and the emergency access are both in the audit trail.
    let vera: i64 = vera.parse().unwrap();
    let mut ada = admin_session(&vault, ADMIN_PW, &secret);
    let trail = ada.audit_list(&Filter { patient_id: Some(vera), ..Filter::default() }).unwrap();
    let by = |action: Action, user: &str| trail.iter().any(|e| e.event.action == action && e.actor.username == user);
    assert!(by(Action::PermissionDenied, "sam"), "sam's refusal is audited");
    assert!(by(Action::PermissionDenied, "pat"), "so is the registrar's");
    assert!(by(Action::EmergencyAccess, "sam"), "and the emergency access");
    assert!(
        trail.iter().any(|e| e.event.action == Action::PatientRead && e.event.emergency),
        "reads under it are flagged"
    );
    ada.logout().unwrap();
}
