//! Importing patients from a CSV file, end to end in WebKit: the check
//! names the bad row by its line and column, warns of a row that repeats
//! an earlier person, and writes nothing; the good rows are imported on
//! request and are found by the search.

use chartvault_e2e::{App, AppHome, add_users, make_vault};

const ADMIN_PW: &str = "Violet kettle 47 marching north";
const SAM_FIRST: &str = "Seven quiet lanterns over Brno";
const SAM_PW: &str = "Copper heron waits by the weir";

#[tokio::test(flavor = "multi_thread")]
async fn the_front_desk_checks_a_csv_file_and_imports_its_good_rows() {
    let home = AppHome::new();
    let secret = make_vault(&home.default_vault(), "Harbour Clinic", ADMIN_PW);
    add_users(&home.default_vault(), ADMIN_PW, &secret, &[("sam", "staff", SAM_FIRST)]);
    let files = tempfile::tempdir().unwrap();
    let csv = files.path().join("patients.csv");
    std::fs::write(
        &csv,
        "given_name,family_name,date_of_birth,sex,phone,identifier:NHS\r\n\
         Ingrid,Østergaard,1950-03-01,female,555-0101,9434765919\r\n\
         Tomás,\"Ó Briain\",1977-13-45,male,,\r\n\
         Mei,Chen,2001-07-19,female,555-0103,\r\n\
         INGRID,østergaard,1950-03-01,female,,\r\n",
    )
    .unwrap();
    let Some(app) = App::launch_in(home).await else { return };
    app.first_sign_in("sam", SAM_FIRST, SAM_PW).await;
    app.wait_for(r#"main[data-view="patients"]"#).await;

    app.click_button("Import from CSV…").await;
    app.upload("import-file", &csv).await;
    app.click_button("Check the file").await;
    let check = app.wait_text(r#"[data-testid="import-check"]"#, "1 of 4 rows have problems").await;
    assert!(check.contains("date_of_birth") && check.contains("Nothing has been written yet"), "{check}");
    let line = app.text(r#"[data-testid="import-check"] tbody tr td"#).await;
    assert_eq!(line, "3", "the bad row is named by its line in an editor");
    let warned = app.text(r#"[data-testid="import-warnings"]"#).await;
    assert!(warned.contains("same name and date of birth as line 2"), "a repeated person is warned of: {warned}");
    app.screenshot("46-import-check").await;
    app.axe("46-import-check").await;
    app.wait_for(r#"[data-testid="no-patients"]"#).await;

    app.click_button("Import the 3 good rows, skip the bad ones").await;
    app.wait_text(r#"[data-testid="import-done"]"#, "3 patients were registered").await;
    app.fill("patient-search", "oster").await;
    app.wait_text(r#"[data-testid="patient-results"]"#, "Østergaard, Ingrid").await;
    app.fill("patient-search", "9434765919").await;
    app.wait_text(r#"[data-testid="patient-results"]"#, "Østergaard, Ingrid").await;
    app.close().await;
}
