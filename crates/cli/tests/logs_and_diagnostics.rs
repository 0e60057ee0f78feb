//! The log and the diagnostics report hold no clinic data and no secret:
//! canary names, notes, file names and passwords go through every workflow
//! the command offers (staff's and the administrator's), and every secret
//! it prints is a canary too; then every log line and the report are
//! searched for them. And the command documents itself: `--help` on every command, the
//! man pages, the shell completions.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use chartvault_core::access::{Effect, Permission, Role};
use chartvault_core::admin::NewUser;
use chartvault_core::init::{FirstAdmin, init};
use chartvault_core::session::{Credentials, login};
use chartvault_seal::{CreateOptions, KdfParams};
use common::{OK, USAGE, env, logs, run_with, secret};

const CLINIC: &str = "Quillfeather Canary Clinic";
const ADMIN: &str = "canaryadmin";
const ADMIN_NAME: &str = "Octavia Canarywood";
const ADMIN_PW: &str = "Saffron canary 4481 lantern pier";
const STAFF: &str = "canarystaff";
const STAFF_NAME: &str = "Barnaby Canaryfoot";
const STAFF_FIRST_PW: &str = "Juniper canary 7713 oak grove";
const STAFF_PW: &str = "Cobalt canary 2290 river stone";
const STAFF_NEW_PW: &str = "Ember canary 5108 quiet marsh";
const PHRASE: &str = "Heron canary 9917 misty wren";
const WRONG_PW: &str = "Wrongful canary 3344 pebble";
const GHOST: &str = "canaryghost";
const GIVEN: &str = "Zephyrine";
const FAMILY: &str = "Xylocanary";
const PHONE: &str = "+1 555 0199 4242";
const EMAIL: &str = "zephyrine.canary@example.org";
const IMPORTED: &str = "Wolfgangcanary";
const BAD_VALUE: &str = "Notadatecanary";
const FILE_WORD: &str = "canaryfile";
const MRN_CANARY: &str = "QCANARY-######";

/// Every canary: none may appear in a log or a report.
const CANARIES: &[&str] = &[
    CLINIC,
    ADMIN,
    ADMIN_NAME,
    ADMIN_PW,
    STAFF,
    STAFF_NAME,
    STAFF_FIRST_PW,
    STAFF_PW,
    STAFF_NEW_PW,
    PHRASE,
    WRONG_PW,
    GHOST,
    GIVEN,
    FAMILY,
    PHONE,
    EMAIL,
    IMPORTED,
    BAD_VALUE,
    FILE_WORD,
];

