//! The password policy, after NIST SP 800-63B: long enough, not too
//! guessable, any printable characters, and nothing else — no composition
//! rules, no hints, no expiry.
//!
//! - At least [`MIN_CHARS`] characters and at most [`MAX_CHARS`], counted as
//!   Unicode scalar values. NIST asks for the count after NFC normalization;
//!   no normalization crate is in the build, so the characters are counted as
//!   typed (a precomposed `é` is one, `e` plus a combining accent two).
//! - No control characters (tabs, line breaks, escapes): they are typed by
//!   accident or pasted, and cannot be typed again reliably.
//! - A zxcvbn score of at least [`MIN_SCORE`], with the username, the display
//!   name and the clinic's name (and their words) as things an attacker would
//!   try first. zxcvbn reads the first 100 characters only.

use zxcvbn::{Entropy, zxcvbn};

/// The fewest characters a password may have.
pub const MIN_CHARS: usize = 12;
/// The most characters a password may have.
pub const MAX_CHARS: usize = 1024;
/// The lowest acceptable zxcvbn score (0 to 4).
pub const MIN_SCORE: u8 = 3;

/// Who the password is for: words an attacker would try first.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The account's username.
    pub username: &'a str,
    /// The name shown for the user.
    pub display_name: &'a str,
    /// The clinic's name.
    pub clinic: &'a str,
}

/// Why a password is refused, with a reason a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyRefusal {
    /// Fewer than [`MIN_CHARS`] characters.
    #[error("the password is too short: add {missing} more character{s} (at least {MIN_CHARS} in all)", s = plural(*missing))]
    TooShort {
        /// How many more characters it needs.
        missing: usize,
    },
    /// More than [`MAX_CHARS`] characters.
    #[error("the password is too long: at most {MAX_CHARS} characters")]
    TooLong,
    /// A control character (tab, line break, escape…).
    #[error(
        "the password contains a control character such as a tab or a line break; use letters, digits, spaces and punctuation only"
    )]
    ControlCharacter,
    /// Long enough, but too easy to guess.
    #[error("the password is too easy to guess. {}", advice(warning.as_deref(), suggestions))]
    TooGuessable {
        /// zxcvbn's warning, when it has one (e.g. "This is a very common password.").
        warning: Option<String>,
        /// zxcvbn's suggestions (e.g. "Add another word or two. Uncommon words are better.").
        suggestions: Vec<String>,
    },
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn advice(warning: Option<&str>, suggestions: &[String]) -> String {
    let lines: Vec<&str> = warning.into_iter().chain(suggestions.iter().map(String::as_str)).collect();
    if lines.is_empty() {
        "Use a longer phrase of several unrelated words, not names or words to do with you or the clinic.".to_owned()
    } else {
        lines.join(" ")
    }
}

/// How strong a password looks, for a live meter.
#[derive(Debug, Clone, PartialEq)]
pub struct Strength {
    /// 0 (trivial) to 4 (strong). zxcvbn's score, but at most 2 while the
    /// password is refused for its length or characters: [`check`] accepts a
    /// password exactly when this is [`MIN_SCORE`] or more.
    pub score: u8,
    /// zxcvbn's estimate of the guesses needed, as a power of ten (0 for an
    /// empty password).
    pub guesses_log10: f64,
    /// What to do about it, most important first: the refusal for length or
    /// characters if any, then zxcvbn's warning and suggestions. Empty when
    /// there is nothing to say.
    pub feedback: Vec<String>,
}

/// Refusals that do not need zxcvbn: length and characters.
fn refusal_before_estimate(password: &str) -> Option<PolicyRefusal> {
    let chars = password.chars().take(MAX_CHARS + 1).count();
    if chars > MAX_CHARS {
        Some(PolicyRefusal::TooLong)
    } else if password.chars().any(char::is_control) {
        Some(PolicyRefusal::ControlCharacter)
    } else if chars < MIN_CHARS {
        Some(PolicyRefusal::TooShort { missing: MIN_CHARS - chars })
    } else {
        None
    }
}

/// The words zxcvbn should treat as known to an attacker: each name whole,
/// without its spaces and punctuation, and word by word.
fn user_inputs<'a>(ctx: &Context<'a>) -> Vec<String> {
    let mut inputs = Vec::new();
    for name in [ctx.username, ctx.display_name, ctx.clinic] {
        inputs.push(name.to_owned());
        inputs.push(name.chars().filter(|c| c.is_alphanumeric()).collect());
        inputs.extend(name.split(|c: char| !c.is_alphanumeric()).map(str::to_owned));
    }
    // zxcvbn ranks an input by its position: keep the order, drop repeats.
    let mut kept: Vec<String> = Vec::with_capacity(inputs.len());
    for w in inputs {
        if w.chars().count() >= 3 && !kept.contains(&w) {
            kept.push(w);
        }
    }
    kept
}

fn estimate(password: &str, ctx: &Context<'_>) -> Entropy {
    let inputs = user_inputs(ctx);
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    zxcvbn(password, &inputs)
}

/// zxcvbn's warning and suggestions, as text.
fn feedback_of(estimate: &Entropy) -> (Option<String>, Vec<String>) {
    match estimate.feedback() {
        None => (None, Vec::new()),
        Some(f) => (f.warning().map(|w| w.to_string()), f.suggestions().iter().map(ToString::to_string).collect()),
    }
}

/// Whether the policy accepts `password` for the user in `ctx`.
pub fn check(password: &str, ctx: &Context<'_>) -> Result<(), PolicyRefusal> {
    if let Some(refusal) = refusal_before_estimate(password) {
        return Err(refusal);
    }
    let estimate = estimate(password, ctx);
    if u8::from(estimate.score()) >= MIN_SCORE {
        return Ok(());
    }
    let (warning, suggestions) = feedback_of(&estimate);
    Err(PolicyRefusal::TooGuessable { warning, suggestions })
}

/// How strong `password` looks for the user in `ctx`, for a meter updated
/// as it is typed.
pub fn strength(password: &str, ctx: &Context<'_>) -> Strength {
    let estimate = estimate(password, ctx);
    let mut score = u8::from(estimate.score());
    let mut feedback = Vec::new();
    if let Some(refusal) = refusal_before_estimate(password) {
        score = score.min(MIN_SCORE - 1);
        feedback.push(refusal.to_string());
    }
    let (warning, suggestions) = feedback_of(&estimate);
    feedback.extend(warning);
    feedback.extend(suggestions);
    Strength { score, guesses_log10: estimate.guesses_log10().max(0.0), feedback }
}

#[cfg(test)]
#[path = "password_policy_tests.rs"]
mod tests;
