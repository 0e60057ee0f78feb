//! Where a backup may go: the mounted file systems a person is offered as a
//! destination, whether two paths are on one volume, and FAT32's limit on a
//! file's size.
//!
//! Everything but [`list_mounts`] and [`OsKind::current`] is pure, over a
//! list of [`Mount`]s and an [`OsKind`], so the rules of all three systems
//! are tested on any of them.
//!
//! # Candidates
//!
//! A mount is offered when it is not the system's own volume and is either
//! reported removable, or sits where that system puts external disks:
//!
//! - Linux: below `/media/`, `/run/media/<user>/` or `/mnt/`. Many USB hard
//!   disks report themselves as not removable, so the place counts too.
//! - macOS: below `/Volumes/`, except the boot volume (which macOS also
//!   shows there under its own name).
//! - Windows: any drive letter other than the system drive; external disks
//!   are often "fixed" drives to Windows.
//!
//! A read-only mount that would be offered is listed apart with the reason,
//! so the picker can say why the stick it sees cannot be chosen.

use std::path::{Path, PathBuf};

/// The operating system whose mount rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsKind {
    /// Linux (and, by its rules, other Unix systems but macOS).
    Linux,
    /// Windows, with the letter of the drive it runs from.
    Windows {
        /// The system drive's letter, upper case (`'C'` for `C:\`).
        system_drive: char,
    },
    /// macOS.
    MacOs,
}

impl OsKind {
    /// The system this build runs on; on Windows the system drive is read
    /// from `SystemDrive`, `C` when that is unset or odd.
    pub fn current() -> Self {
        if cfg!(windows) {
            let letter = std::env::var("SystemDrive").ok().and_then(|v| drive_letter(&v));
            OsKind::Windows { system_drive: letter.unwrap_or('C') }
        } else if cfg!(target_os = "macos") {
            OsKind::MacOs
        } else {
            OsKind::Linux
        }
    }
}

/// One mounted file system, as the OS reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Where it is mounted (`/media/ana/USB`, `E:\`).
    pub mount_point: PathBuf,
    /// The volume's name or label (may be empty).
    pub name: String,
    /// The file system's type (`ext4`, `vfat`, `NTFS`, `apfs`).
    pub file_system: String,
    /// Its size in bytes.
    pub total: u64,
    /// Bytes free for this user.
    pub available: u64,
    /// Whether the OS reports the device removable.
    pub removable: bool,
    /// Whether it is mounted read-only.
    pub read_only: bool,
}

/// Why a mount is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateReason {
    /// The OS reports the device removable.
    Removable,
    /// It is mounted where the system puts external disks.
    ExternalPlace,
    /// A drive letter other than the system drive (Windows).
    OtherDriveLetter,
}

/// Why a mount that would be offered is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExcludedReason {
    /// It is mounted read-only: nothing can be written there.
    ReadOnly,
}

/// A mount offered as a destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The mount.
    pub mount: Mount,
    /// Why it is offered (the first that holds, in the order of the enum).
    pub reason: CandidateReason,
    /// The largest file its file system holds, when it has such a limit.
    pub max_file_size: Option<u64>,
}

/// A mount that would be a candidate but is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excluded {
    /// The mount.
    pub mount: Mount,
    /// Why it is left out.
    pub reason: ExcludedReason,
}

/// The mounts sorted for the destination picker, each list in the input's order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Classification {
    /// Offered as destinations.
    pub candidates: Vec<Candidate>,
    /// Would be offered but cannot be written to.
    pub excluded: Vec<Excluded>,
}

/// Sorts `mounts` into destination candidates and excluded ones, by the
/// rules of `os` (see the module's documentation). Mounts that are neither
/// (the system's own, `/boot`, pseudo file systems) are in neither list.
pub fn classify(mounts: &[Mount], os: OsKind) -> Classification {
    let boot_name = mounts.iter().find(|m| m.mount_point == Path::new("/")).map(|m| m.name.as_str());
    let mut out = Classification::default();
    for m in mounts {
        let Some(reason) = candidate_reason(m, os, boot_name) else { continue };
        if m.read_only {
            out.excluded.push(Excluded { mount: m.clone(), reason: ExcludedReason::ReadOnly });
        } else {
            out.candidates.push(Candidate { mount: m.clone(), reason, max_file_size: max_file_size(m) });
        }
    }
    out
}