/// A vault named and peopled with canaries; the provider may back up
/// and restore (an administrator needs an authenticator code a test cannot
/// reuse within its 30 seconds).
fn canary_clinic(root: &Path) -> PathBuf {
    let vault = root.join("vault");
    let create = CreateOptions { kdf: Some(KdfParams::INSECURE_FAST), ..CreateOptions::default() };
    let admin_pw = secret(ADMIN_PW);
    let first = FirstAdmin { username: ADMIN, display_name: ADMIN_NAME, password: &admin_pw };
    let mut admin = init(&vault, CLINIC, &first, &env(), &create).expect("init").session;
    let first_pw = secret(STAFF_FIRST_PW);
    admin
        .create_user(&NewUser { username: STAFF, display_name: STAFF_NAME, role: Role::Provider, password: &first_pw })
        .unwrap();
    admin.reauthenticate(&admin_pw).unwrap();
    for p in [Permission::BackupCreate, Permission::BackupRestore, Permission::AuditRead] {
        admin.set_override(STAFF, p, Some(Effect::Grant)).unwrap();
    }
    admin.logout().unwrap();
    let mut s = login(&vault, &Credentials { username: STAFF, password: &first_pw, code: None }, &env()).unwrap();
    s.change_own_password(&first_pw, &secret(STAFF_PW)).unwrap();
    s.logout().unwrap();
    vault
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn logs_and_diagnostics_hold_no_clinic_data_or_secret_after_every_workflow() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let vault = canary_clinic(root);
    let staff = |args: &[&str], lines: &[&str]| run_with(&vault, STAFF, args, lines);

    // Sign-in failures: a wrong password, a name that does not exist.
    staff(&["login"], &[WRONG_PW]).exits(3);
    run_with(&vault, GHOST, &["login"], &[WRONG_PW]).exits(3);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    staff(&["login"], &[STAFF_PW]).exits(OK);

    // Records: register, find, show, export under a canary file name.
    staff(
        &[
            "patient",
            "add",
            "--given",
            GIVEN,
            "--family",
            FAMILY,
            "--born",
            "1980-02-29",
            "--phone",
            PHONE,
            "--email",
            EMAIL,
        ],
        &[STAFF_PW],
    )
    .exits(OK);
    staff(&["patient", "find", FAMILY], &[STAFF_PW]).exits(OK).says(FAMILY);
    staff(&["patient", "show", "1"], &[STAFF_PW]).exits(OK);
    let export = root.join(format!("{FILE_WORD}-{FAMILY}.html"));
    staff(&["patient", "export", "1", "--format", "html", "--out", path(&export)], &[STAFF_PW]).exits(OK);

    // An import with a bad row (its value quoted back to the person only).
    let csv = root.join(format!("{FILE_WORD}.csv"));
    std::fs::write(
        &csv,
        format!("given_name,family_name,date_of_birth,sex\n{IMPORTED},{FAMILY},1970-01-01,male\nAda,{FAMILY},{BAD_VALUE},female\n"),
    )
    .unwrap();
    staff(&["import", "patients", path(&csv)], &[STAFF_PW]).exits(USAGE).says(BAD_VALUE);
    staff(&["import", "patients", path(&csv), "--skip-bad"], &[STAFF_PW]).exits(OK);

    // Backups: with a passphrase, checked with wrong and right secrets, listed.
    let usb = root.join(format!("{FILE_WORD}-usb"));
    std::fs::create_dir(&usb).unwrap();
    let made = staff(&["backup", "create", "--to", path(&usb), "--passphrase"], &[STAFF_PW, PHRASE]);
    made.exits(OK);
    let file = made.stdout.trim().to_owned();
    staff(&["backup", "verify", &file, "--with", "passphrase"], &[WRONG_PW]).exits(3);
    staff(&["backup", "verify", &file, "--with", "passphrase"], &[PHRASE]).exits(OK);
    staff(&["backup", "list", path(&usb)], &[]).exits(OK);

    // The audit trail, an own password change, diagnostics with the settings.
    staff(&["audit", "verify"], &[STAFF_PW]).exits(OK);
    staff(&["audit", "list"], &[STAFF_PW]).exits(OK).says(STAFF);
    staff(&["account", "password"], &[STAFF_PW, STAFF_PW, STAFF_NEW_PW]).exits(OK);
    let report = staff(&["diagnostics"], &[STAFF_NEW_PW]);
    report.exits(OK);

    // The workflows were logged (a log that stayed empty would pass the
    // search below): each command, audit entries, the backup's outcome.
    let log = logs(&vault);
    for expected in [
        "command=\"patient add\"",
        "command=\"import patients\" exit=2",
        "command=\"backup create\" exit=0",
        "backup written and verified",
        "backup file refused",
        "action=\"patient_write\"",
        "sign-in refused",
        "command=\"diagnostics\" exit=0",
    ] {
        assert!(log.contains(expected), "the log lacks {expected:?}:\n{log}");
    }
    // Without a sign-in, the log's lines of who did what are left out.
    let anonymous = diagnostics_of(&vault, Some(&vault), None);
    let anonymous = String::from_utf8(anonymous.stdout).unwrap();
    assert!(anonymous.contains("left out: audit and sign-in lines"), "{anonymous}");
    assert!(anonymous.contains("command=\"backup create\""), "{anonymous}");
    assert!(!anonymous.contains("audit entry") && !anonymous.contains("sign-in refused"), "{anonymous}");

    for canary in CANARIES {
        let lower = canary.to_lowercase();
        assert!(!log.to_lowercase().contains(&lower), "the log holds {canary:?}:\n{log}");
        assert!(!report.stdout.to_lowercase().contains(&lower), "the report holds {canary:?}:\n{}", report.stdout);
    }

    // The report: versions, the vault as its files show it, the settings
    // (with a folder shown only as set), the recent log.
    let text = &report.stdout;
    let program = format!("program: chartvault {}", env!("CARGO_PKG_VERSION"));
    for expected in [
        program.as_str(),
        "key slots: 2 password, 1 recovery code",
        "journal mode: Wal",
        // Settings need policy_admin, which a provider lacks; the log's
        // activity lines need audit_read, which this one was granted.
        "settings: not shown: they need the policy_admin permission",
        "signed in as role: provider",
        "action=\"backup\"",
        "folder: chosen at set-up (its path is not shown",
        "command=\"backup create\"",
    ] {
        assert!(text.contains(expected), "the report lacks {expected:?}:\n{text}");
    }
}

