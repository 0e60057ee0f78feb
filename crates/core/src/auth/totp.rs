//! Time-based one-time passwords (RFC 6238) as every authenticator app
//! reads them: HMAC-SHA-1, 6 digits, 30-second steps counted from the Unix
//! epoch, a 20-byte secret.
//!
//! A code is accepted at the current step or one step either side, and
//! never twice: [`check`] returns the step it accepted, the caller stores it
//! (`users.totp_last_step`) and passes it back next time, and a code of that
//! step or an earlier one is refused even while it is still showing.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use qrcode::render::{svg, unicode::Dense1x2};
use qrcode::{EcLevel, QrCode};
use subtle::{ConditionallySelectable, ConstantTimeEq};
use totp_rs::{Builder, Secret, Totp};
use zeroize::Zeroizing;

use crate::{CoreError, Result};

/// Digits in a code.
pub const DIGITS: usize = 6;
/// Seconds in a time step.
pub const STEP_SECONDS: i64 = 30;
/// Bytes in a secret (160 bits, as RFC 4226 recommends).
pub const SECRET_LEN: usize = 20;
/// Steps either side of the current one whose codes are accepted.
const SKEW: i64 = 1;

/// Why a code was refused. The three are told apart so the user knows what
/// to do; none of them says anything about the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    /// Not six digits (spaces between groups are fine).
    #[error("the code is 6 digits")]
    Format,
    /// Six digits, but not a code of this step or the next or previous one.
    #[error("that code is not right: type the code the app shows now, and check the phone's clock if it keeps failing")]
    Wrong,
    /// A code of a step already accepted, or of an earlier step.
    #[error("that code was already used: wait for the app to show the next one")]
    Replayed,
}

/// A user's TOTP secret: 20 bytes, wiped when dropped, never printed.
pub struct TotpSecret(Zeroizing<[u8; SECRET_LEN]>);

impl TotpSecret {
    /// A new secret from the operating system's random number generator.
    pub fn generate() -> Result<TotpSecret> {
        let mut bytes = Zeroizing::new([0u8; SECRET_LEN]);
        getrandom::fill(bytes.as_mut()).map_err(|_| CoreError::Random)?;
        Ok(TotpSecret(bytes))
    }

    /// A secret as stored (`users.totp_secret` or `totp_pending`).
    pub fn from_bytes(bytes: &[u8]) -> Result<TotpSecret> {
        let mut out = Zeroizing::new([0u8; SECRET_LEN]);
        if bytes.len() != SECRET_LEN {
            return Err(CoreError::TotpSecretLength { found: bytes.len() });
        }
        out.copy_from_slice(bytes);
        Ok(TotpSecret(out))
    }

    /// The raw bytes, to store.
    pub fn expose_secret(&self) -> &[u8; SECRET_LEN] {
        &self.0
    }

    /// The secret in a `Totp`, copied straight to the heap (no copy left on
    /// the stack); `Totp` wipes it when dropped.
    fn totp(&self) -> Totp {
        Builder::new()
            .with_secret(Secret::new(Box::from(self.0.as_slice())))
            .build()
            .expect("SHA-1, 6 digits, 30-second steps and a 20-byte secret are valid RFC 6238 parameters")
    }
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret([REDACTED])")
    }
}

/// The time step of `at`: whole 30-second periods since the Unix epoch.
pub fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

/// The 6 ASCII digits of the code of `step`, or `None` before the epoch.
fn code_of_step(totp: &Totp, step: i64) -> Option<Zeroizing<String>> {
    let seconds = u64::try_from(step).ok()?.checked_mul(STEP_SECONDS as u64)?;
    let mut out = Zeroizing::new(String::with_capacity(2 * DIGITS));
    write!(out, "{}", totp.generate(seconds)).expect("writing to a String cannot fail");
    Some(out)
}

/// The code an authenticator app shows at `at` (times before 1970 count as
/// 1970): for tests, and to show what a correct code looks like.
pub fn code_at(secret: &TotpSecret, at: DateTime<Utc>) -> Zeroizing<String> {
    code_of_step(&secret.totp(), step_of(at).max(0)).expect("a step of 0 or more has a code")
}

