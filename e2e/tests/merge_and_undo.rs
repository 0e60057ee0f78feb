//! Merging duplicates, end to end in WebKit: a provider finds a duplicate
//! from the kept record's details, compares the two side by side, merges
//! (the duplicate's visit moves over, the duplicate says where it went),
//! and undoes the merge (the visit goes back). Screens photographed and
//! checked with axe; the merge and its undo are in the audit trail.

use chartvault_core::audit::{Action, Filter};
use chartvault_e2e::{App, AppHome, add_users, admin_session, make_vault};

const ADMIN_PW: &str = "Violet kettle 47 marching north";
const PAT_FIRST: &str = "Granite owls count the tides";
const PAT_PW: &str = "Saffron kites drift past Lyon";

async fn look(app: &App, name: &str) {
    app.screenshot(name).await;
    app.axe(name).await;
}

async fn register(app: &App, given: &str, family: &str, phone: &str) -> String {
    app.go("patients").await;
    app.click_button("New patient").await;
    app.fill("new-patient-given", given).await;
    app.fill("new-patient-family", family).await;
    app.choose("new-patient-dob", "1906-12-09").await;
    app.choose("new-patient-sex", "female").await;
    app.fill("new-patient-phone", phone).await;
    app.click_button("Register").await;
    app.wait_text(r#"[data-testid="chart-header"]"#, &format!("{family}, {given}")).await;
    let hash = app.client().execute("return location.hash;", vec![]).await.unwrap();
    hash.as_str().unwrap().trim_start_matches("#/patients/").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_merges_a_duplicate_after_comparing_and_undoes_it() {
    let home = AppHome::new();
    let secret = make_vault(&home.default_vault(), "Harbour Clinic", ADMIN_PW);
    add_users(&home.default_vault(), ADMIN_PW, &secret, &[("pat", "provider", PAT_FIRST)]);
    let Some(app) = App::launch_in(home).await else { return };
    app.first_sign_in("pat", PAT_FIRST, PAT_PW).await;
    app.wait_for(r#"main[data-view="patients"]"#).await;

    let kept = register(&app, "Grace", "Hopper", "555-0100").await;
    let duplicate = register(&app, "Grace", "Hoper", "555-0199").await;
    app.fill("visit-reason", "Wheeze after choir").await;
    app.click_button("New visit").await;
    app.wait_for("[data-visit]").await;

    app.go(&format!("patients/{kept}")).await;
    app.wait_text(r#"[data-testid="chart-header"]"#, "Hopper, Grace").await;
    app.click_button("Details").await;
    app.fill("merge-query", "Hoper").await;
    app.click_button("Find").await;
    app.click_button("Compare with Grace Hoper, MRN-000002, born 1906-12-09").await;
    let compare = app.text(r#"[data-testid="merge-compare"]"#).await;
    assert!(compare.contains("555-0100") && compare.contains("555-0199"), "both records side by side: {compare}");
    look(&app, "50-merge-compare").await;
    app.click_button("Merge MRN-000002 into MRN-000001").await;
    let done = app.text(r#"[data-testid="merge-done"]"#).await;
    assert!(done.contains("1 visits"), "{done}");
    app.click_button("Visits").await;
    app.wait_text("main", "Wheeze after choir").await;
    look(&app, "51-merged-chart").await;

    app.go(&format!("patients/{duplicate}")).await;
    app.wait_text(r#"[data-testid="chart-header"]"#, &format!("merged into record {kept}")).await;

    app.go(&format!("patients/{kept}")).await;
    app.wait_text(r#"[data-testid="chart-header"]"#, "Hopper, Grace").await;
    app.click_button("Details").await;
    app.click_button("Undo merge 1").await;
    app.wait_text(r#"[data-testid="merges"]"#, "undone").await;
    app.click_button("Visits").await;
    app.wait_text("main", "No visits recorded.").await;
    let home = app.close_keeping_home().await;
    let vault = home.default_vault();

    let mut ada = admin_session(&vault, ADMIN_PW, &secret);
    let dup: i64 = duplicate.parse().unwrap();
    let trail = ada.audit_list(&Filter { patient_id: Some(dup), ..Filter::default() }).unwrap();
    assert!(trail.iter().any(|e| e.event.action == Action::PatientMerge && e.actor.username == "pat"));
    assert!(trail.iter().any(|e| e.event.action == Action::PatientMergeUndone));
    ada.logout().unwrap();
}