/// The line after `heading`, trimmed.
fn line_after(text: &str, heading: &str) -> String {
    let mut lines = text.lines();
    lines.find(|l| l.starts_with(heading)).unwrap_or_else(|| panic!("no {heading:?} in:\n{text}"));
    lines.next().unwrap_or_default().trim().to_owned()
}

/// The administrator's workflows, from `init` on the command line: one-time
/// codes, users, a role and a grant, a policy, a rekey, a new recovery
/// code, getting back in with it after a lost phone, and a restore on a new
/// machine. Names, passwords and every secret printed are canaries.
#[test]
fn administration_through_the_command_logs_no_name_or_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let vault = root.join("vault");
    let init = ["init", "--clinic", CLINIC, "--admin", ADMIN, "--display-name", ADMIN_NAME];
    let made = run_with(&vault, ADMIN, &init, &[ADMIN_PW]);
    made.exits(OK);
    let first_code = line_after(&made.stdout, "RECOVERY CODE");
    let uri = made.stdout.lines().map(str::trim).find(|l| l.starts_with("otpauth://")).expect("a URI").to_owned();
    let base32 = uri.split(['?', '&']).find_map(|p| p.strip_prefix("secret=")).expect("a secret").to_owned();
    let secret = chartvault_core::auth::totp::TotpSecret::from_bytes(&common::base32_decode(&base32)).unwrap();
    let code = chartvault_core::auth::totp::code_at(&secret, chrono::Utc::now()).to_string();
    let listed = run_with(&vault, ADMIN, &["account", "recovery-codes"], &[ADMIN_PW, &code]);
    listed.exits(OK);
    let mut codes: Vec<String> =
        listed.stdout.lines().map(str::trim).filter(|l| l.len() == 11 && l.contains('-')).map(str::to_owned).collect();
    assert_eq!(codes.len(), 10, "{}", listed.stdout);
    // (The six-digit code is left out: digits of a timing could match it.)
    let mut printed = vec![first_code, base32.clone()];
    printed.extend(codes.iter().cloned());
    let mut admin = |args: &[&str], more: &[&str]| {
        let code = codes.pop().expect("a one-time code left");
        let lines: Vec<&str> = [ADMIN_PW, code.as_str()].into_iter().chain(more.iter().copied()).collect();
        run_with(&vault, ADMIN, args, &lines)
    };

    admin(&["user", "add", STAFF, "--role", "staff", "--display-name", STAFF_NAME], &[STAFF_FIRST_PW]).exits(OK);
    admin(&["user", "reset-password", STAFF], &[STAFF_PW]).exits(OK);
    admin(&["user", "role", STAFF, "provider"], &[]).exits(OK);
    admin(&["user", "override", STAFF, "audit_read", "grant"], &[]).exits(OK);
    admin(&["user", "access", STAFF], &[]).exits(OK);
    admin(&["policy", "set", "mrn_format", MRN_CANARY], &[]).exits(OK);
    admin(&["rekey"], &[]).exits(OK);
    let replaced = admin(&["new-recovery-code"], &[]);
    replaced.exits(OK);
    let new_code = line_after(&replaced.stdout, "NEW RECOVERY CODE");
    printed.push(new_code.clone());
    let usb = root.join(format!("{FILE_WORD}-usb"));
    std::fs::create_dir(&usb).unwrap();
    let backup = admin(&["backup", "create", "--to", path(&usb), "--passphrase"], &[PHRASE]);
    backup.exits(OK);
    let file = backup.stdout.trim().to_owned();

    // The phone is lost: the new recovery code gets the administrator back in.
    let args = ["recovery", "--admin", ADMIN, "--lost-authenticator"];
    run_with(&vault, ADMIN, &args, &[&new_code, STAFF_NEW_PW]).exits(OK);
    // A new machine: the backup becomes its vault, opened with the passphrase.
    let elsewhere = root.join("new-machine").join("vault");
    std::fs::create_dir_all(elsewhere.parent().unwrap()).unwrap();
    let args = ["backup", "restore", file.as_str(), "--with", "passphrase", "--yes"];
    let restored = run_with(&elsewhere, ADMIN, &args, &[PHRASE, WRONG_PW]);
    restored.exits(OK);
    printed.push(line_after(&restored.stdout, "NEW RECOVERY CODE"));

    let log = logs(&vault) + &logs(&elsewhere);
    for expected in [
        "command=\"init\" exit=0",
        "command=\"user override\" exit=0",
        "command=\"policy set\" exit=0",
        "action=\"recovery_code_replaced\"",
        "command=\"recovery\" exit=0",
        "command=\"backup restore\" exit=0",
    ] {
        assert!(log.contains(expected), "the log lacks {expected:?}:\n{log}");
    }
    let lower = log.to_lowercase();
    for canary in CANARIES.iter().copied().chain([MRN_CANARY]).chain(printed.iter().map(String::as_str)) {
        assert!(!lower.contains(&canary.to_lowercase()), "the log holds {canary:?}:\n{log}");
    }
}

