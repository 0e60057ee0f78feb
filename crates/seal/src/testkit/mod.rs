//! Test support: a simulated disk to run vaults on, for crash and fault
//! injection below the sealing layer. Not for production use.

mod simdisk;

pub use simdisk::{CrashMode, Fault, SimDisk};
