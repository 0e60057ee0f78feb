//! Helpers for walking through screens: waiting for text, clicking by
//! selector, opening a screen by its address, choosing in a select, and the
//! TOTP step a code may be used in.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::App;
use crate::page::DEFAULT_WAIT;

impl App {
    /// Waits until the element `selector` shows text containing `needle`;
    /// returns its whole text.
    pub async fn wait_text(&self, selector: &str, needle: &str) -> String {
        self.wait_text_within(selector, needle, DEFAULT_WAIT).await
    }

    /// [`App::wait_text`] with its own timeout.
    pub async fn wait_text_within(&self, selector: &str, needle: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            if let Ok(el) = self.client().find(Locator::Css(selector)).await
                && let Ok(t) = el.text().await
                && t.contains(needle)
            {
                return t;
            }
            if start.elapsed() > timeout {
                panic!("`{selector}` never showed \"{needle}\" within {timeout:?}\n{}", self.describe_page().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the element `selector`.
    pub async fn click(&self, selector: &str) {
        let el = self.wait_for(selector).await;
        if let Err(e) = el.click().await {
            panic!("cannot click `{selector}`: {e}\n{}", self.describe_page().await);
        }
    }

    /// Opens a screen by its address, as a user could by editing it (the
    /// navigation only offers what the role allows; core decides).
    pub async fn go(&self, view: &str) {
        let script = "location.hash = '#/' + arguments[0]; return true;";
        if let Err(e) = self.client().execute(script, vec![json!(view)]).await {
            panic!("cannot open #{view}: {e}");
        }
    }

    /// Sets the select or date field `id` to `value`, firing the events
    /// the keyboard would (a date field's segments are typed in the
    /// locale's order, so tests set its value whole).
    pub async fn choose(&self, id: &str, value: &str) {
        self.wait_for(&format!("[id=\"{id}\"]")).await;
        let script = r#"
const el = document.getElementById(arguments[0]);
el.value = arguments[1];
el.dispatchEvent(new Event('input', { bubbles: true }));
el.dispatchEvent(new Event('change', { bubbles: true }));
return el.value;"#;
        match self.client().execute(script, vec![json!(id), json!(value)]).await {
            Ok(Value::String(v)) if v == value => {}
            other => panic!("cannot choose {value} in #{id}: {other:?}\n{}", self.describe_page().await),
        }
    }

    /// Signs `user` in with the first password an administrator gave and
    /// changes it to `own`, as the app makes them, and waits for the screen
    /// their role lands on.
    pub async fn first_sign_in(&self, user: &str, first: &str, own: &str) {
        self.wait_for(r#"[data-screen="login"]"#).await;
        self.fill("login-username", user).await;
        self.fill("login-password", first).await;
        self.click_button("Sign in").await;
        self.wait_for(r#"[data-screen="forced-password"]"#).await;
        self.fill("old-password", first).await;
        self.fill("new-password", own).await;
        self.wait_text("#new-password-rating", "accepted").await;
        self.fill("new-password-confirm", own).await;
        self.click_button("Change password").await;
        self.wait_for("main[data-view]").await;
    }

    /// Chooses the file at `path` in the file input with id `id`, as the
    /// file chooser would (WebDriver types the path into the input).
    pub async fn upload(&self, id: &str, path: &std::path::Path) {
        let el = self.wait_for(&format!("[id=\"{id}\"]")).await;
        if let Err(e) = el.send_keys(&path.display().to_string()).await {
            panic!("cannot choose {} in #{id}: {e}\n{}", path.display(), self.describe_page().await);
        }
    }

    /// Presses a key combination on the focused element (`ctrl` + `key`).
    pub async fn press_ctrl(&self, key: char) {
        let script = r#"
const e = new KeyboardEvent('keydown', { key: arguments[0], ctrlKey: true, bubbles: true });
(document.activeElement || document.body).dispatchEvent(e);
return true;"#;
        if let Err(e) = self.client().execute(script, vec![json!(key.to_string())]).await {
            panic!("cannot press Ctrl+{key}: {e}");
        }
    }
}

impl App {
    /// Presses keys as a person at the keyboard would, into whatever has
    /// focus (WebDriver actions: real key events, focus moves with Tab).
    /// `keys` may hold [`fantoccini::key::Key`] characters; a `Key::Control`
    /// is held down until the end of the call.
    pub async fn keyboard(&self, keys: &str) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let ctrl: char = fantoccini::key::Key::Control.into();
        let mut actions = KeyActions::new("keyboard".into());
        let mut held = false;
        for c in keys.chars() {
            if c == ctrl {
                actions = actions.then(KeyAction::Down { value: c });
                held = true;
                continue;
            }
            actions = actions.then(KeyAction::Down { value: c }).then(KeyAction::Up { value: c });
        }
        if held {
            actions = actions.then(KeyAction::Up { value: ctrl });
        }
        if let Err(e) = self.client().perform_actions(actions).await {
            panic!("cannot press {keys:?}: {e}\n{}", self.describe_page().await);
        }
    }

    /// Calls one of the app's commands straight from the page, as a page
    /// that was tampered with could: `Ok` with its result, or `Err` with
    /// the `{code, message}` Rust refused it with.
    pub async fn invoke(&self, command: &str, args: Value) -> Result<Value, Value> {
        let script = r#"
const done = arguments[arguments.length - 1];
window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
  .then((v) => done({ ok: v === undefined ? null : v }), (e) => done({ err: e }));"#;
        let out = self
            .client()
            .execute_async(script, vec![json!(command), args])
            .await
            .unwrap_or_else(|e| panic!("cannot call {command} from the page: {e}"));
        match out {
            Value::Object(mut m) if m.contains_key("ok") => Ok(m.remove("ok").unwrap_or(Value::Null)),
            Value::Object(mut m) => Err(m.remove("err").unwrap_or(Value::Null)),
            other => panic!("unexpected answer from {command}: {other}"),
        }
    }

    /// The id of the element that has focus (empty when none has one).
    pub async fn focused_id(&self) -> String {
        match self.client().execute("return document.activeElement ? document.activeElement.id : '';", vec![]).await {
            Ok(Value::String(s)) => s,
            other => panic!("cannot read the focus: {other:?}"),
        }
    }

    /// Whether the page is drawn in the dark theme (the system's setting).
    pub async fn prefers_dark(&self) -> bool {
        let script = "return matchMedia('(prefers-color-scheme: dark)').matches;";
        matches!(self.client().execute(script, vec![]).await, Ok(Value::Bool(true)))
    }
}

/// The TOTP time step of now.
pub fn current_step() -> i64 {
    chrono::Utc::now().timestamp() / 30
}

/// Waits until a TOTP step later than `used` begins (a code is accepted
/// once: each login needs a fresh step), and returns it.
pub async fn fresh_step(used: i64) -> i64 {
    loop {
        let now = current_step();
        if now > used {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