/// The typed code as 6 ASCII digits: surrounding white space is trimmed and
/// spaces between digits ignored; anything else is a format error.
fn parse_code(typed: &str) -> std::result::Result<Zeroizing<[u8; DIGITS]>, TotpError> {
    let mut out = Zeroizing::new([0u8; DIGITS]);
    let mut n = 0;
    for c in typed.trim().chars() {
        match c {
            ' ' => continue,
            '0'..='9' if n < DIGITS => {
                out[n] = c as u8;
                n += 1;
            }
            _ => return Err(TotpError::Format),
        }
    }
    if n == DIGITS { Ok(out) } else { Err(TotpError::Format) }
}

/// Checks a typed code at `now`. `last_step` is the step accepted last time
/// (`users.totp_last_step`); on success the step now accepted is returned,
/// to be stored in its place.
///
/// The three candidate codes are all computed and compared in constant time
/// whatever the input, so the time taken says nothing about which (if any)
/// matched.
pub fn check(
    secret: &TotpSecret,
    code: &str,
    now: DateTime<Utc>,
    last_step: Option<i64>,
) -> std::result::Result<i64, TotpError> {
    let typed = parse_code(code)?;
    let totp = secret.totp();
    let current = step_of(now);
    let mut matched = subtle::Choice::from(0);
    let mut accepted = 0i64;
    // Ascending, so that the latest matching step wins in the (one in a
    // million) case where two steps share a code.
    for step in current - SKEW..=current + SKEW {
        let Some(expected) = code_of_step(&totp, step) else { continue };
        let same = expected.as_bytes().ct_eq(typed.as_slice());
        accepted = i64::conditional_select(&accepted, &step, same);
        matched |= same;
    }
    if !bool::from(matched) {
        return Err(TotpError::Wrong);
    }
    if last_step.is_some_and(|last| accepted <= last) {
        return Err(TotpError::Replayed);
    }
    Ok(accepted)
}

/// Percent-encodes everything but RFC 3986's unreserved characters, after
/// replacing `:` (which would end the label's issuer part, even encoded) by
/// the full-width colon `：`.
fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.replace(':', "\u{FF1A}").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            write!(out, "%{b:02X}").expect("writing to a String cannot fail");
        }
    }
    out
}

/// The secret in base 32, as typed into an authenticator app by hand.
pub fn base32(secret: &TotpSecret) -> Zeroizing<String> {
    Zeroizing::new(secret.totp().secret().to_base32())
}

/// The Key URI an authenticator app scans:
/// `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=ISSUER&algorithm=SHA1&digits=6&period=30`,
/// with the clinic name as issuer (in the label and as a parameter) and the
/// username as account, percent-encoded (`:` in either becomes `：`). An
/// empty issuer is left out. It holds the secret, hence `Zeroizing`.
pub fn otpauth_uri(secret: &TotpSecret, issuer: &str, account: &str) -> Zeroizing<String> {
    let issuer = encode_component(issuer);
    let account = encode_component(account);
    let base32 = base32(secret);
    let mut uri = Zeroizing::new(String::with_capacity(2 * issuer.len() + account.len() + base32.len() + 96));
    uri.push_str("otpauth://totp/");
    if !issuer.is_empty() {
        uri.push_str(&issuer);
        uri.push(':');
    }
    uri.push_str(&account);
    uri.push_str("?secret=");
    uri.push_str(&base32);
    if !issuer.is_empty() {
        uri.push_str("&issuer=");
        uri.push_str(&issuer);
    }
    uri.push_str("&algorithm=SHA1&digits=6&period=30");
    uri
}

fn qr(uri: &str) -> Result<QrCode> {
    Ok(QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M)?)
}

/// The QR code of `uri` for a terminal, two modules per character cell
/// (Unicode half blocks), with the standard 4-module quiet zone. Drawn for
/// light text on a dark background: light modules are the blocks, dark
/// modules the empty cells. Lines end in `\n` except the last.
///
/// Fails only if the URI is too long for a QR code.
pub fn qr_for_terminal(uri: &str) -> Result<String> {
    Ok(qr(uri)?.render::<Dense1x2>().dark_color(Dense1x2::Light).light_color(Dense1x2::Dark).quiet_zone(true).build())
}

/// The QR code of `uri` as an SVG document (black on white, quiet zone
/// included, at least 256 px square), for the desktop app.
///
/// Fails only if the URI is too long for a QR code.
pub fn qr_svg(uri: &str) -> Result<String> {
    Ok(qr(uri)?.render::<svg::Color<'_>>().quiet_zone(true).min_dimensions(256, 256).build())
}

#[cfg(test)]
#[path = "totp_tests.rs"]
mod tests;
