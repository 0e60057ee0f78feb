//! A clinic's first day, end to end in the built app in WebKit: the
//! first-run wizard, a login with TOTP (codes computed from the enrolled
//! secret), a user of a lesser role who is refused an administrator's
//! screen, the idle lock and the lock on demand, a wrong password and a
//! lockout, lifting it, removing the user with revocation, the audit
//! trail showing all of it with its chain verified, a new recovery code,
//! and opening with it (the replaced one refused), a lost authenticator
//! cleared with it too. Every screen is photographed (target/e2e-screens/) and
//! checked with axe-core.

use std::time::Duration;

use chartvault_e2e::{App, current_step, fresh_step, totp_code};
use serde_json::json;

const CLINIC: &str = "Riverside Family Clinic";
const ADMIN_PW: &str = "Violet kettle 47 marching north";
const ADMIN_NEW_PW: &str = "Amber lighthouse hums at dawn 12";
const ADMIN_NEWER_PW: &str = "Quartz harbour 58 under lanterns";
const STAFF_FIRST_PW: &str = "Seven quiet lanterns over Brno";
const STAFF_PW: &str = "Copper heron waits by the weir";
const PROVIDER_FIRST_PW: &str = "Granite owls count the tides";
const PROVIDER_PW: &str = "Saffron kites drift past Lyon";

/// Screenshot and accessibility check of the screen now showing.
async fn look(app: &App, name: &str) {
    app.screenshot(name).await;
    app.axe(name).await;
}

