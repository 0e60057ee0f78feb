//! A fresh data folder opens on the first-run wizard, and the wizard
//! passes axe (no serious or critical violations).

use chartvault_e2e::App;

#[tokio::test]
async fn fresh_data_dir_shows_the_first_run_wizard() {
    let Some(app) = App::launch().await else { return };
    assert!(!app.home().default_vault().exists(), "a fresh home has no vault yet");
    app.wait_for(r#"[data-screen="wizard"]"#).await;
    app.screenshot("wizard").await;
    app.axe("wizard").await;
    app.close().await;
}
