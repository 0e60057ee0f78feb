//! What a test does on the page: wait for something, click a button by its
//! label, type into a field, read text. Every failure says what the screen
//! showed.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use fantoccini::elements::Element;
use serde_json::{Value, json};

use crate::app::{App, element_id};

/// How long the helpers wait for the page by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(20);
/// How often they look.
const POLL: Duration = Duration::from_millis(100);

/// The first visible button (or `role="button"`) whose rendered text,
/// white space collapsed, is `arguments[0]`.
const FIND_BUTTON: &str = r#"
const want = arguments[0];
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
for (const el of document.querySelectorAll('button, [role="button"], input[type="submit"], input[type="button"]')) {
  const label = el.tagName === 'INPUT' ? el.value : el.innerText;
  if (norm(label) === want && el.getClientRects().length > 0) return el;
}
return null;
"#;

/// The labels of the visible buttons, for error messages.
const BUTTON_LABELS: &str = r#"
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
return Array.from(document.querySelectorAll('button, [role="button"], input[type="submit"], input[type="button"]'))
  .filter((el) => el.getClientRects().length > 0)
  .map((el) => norm(el.tagName === 'INPUT' ? el.value : el.innerText));
"#;

impl App {
    /// Waits (up to 20 s) for an element matching the CSS `selector`.
    pub async fn wait_for(&self, selector: &str) -> Element {
        self.wait_for_within(selector, DEFAULT_WAIT).await
    }

    /// Waits up to `timeout` for an element matching the CSS `selector`;
    /// panics listing the page's visible text if none comes.
    pub async fn wait_for_within(&self, selector: &str, timeout: Duration) -> Element {
        let start = Instant::now();
        loop {
            if let Ok(el) = self.client().find(Locator::Css(selector)).await {
                return el;
            }
            if start.elapsed() > timeout {
                panic!("no element matches `{selector}` after {timeout:?}\n{}", self.describe_page().await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Whether an element matches the CSS `selector` now.
    pub async fn exists(&self, selector: &str) -> bool {
        self.client().find(Locator::Css(selector)).await.is_ok()
    }

    /// Clicks the visible button labelled `label` (waiting up to 20 s for
    /// it); panics listing the buttons there are if none is.
    pub async fn click_button(&self, label: &str) {
        let start = Instant::now();
        loop {
            let found = self.client().execute(FIND_BUTTON, vec![json!(label)]).await;
            if let Ok(Some(id)) = found.as_ref().map(element_id) {
                let el = Element::from_element_id(self.client().clone(), id.into());
                match el.click().await {
                    Ok(()) => return,
                    Err(e) if start.elapsed() > DEFAULT_WAIT => {
                        panic!("cannot click the button \"{label}\": {e}\n{}", self.describe_page().await)
                    }
                    Err(_) => {}
                }
            } else if start.elapsed() > DEFAULT_WAIT {
                let labels = self.client().execute(BUTTON_LABELS, vec![]).await.unwrap_or(Value::Null);
                panic!(
                    "no visible button \"{label}\" after {DEFAULT_WAIT:?}; the buttons are {labels}\n{}",
                    self.describe_page().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Replaces the value of the input (or textarea) with id `id` by typing
    /// `value` into it, as a user would (key events, so the UI's bindings
    /// see every change).
    pub async fn fill(&self, id: &str, value: &str) {
        self.home().typed(value);
        let el = self.wait_for(&format!("[id=\"{}\"]", css_string(id))).await;
        if let Err(e) = el.clear().await {
            panic!("cannot clear #{id}: {e}\n{}", self.describe_page().await);
        }
        if value.is_empty() {
            // WebDriver's clear fires `change` only; the page's bindings
            // listen for `input`, as they do for typing.
            let fire = "arguments[0].dispatchEvent(new Event('input', { bubbles: true })); return true;";
            let arg = serde_json::to_value(&el).expect("an element serializes");
            if let Err(e) = self.client().execute(fire, vec![arg]).await {
                panic!("cannot clear #{id}: {e}\n{}", self.describe_page().await);
            }
            return;
        }
        if let Err(e) = el.send_keys(value).await {
            panic!("cannot type into #{id}: {e}\n{}", self.describe_page().await);
        }
    }

    /// The rendered text of the first element matching `selector` (waiting
    /// for it up to 20 s).
    pub async fn text(&self, selector: &str) -> String {
        let el = self.wait_for(selector).await;
        match el.text().await {
            Ok(t) => t,
            Err(e) => panic!("cannot read the text of `{selector}`: {e}\n{}", self.describe_page().await),
        }
    }

    /// The page's visible text (`document.body.innerText`).
    pub async fn visible_text(&self) -> String {
        let script = "return document.body ? document.body.innerText : '';";
        match self.client().execute(script, vec![]).await {
            Ok(Value::String(s)) => s,
            Ok(other) => other.to_string(),
            Err(e) => format!("(cannot read the page: {e})"),
        }
    }

    /// The page's address, title and visible text, for error messages.
    pub async fn describe_page(&self) -> String {
        let url = self.client().current_url().await.map(|u| u.to_string()).unwrap_or_else(|e| format!("? ({e})"));
        let title = self.client().title().await.unwrap_or_default();
        let text = self.visible_text().await;
        let text = if text.trim().is_empty() { "(no visible text)".to_owned() } else { text };
        format!("--- page {url} \"{title}\", visible text ---\n{text}\n---")
    }
}

/// `s` escaped for a double-quoted CSS string.
fn css_string(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