async fn sign_in(app: &App, user: &str, password: &str) {
    app.wait_for(r#"[data-screen="login"]"#).await;
    app.fill("login-username", user).await;
    app.fill("login-password", password).await;
    app.click_button("Sign in").await;
}

/// Presses "Copy diagnostics", reads the report it shows, and checks the
/// clipboard (the X display's) holds the same.
async fn diagnostics(app: &App) -> String {
    app.click_button("Copy diagnostics").await;
    app.wait_text(r#"[data-testid="diagnostics"] [role="status"]"#, "Copied.").await;
    let read = "return document.getElementById('diagnostics-text').value;";
    let shown = match app.client().execute(read, vec![]).await {
        Ok(serde_json::Value::String(text)) if !text.is_empty() => text,
        other => panic!("no diagnostics report: {other:?}"),
    };
    let on_clipboard = arboard::Clipboard::new().and_then(|mut c| c.get_text()).expect("the clipboard holds text");
    assert_eq!(on_clipboard.trim_end(), shown.trim_end(), "the clipboard holds what the page shows");
    shown
}

/// Fills the recovery form for ada: the code and a new password, twice.
async fn fill_recovery(app: &App, code: &str, password: &str) {
    app.fill("recover-code", code).await;
    app.fill("recover-username", "ada").await;
    app.fill("recover-password", password).await;
    app.wait_text("#recover-password-rating", "accepted").await;
    app.fill("recover-confirm", password).await;
}

/// Signs in with a wrong password and waits for the answer.
async fn failed_sign_in(app: &App, user: &str, password: &str, expect: &str) -> String {
    sign_in(app, user, password).await;
    app.wait_text(r#"[data-screen="login"] [role="alert"]"#, expect).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clinics_first_day() {
    let Some(app) = App::launch().await else { return };

    // First run: the wizard.
    app.wait_for(r#"[data-screen="wizard"][data-step="clinic"]"#).await;
    // Anything the Content Security Policy blocks from here on is recorded
    // (the page is one document for the whole test).
    app.client()
        .execute(
            "window.__csp = []; document.addEventListener('securitypolicyviolation', \
             (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI)); return true;",
            vec![],
        )
        .await
        .unwrap();
    look(&app, "01-wizard-clinic").await;
    app.fill("clinic", CLINIC).await;
    app.click_button("Next").await;
    app.wait_for(r#"[data-step="admin"]"#).await;
    app.fill("admin-username", "ada").await;
    app.fill("admin-display", "Ada Lovelace").await;
    app.fill("admin-password", "password123").await;
    let refusal = app.wait_text("#admin-password-rating", "too").await;
    assert!(refusal.contains("Strength"), "the meter shows with the reason: {refusal}");
    look(&app, "02-wizard-admin-refused").await;
    app.fill("admin-password", ADMIN_PW).await;
    app.wait_text("#admin-password-rating", "accepted").await;
    app.fill("admin-confirm", ADMIN_PW).await;
    look(&app, "03-wizard-admin").await;
    app.click_button("Create the vault").await;
    app.wait_for_within(r#"[data-step="recovery"]"#, Duration::from_secs(90)).await;
    let recovery = app.text(r#"[data-testid="recovery-code"]"#).await;
    assert!(recovery.trim().len() >= 20, "a recovery code is shown: {recovery:?}");
    assert!(app.home().default_vault().join("vault.keys").exists(), "the vault is in the per-user data folder");
    look(&app, "04-wizard-recovery").await;
    app.click("#stored").await;
    app.click_button("Continue").await;
    app.wait_for(r#"[data-step="totp"]"#).await;
    let secret = app.text(r#"[data-testid="totp-secret"]"#).await;
    look(&app, "05-wizard-totp").await;
    app.fill("wizard-code", "000000").await;
    let mut used = current_step();
    let code = totp_code(&secret, chrono::Utc::now());
    app.fill("wizard-code", &code).await;
    app.click_button("Check and finish").await;

    // The administrator lands on Users.
    app.wait_for(r#"main[data-view="users"]"#).await;
    app.wait_text(r#"[data-testid="signed-in-user"]"#, "Administrator").await;
    look(&app, "06-users").await;

    // A user of a lesser role.
    app.click_button("New user").await;
    app.fill("new-username", "sam").await;
    app.fill("new-display", "Sam Staff").await;
    app.choose("new-role", "staff").await;
    app.fill("new-password-first", STAFF_FIRST_PW).await;
    app.wait_text("#new-password-first-rating", "accepted").await;
    look(&app, "07-users-new").await;
    app.click_button("Create user").await;
    app.wait_text(r#"[data-user="sam"]"#, "Staff").await;
    app.click_button("New user").await;
    app.fill("new-username", "pat").await;
    app.fill("new-display", "Pat Provider").await;
    app.choose("new-role", "provider").await;
    app.fill("new-password-first", PROVIDER_FIRST_PW).await;
    app.wait_text("#new-password-first-rating", "accepted").await;
    app.click_button("Create user").await;
    app.wait_text(r#"[data-user="pat"]"#, "Provider").await;

    // Settings: a one-minute idle lock and a lockout after three failures.
    app.go("settings").await;
    app.wait_for(r#"[data-setting="idle_timeout_minutes"]"#).await;
    look(&app, "08-settings").await;
    app.fill("p-idle_timeout_minutes", "1").await;
    app.click(r#"[data-setting="idle_timeout_minutes"] button"#).await;
    app.wait_text(".alert.ok", "is now 1").await;
    app.fill("p-lockout_after", "3").await;
    app.click(r#"[data-setting="lockout_after"] button"#).await;
    app.wait_text(".alert.ok", "is now 3").await;
    app.click("#p-totp-provider").await;
    app.click(r#"[data-setting="totp_required_roles"] button"#).await;
    app.wait_text(".alert.ok", "is now administrator,provider").await;

    app.go("emergency").await;
    app.wait_text("main", "Nothing to review").await;
    look(&app, "09-emergency").await;
    app.go("account").await;
    app.wait_for(r#"[data-form="change-password"]"#).await;
    // Copy diagnostics: versions, the vault, the settings, the log — and
    // no name, clinic or secret.
    let report = diagnostics(&app).await;
    for expected in [
        "program: chartvault-desktop",
        "key slots: 3 password, 1 recovery code",
        "idle_timeout_minutes: 1",
        // The record number's format by its shape: it may carry the clinic's name.
        "mrn_format: AAA-######",
        "signed in as role: administrator",
        "phase=Active",
        "action=\"user_created\"",
    ] {
        assert!(report.contains(expected), "the diagnostics lack {expected:?}:\n{report}");
    }
    for private in [CLINIC, "Ada Lovelace", "Sam Staff", "Pat Provider", ADMIN_PW, STAFF_FIRST_PW, PROVIDER_FIRST_PW] {
        assert!(!report.contains(private), "the diagnostics hold {private:?}:\n{report}");
    }
    look(&app, "10-account").await;

    app.click_button("Sign out").await;
    app.wait_for(r#"[data-screen="login"]"#).await;
    look(&app, "11-login").await;
    // Before sign-in too, without the settings (they are inside the vault).
    app.click("details.help summary").await;
    let report = diagnostics(&app).await;
    assert!(report.contains("not shown: nobody is signed in"), "{report}");
    look(&app, "11-login-diagnostics").await;

    // Sam's first login: their own password first.
    sign_in(&app, "sam", STAFF_FIRST_PW).await;
    app.wait_for(r#"[data-screen="forced-password"]"#).await;
    look(&app, "12-forced-password").await;
    app.fill("old-password", STAFF_FIRST_PW).await;
    app.fill("new-password", STAFF_PW).await;
    app.wait_text("#new-password-rating", "accepted").await;
    app.fill("new-password-confirm", STAFF_PW).await;
    app.click_button("Change password").await;
    app.wait_for(r#"main[data-view="patients"]"#).await;
    app.wait_text(r#"[data-testid="signed-in-user"]"#, "Staff").await;
    let nav = app.text(r#"nav[aria-label="Main"]"#).await;
    assert!(!nav.contains("Users") && !nav.contains("Audit"), "staff are not offered admin screens: {nav}");

    // An administrator's screen by its address: core refuses, nothing changes.
    app.go("users").await;
    let refused = app.wait_text(r#"[data-testid="screen-error"]"#, "Nothing was changed").await;
    assert!(!app.exists(r#"[data-user="ada"]"#).await, "no user list leaked: {refused}");
    look(&app, "13-forbidden").await;
    // The same from a page that was tampered with: every command asks core.
    for (command, args) in [
        ("list_users", json!({})),
        ("set_role", json!({ "args": { "username": "sam", "role": "administrator" } })),
        ("set_override", json!({ "args": { "username": "sam", "permission": "user_admin", "effect": "grant" } })),
        ("audit_list", json!({ "args": { "page": 0, "page_size": 10 } })),
        ("set_policy", json!({ "args": { "key": "idle_timeout_minutes", "value": "480" } })),
        ("rekey", json!({})),
    ] {
        let refused = app.invoke(command, args).await.expect_err(command);
        assert_eq!(refused["code"], "denied", "{command}: {refused}");
    }
    let refused = app
        .invoke("setup", json!({ "args": { "clinic": "X", "location": "", "username": "eve", "display_name": "Eve", "password": ADMIN_PW } }))
        .await
        .expect_err("setup");
    assert_eq!(refused["code"], "conflict", "no second vault over a working one: {refused}");
    // The clipboard plugin serves one Rust command; the page may not call it.
    for command in ["plugin:clipboard-manager|read_text", "plugin:clipboard-manager|write_text"] {
        let refused = app.invoke(command, json!({ "text": "x" })).await.expect_err(command);
        assert!(refused.to_string().contains("not allowed"), "{command}: {refused}");
    }
    app.go("account").await;
    app.wait_for(r#"main[data-view="account"]"#).await;

    // The idle lock: a minute without activity closes the vault.
    app.wait_for_within(r#"[data-screen="lock"]"#, Duration::from_secs(100)).await;
    look(&app, "14-lock").await;
    app.fill("unlock-password", "not sams password").await;
    app.click_button("Unlock").await;
    app.wait_text(r#"[data-screen="lock"] [role="alert"]"#, "not right").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    app.fill("unlock-password", STAFF_PW).await;
    app.click_button("Unlock").await;
    app.wait_for(r#"main[data-view="account"]"#).await;

    // Locking on demand: the shortcut and the button.
    app.press_ctrl('l').await;
    app.wait_for(r#"[data-screen="lock"]"#).await;
    app.fill("unlock-password", STAFF_PW).await;
    app.click_button("Unlock").await;
    app.wait_for(r#"main[data-view="account"]"#).await;
    app.click_button("Lock").await;
    app.wait_for(r#"[data-screen="lock"]"#).await;
    app.click_button("Sign out").await;

    // Wrong passwords: a delay, then a lockout that holds even for the right one.
    failed_sign_in(&app, "sam", "wrong password one", "not right").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    failed_sign_in(&app, "sam", "wrong password two", "not right").await;
    let wait = failed_sign_in(&app, "sam", "wrong password again", "wait").await;
    assert!(wait.contains("before trying again"), "a try at once after two failures waits: {wait}");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    failed_sign_in(&app, "sam", "wrong password three", "locked").await;
    let still = failed_sign_in(&app, "sam", STAFF_PW, "locked").await;
    assert!(still.contains("administrator"), "the lockout says who can lift it: {still}");
    look(&app, "15-lockout").await;

    // The administrator: a wrong password, then password and code.
    failed_sign_in(&app, "ada", "not the password", "not right").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    sign_in(&app, "ada", ADMIN_PW).await;
    app.wait_for(r#"[data-screen="code"]"#).await;
    look(&app, "16-code").await;
    used = fresh_step(used).await;
    app.fill("login-code", &totp_code(&secret, chrono::Utc::now())).await;
    app.click_button("Sign in").await;
    app.wait_for(r#"main[data-view="users"]"#).await;

    // Lift Sam's lockout, grant a permission, then remove Sam with revocation.
    app.wait_text(r#"[data-user="sam"]"#, "Locked until").await;
    app.click(r#"[data-user="sam"] button"#).await;
    app.wait_for(r#"[data-testid="user-detail"] [data-permission="audit_read"]"#).await;
    look(&app, "17-user-detail").await;
    app.click_button("Lift lockout").await;
    app.wait_text(".alert.ok", "can sign in again").await;
    app.choose("ov-audit_read", "grant").await;
    app.wait_text(".alert.ok", "granted").await;
    app.click_button("Remove…").await;
    app.wait_for(".dialog").await;
    look(&app, "18-remove-confirm").await;
    app.click_button("Remove and revoke").await;
    app.wait_text_within(".alert.ok", "resealed under a new key", Duration::from_secs(120)).await;
    app.wait_text(r#"[data-user="sam"]"#, "removed").await;

    // A new vault recovery code (the first may have been seen): shown once,
    // the vault resealed, the old code retired (tried at the end).
    app.go("settings").await;
    app.click_button("Make a new recovery code").await;
    app.wait_for(".dialog").await;
    app.click_button("Make a new code").await;
    let new_recovery =
        app.wait_text_within(r#"[data-testid="new-recovery-code"]"#, "-", Duration::from_secs(120)).await;
    assert!(new_recovery.trim().len() >= 20 && new_recovery != recovery, "a new code is shown: {new_recovery:?}");
    assert!(!app.exists(r#"[data-testid="rotation-error"]"#).await, "the vault key was rotated");
    look(&app, "18b-new-recovery-code").await;
    app.click("#new-code-stored").await;
    app.click_button("Done").await;
    app.wait_text(".alert.ok", "old one opens nothing").await;
    assert!(!app.exists(r#"[data-testid="new-recovery-code"]"#).await, "the code is not left on screen");

    // The audit trail shows what happened, and its chain holds.
    app.go("audit").await;
    app.wait_for(r#"[data-testid="audit-table"]"#).await;
    app.click_button("Verify the chain").await;
    let chain = app.wait_text(r#"[data-testid="chain-result"]"#, "intact").await;
    assert!(chain.contains("entries checked"), "{chain}");
    let page = app.text(r#"[data-testid="audit-table"]"#).await;
    for what in [
        "User removed",
        "Revocation",
        "Lockout lifted",
        "Permission changed",
        "Login failed",
        "Policy changed",
        "Recovery code replaced",
    ] {
        assert!(page.contains(what), "the audit trail shows \"{what}\":\n{page}");
    }
    look(&app, "19-audit").await;
    app.fill("f-user", "sam").await;
    app.click_button("Apply").await;
    let sams = app.wait_text(r#"[data-testid="audit-table"]"#, "Permission denied").await;
    for what in ["Lockout", "Lock", "Unlock", "Password changed", "Login"] {
        assert!(sams.contains(what), "Sam's entries show \"{what}\":\n{sams}");
    }
    app.fill("f-user", "").await;
    app.choose("f-action", "policy_changed").await;
    app.click_button("Apply").await;
    app.wait_text(r#"[data-testid="audit-table"]"#, "Policy changed").await;
    app.click(r#"[data-testid="audit-table"] tbody tr:last-child button"#).await;
    let detail = app.wait_text(r#"[data-testid="audit-detail"]"#, "Previous value").await;
    assert!(detail.contains("idle_timeout_minutes") && detail.contains("10"), "{detail}");
    look(&app, "20-audit-detail").await;
    let export = app.home().path().join("audit export.csv");
    app.fill("export-path", export.to_str().unwrap()).await;
    app.click_button("Export").await;
    app.wait_text(r#"[data-testid="export-result"]"#, "entries written").await;
    let csv = std::fs::read_to_string(&export).expect("the export was written");
    assert!(csv.contains("policy_changed") && !csv.contains("login_failed"), "the export follows the filters");

    // The lock button for an administrator: password and code.
    app.click_button("Lock").await;
    app.wait_for(r#"[data-screen="lock"]"#).await;
    look(&app, "21-lock-admin").await;
    fresh_step(used).await;
    app.fill("unlock-password", ADMIN_PW).await;
    app.fill("unlock-code", &totp_code(&secret, chrono::Utc::now())).await;
    app.click_button("Unlock").await;
    app.wait_for(r#"main[data-view="audit"]"#).await;
    app.click_button("Sign out").await;

    // Removed users stay out.
    failed_sign_in(&app, "sam", STAFF_PW, "not right").await;

    // The recovery code gives the administrator a new password; the
    // replaced one does not.
    app.click_button("Use the recovery code").await;
    app.wait_for(r#"[data-screen="recover"]"#).await;
    look(&app, "22-recover").await;
    fill_recovery(&app, &recovery, ADMIN_NEW_PW).await;
    app.click_button("Set the new password").await;
    app.wait_text(r#"[data-screen="recover"] [role="alert"]"#, "does not open this vault").await;
    fill_recovery(&app, &new_recovery, ADMIN_NEW_PW).await;
    app.click_button("Set the new password").await;
    app.wait_text(r#"[data-screen="login"] [role="status"]"#, "new password").await;
    sign_in(&app, "ada", ADMIN_NEW_PW).await;
    app.wait_for(r#"[data-screen="code"]"#).await;
    app.click_button("Back").await;
    app.wait_for(r#"[data-screen="login"]"#).await;

    // Her phone is lost as well: the recovery code clears the authenticator,
    // and she sets up a new one as she signs in.
    app.click_button("Use the recovery code").await;
    fill_recovery(&app, &new_recovery, ADMIN_NEWER_PW).await;
    app.click("#recover-lost-authenticator").await;
    look(&app, "22b-recover-lost-authenticator").await;
    app.click_button("Set the new password").await;
    app.wait_text(r#"[data-screen="login"] [role="status"]"#, "set up a new authenticator").await;
    sign_in(&app, "ada", ADMIN_NEWER_PW).await;
    app.wait_for(r#"[data-screen="enrol"]"#).await;
    app.click_button("Set up an authenticator").await;
    let adas = app.text(r#"[data-testid="totp-secret"]"#).await;
    assert_ne!(adas, secret, "a new authenticator secret");
    app.fill("totp-confirm-code", &totp_code(&adas, chrono::Utc::now())).await;
    app.click_button("Confirm").await;
    app.wait_for(r#"main[data-view="users"]"#).await;
    app.click_button("Sign out").await;
    app.wait_for(r#"[data-screen="login"]"#).await;

    // A provider, whose role the policy now requires an authenticator of:
    // their own password, then enrolment, before anything else.
    sign_in(&app, "pat", PROVIDER_FIRST_PW).await;
    app.wait_for(r#"[data-screen="forced-password"]"#).await;
    app.fill("old-password", PROVIDER_FIRST_PW).await;
    app.fill("new-password", PROVIDER_PW).await;
    app.wait_text("#new-password-rating", "accepted").await;
    app.fill("new-password-confirm", PROVIDER_PW).await;
    app.click_button("Change password").await;
    app.wait_for(r#"[data-screen="enrol"]"#).await;
    app.click_button("Set up an authenticator").await;
    let pats = app.text(r#"[data-testid="totp-secret"]"#).await;
    look(&app, "23-enrol").await;
    app.fill("totp-confirm-code", &totp_code(&pats, chrono::Utc::now())).await;
    app.click_button("Confirm").await;
    app.wait_for(r#"main[data-view="patients"]"#).await;
    app.go("account").await;
    app.click_button("Make new recovery codes").await;
    let codes = app.wait_text(r#"[data-testid="recovery-codes"]"#, "-").await;
    assert_eq!(codes.matches('-').count(), 10, "ten codes of the form XXXXX-XXXXX: {codes}");
    look(&app, "24-recovery-codes").await;
    app.click_button("Sign out").await;
    app.wait_for(r#"[data-screen="login"]"#).await;

    let blocked = app.client().execute("return window.__csp;", vec![]).await.unwrap();
    assert_eq!(blocked, json!([]), "nothing the page does is blocked by its CSP");
    app.close().await;
}
