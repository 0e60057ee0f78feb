//! How much memory the app takes: the resident set of the app's process
//! and of each WebKit process it started (Linux `/proc`).

use crate::App;

/// One process of the app and its resident memory.
#[derive(Debug, Clone)]
pub struct ProcessMemory {
    /// Process id.
    pub pid: u32,
    /// Its name (`chartvault-desk`, `WebKitWebProces`, `WebKitNetworkP`…, as the kernel truncates them).
    pub name: String,
    /// Resident set size, KiB (VmRSS).
    pub rss_kib: u64,
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()?.parse().ok())
}

impl App {
    /// The app's processes now, with their resident memory.
    pub fn memory(&self) -> Vec<ProcessMemory> {
        self.processes()
            .into_iter()
            .filter_map(|(pid, name)| Some(ProcessMemory { pid, rss_kib: rss_kib(pid)?, name }))
            .collect()
    }
}
