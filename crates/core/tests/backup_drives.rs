//! Backup destinations: the mounts of a Linux, a Windows and a macOS
//! workstation sorted into candidates and read-only ones, same-volume
//! checks, FAT's 4 GiB file limit, and the OS's own list read once.

use std::path::{Path, PathBuf};

use chartvault_core::backup::drives::{
    CandidateReason, Classification, ExcludedReason, FAT_MAX_FILE_SIZE, Mount, OsKind, TooBig, classify, fits,
    list_mounts, max_file_size, mount_of, same_volume,
};

const GIB: u64 = 1 << 30;

fn mount(point: &str, name: &str, fs: &str, removable: bool, read_only: bool) -> Mount {
    Mount {
        mount_point: PathBuf::from(point),
        name: name.to_owned(),
        file_system: fs.to_owned(),
        total: 64 * GIB,
        available: 32 * GIB,
        removable,
        read_only,
    }
}

fn linux() -> Vec<Mount> {
    vec![
        mount("/", "nvme0n1p2", "ext4", false, false),
        mount("/boot", "nvme0n1p1", "vfat", false, false),
        mount("/home", "nvme0n1p3", "ext4", false, false),
        mount("/media/ana/USB", "sda1", "vfat", true, false),
        mount("/run/media/ana/X", "sdb1", "exfat", false, false),
        mount("/mnt/backup", "sdc1", "ext4", false, false),
        mount("/media/ana/CDROM", "sr0", "iso9660", true, true),
        // A user's folder under /run/media is not a disk's place.
        mount("/run/media/ana", "tmpfs", "tmpfs", false, false),
    ]
}

fn windows() -> Vec<Mount> {
    vec![
        mount("C:\\", "Windows", "NTFS", false, false),
        mount("D:\\", "Data", "NTFS", false, false),
        mount("E:\\", "KINGSTON", "FAT32", true, false),
        mount("F:\\", "AUDIO_CD", "CDFS", true, true),
    ]
}

fn macos() -> Vec<Mount> {
    vec![
        mount("/", "Macintosh HD", "apfs", false, true),
        mount("/System/Volumes/Data", "Data", "apfs", false, false),
        mount("/Volumes/Macintosh HD", "Macintosh HD", "apfs", false, false),
        mount("/Volumes/USB", "USB", "msdos", true, false),
        mount("/Volumes/Backup", "Backup", "apfs", false, false),
    ]
}

/// The candidates' mount points and reasons, and the excluded ones'.
type Summary = (Vec<(String, CandidateReason)>, Vec<(String, ExcludedReason)>);

fn summary(c: &Classification) -> Summary {
    let p = |m: &Mount| m.mount_point.to_string_lossy().into_owned();
    (
        c.candidates.iter().map(|x| (p(&x.mount), x.reason)).collect(),
        c.excluded.iter().map(|x| (p(&x.mount), x.reason)).collect(),
    )
}

fn s(x: &str) -> String {
    x.to_owned()
}

#[test]
fn linux_offers_removable_disks_and_the_external_places() {
    let c = classify(&linux(), OsKind::Linux);
    let (cands, excl) = summary(&c);
    assert_eq!(
        cands,
        vec![
            (s("/media/ana/USB"), CandidateReason::Removable),
            (s("/run/media/ana/X"), CandidateReason::ExternalPlace),
            (s("/mnt/backup"), CandidateReason::ExternalPlace),
        ]
    );
    assert_eq!(excl, vec![(s("/media/ana/CDROM"), ExcludedReason::ReadOnly)]);
    assert_eq!(c.candidates[0].max_file_size, Some(FAT_MAX_FILE_SIZE), "the stick is FAT");
    assert_eq!(c.candidates[1].max_file_size, None, "exFAT has no 4 GiB limit");
}

#[test]
fn linux_never_offers_the_root_even_when_removable() {
    // A live system booted from a stick.
    let mounts = vec![mount("/", "sda2", "ext4", true, false), mount("/mnt", "sdb1", "ext4", false, false)];
    let c = classify(&mounts, OsKind::Linux);
    assert_eq!(summary(&c), (vec![], vec![]), "/ is the system, /mnt itself is no disk's place");
}

#[test]
fn windows_offers_every_other_drive_letter() {
    let c = classify(&windows(), OsKind::Windows { system_drive: 'C' });
    let (cands, excl) = summary(&c);
    assert_eq!(cands, vec![(s("D:\\"), CandidateReason::OtherDriveLetter), (s("E:\\"), CandidateReason::Removable)]);
    assert_eq!(excl, vec![(s("F:\\"), ExcludedReason::ReadOnly)]);
    assert_eq!(c.candidates[1].max_file_size, Some(FAT_MAX_FILE_SIZE));
}

#[test]
fn windows_system_drive_is_whatever_it_is_given() {
    let c = classify(&windows(), OsKind::Windows { system_drive: 'd' });
    let (cands, _) = summary(&c);
    assert_eq!(cands, vec![(s("C:\\"), CandidateReason::OtherDriveLetter), (s("E:\\"), CandidateReason::Removable)]);
    // A folder mount is not a drive letter: offered only when removable.
    let folder = vec![mount("C:\\mnt\\disk2", "Disk2", "NTFS", false, false)];
    assert!(classify(&folder, OsKind::Windows { system_drive: 'C' }).candidates.is_empty());
}

