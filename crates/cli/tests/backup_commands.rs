//! `chartvault backup create|verify|list|prune|restore` end to end: the
//! built binary, credentials on standard input, an exit code for each
//! verification outcome, a restore over the vault in use and onto an empty
//! folder, and the binary killed at random moments of a backup.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chartvault_core::access::{Effect, Permission, Role};
use chartvault_core::admin::NewUser;
use chartvault_core::init::{FirstAdmin, init};
use chartvault_core::records::{PatientFields, Sex};
use chartvault_core::session::{Credentials, login};
use chartvault_seal::{CreateOptions, KdfParams};
use common::*;

const BAK_PW: &str = "Walnut ferry 64 counting stars";
const PHRASE: &str = "Lichen mirrors 93 under Oslo";

/// A vault where `bak`, a staff member, was granted backups and restores
/// (administrators need an authenticator code, which a test cannot reuse
/// within its 30 seconds).
fn vault_with_backup_user(root: &Path) -> PathBuf {
    let vault = root.join("vault");
    let create = CreateOptions { kdf: Some(KdfParams::INSECURE_FAST), ..CreateOptions::default() };
    let admin_pw = secret("Violet kettle 47 marching north");
    let first = FirstAdmin { username: "ada", display_name: "Ada Admin", password: &admin_pw };
    let mut ada = init(&vault, "Riverside Family Clinic", &first, &env(), &create).expect("init").session;
    let first_pw = secret("Granite owl 83 whistling east");
    ada.create_user(&NewUser { username: "bak", display_name: "Bea Backup", role: Role::Staff, password: &first_pw })
        .unwrap();
    ada.reauthenticate(&admin_pw).unwrap();
    for p in [Permission::BackupCreate, Permission::BackupRestore] {
        ada.set_override("bak", p, Some(Effect::Grant)).unwrap();
    }
    ada.logout().unwrap();
    let mut s = login(&vault, &Credentials { username: "bak", password: &first_pw, code: None }, &env()).unwrap();
    s.change_own_password(&first_pw, &secret(BAK_PW)).unwrap();
    s.logout().unwrap();
    vault
}

fn register(vault: &Path, family: &str) {
    let pw = secret(BAK_PW);
    let mut s = login(vault, &Credentials { username: "bak", password: &pw, code: None }, &env()).unwrap();
    let fields = PatientFields {
        given_name: "Ana".into(),
        family_name: family.into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1950, 1, 2).unwrap(),
        sex: Sex::Female,
        phone: None,
        email: None,
        address: None,
        postal_code: None,
        notes: None,
        restricted: false,
    };
    s.register_patient(&fields).unwrap();
    s.logout().unwrap();
}

fn finds(vault: &Path, family: &str) -> bool {
    let pw = secret(BAK_PW);
    let mut s = login(vault, &Credentials { username: "bak", password: &pw, code: None }, &env()).unwrap();
    let found = !s.find_patients(family, true, 5).unwrap().is_empty();
    s.logout().unwrap();
    found
}

/// The binary as `bak`, with `lines` on standard input.
fn bak(vault: &Path, args: &[&str], lines: &[&str]) -> Run {
    run_with(vault, "bak", args, lines)
}