#[test]
fn diagnostics_without_a_user_or_a_vault_still_report() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    let out = diagnostics_of(&vault, Some(&vault), None);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("state: no such folder"), "{text}");
    assert!(!text.contains(path(&vault)), "a folder given with --vault is not shown:\n{text}");
    // The default folder is shown, home as `~` when under it.
    let default = diagnostics_of(&vault, None, Some(tmp.path()));
    let text = String::from_utf8(default.stdout).unwrap();
    assert!(text.contains("folder: ~/xdg/chartvault/vault (the default)"), "{text}");
    // A data folder outside the home folder is not shown at all.
    let outside = diagnostics_of(&vault, None, Some(Path::new("/nonexistent-home")));
    let text = String::from_utf8(outside.stdout).unwrap();
    assert!(text.contains("data folder: (outside the home folder; not shown)"), "{text}");
    assert!(!text.contains(&*tmp.path().to_string_lossy()), "{text}");
    assert!(text.contains("not shown: nobody is signed in"), "{text}");
    assert!(text.contains("command=\"diagnostics\""), "the report carries its own start in the log:\n{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let logs = common::data_home(&vault).join("chartvault").join("logs");
        let mode = std::fs::metadata(&logs).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the log folder is its owner's only");
    }
}

/// `chartvault diagnostics` without a sign-in, its data folder beside
/// `vault`; with `--vault` when `given`, with `HOME` when `home`.
fn diagnostics_of(vault: &Path, given: Option<&Path>, home: Option<&Path>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chartvault"));
    if let Some(v) = given {
        cmd.args(["--vault", path(v)]);
    }
    if let Some(h) = home {
        cmd.env("HOME", h);
    }
    cmd.arg("diagnostics").env("XDG_DATA_HOME", common::data_home(vault)).output().unwrap()
}

fn chartvault(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_chartvault")).args(args).output().unwrap()
}

/// Every command and subcommand, as the man pages name them
/// (`chartvault-backup-create.1` is `backup create`).
fn every_command(man_dir: &Path) -> Vec<Vec<String>> {
    let mut commands: Vec<Vec<String>> = std::fs::read_dir(man_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".1").map(str::to_owned))
        .map(|n| n.split('-').skip(1).map(str::to_owned).collect::<Vec<_>>())
        .collect();
    commands.sort();
    commands
}