/// Why `m` would be offered, read-only or not; `None` for the system's own
/// volumes and for fixed disks in no external place.
fn candidate_reason(m: &Mount, os: OsKind, boot_name: Option<&str>) -> Option<CandidateReason> {
    let place = m.mount_point.to_string_lossy();
    let is_system = match os {
        OsKind::Linux => m.mount_point == Path::new("/"),
        OsKind::MacOs => m.mount_point == Path::new("/") || is_boot_volume(m, boot_name),
        OsKind::Windows { system_drive } => {
            drive_letter(&place).is_some_and(|l| l == system_drive.to_ascii_uppercase())
        }
    };
    if is_system {
        return None;
    }
    if m.removable {
        return Some(CandidateReason::Removable);
    }
    let external = match os {
        OsKind::Linux => {
            strictly_below(&m.mount_point, "/media", 1)
                || strictly_below(&m.mount_point, "/run/media", 2)
                || strictly_below(&m.mount_point, "/mnt", 1)
        }
        OsKind::MacOs => strictly_below(&m.mount_point, "/Volumes", 1),
        OsKind::Windows { .. } => return drive_letter(&place).map(|_| CandidateReason::OtherDriveLetter),
    };
    external.then_some(CandidateReason::ExternalPlace)
}

/// macOS lists the boot volume again as `/Volumes/<its name>`.
fn is_boot_volume(m: &Mount, boot_name: Option<&str>) -> bool {
    let Some(boot) = boot_name.filter(|n| !n.is_empty()) else { return false };
    let in_volumes = m.mount_point.parent() == Some(Path::new("/Volumes"));
    in_volumes && (m.name == boot || m.mount_point.file_name().is_some_and(|f| f == boot))
}

/// Whether `path` is at least `depth` components below `base`
/// (`/run/media/ana/X` is two below `/run/media`; `/run/media/ana` is a
/// user's folder, not a disk).
fn strictly_below(path: &Path, base: &str, depth: usize) -> bool {
    path.strip_prefix(base).is_ok_and(|rest| rest.components().count() >= depth)
}

/// The letter of a Windows drive root (`E:`, `E:\`, `e:/`), upper case.
fn drive_letter(place: &str) -> Option<char> {
    let mut chars = place.chars();
    let letter = chars.next().filter(char::is_ascii_alphabetic)?;
    let rest: String = chars.collect();
    matches!(rest.as_str(), ":" | ":\\" | ":/").then(|| letter.to_ascii_uppercase())
}

/// The largest file FAT12/16/32 holds: 4 GiB less one byte.
pub const FAT_MAX_FILE_SIZE: u64 = (1 << 32) - 1;

/// The largest file `mount`'s file system holds, when it is FAT (`vfat`,
/// `msdos`, `FAT32` and the like: the names Linux, macOS and Windows use).
/// exFAT, NTFS, ext4 and APFS have no limit that a backup meets.
pub fn max_file_size(mount: &Mount) -> Option<u64> {
    let fs = mount.file_system.to_ascii_lowercase();
    matches!(fs.as_str(), "vfat" | "msdos" | "fat" | "fat12" | "fat16" | "fat32").then_some(FAT_MAX_FILE_SIZE)
}

/// A file too large for the destination's file system.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a backup of {size} bytes does not fit on {file_system} ({mount_point}), which holds files of at most {limit} bytes; \
     choose a drive formatted as exFAT, NTFS, APFS or ext4",
    mount_point = mount_point.display()
)]
pub struct TooBig {
    /// The file's size.
    pub size: u64,
    /// The file system's limit.
    pub limit: u64,
    /// The file system's type, as reported.
    pub file_system: String,
    /// Where it is mounted.
    pub mount_point: PathBuf,
}