/// The binary as `bak` with `args`, `lines` on standard input, killed after
/// `after` (wherever it is by then).
fn killed_after(vault: &Path, args: &[&str], lines: &str, after: std::time::Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chartvault"))
        .arg("--vault")
        .arg(vault)
        .args(["--password-stdin", "--user", "bak"])
        .args(args)
        .env("CHARTVAULT_TEST_FAST_KDF", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(lines.as_bytes()).unwrap();
    std::thread::sleep(after);
    let _ = child.kill();
    let _ = child.wait();
}

fn created(vault: &Path, folder: &Path) -> PathBuf {
    let r = bak(vault, &["backup", "create", "--to", folder.to_str().unwrap()], &[BAK_PW]);
    r.exits(OK);
    let path = PathBuf::from(r.stdout.trim());
    assert!(path.exists() && path.starts_with(folder), "{}", r.stdout);
    path
}

#[test]
fn create_list_and_verify_give_an_exit_code_for_each_outcome() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = vault_with_backup_user(tmp.path());
    let usb = tmp.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    register(&vault, "Abbott");
    let file = created(&vault, &usb);
    let f = file.to_str().unwrap();
    bak(&vault, &["backup", "list", usb.to_str().unwrap()], &[])
        .exits(OK)
        .says(file.file_name().unwrap().to_str().unwrap());
    bak(&vault, &["backup", "verify", f], &[BAK_PW]).exits(OK).says("Good").says("1 patients");
    bak(&vault, &["backup", "verify", f], &["wrong password entirely"]).exits(3).complains("does not open");
    // A passphrase backup opens with its passphrase.
    let r = bak(&vault, &["backup", "create", "--to", usb.to_str().unwrap(), "--passphrase"], &[BAK_PW, PHRASE]);
    r.exits(OK);
    bak(&vault, &["backup", "verify", r.stdout.trim(), "--with", "passphrase"], &[PHRASE]).exits(OK);

    let mut bytes = std::fs::read(&file).unwrap();
    let n = bytes.len();
    bytes[n - 5000] ^= 0x10;
    let damaged = tmp.path().join("damaged.cvbackup");
    std::fs::write(&damaged, &bytes).unwrap();
    bak(&vault, &["backup", "verify", damaged.to_str().unwrap()], &[BAK_PW]).exits(5).complains("damaged");
    let text = tmp.path().join("notes.cvbackup");
    std::fs::write(&text, "not a backup").unwrap();
    bak(&vault, &["backup", "verify", text.to_str().unwrap()], &[BAK_PW])
        .exits(10)
        .complains("not a Chartvault backup");
    let keys = vault.join(chartvault_seal::KEYS_FILE);
    bak(&vault, &["backup", "verify", keys.to_str().unwrap()], &[BAK_PW]).exits(10).complains("key-slot file");

    let other = tempfile::tempdir().unwrap();
    let other_vault = vault_with_backup_user(other.path());
    let theirs = created(&other_vault, &usb);
    bak(&vault, &["backup", "verify", theirs.to_str().unwrap()], &[BAK_PW]).exits(11).complains("another vault");
    bak(&vault, &["backup", "list", usb.to_str().unwrap()], &[]).exits(OK).says("(another vault)");

    // Format version 2 with a correct header checksum: a newer format.
    let mut newer = std::fs::read(&file).unwrap();
    newer[8..12].copy_from_slice(&2u32.to_be_bytes());
    let hlen = u32::from_be_bytes(newer[16..20].try_into().unwrap()) as usize;
    let end = 32 + hlen;
    let sum = <sha2::Sha256 as sha2::Digest>::digest(&newer[..end - 32]);
    newer[end - 32..end].copy_from_slice(&sum);
    let newer_file = tmp.path().join("newer.cvbackup");
    std::fs::write(&newer_file, &newer).unwrap();
    bak(&vault, &["backup", "verify", newer_file.to_str().unwrap()], &[BAK_PW]).exits(12).complains("newer version");
    bak(&vault, &["backup", "create", "--to", tmp.path().join("gone").to_str().unwrap()], &[BAK_PW])
        .exits(1)
        .complains("is not there");
}

#[test]
fn restore_over_the_vault_in_use_and_onto_an_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = vault_with_backup_user(tmp.path());
    let usb = tmp.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    register(&vault, "Abbott");
    let file = created(&vault, &usb);
    let f = file.to_str().unwrap();
    register(&vault, "Brandt");
    // Without a terminal, a restore must be confirmed with --yes.
    bak(&vault, &["backup", "restore", f], &[BAK_PW, BAK_PW]).exits(2).complains("--yes");
    assert!(finds(&vault, "Brandt"), "nothing changed");
    let r = bak(&vault, &["backup", "restore", f, "--yes"], &[BAK_PW, BAK_PW]);
    r.exits(OK).says("Restored backup").says("kept, whole, in");
    assert!(finds(&vault, "Abbott") && !finds(&vault, "Brandt"), "the vault as it was at the backup");

    let fresh = tmp.path().join("new-machine");
    bak(&fresh, &["backup", "restore", f, "--yes"], &[BAK_PW]).exits(OK).says("Restored backup");
    assert!(finds(&fresh, "Abbott"));
    bak(&vault, &["backup", "prune", usb.to_str().unwrap(), "--dry-run"], &[BAK_PW]).exits(OK).says("kept");
}