#[test]
fn every_command_has_help_a_man_page_and_completions() {
    let tmp = tempfile::tempdir().unwrap();
    let man = tmp.path().join("man");
    assert!(chartvault(&["manpages", path(&man)]).status.success());
    let commands = every_command(&man);
    assert!(commands.len() > 40, "{} man pages", commands.len());
    for words in [vec![], vec!["backup", "restore"], vec!["diagnostics"], vec!["user", "reset", "totp"]] {
        assert!(commands.contains(&words.iter().map(|w| w.to_string()).collect()), "no man page for {words:?}");
    }
    let top = std::fs::read_to_string(man.join("chartvault.1")).unwrap();
    assert!(top.starts_with(".ie \\n(.g .ds Aq") || top.contains(".TH chartvault 1"), "{top}");
    assert!(top.contains("Exit codes"), "the exit codes are documented in the man page");
    for words in &commands {
        // Multi-word subcommands (`reset-totp`) are split in file names;
        // rejoin the tail that clap knows as one word.
        let args = resolve(words);
        let mut with_help = args.clone();
        with_help.push("--help".to_owned());
        let argv: Vec<&str> = with_help.iter().map(String::as_str).collect();
        let out = chartvault(&argv);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "chartvault {} --help failed", args.join(" "));
        let first = text.lines().next().unwrap_or("");
        assert!(!first.trim().is_empty() && !first.starts_with("Usage"), "`{}` has no description", args.join(" "));
        assert!(text.contains(&format!("Usage: chartvault {}", args.join(" ")).trim_end().to_owned()), "{text}");
    }
    for (shell, marker) in
        [("bash", "complete -F _chartvault"), ("zsh", "#compdef chartvault"), ("fish", "complete -c chartvault")]
    {
        let out = chartvault(&["completions", shell]);
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(out.status.success() && script.contains(marker), "{shell}: {script:.200}");
        assert!(script.contains("restore") && script.contains("diagnostics"), "{shell} completes subcommands");
    }
    // The bash script parses.
    let bash = tmp.path().join("chartvault.bash");
    std::fs::write(&bash, chartvault(&["completions", "bash"]).stdout).unwrap();
    let parsed = Command::new("bash").arg("-n").arg(&bash).status().unwrap();
    assert!(parsed.success(), "bash -n refused the completion script");
}

/// The command words for a man page's name: the longest known prefix
/// grouping, found by asking `--help` of the candidates.
fn resolve(parts: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        // Try the longest join first: `reset-totp` before `reset`.
        let mut taken = 1;
        for len in (1..=parts.len() - i).rev() {
            let word = parts[i..i + len].join("-");
            let mut probe = out.clone();
            probe.push(word);
            probe.push("--help".to_owned());
            let argv: Vec<&str> = probe.iter().map(String::as_str).collect();
            if chartvault(&argv).status.success() {
                taken = len;
                break;
            }
        }
        out.push(parts[i..i + taken].join("-"));
        i += taken;
    }
    out
}

#[test]
fn the_log_keeps_fourteen_days_per_program_and_leaves_the_apps_files_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    let logs = common::data_home(&vault).join("chartvault").join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    // Twenty old days of the command's log and of the app's.
    for day in 1..=20 {
        for program in ["cli", "desktop"] {
            let name = logs.join(format!("{program}.2020-01-{day:02}.log"));
            std::fs::write(&name, "2020-01-01T00:00:00.000000Z  INFO old\n").unwrap();
        }
    }
    let out = diagnostics_of(&vault, Some(&vault), None);
    assert!(out.status.success());
    let names: Vec<String> =
        std::fs::read_dir(&logs).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let cli = names.iter().filter(|n| n.starts_with("cli.")).count();
    let desktop = names.iter().filter(|n| n.starts_with("desktop.")).count();
    assert_eq!(cli, chartvault_core::logs::KEEP_FILES, "{names:?}");
    assert_eq!(desktop, 20, "the command prunes its own files only: {names:?}");
    // Today's file is among those kept. (Which old ones go is decided by
    // their creation times, all alike here; on a real machine the oldest.)
    assert!(names.iter().any(|n| n.starts_with("cli.") && !n.starts_with("cli.2020-")), "{names:?}");
}