#[test]
fn macos_offers_volumes_but_not_the_boot_volume() {
    let c = classify(&macos(), OsKind::MacOs);
    let (cands, excl) = summary(&c);
    assert_eq!(
        cands,
        vec![(s("/Volumes/USB"), CandidateReason::Removable), (s("/Volumes/Backup"), CandidateReason::ExternalPlace)]
    );
    assert!(excl.is_empty(), "the read-only system volume is not a would-be candidate: {excl:?}");
}

#[test]
fn each_systems_places_belong_to_it() {
    // /Volumes means nothing on Linux, /media nothing on macOS.
    let mixed = vec![
        mount("/", "root", "ext4", false, false),
        mount("/Volumes/Disk", "Disk", "ext4", false, false),
        mount("/media/ana/Disk", "Disk", "ext4", false, false),
    ];
    let paths = |os| summary(&classify(&mixed, os)).0.into_iter().map(|(p, _)| p).collect::<Vec<_>>();
    assert_eq!(paths(OsKind::Linux), vec![s("/media/ana/Disk")]);
    assert_eq!(paths(OsKind::MacOs), vec![s("/Volumes/Disk")]);
    assert_eq!(paths(OsKind::Windows { system_drive: 'C' }), Vec::<String>::new());
}

#[test]
fn same_volume_by_the_longest_mount_point() {
    let m = linux();
    let os = OsKind::Linux;
    let vault = Path::new("/home/ana/Chartvault");
    assert_eq!(mount_of(vault, &m, os).map(|x| x.name.as_str()), Some("nvme0n1p3"));
    assert_eq!(same_volume(vault, Path::new("/home/ana/backups"), &m, os), Some(true));
    assert_eq!(same_volume(vault, Path::new("/media/ana/USB/chartvault"), &m, os), Some(false));
    assert_eq!(same_volume(vault, Path::new("/var/backups"), &m, os), Some(false), "/ is not /home");
    // A name that merely starts like a mount point is not inside it.
    assert_eq!(mount_of(Path::new("/media/ana/USB2/x"), &m, os).map(|x| x.name.as_str()), Some("nvme0n1p2"));
    assert_eq!(same_volume(Path::new("/media/ana/USB2/x"), Path::new("/var"), &m, os), Some(true));
    assert_eq!(same_volume(Path::new("/boot"), Path::new("/boot/efi/x"), &m, os), Some(true));
    assert_eq!(same_volume(Path::new("relative/path"), vault, &m, os), None, "no mount holds a relative path");
}

#[test]
fn same_volume_on_windows_ignores_case_and_slashes() {
    let m = windows();
    let os = OsKind::Windows { system_drive: 'C' };
    let vault = Path::new("C:\\Users\\ana\\AppData\\Chartvault");
    assert_eq!(same_volume(vault, Path::new("c:/Backups"), &m, os), Some(true));
    assert_eq!(same_volume(vault, Path::new("E:\\Backups"), &m, os), Some(false));
    assert_eq!(mount_of(Path::new(r"\\?\E:\Backups"), &m, os).map(|x| x.name.as_str()), Some("KINGSTON"));
    assert_eq!(same_volume(vault, Path::new("Z:\\x"), &m, os), None);
}

#[test]
fn fat_holds_files_below_4_gib() {
    for fs in ["vfat", "msdos", "FAT32", "fat32", "FAT"] {
        let m = mount("/media/ana/USB", "USB", fs, true, false);
        assert_eq!(max_file_size(&m), Some(4 * GIB - 1), "{fs}");
        assert_eq!(fits(4 * GIB - 1, &m), Ok(()), "{fs}");
        let err = fits(4 * GIB, &m).unwrap_err();
        assert_eq!(
            err,
            TooBig {
                size: 4 * GIB,
                limit: 4 * GIB - 1,
                file_system: fs.to_owned(),
                mount_point: m.mount_point.clone()
            }
        );
    }
    for fs in ["exfat", "ntfs", "NTFS", "ext4", "apfs", "btrfs"] {
        let m = mount("/media/ana/Disk", "Disk", fs, true, false);
        assert_eq!(max_file_size(&m), None, "{fs}");
        assert_eq!(fits(100 * GIB, &m), Ok(()), "{fs}");
    }
}

#[test]
fn too_big_says_what_to_do() {
    let m = mount("/media/ana/USB", "USB", "vfat", true, false);
    let msg = fits(5 * GIB, &m).unwrap_err().to_string();
    assert_eq!(
        msg,
        "a backup of 5368709120 bytes does not fit on vfat (/media/ana/USB), which holds files of at most 4294967295 \
         bytes; choose a drive formatted as exFAT, NTFS, APFS or ext4"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn this_machine_is_linux() {
    assert_eq!(OsKind::current(), OsKind::Linux);
}

/// The OS's own list: whatever this machine mounts, each mount point is
/// absolute and no more is free than there is in all.
#[test]
fn the_os_lists_its_mounts() {
    let mounts = list_mounts();
    for m in &mounts {
        assert!(m.mount_point.is_absolute() || m.mount_point.to_string_lossy().ends_with(":\\"), "{m:?}");
        assert!(m.available <= m.total, "{m:?}");
    }
    // The classification runs over the real list without trouble.
    let c = classify(&mounts, OsKind::current());
    assert!(c.candidates.len() + c.excluded.len() <= mounts.len());
}
