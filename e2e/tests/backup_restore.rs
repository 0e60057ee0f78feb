//! Backups, end to end in WebKit. An administrator is warned on every
//! screen that no backup exists, backs up to a folder (a temporary folder
//! typed as the path, as a USB drive's would be), sees it verified in the
//! history, sets a daily schedule and sees its catch-up run; a provider then
//! changes a record and registers another patient; the administrator
//! restores the backup (preview, confirmed with the password), everyone
//! signs in again and the records are as they were, with the restore in the
//! audit trail; a damaged copy of the backup is verified and told apart, and
//! a backup of another vault is named as such and needs a second yes.
//! On a new computer, the first-run wizard restores a backup opened with its
//! passphrase (a wrong one refused first), shows the new recovery code once,
//! and the administrator signs in with the new password. Every new screen
//! is photographed and checked with axe.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chartvault_core::backup::BackupReason;
use chartvault_e2e::{App, AppHome, add_users, admin_session, current_step, fresh_step, make_vault, totp_code};

const ADMIN_PW: &str = "Violet kettle 47 marching north";
const ADMIN_NEW_PW: &str = "Basalt comets hum over Quito";
const PAT_FIRST: &str = "Granite owls count the tides";
const PAT_PW: &str = "Saffron kites drift past Lyon";
const PASSPHRASE: &str = "Orchid ladders hum beneath Tallinn";

/// Long work (a backup read back and checked, a restore) on a slow machine.
const LONG: Duration = Duration::from_secs(120);

/// Screenshot and accessibility check of the screen now showing.
async fn look(app: &App, name: &str) {
    app.screenshot(name).await;
    app.axe(name).await;
}