/// Whether a file of `size` bytes can exist on `mount`'s file system (its
/// free space is another matter, met when writing).
pub fn fits(size: u64, mount: &Mount) -> Result<(), TooBig> {
    match max_file_size(mount) {
        Some(limit) if size > limit => {
            Err(TooBig { size, limit, file_system: mount.file_system.clone(), mount_point: mount.mount_point.clone() })
        }
        _ => Ok(()),
    }
}

/// The mount holding `path`: the one with the longest mount point that
/// contains it. `path` should be canonical (the caller resolves links);
/// Windows paths compare without regard to case or the kind of slash.
pub fn mount_of<'m>(path: &Path, mounts: &'m [Mount], os: OsKind) -> Option<&'m Mount> {
    let key = |p: &Path| path_key(p, os);
    let target = key(path);
    mounts
        .iter()
        .filter_map(|m| {
            let point = key(&m.mount_point);
            contains(&point, &target).then_some((point.len(), m))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, m)| m)
}

/// Whether `a` and `b` are on the same volume; `None` when either is on no
/// listed mount. Used to warn that a backup on the vault's own disk dies
/// with it.
pub fn same_volume(a: &Path, b: &Path, mounts: &[Mount], os: OsKind) -> Option<bool> {
    let (ma, mb) = (mount_of(a, mounts, os)?, mount_of(b, mounts, os)?);
    Some(path_key(&ma.mount_point, os) == path_key(&mb.mount_point, os))
}

/// A path as `/`-separated components, without a trailing separator; on
/// Windows with `\` read as a separator and letters folded to upper case.
fn path_key(p: &Path, os: OsKind) -> Vec<String> {
    let text = p.to_string_lossy();
    match os {
        OsKind::Windows { .. } => {
            let text = text.strip_prefix(r"\\?\").unwrap_or(&text).to_uppercase();
            text.split(['\\', '/']).filter(|c| !c.is_empty()).map(str::to_owned).collect()
        }
        OsKind::Linux | OsKind::MacOs => p.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect(),
    }
}

/// Whether the components `inner` start with all of `outer`.
fn contains(outer: &[String], inner: &[String]) -> bool {
    inner.len() >= outer.len() && inner[..outer.len()] == *outer
}

/// The mounted file systems, read from the OS now (`/proc/mounts` and sysfs
/// on Linux, `GetLogicalDrives` on Windows, `getfsstat` on macOS, through
/// `sysinfo`). Names that are not UTF-8 are shown with replacement marks.
pub fn list_mounts() -> Vec<Mount> {
    let disks = sysinfo::Disks::new_with_refreshed_list();
    disks
        .list()
        .iter()
        .map(|d| Mount {
            mount_point: d.mount_point().to_path_buf(),
            name: d.name().to_string_lossy().into_owned(),
            file_system: d.file_system().to_string_lossy().into_owned(),
            total: d.total_space(),
            available: d.available_space(),
            removable: d.is_removable(),
            read_only: d.is_read_only(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_letters_are_roots_only() {
        assert_eq!(drive_letter("e:"), Some('E'));
        assert_eq!(drive_letter("E:\\"), Some('E'));
        assert_eq!(drive_letter("E:/"), Some('E'));
        assert_eq!(drive_letter("E:\\Backups"), None);
        assert_eq!(drive_letter("/"), None);
        assert_eq!(drive_letter("1:\\"), None);
        assert_eq!(drive_letter(""), None);
    }

    #[test]
    fn below_counts_whole_components() {
        assert!(strictly_below(Path::new("/run/media/ana/X"), "/run/media", 2));
        assert!(!strictly_below(Path::new("/run/media/ana"), "/run/media", 2));
        assert!(!strictly_below(Path::new("/mnt"), "/mnt", 1));
        assert!(!strictly_below(Path::new("/mntx/disk"), "/mnt", 1));
    }
}
