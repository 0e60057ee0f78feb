//! Authentication policy that does not need a session: the second factor
//! (TOTP codes and their recovery codes) and the password policy.
//!
//! Pure logic, plus the storage of recovery codes. Enrolment and login
//! flows, which also touch the `users` row, live with the users.

pub mod password_policy;
pub mod recovery_codes;
pub mod totp;
