//! The commands the page may call, grouped by area. Each is thin: take the
//! state, call one core function, map the error. Core checks the session
//! and the permission for every one of them; the page holds no authority.

pub mod account;
pub mod audit;
pub mod backup;
pub mod chart;
pub mod exports;
pub mod records;
pub mod session;
pub mod support;
pub mod users;

use secrecy::SecretString;

/// A password from the page, into a zeroizing type at once.
pub(crate) fn secret(s: String) -> SecretString {
    SecretString::from(s)
}
