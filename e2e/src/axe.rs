//! Accessibility checks with axe-core, injected into the running page.
//!
//! The script is the UI's own dev dependency (`ui/node_modules/axe-core`),
//! read at run time and sent through WebDriver's execute-script, which
//! WebKit runs outside the page's Content Security Policy (the app allows
//! only `script-src 'self'`, so a `<script>` tag could not load it).

use std::fmt;

use serde_json::Value;

use crate::app::App;
use crate::workspace::axe_script;

/// Runs axe on the whole document and hands back the violations, trimmed
/// to what a report needs.
const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
const target = (t) => (Array.isArray(t) ? t.map(target).join(' >>> ') : String(t));
window.axe
  .run(document, { resultTypes: ['violations'] })
  .then((r) => done({
    violations: r.violations.map((v) => ({
      id: v.id,
      impact: v.impact || 'unknown',
      help: v.help,
      help_url: v.helpUrl,
      targets: v.nodes.map((n) => target(n.target)),
    })),
  }))
  .catch((e) => done({ error: String(e && e.stack ? e.stack : e) }));
"#;

/// One axe rule the page breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule, e.g. `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    /// What the rule asks for.
    pub help: String,
    /// Deque's page on the rule.
    pub help_url: String,
    /// CSS selectors of the offending elements.
    pub targets: Vec<String>,
}

impl Violation {
    /// Serious or critical: what a test fails on.
    pub fn is_blocking(&self) -> bool {
        matches!(self.impact.as_str(), "serious" | "critical")
    }

    fn from_json(v: &Value) -> Violation {
        let s = |key: &str| v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
        let targets = v
            .get("targets")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        Violation { id: s("id"), impact: s("impact"), help: s("help"), help_url: s("help_url"), targets }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} ({}): {} <{}>", self.id, self.impact, self.help, self.help_url)?;
        for t in &self.targets {
            writeln!(f, "    {t}")?;
        }
        Ok(())
    }
}

impl App {
    /// Runs axe-core on the current screen (`name` labels the report) and
    /// returns every violation; panics if any is serious or critical,
    /// listing them.
    pub async fn axe(&self, name: &str) -> Vec<Violation> {
        let violations = self.axe_violations(name).await;
        let blocking: Vec<&Violation> = violations.iter().filter(|v| v.is_blocking()).collect();
        if !blocking.is_empty() {
            let list: String = blocking.iter().map(|v| v.to_string()).collect();
            panic!("axe: {} serious or critical violation(s) on {name}:\n{list}", blocking.len());
        }
        for v in &violations {
            eprintln!("axe ({name}), not blocking: {v}");
        }
        violations
    }

    /// Runs axe-core on the current screen and returns its violations,
    /// whatever their impact.
    pub async fn axe_violations(&self, name: &str) -> Vec<Violation> {
        let path = axe_script();
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("cannot read {}: {e} (run `npm install` in ui/; scripts/e2e.sh does)", path.display())
        });
        let loaded = self.client().execute(&format!("{source}\n;return typeof window.axe;"), vec![]).await;
        match loaded {
            Ok(Value::String(t)) if t == "object" => {}
            Ok(other) => panic!("axe did not load on {name} (window.axe is {other})"),
            Err(e) => panic!("cannot inject axe on {name}: {e}"),
        }
        let result = match self.client().execute_async(RUN_AXE, vec![]).await {
            Ok(r) => r,
            Err(e) => panic!("axe.run failed on {name}: {e}"),
        };
        if let Some(err) = result.get("error") {
            panic!("axe.run failed on {name}: {}", err.as_str().unwrap_or_default());
        }
        result
            .get("violations")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(Violation::from_json).collect())
            .unwrap_or_default()
    }
}