#[test]
fn a_backup_killed_at_any_moment_leaves_the_vault_whole_and_no_false_backup() {
    use rand::{RngExt, SeedableRng};
    let tmp = tempfile::tempdir().unwrap();
    let vault = vault_with_backup_user(tmp.path());
    let usb = tmp.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    for i in 0..30 {
        register(&vault, &format!("Family{i:02}"));
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261130);
    for round in 0..20 {
        let after = std::time::Duration::from_millis(rng.random_range(0..120));
        killed_after(
            &vault,
            &["backup", "create", "--to", usb.to_str().unwrap()],
            &format!(
                "{BAK_PW}
"
            ),
            after,
        );
        assert!(finds(&vault, "Family29"), "round {round}: the vault opens with its records");
        for e in std::fs::read_dir(&usb).unwrap().flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "cvbackup") {
                bak(&vault, &["backup", "verify", p.to_str().unwrap()], &[BAK_PW]).exits(OK);
            }
        }
    }
    // The next backup removes what interrupted ones left.
    created(&vault, &usb);
    let partials: Vec<_> = std::fs::read_dir(&usb)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(partials.is_empty(), "{partials:?}");
}

/// A small tmpfs mounted for one test, unmounted however it ends.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn mount_tmpfs(at: &Path, bytes: u64) -> Option<Mounted> {
    std::fs::create_dir_all(at).unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={bytes},mode=0700"), "tmpfs"])
        .arg(at)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then(|| Mounted(at.to_owned()))
}

#[test]
fn on_real_file_systems_a_full_or_read_only_drive_leaves_no_file_and_says_why() {
    if std::env::var_os("CHARTVAULT_TEST_MOUNTS").is_none() {
        eprintln!(
            "skipped: set CHARTVAULT_TEST_MOUNTS=1 (as root) to back up onto a small tmpfs and a read-only mount"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let vault = vault_with_backup_user(tmp.path());
    for i in 0..40 {
        register(&vault, &format!("Family{i:02}"));
    }
    let probe = tmp.path().join("probe");
    std::fs::create_dir(&probe).unwrap();
    let size = std::fs::metadata(created(&vault, &probe)).unwrap().len();
    let small = tmp.path().join("small-drive");
    let Some(mounted) = mount_tmpfs(&small, size / 2) else {
        eprintln!("skipped: mounting a tmpfs failed here (needs root with CAP_SYS_ADMIN)");
        return;
    };
    bak(&vault, &["backup", "create", "--to", small.to_str().unwrap()], &[BAK_PW]).exits(1).complains("full");
    assert_eq!(std::fs::read_dir(&small).unwrap().count(), 0, "nothing is left on the full drive");
    assert!(finds(&vault, "Family39"), "the vault is whole");
    drop(mounted);

    let ro = tmp.path().join("read-only-drive");
    let Some(_mounted) = mount_tmpfs(&ro, 4 * size) else { return };
    assert!(Command::new("mount").args(["-o", "remount,ro"]).arg(&ro).status().unwrap().success());
    bak(&vault, &["backup", "create", "--to", ro.to_str().unwrap()], &[BAK_PW]).exits(1).complains("read-only");
    assert_eq!(std::fs::read_dir(&ro).unwrap().count(), 0);
    assert!(finds(&vault, "Family39"));
}

#[test]
fn a_restore_killed_at_any_moment_leaves_the_old_vault_or_the_restored_one() {
    use rand::{RngExt, SeedableRng};
    let tmp = tempfile::tempdir().unwrap();
    let vault = vault_with_backup_user(tmp.path());
    let usb = tmp.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    for i in 0..30 {
        register(&vault, &format!("Family{i:02}"));
    }
    let file = created(&vault, &usb);
    let mut rng = rand::rngs::StdRng::seed_from_u64(30112026);
    let mut restored = 0;
    for round in 0..20 {
        // A patient the backup does not hold: gone once a restore is through.
        register(&vault, &format!("Later{round:02}"));
        let after = std::time::Duration::from_millis(rng.random_range(0..1200));
        killed_after(
            &vault,
            &["backup", "restore", file.to_str().unwrap(), "--yes"],
            &format!(
                "{BAK_PW}
{BAK_PW}
"
            ),
            after,
        );
        assert!(finds(&vault, "Family29"), "round {round}: a vault opens, with the records both versions hold");
        if !finds(&vault, &format!("Later{round:02}")) {
            restored += 1;
        }
    }
    eprintln!("{restored} of 20 killed restores had gone through");
    let asides = std::fs::read_dir(&vault)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("before-restore-"))
        .count();
    assert!(asides >= restored, "every restore that went through kept the vault it replaced");
}