/// Signs `ada` in with her password and the code of a TOTP step after
/// `used` (each code is accepted once); returns the step used.
async fn admin_sign_in(app: &App, password: &str, secret: &str, used: i64) -> i64 {
    app.wait_for(r#"[data-screen="login"]"#).await;
    app.fill("login-username", "ada").await;
    app.fill("login-password", password).await;
    app.click_button("Sign in").await;
    app.wait_for(r#"[data-screen="code"]"#).await;
    fresh_step(used).await;
    let now = chrono::Utc::now();
    app.fill("login-code", &totp_code(secret, now)).await;
    app.click_button("Sign in").await;
    app.wait_for("main[data-view]").await;
    now.timestamp() / 30
}

async fn sign_in(app: &App, user: &str, password: &str) {
    app.wait_for(r#"[data-screen="login"]"#).await;
    app.fill("login-username", user).await;
    app.fill("login-password", password).await;
    app.click_button("Sign in").await;
    app.wait_for("main[data-view]").await;
}

async fn sign_out(app: &App) {
    app.click_button("Sign out").await;
    app.wait_for(r#"[data-screen="login"]"#).await;
}

/// Registers a patient as a provider does; returns the record's id.
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

/// The backup files in `folder`, by name.
fn backups_in(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", folder.display()))
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".cvbackup"))
        .collect();
    names.sort();
    names
}

/// Waits, pressing the history's Refresh, until it shows a row matching
/// `row` (the history is not reloaded on its own: reading it is activity).
async fn wait_history_row(app: &App, row: &str, timeout: Duration) {
    let selector = format!(r#"[data-testid="backup-history"] {row}"#);
    let start = Instant::now();
    while !app.exists(&selector).await {
        if start.elapsed() > timeout {
            panic!("the history never showed `{row}` within {timeout:?}\n{}", app.describe_page().await);
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        app.click_button("Refresh").await;
    }
}

/// Waits for long work's outcome: `selector` showing `needle`, and the
/// progress dialog gone (while it fades out, it covers the screen).
async fn wait_done(app: &App, selector: &str, needle: &str) -> String {
    let text = app.wait_text_within(selector, needle, LONG).await;
    wait_gone(app, ".dialog").await;
    text
}

/// Waits until no element matches `selector`.
async fn wait_gone(app: &App, selector: &str) {
    let start = Instant::now();
    while app.exists(selector).await {
        if start.elapsed() > chartvault_e2e::DEFAULT_WAIT {
            panic!("`{selector}` is still there\n{}", app.describe_page().await);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A copy of `file` with one byte flipped in the middle (inside a page).
fn damaged_copy(file: &Path, to: &Path) -> PathBuf {
    let mut bytes = std::fs::read(file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    let copy = to.join("damaged copy.cvbackup");
    std::fs::write(&copy, bytes).unwrap();
    copy
}

/// Whether the element `selector` is disabled.
async fn disabled(app: &App, selector: &str) -> bool {
    app.wait_for(selector).await;
    let script = "return document.querySelector(arguments[0]).disabled;";
    app.client().execute(script, vec![serde_json::json!(selector)]).await.unwrap() == serde_json::json!(true)
}

/// Makes a vault in `dir` and backs it up into `drive` (same administrator
/// name and password as the clinic's, but another vault); returns the file.
fn backup_of_another_vault(dir: &Path, drive: &Path) -> PathBuf {
    let vault = dir.join("vault");
    let secret = make_vault(&vault, "Hillside Clinic", ADMIN_PW);
    let mut ada = admin_session(&vault, ADMIN_PW, &secret);
    let done = ada
        .backup_now(drive, BackupReason::Manual, None, &mut |_| ControlFlow::Continue(()))
        .unwrap_or_else(|e| panic!("cannot back up the other vault: {e}"));
    ada.logout().unwrap();
    done.path
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_backs_up_restores_and_the_records_are_as_they_were() {
    let home = AppHome::new();
    let vault = home.default_vault();
    let secret = make_vault(&vault, "Harbour Clinic", ADMIN_PW);
    add_users(&vault, ADMIN_PW, &secret, &[("pat", "provider", PAT_FIRST)]);
    let used = current_step();
    let drive = tempfile::tempdir().unwrap();
    let folder = drive.path().join("Chartvault backups");
    std::fs::create_dir(&folder).unwrap();
    let folder_text = folder.to_str().unwrap();
    // A backup of another clinic's vault, on the same drive.
    let other = tempfile::tempdir().unwrap();
    let foreign = backup_of_another_vault(other.path(), drive.path());
    let Some(app) = App::launch_in(home).await else { return };

    // A provider registers a patient.
    app.first_sign_in("pat", PAT_FIRST, PAT_PW).await;
    let grace = register(&app, "Grace", "Hopper", "555-0100").await;
    sign_out(&app).await;

    // The administrator is warned on every screen that there is no backup.
    let used = admin_sign_in(&app, ADMIN_PW, &secret, used).await;
    app.wait_for(r#"main[data-view="users"]"#).await;
    app.wait_text(r#"[data-testid="backup-banner"]"#, "No backup of this vault has been made yet").await;
    look(&app, "60-backup-banner").await;
    app.go("audit").await;
    app.wait_text(r#"main[data-view="audit"] [data-testid="backup-banner"]"#, "overdue").await;
    app.click(r#"[data-testid="backup-banner"] a"#).await;
    app.wait_for(r#"main[data-view="backups"]"#).await;
    app.wait_for(r#"[data-testid="history-empty"]"#).await;
    app.wait_text(r#"[data-testid="last-backup"]"#, "None yet").await;

    // Back up now, to a folder typed in.
    app.fill("backup-folder", folder_text).await;
    look(&app, "61-backups").await;
    app.click_button("Back up now").await;
    let result = wait_done(&app, r#"[data-testid="backup-result"]"#, "verified").await;
    let files = backups_in(&folder);
    assert_eq!(files.len(), 1, "one backup file in {}: {files:?}", folder.display());
    let manual = files[0].clone();
    assert!(result.contains(&manual), "the result names the file: {result}");
    assert!(!files.iter().any(|f| f.ends_with(".partial")), "no partial file is left");
    app.wait_text(r#"[data-testid="backup-history"] tr[data-reason="manual"]"#, "Verified").await;
    let history = app.text(r#"[data-testid="backup-history"]"#).await;
    assert!(history.contains("By hand") && history.contains(&manual), "{history}");
    wait_gone(&app, r#"[data-testid="backup-banner"]"#).await;
    let last = app.text(r#"[data-testid="last-backup"]"#).await;
    assert!(last.contains(folder_text) && !last.contains("overdue"), "{last}");
    look(&app, "62-backup-verified").await;

    // A daily schedule whose time passed two hours ago: one catch-up run,
    // made by the app's scheduler (it looks every 30 s).
    let at = (chrono::Local::now() - chrono::Duration::hours(2)).format("%H:%M").to_string();
    app.choose("schedule-kind", "daily").await;
    app.choose("schedule-time", &at).await;
    app.fill("schedule-folder", folder_text).await;
    app.click_button("Save the schedule").await;
    app.wait_text(r#"[data-testid="schedule-saved"]"#, &format!("every day at {at}")).await;
    app.wait_text(r#"[data-testid="schedule-now"]"#, &format!("Every day at {at}; next due")).await;
    wait_history_row(&app, r#"tr[data-reason="catch_up"][data-outcome="verified"]"#, LONG).await;
    // After a good scheduled run the folder keeps the newest backup of the
    // day: the one made by hand earlier today is gone, and the history
    // says so instead of offering to verify it.
    let files = backups_in(&folder);
    let newest = files.last().expect("the catch-up run's file").clone();
    assert_ne!(newest, manual, "{files:?}");
    if !files.contains(&manual) {
        let row = app.text(r#"[data-testid="backup-history"] tr[data-reason="manual"]"#).await;
        assert!(row.contains("Not in its folder now"), "{row}");
    }
    look(&app, "63-backup-schedule").await;
    sign_out(&app).await;

    // The provider changes the record and registers another patient.
    sign_in(&app, "pat", PAT_PW).await;
    app.go(&format!("patients/{grace}")).await;
    app.wait_text(r#"[data-testid="chart-header"]"#, "Hopper, Grace").await;
    app.click_button("Details").await;
    app.fill("edit-patient-phone", "555-0199").await;
    app.click_button("Save details").await;
    app.wait_text(".alert.ok", "The record was saved").await;
    register(&app, "Alan", "Turing", "555-0142").await;
    sign_out(&app).await;

    // The administrator restores the newest backup (made before the
    // provider's changes): chosen from the folder's list, opened with her
    // password, previewed, confirmed.
    let used = admin_sign_in(&app, ADMIN_PW, &secret, used).await;
    app.go("backups").await;
    app.wait_for(r#"[data-restore-step="choose"]"#).await;
    app.fill("restore-folder", folder_text).await;
    app.click_button("List backups").await;
    let listed = app.wait_text(r#"[data-testid="restore-list"]"#, &newest).await;
    assert!(listed.contains("This vault"), "{listed}");
    app.click(&format!(r#"[data-testid="restore-list"] button[aria-label="Choose {newest}"]"#)).await;
    let chosen = app.client().execute("return document.getElementById('restore-path').value;", vec![]).await.unwrap();
    assert_eq!(chosen.as_str(), Some(folder.join(&newest).to_str().unwrap()));
    app.fill("restore-secret", ADMIN_PW).await;
    app.click_button("Check this backup").await;
    let preview = wait_done(&app, r#"[data-testid="restore-preview"]"#, "1 patient,").await;
    assert!(
        preview.contains("A backup of this vault") && preview.contains("ada") && preview.contains("2 users"),
        "{preview}"
    );
    look(&app, "64-restore-preview").await;
    app.fill("restore-password", ADMIN_PW).await;
    app.click_button("Restore this backup").await;
    app.wait_for_within(r#"[data-screen="restored"]"#, LONG).await;
    wait_gone(&app, ".dialog").await;
    let aside = app.text(r#"[data-testid="restore-aside"]"#).await;
    assert!(aside.contains("before-restore"), "the replaced vault's folder is named: {aside}");
    let kept = std::fs::read_dir(&vault)
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with("before-restore"))
        .expect("the replaced vault is kept aside in the vault folder");
    assert!(kept.path().join("vault.cvdb").exists() && aside.contains(&*kept.file_name().to_string_lossy()));
    assert!(!app.exists(r#"[data-testid="recovery-code"]"#).await, "a restore with a password keeps the keys");
    look(&app, "65-restored").await;
    app.click_button("Go to the sign-in screen").await;

    // Signed in again: the restore is in the audit trail.
    admin_sign_in(&app, ADMIN_PW, &secret, used).await;
    app.go("audit").await;
    app.wait_for(r#"[data-testid="audit-table"]"#).await;
    app.choose("f-action", "restore").await;
    app.click_button("Apply").await;
    let trail = app.wait_text(r#"[data-testid="audit-table"]"#, "Restore").await;
    assert!(trail.contains("restored from the backup made"), "{trail}");
    look(&app, "66-audit-restore").await;

    // A damaged copy of the backup is told apart from a wrong password.
    let damaged = damaged_copy(&folder.join(&newest), drive.path());
    app.go("backups").await;
    app.fill("verify-path", damaged.to_str().unwrap()).await;
    app.fill("verify-secret", ADMIN_PW).await;
    app.click_button("Verify the file").await;
    let refused = wait_done(&app, r#"[data-testid="verify-error"]"#, "damaged").await;
    assert!(refused.starts_with("This backup file is damaged"), "{refused}");
    look(&app, "67-verify-damaged").await;
    // Another vault's backup: verifying it says so; restoring it shows
    // whose it is and needs a second, explicit yes.
    app.fill("verify-path", foreign.to_str().unwrap()).await;
    app.fill("verify-secret", ADMIN_PW).await;
    app.click_button("Verify the file").await;
    wait_done(&app, r#"[data-testid="verify-error"]"#, "This is a backup of another vault").await;
    app.fill("restore-path", foreign.to_str().unwrap()).await;
    app.fill("restore-secret", ADMIN_PW).await;
    app.click_button("Check this backup").await;
    wait_done(&app, r#"[data-testid="restore-preview-vault"]"#, "another vault").await;
    app.fill("restore-password", ADMIN_PW).await;
    let restore_button = r#"[data-restore-step="preview"] button.danger"#;
    assert!(disabled(&app, restore_button).await, "not without the second yes");
    look(&app, "68-restore-other-vault").await;
    app.click("#restore-other-vault").await;
    assert!(!disabled(&app, restore_button).await, "the second yes allows it");
    app.click_button("Back").await;
    app.wait_for(r#"[data-restore-step="choose"]"#).await;
    // The good file, from its row in the history.
    app.click(r#"[data-testid="backup-history"] tr[data-present="true"] button"#).await;
    app.fill("verify-secret", ADMIN_PW).await;
    app.click_button("Verify the file").await;
    wait_done(&app, r#"[data-testid="verify-result"]"#, "The backup is whole").await;
    sign_out(&app).await;

    // The provider finds the records as they were when the backup was made.
    sign_in(&app, "pat", PAT_PW).await;
    app.go("patients").await;
    app.fill("patient-search", "Turing").await;
    app.wait_text(r#"[data-testid="no-patients"]"#, "No patient matches").await;
    app.go(&format!("patients/{grace}")).await;
    app.wait_text(r#"[data-testid="chart-header"]"#, "Hopper, Grace").await;
    app.click_button("Details").await;
    let phone = app.wait_for("#edit-patient-phone").await.prop("value").await.unwrap();
    assert_eq!(phone.as_deref(), Some("555-0100"), "the phone number is the one of the backup's time");
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_computer_restores_a_backup_in_the_first_run_wizard() {
    // The clinic's old computer: a vault with a provider, backed up to a
    // drive with a passphrase for a copy kept off site.
    let old = tempfile::tempdir().unwrap();
    let drive = tempfile::tempdir().unwrap();
    let old_vault = old.path().join("vault");
    let secret = make_vault(&old_vault, "Hillside Clinic", ADMIN_PW);
    add_users(&old_vault, ADMIN_PW, &secret, &[("pat", "provider", PAT_FIRST)]);
    let mut ada = admin_session(&old_vault, ADMIN_PW, &secret);
    let used = current_step();
    let phrase = chartvault_seal::SecretString::from(PASSPHRASE.to_owned());
    let done = ada
        .backup_now(drive.path(), BackupReason::Manual, Some(&phrase), &mut |_| ControlFlow::Continue(()))
        .unwrap_or_else(|e| panic!("cannot back up the old vault: {e}"));
    ada.logout().unwrap();
    let name = done.path.file_name().unwrap().to_string_lossy().into_owned();

    // The new computer: an empty data folder.
    let Some(app) = App::launch_in(AppHome::new()).await else { return };
    assert!(!app.home().default_vault().exists());
    app.wait_for(r#"[data-screen="wizard"][data-step="clinic"]"#).await;
    app.click_button("Restore from a backup").await;
    app.wait_for(r#"[data-step="restore"]"#).await;
    app.fill("first-restore-folder", drive.path().to_str().unwrap()).await;
    app.click_button("List backups").await;
    app.wait_text(r#"[data-testid="first-restore-list"]"#, &name).await;
    app.click(&format!(r#"[data-testid="first-restore-list"] button[aria-label="Choose {name}"]"#)).await;
    app.choose("first-restore-with", "passphrase").await;
    app.fill("first-restore-secret", "Not the passphrase at all, sorry").await;
    app.fill("first-restore-admin", "ada").await;
    app.fill("first-restore-password", ADMIN_NEW_PW).await;
    app.wait_text("#first-restore-password-rating", "accepted").await;
    app.fill("first-restore-confirm", ADMIN_NEW_PW).await;
    app.click_button("Check this backup").await;
    let refused = wait_done(&app, r#"[data-step="restore"] [role="alert"]"#, "does not open this backup").await;
    assert!(!refused.contains("damaged"), "a wrong passphrase is not called damage: {refused}");
    look(&app, "69-wizard-restore").await;

    app.fill("first-restore-secret", PASSPHRASE).await;
    app.click_button("Check this backup").await;
    let preview = wait_done(&app, r#"[data-testid="first-restore-preview"]"#, "2 users").await;
    assert!(preview.contains(&name) && preview.contains("ada"), "{preview}");
    look(&app, "70-wizard-restore-preview").await;
    app.click_button("Restore this backup").await;
    app.wait_for_within(r#"[data-screen="restored"]"#, LONG).await;
    wait_gone(&app, ".dialog").await;
    let code = app.text(r#"[data-testid="recovery-code"]"#).await;
    assert!(code.trim().len() >= 20, "a new recovery code is shown once: {code:?}");
    let others = app.text(r#"[data-testid="users-without-password"]"#).await;
    assert_eq!(others.trim(), "pat", "the other users need a new password");
    assert!(!app.exists(r#"[data-testid="restore-aside"]"#).await, "nothing was replaced on a new computer");
    assert!(app.home().default_vault().join("vault.keys").exists(), "the vault is in the default data folder");
    look(&app, "71-wizard-restored").await;
    app.click("#restored-stored").await;
    app.click_button("Go to the sign-in screen").await;

    // The administrator signs in with the new password and her authenticator.
    admin_sign_in(&app, ADMIN_NEW_PW, &secret, used).await;
    app.wait_for(r#"main[data-view="users"]"#).await;
    app.wait_for(r#"[data-user="pat"]"#).await;
    let app = app.restart().await;
    app.wait_for(r#"[data-screen="login"]"#).await;
    app.close().await;
}
