//! Test support: a simulated disk to run vaults on, for crash and fault
//! injection below the sealing layer. Not for production use.

mod simdisk;
mod v1;

pub use simdisk::{CrashMode, Fault, SimDisk};
pub use v1::rewrite_key_file_as_v1;
