//! The wizard's vault folder: a chosen folder (spaces in its name) is used
//! and remembered, so the next start opens its login screen; a folder that
//! already holds a vault is refused with a clear message, and nothing in
//! it changes.

use chartvault_e2e::{App, AppHome, make_vault};

const PW: &str = "Violet kettle 47 marching north";

async fn wizard_to_create(app: &App, location: &str) {
    app.wait_for(r#"[data-screen="wizard"][data-step="clinic"]"#).await;
    app.fill("clinic", "Hillside Clinic").await;
    app.fill("location", location).await;
    app.click_button("Next").await;
    app.fill("admin-username", "ada").await;
    app.fill("admin-display", "Ada Lovelace").await;
    app.fill("admin-password", PW).await;
    app.wait_text("#admin-password-rating", "accepted").await;
    app.fill("admin-confirm", PW).await;
    app.click_button("Create the vault").await;
}

fn snapshot(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap_or_default())
        })
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chosen_vault_folder_is_used_and_remembered() {
    let Some(app) = App::launch().await else { return };
    let chosen = app.home().path().join("Clinic Data").join("vault");
    wizard_to_create(&app, chosen.to_str().unwrap()).await;
    app.wait_for_within(r#"[data-step="recovery"]"#, std::time::Duration::from_secs(90)).await;
    assert!(chosen.join("vault.keys").exists(), "the vault is in the chosen folder");
    assert!(!app.home().default_vault().exists(), "nothing in the default folder");
    let remembered = std::fs::read_to_string(app.home().vault_location_file()).unwrap();
    assert_eq!(remembered.trim_end(), chosen.to_str().unwrap());

    let app = app.restart().await;
    app.wait_for(r#"[data-screen="login"]"#).await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_holding_a_vault_is_not_set_up_again() {
    let home = AppHome::new();
    let existing = home.path().join("existing");
    // A vault made by the `chartvault` command's library, as a clinic
    // might have from before.
    make_vault(&existing, "Old Clinic", PW);
    let before = snapshot(&existing);
    let Some(app) = App::launch_in(home).await else { return };
    wizard_to_create(&app, existing.to_str().unwrap()).await;
    let refused = app.wait_text(r#"[data-step="admin"] [role="alert"]"#, "already holds a vault").await;
    assert!(refused.contains("existing"), "the message names the folder: {refused}");
    assert_eq!(snapshot(&existing), before, "nothing in the existing vault changed");
    assert!(!app.home().vault_location_file().exists(), "the refused folder is not remembered");
    app.close().await;
}
