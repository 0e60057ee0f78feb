//! The clinic domain of Chartvault, over the sealed store: who may do what,
//! and the record of what was done.
//!
//! A plain library: no Tauri, no JSON at its surface (JSON is only the
//! format of an export file, written to a `std::io::Write`). The desktop app and
//! the `chartvault` command both call it. Every operation on clinic data
//! takes an authenticated session and checks the permission itself;
//! writes take a `&Transaction`, reads a `&Connection`.

pub mod access;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod clock;
pub mod db;
pub mod demo;
pub mod diagnostics;
mod emergency_ops;
mod error;
pub mod export;
pub mod failure_queue;
mod files;
pub mod init;
pub mod logs;
pub mod policy;
pub mod records;
pub mod session;
pub mod throttle;
mod trail;
pub mod users;

pub use error::{CoreError, Result};
pub use trail::UserAccess;
