//! Keyboard only, in the dark theme: signing in (Tab, typing, Enter),
//! locking with Ctrl+L and unlocking, each control reached in a logical
//! order; the dark screens pass axe (contrast included).

use chartvault_e2e::{App, AppHome, current_step, fresh_step, make_vault, totp_code};
use fantoccini::key::Key;

const PW: &str = "Violet kettle 47 marching north";

fn tab() -> String {
    char::from(Key::Tab).to_string()
}

fn enter() -> String {
    char::from(Key::Enter).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_and_locking_work_from_the_keyboard_alone_in_the_dark_theme() {
    let home = AppHome::new().with_env("GTK_THEME", "Adwaita:dark");
    let secret = make_vault(&home.default_vault(), "Harbour Clinic", PW);
    let Some(app) = App::launch_in(home).await else { return };
    app.wait_for(r#"[data-screen="login"]"#).await;
    assert!(app.prefers_dark().await, "the page follows the system's dark theme");
    app.screenshot("dark-login").await;
    app.axe("dark-login").await;

    app.keyboard(&tab()).await;
    assert_eq!(app.focused_id().await, "login-username", "the first stop is the user name");
    app.keyboard(&format!("ada{}", tab())).await;
    assert_eq!(app.focused_id().await, "login-password");
    app.keyboard(&format!("{PW}{}", enter())).await;
    app.wait_for(r#"[data-screen="code"]"#).await;
    app.screenshot("dark-code").await;
    app.axe("dark-code").await;
    app.keyboard(&tab()).await;
    assert_eq!(app.focused_id().await, "login-code");
    let used = current_step();
    let code = totp_code(&secret, chrono::Utc::now());
    app.keyboard(&format!("{code}{}", enter())).await;
    app.wait_for(r#"main[data-view="users"]"#).await;
    app.wait_for(r#"[data-user="ada"]"#).await;
    app.screenshot("dark-users").await;
    app.axe("dark-users").await;

    // The first Tab stop is the skip link, which jumps past the navigation.
    app.keyboard(&tab()).await;
    let skip = app.client().execute("return document.activeElement.textContent;", vec![]).await.unwrap();
    assert_eq!(skip.as_str(), Some("Skip to content"));

    let ctrl = char::from(Key::Control);
    app.keyboard(&format!("{ctrl}l")).await;
    app.wait_for(r#"[data-screen="lock"]"#).await;
    app.screenshot("dark-lock").await;
    app.axe("dark-lock").await;
    assert_eq!(app.focused_id().await, "unlock-password", "the lock screen is ready to type into");
    fresh_step(used).await;
    let code = totp_code(&secret, chrono::Utc::now());
    app.keyboard(&format!("{PW}{}{code}{}", tab(), enter())).await;
    app.wait_for(r#"main[data-view="users"]"#).await;
    app.close().await;
}
