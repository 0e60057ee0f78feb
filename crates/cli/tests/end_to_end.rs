//! End-to-end tests of the `chartvault` command: each test makes its own
//! vault in a temporary directory and drives the built binary as a person
//! (or a script) would, with `--password-stdin`, checking the exit code,
//! what is printed, and the state that later commands see.
//!
//! Administrators need a TOTP code at every login, and a vault accepts a
//! 30-second step's code once, and only for the current step ±1: an
//! administrator can run about three commands at once, then one per 30
//! seconds. So the tests keep administrator commands few, run on separate
//! vaults (in parallel), and read the audit trail as an auditor, who has no
//! authenticator.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chartvault_core::audit::Workstation;
use chartvault_core::clock::SystemClock;
use chartvault_core::session::{Credentials, Env, LoginError, PendingLogin, login};
use chartvault_seal::{OpenOptions, SecretString};
use common::base32_decode;

mod common;

// The exit codes (src/exit.rs).
const OK: i32 = 0;
const USAGE: i32 = 2;
const CREDENTIALS: i32 = 3;
const LOCKED_OUT: i32 = 4;
const DAMAGED: i32 = 5;
const DENIED: i32 = 6;
const IN_USE: i32 = 7;

/// The one answer to every failed login, whatever failed.
const COARSE: &str = "chartvault: the user name, password or code is not right\n";

const CLINIC: &str = "Riverside Family Clinic";
const ADMIN: &str = "ada";
const ADMIN_PASSWORD: &str = "Violet kettle 47 marching north";

/// A user an administrator creates: the first password they are given and
/// the one they choose at their first login.
struct Person {
    name: &'static str,
    role: &'static str,
    display: &'static str,
    first: &'static str,
    own: &'static str,
}

const PAT: Person = Person {
    name: "pat",
    role: "provider",
    display: "Pat Provider",
    first: "Copper lantern 19 drifting south",
    own: "Pearl canyon 28 sleeping fox",
};
const SAM: Person = Person {
    name: "sam",
    role: "staff",
    display: "Sam Staff",
    first: "Granite owl 83 whistling east",
    own: "Tidal spoon 71 quiet harbor",
};
const AUD: Person = Person {
    name: "aud",
    role: "auditor",
    display: "Aud Auditor",
    first: "Maple tractor 62 humming west",
    own: "Ivory bicycle 55 dancing moth",
};
/// A password nobody has.
const WRONG: &str = "Orange piano 12 leaping frog";

// ---------------------------------------------------------------------------
// Running the command

/// The binary under test. Cargo puts it at a path every build of the
/// workspace rewrites (a `cargo build` without this package's test features
/// makes a binary that refuses the fast key derivation), so the tests run
/// a hard link to the binary as it was when they started.
fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let built = PathBuf::from(env!("CARGO_BIN_EXE_chartvault"));
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("end_to_end");
        if std::fs::create_dir_all(&dir).is_err() {
            return built;
        }
        // Links left by earlier runs whose process is gone.
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let gone = name
                    .strip_prefix("chartvault-")
                    .is_some_and(|pid| Path::new("/proc").is_dir() && !Path::new("/proc").join(pid).exists());
                if gone {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let link = dir.join(format!("chartvault-{}", std::process::id()));
        let _ = std::fs::remove_file(&link);
        match std::fs::hard_link(&built, &link) {
            Ok(()) => link,
            Err(_) => built,
        }
    })
}

/// One finished command.
struct Run {
    command: String,
    code: i32,
    stdout: String,
    stderr: String,
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` exited {}\n--- stdout\n{}--- stderr\n{}", self.command, self.code, self.stdout, self.stderr)?;
        if self.stderr.contains("below the floor") {
            write!(
                f,
                "\n(this binary refuses the fast test key derivation: target/debug/chartvault was probably rebuilt \
                 without the test features while the tests ran; run them again)"
            )?;
        }
        Ok(())
    }
}

impl Run {
    #[track_caller]
    fn exits(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "unexpected exit code: {self}");
        self
    }

    #[track_caller]
    fn says(&self, text: &str) -> &Run {
        assert!(self.stdout.contains(text), "stdout lacks {text:?}: {self}");
        self
    }

    #[track_caller]
    fn complains(&self, text: &str) -> &Run {
        assert!(self.stderr.contains(text), "stderr lacks {text:?}: {self}");
        self
    }

    /// A refused login: exit 3 and the coarse message, nothing else.
    #[track_caller]
    fn refused(&self) -> &Run {
        self.exits(CREDENTIALS);
        assert_eq!(self.stderr, COARSE, "not the coarse message: {self}");
        assert_eq!(self.stdout, "", "a refused login printed something: {self}");
        self
    }
}

fn run_cli(vault: &Path, user: Option<&str>, args: &[&str], stdin: &[&str]) -> Run {
    let mut cmd = Command::new(binary());
    cmd.arg("--vault").arg(vault).arg("--password-stdin");
    if let Some(u) = user {
        cmd.args(["--user", u]);
    }
    cmd.args(args)
        .env("CHARTVAULT_TEST_FAST_KDF", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the chartvault binary runs");
    let input: String = stdin.iter().map(|l| format!("{l}\n")).collect();
    // A command refused before it reads its input (a usage error) may have
    // exited already: its closed pipe is not the test's failure.
    match child.stdin.take().expect("piped").write_all(input.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.expect("stdin takes the secrets"),
    }
    let out = child.wait_with_output().expect("chartvault finishes");
    let command = format!("chartvault --user {} {}", user.unwrap_or("-"), args.join(" ")).escape_debug().to_string();
    Run {
        command,
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

// ---------------------------------------------------------------------------
// TOTP codes, as an authenticator app shows them

const STEP: u64 = 30;
/// Seconds between handing out a code and the command checking it, at most:
/// a code must still be within the accepted window then.
const LATENCY: u64 = 10;

fn unix_now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970")
}

/// The administrator's authenticator app, which also remembers the last
/// step it handed out: the vault never accepts a step twice, nor an
/// earlier one.
struct Authenticator {
    totp: totp_rs::Totp,
    last_step: Option<u64>,
}

impl Authenticator {
    fn from_uri(uri: &str) -> Authenticator {
        let secret = uri.split(['?', '&']).find_map(|p| p.strip_prefix("secret=")).expect("the URI has a secret");
        let bytes: [u8; 20] = base32_decode(secret).try_into().expect("a 20-byte secret");
        let totp = totp_rs::Builder::new().with_secret(bytes).build().expect("SHA-1, 6 digits, 30 s");
        Authenticator { totp, last_step: None }
    }

    fn code_of_step(&self, step: u64) -> String {
        self.totp.generate(step * STEP).to_string()
    }

    /// A code the vault will take: of a later step than the last one used,
    /// within one step of the time it is checked. Waits for the next step
    /// when the window is used up.
    fn next_code(&mut self) -> String {
        loop {
            let now = unix_now();
            let current = now.as_secs() / STEP;
            let earliest = (now.as_secs() + LATENCY) / STEP - 1;
            let step = self.last_step.map_or(earliest, |last| (last + 1).max(earliest));
            if step <= current + 1 {
                self.last_step = Some(step);
                return self.code_of_step(step);
            }
            let next = Duration::from_secs((current + 1) * STEP) + Duration::from_millis(200);
            eprintln!("waiting {:.1?} for the next TOTP step", next - now);
            std::thread::sleep(next - now);
        }
    }
}

/// The recovery code printed on the line after `heading`, checked for its shape.
fn recovery_code_after(run: &Run, heading: &str) -> String {
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = lines.iter().position(|l| l.starts_with(heading)).unwrap_or_else(|| panic!("no {heading:?}: {run}"));
    let code = lines.get(at + 1).map(|l| l.trim()).unwrap_or_default();
    let groups: Vec<&str> = code.split('-').collect();
    assert!(
        groups.len() >= 4 && groups.iter().all(|g| g.len() >= 4 && g.chars().all(|c| c.is_ascii_alphanumeric())),
        "the line after the heading is not a recovery code: {run}"
    );
    code.to_owned()
}

// ---------------------------------------------------------------------------
// A clinic's vault

struct Clinic {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    vault: PathBuf,
    /// Every password used so far: none may ever be printed.
    passwords: Vec<String>,
    authenticator: Authenticator,
    /// The recovery code `init` printed.
    recovery: String,
}

impl Clinic {
    /// `chartvault init` in a new directory, checked.
    fn new() -> Clinic {
        let tmp = tempfile::tempdir().expect("a temporary directory");
        let root = tmp.path().to_owned();
        let vault = root.join("vault");
        let run = run_cli(
            &vault,
            None,
            &["init", "--clinic", CLINIC, "--admin", ADMIN, "--display-name", "Ada Admin"],
            &[ADMIN_PASSWORD],
        );
        run.exits(OK).says("Vault created at").says("RECOVERY CODE").says("otpauth://totp/");
        assert!(!run.stdout.contains(ADMIN_PASSWORD) && !run.stderr.contains(ADMIN_PASSWORD), "{run}");

        let recovery = recovery_code_after(&run, "RECOVERY CODE");
        let lines: Vec<&str> = run.stdout.lines().collect();
        let uri = lines.iter().map(|l| l.trim()).find(|l| l.starts_with("otpauth://")).expect("an otpauth URI");
        assert!(uri.starts_with("otpauth://totp/Riverside%20Family%20Clinic:ada?secret="), "{uri}");
        assert!(uri.contains("&algorithm=SHA1&digits=6&period=30"), "{uri}");

        for file in ["vault.cvdb", "vault.keys"] {
            let len = std::fs::metadata(vault.join(file)).map(|m| m.len()).unwrap_or(0);
            assert!(len > 0, "init made no {file}: {run}");
        }
        Clinic {
            recovery,
            authenticator: Authenticator::from_uri(uri),
            _tmp: tmp,
            root,
            vault,
            passwords: vec![ADMIN_PASSWORD.to_owned(), WRONG.to_owned()],
        }
    }

    fn remember(&mut self, password: &str) {
        self.passwords.push(password.to_owned());
    }

    /// A command as `user` on the vault in `vault`, checked for leaked
    /// passwords.
    fn run_at(&self, vault: &Path, user: &str, args: &[&str], stdin: &[&str]) -> Run {
        let run = run_cli(vault, Some(user), args, stdin);
        for p in &self.passwords {
            assert!(!run.stdout.contains(p.as_str()) && !run.stderr.contains(p.as_str()), "a password printed: {run}");
        }
        run
    }

    fn run(&self, user: &str, args: &[&str], stdin: &[&str]) -> Run {
        self.run_at(&self.vault, user, args, stdin)
    }

    /// A command as the administrator: their password, a fresh code, then
    /// `more`.
    fn admin(&mut self, args: &[&str], more: &[&str]) -> Run {
        let code = self.authenticator.next_code();
        let mut stdin = vec![ADMIN_PASSWORD, code.as_str()];
        stdin.extend_from_slice(more);
        self.run(ADMIN, args, &stdin)
    }

    /// `user add`, checked.
    fn add(&mut self, p: &Person) {
        self.remember(p.first);
        self.remember(p.own);
        self.admin(&["user", "add", p.name, "--role", p.role, "--display-name", p.display], &[p.first])
            .exits(OK)
            .says(&format!("Created {} ({})", p.name, p.role));
    }

    /// A new user's first login: they choose their own password; after
    /// that the first one is refused and their own opens the vault (once
    /// the throttle's second has passed), leaving no failure counted.
    fn first_login(&self, p: &Person) {
        let whoami = format!("{} ({}), {}\n", p.name, p.display, p.role);
        self.run(p.name, &["login"], &[p.first, p.own]).exits(OK).says(&whoami).complains("choose your own now");
        self.run(p.name, &["login"], &[p.first]).refused();
        wait_after(1);
        let again = self.run(p.name, &["login"], &[p.own]);
        again.exits(OK);
        assert_eq!(again.stdout, whoami, "{again}");
        assert_eq!(again.stderr, "", "no new password is asked for again: {again}");
    }

    /// `user list` as the administrator: (name, role, status) per line.
    fn users(&mut self) -> Vec<(String, String, String)> {
        let run = self.admin(&["user", "list"], &[]);
        run.exits(OK);
        run.stdout
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                assert!(f.len() >= 4, "a user line of fewer than 4 fields: {run}");
                (f[0].to_owned(), f[1].to_owned(), f[2].to_owned())
            })
            .collect()
    }

    /// `audit verify` as `who` (with their password): the entry count.
    fn verify(&self, who: &Person) -> u64 {
        let run = self.run(who.name, &["audit", "verify"], &[who.own]);
        run.exits(OK).says("audit chain intact: ");
        let rest = run.stdout.split("audit chain intact: ").nth(1).unwrap_or_default();
        rest.split(' ').next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no entry count: {run}"))
    }

    /// `audit list` as `who` with `filter`: (who, action, outcome, rest).
    fn audit_list(&self, who: &Person, filter: &[&str]) -> Vec<Listed> {
        let mut args = vec!["audit", "list", "--limit", "1000"];
        args.extend_from_slice(filter);
        let run = self.run(who.name, &args, &[who.own]);
        run.exits(OK);
        run.stdout.lines().map(|l| Listed::parse(l).unwrap_or_else(|| panic!("an odd line {l:?}: {run}"))).collect()
    }
}

/// A line of `audit list`: seq, date, time, UTC, user, action, outcome,
/// then the target and detail if any.
#[derive(Debug)]
struct Listed {
    user: String,
    action: String,
    outcome: String,
    rest: String,
}

impl Listed {
    fn parse(line: &str) -> Option<Listed> {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 7 || f[0].parse::<u64>().is_err() || f[3] != "UTC" {
            return None;
        }
        Some(Listed {
            user: f[4].to_owned(),
            action: f[5].to_owned(),
            outcome: f[6].to_owned(),
            rest: f[7..].join(" "),
        })
    }
}

/// Waits out the throttle after `failures` consecutive failures (1, 2, 4,
/// 8 seconds).
fn wait_after(failures: u32) {
    std::thread::sleep(Duration::from_secs(1 << (failures - 1).min(3)) + Duration::from_millis(300));
}

/// Cells of a CSV text (RFC 4180 quoting).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

/// `N entries written to FILE` → N.
fn written(run: &Run) -> usize {
    run.stdout
        .split(" entries written to ")
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no count of entries written: {run}"))
}

fn report_time(test: &str, started: Instant) {
    eprintln!("{test}: {:.1?}", started.elapsed());
}

// ---------------------------------------------------------------------------
// The tests

/// Steps 1–5 and 7: a clinic is set up, its users log in the first time,
/// a staff member is throttled and locked out and let in again, roles
/// refuse what they do not hold, and the auditor reads, verifies and
/// exports the audit trail, failed logins included.
#[test]
fn a_clinic_is_set_up_its_users_log_in_and_the_auditor_sees_every_failure() {
    let started = Instant::now();
    let mut c = Clinic::new();

    // 2. The administrator creates a provider, a staff member, an auditor.
    for p in [&PAT, &SAM, &AUD] {
        c.add(p);
    }

    // 3. Each chooses their own password at the first login.
    for p in [&PAT, &SAM, &AUD] {
        c.first_login(p);
    }

    // 4. Throttling and lockout.
    c.run(SAM.name, &["login"], &[WRONG]).refused(); // 1
    wait_after(1);
    c.run(SAM.name, &["login"], &[WRONG]).refused(); // 2
    wait_after(2);
    c.run(SAM.name, &["login"], &[WRONG]).refused(); // 3
    // Straight away, even the right password must wait (4 seconds now).
    c.run(SAM.name, &["login"], &[SAM.own])
        .exits(LOCKED_OUT)
        .complains("please wait until")
        .complains("before trying again");
    // An unknown name is answered exactly as a wrong password.
    let unknown = c.run("nobody", &["login"], &[WRONG]);
    unknown.refused();
    wait_after(3);
    c.run(SAM.name, &["login"], &[WRONG]).refused(); // 4
    wait_after(4);
    c.run(SAM.name, &["login"], &[WRONG]).exits(LOCKED_OUT).complains("too many failed attempts: locked until"); // 5
    c.run(SAM.name, &["login"], &[SAM.own]).exits(LOCKED_OUT).complains("too many failed attempts: locked until");

    // 2. All four users, with their roles.
    let mut users = c.users();
    users.sort();
    let expected = [
        ("ada", "administrator", "active"),
        ("aud", "auditor", "active"),
        ("pat", "provider", "active"),
        ("sam", "staff", "active"),
    ];
    let expected: Vec<(String, String, String)> =
        expected.iter().map(|(a, b, s)| (a.to_string(), b.to_string(), s.to_string())).collect();
    assert_eq!(users, expected);

    // 4. The administrator lifts the lockout; the right password works.
    c.admin(&["user", "unlock", SAM.name], &[]).exits(OK).says("sam may try again.");
    c.run(SAM.name, &["login"], &[SAM.own]).exits(OK).says("sam (Sam Staff), staff");

    // 5. What a role does not hold is refused, with exit 6.
    c.run(SAM.name, &["user", "list"], &[SAM.own]).exits(DENIED).complains("permission denied: user_admin");
    c.run(SAM.name, &["audit", "list"], &[SAM.own]).exits(DENIED).complains("permission denied: audit_read");
    c.run(SAM.name, &["rekey"], &[SAM.own]).exits(DENIED).complains("permission denied: rekey");
    c.run(AUD.name, &["user", "list"], &[AUD.own]).exits(DENIED).complains("permission denied: user_admin");
    c.run(PAT.name, &["audit", "verify"], &[PAT.own]).exits(DENIED).complains("permission denied: audit_read");

    // 7. The auditor: the chain is intact.
    let entries = c.verify(&AUD);
    assert!(entries > 30, "{entries} entries");

    // Every failed login, queued before a vault was open, is in the trail,
    // the unknown name too.
    let failures = c.audit_list(&AUD, &["--action", "login_failed"]);
    assert!(failures.iter().all(|e| e.action == "login_failed" && e.outcome == "failed"), "{failures:#?}");
    let count =
        |user: &str, detail: &str| failures.iter().filter(|e| e.user == user && e.rest.contains(detail)).count();
    // Sam: the first password once it was changed, then five wrong ones.
    assert_eq!(count("sam", "(wrong user name or password)"), 6, "{failures:#?}");
    assert_eq!(count("sam", "(attempt while locked out)"), 1, "{failures:#?}");
    assert_eq!(count("pat", "(wrong user name or password)"), 1, "{failures:#?}");
    assert_eq!(count("aud", "(wrong user name or password)"), 1, "{failures:#?}");
    assert_eq!(count("nobody", "(wrong user name or password)"), 1, "{failures:#?}");
    assert_eq!(failures.len(), 10, "{failures:#?}");
    let denials = c.audit_list(&AUD, &["--action", "permission_denied"]);
    let denied: Vec<&str> = denials.iter().map(|e| e.user.as_str()).collect();
    assert_eq!(denied, ["pat", "aud", "sam", "sam", "sam"], "newest first: {denials:#?}");
    let lockouts = c.audit_list(&AUD, &["--action", "lockout"]);
    assert!(lockouts.len() == 1 && lockouts[0].user == "sam", "{lockouts:#?}");
    let lifted = c.audit_list(&AUD, &["--action", "lockout_lifted"]);
    assert!(lifted.len() == 1 && lifted[0].user == "ada" && lifted[0].rest.contains("user:sam"), "{lifted:#?}");

    // The export: a header, then one row per entry of the trail.
    let csv = c.root.join("trail.csv");
    let csv_arg = csv.to_str().expect("a UTF-8 path");
    let run = c.run(AUD.name, &["audit", "export", "--out", csv_arg, "--limit", "100000"], &[AUD.own]);
    run.exits(OK).says(&format!("entries written to {csv_arg}"));
    let n = written(&run);
    let text = std::fs::read_to_string(&csv).expect("the export is written");
    let rows = parse_csv(&text);
    assert_eq!(rows[0][..4], ["seq", "at", "user_id", "username"], "the header: {:?}", rows[0]);
    assert!(rows[0].iter().any(|h| h == "action") && rows[0].iter().any(|h| h == "hash"), "{:?}", rows[0]);
    assert_eq!(rows.len(), n + 1, "a header and {n} rows:\n{text}");
    let columns = rows[0].len();
    assert!(rows.iter().all(|r| r.len() == columns), "rows of other widths:\n{text}");
    let mut seqs: Vec<usize> = rows[1..].iter().map(|r| r[0].parse().expect("a seq")).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=n).collect::<Vec<_>>(), "one row per entry, each once");
    let action = rows[0].iter().position(|h| h == "action").expect("an action column");
    let failed_rows: Vec<&Vec<String>> = rows[1..].iter().filter(|r| r[action] == "login_failed").collect();
    assert_eq!(failed_rows.len(), 10, "{failed_rows:#?}");
    assert!(failed_rows.iter().any(|r| r[3] == "nobody"), "{failed_rows:#?}");
    // The export saw every entry so far: after it come its own entry, the
    // auditor's logout and next login.
    assert!(n as u64 > entries, "{n} rows, {entries} entries before");
    assert_eq!(c.verify(&AUD), n as u64 + 3);

    report_time("a_clinic_is_set_up_its_users_log_in_and_the_auditor_sees_every_failure", started);
}

/// Step 6, part 1: empty, short and long user names; passwords given as
/// arguments.
#[test]
fn bad_user_names_and_passwords_as_arguments_are_refused_and_create_nothing() {
    let started = Instant::now();
    let mut c = Clinic::new();
    c.remember(SAM.first);

    // A password is never an argument: clap refuses it before anything.
    let joined = format!("--password={}", SAM.first);
    for args in [
        vec!["user", "add", "sam", "--role", "staff", "--password", SAM.first],
        vec!["user", "add", "sam", "--role", "staff", joined.as_str()],
        vec!["login", "--password", ADMIN_PASSWORD],
    ] {
        let run = c.run(ADMIN, &args, &[ADMIN_PASSWORD]);
        run.exits(USAGE).complains("unexpected argument '--password");
        assert_eq!(run.stdout, "", "{run}");
    }

    let long = "a".repeat(40);
    for (name, why) in [
        ("", "it is empty"),
        ("ab", "it is shorter than 3 characters"),
        (long.as_str(), "it is longer than 32 characters"),
    ] {
        let run = c.admin(&["user", "add", name, "--role", "staff"], &[SAM.first]);
        run.exits(USAGE).complains(&format!("chartvault: the user name \"{name}\" cannot be used: {why}"));
        assert_eq!(run.stdout, "", "{run}");
    }

    let users = c.users();
    assert_eq!(users, [("ada".to_owned(), "administrator".to_owned(), "active".to_owned())], "nothing created");
    report_time("bad_user_names_and_passwords_as_arguments_are_refused_and_create_nothing", started);
}

/// Step 6, part 2: a name in another script, a name with a control
/// character, and authenticator codes that are not six digits.
#[test]
fn lookalike_and_control_character_names_and_malformed_codes_are_refused() {
    let started = Instant::now();
    let mut c = Clinic::new();
    c.remember(SAM.first);

    // Not six digits: a refused login like any other. Each counts as a
    // failure, so the next attempt waits out the throttle.
    c.run(ADMIN, &["login"], &[ADMIN_PASSWORD, "12345"]).refused();
    wait_after(1);
    c.run(ADMIN, &["login"], &[ADMIN_PASSWORD, "abcdef"]).refused();
    wait_after(2);

    // "аlice" with a Cyrillic а.
    let run = c.admin(&["user", "add", "\u{430}lice", "--role", "staff"], &[SAM.first]);
    run.exits(USAGE).complains("the user name \"\u{430}lice\" cannot be used").complains("no accents or other scripts");
    assert_eq!(run.stdout, "", "{run}");

    // A control character is named, not printed.
    let run = c.admin(&["user", "add", "bad\u{7}name", "--role", "staff"], &[SAM.first]);
    run.exits(USAGE).complains("the user name \"bad\\u{7}name\" cannot be used: it contains control characters");
    assert!(!run.stderr.contains('\u{7}'), "{run}");
    assert_eq!(run.stdout, "", "{run}");

    let users = c.users();
    assert_eq!(users, [("ada".to_owned(), "administrator".to_owned(), "active".to_owned())], "nothing created");
    report_time("lookalike_and_control_character_names_and_malformed_codes_are_refused", started);
}

/// Steps 8 and 9: removing a user rotates the vault key, so their copy of
/// the old key-slot file opens nothing written afterwards; a rekey keeps
/// the trail intact.
#[test]
fn a_removed_user_is_revoked_even_with_an_old_key_file_and_rekey_keeps_the_trail() {
    let started = Instant::now();
    let mut c = Clinic::new();
    c.add(&PAT);
    c.add(&AUD);
    c.first_login(&PAT);
    c.first_login(&AUD);
    let before = c.verify(&AUD);

    // Pat keeps a copy of the vault as it is now.
    let old = c.root.join("old");
    std::fs::create_dir_all(&old).expect("a directory");
    for f in ["vault.keys", "vault.cvdb"] {
        std::fs::copy(c.vault.join(f), old.join(f)).expect("a copy");
    }

    let run = c.admin(&["user", "remove", PAT.name], &[]);
    run.exits(OK).says("pat is removed.").says("rotated");

    // The current database beside the old key-slot file: not a vault Pat
    // can open.
    let mixed = c.root.join("mixed").join("vault");
    std::fs::create_dir_all(&mixed).expect("a directory");
    std::fs::copy(c.vault.join("vault.cvdb"), mixed.join("vault.cvdb")).expect("a copy");
    std::fs::copy(old.join("vault.keys"), mixed.join("vault.keys")).expect("a copy");
    let run = c.run_at(&mixed, PAT.name, &["login"], &[PAT.own]);
    assert_ne!(run.code, OK, "the old key file opened the rotated vault: {run}");
    run.exits(DAMAGED);
    // (The old copy as a whole still opens for Pat: the copy itself was good.)
    let old_pair = c.root.join("old-pair").join("vault");
    std::fs::create_dir_all(&old_pair).expect("a directory");
    for f in ["vault.keys", "vault.cvdb"] {
        std::fs::copy(old.join(f), old_pair.join(f)).expect("a copy");
    }
    c.run_at(&old_pair, PAT.name, &["login"], &[PAT.own]).exits(OK);

    // Nor the real vault.
    c.run(PAT.name, &["login"], &[PAT.own]).refused();

    let removed = c.audit_list(&AUD, &["--action", "user_removed"]);
    assert!(removed.len() == 1 && removed[0].user == "ada" && removed[0].rest.contains("user:pat"), "{removed:#?}");
    assert_eq!(c.audit_list(&AUD, &["--action", "revocation"]).len(), 1);

    // 9. Rekey.
    c.admin(&["rekey"], &[]).exits(OK).says("Rekeyed");
    let after = c.verify(&AUD);
    assert!(after > before, "{after} entries after, {before} before");
    let rekeys = c.audit_list(&AUD, &["--action", "rekey"]);
    assert!(rekeys.len() == 1 && rekeys[0].user == "ada" && rekeys[0].outcome == "success", "{rekeys:#?}");

    // The old key file opens nothing after the rekey either.
    std::fs::copy(c.vault.join("vault.cvdb"), mixed.join("vault.cvdb")).expect("a copy");
    std::fs::copy(old.join("vault.keys"), mixed.join("vault.keys")).expect("a copy");
    c.run_at(&mixed, PAT.name, &["login"], &[PAT.own]).exits(DAMAGED);
    report_time("a_removed_user_is_revoked_even_with_an_old_key_file_and_rekey_keeps_the_trail", started);
}

/// Step 10: while another program holds the vault, a command is refused
/// with exit 7 and says so.
///
/// With `--password-stdin` the command reads all of standard input before
/// it opens the vault, so a `chartvault login` kept waiting on its
/// standard input holds nothing. The holder here is this test process: a
/// login through the library waits for the administrator's code with the
/// vault open, as the desktop app does.
#[test]
fn a_vault_held_by_another_program_is_refused_with_exit_7() {
    let started = Instant::now();
    let mut c = Clinic::new();

    let env = Env {
        clock: Arc::new(SystemClock),
        workstation: Workstation::current(&c.root).expect("a workstation id"),
        open: OpenOptions::default(),
        state_dir: None,
    };
    let password = SecretString::from(ADMIN_PASSWORD.to_owned());
    let creds = Credentials { username: ADMIN, password: &password, code: None };
    let held: Box<PendingLogin> = match login(&c.vault, &creds, &env) {
        Err(LoginError::CodeNeeded(pending)) => pending,
        Err(e) => panic!("the login did not wait for a code: {e}"),
        Ok(_) => panic!("the login did not ask for a code"),
    };

    let pid = std::process::id();
    for args in [&["login"][..], &["user", "list"], &["audit", "verify"]] {
        let run = c.run(ADMIN, args, &[ADMIN_PASSWORD]);
        run.exits(IN_USE).complains("in use by another Chartvault program").complains(&format!("(process {pid})"));
        assert_eq!(run.stdout, "", "{run}");
    }
    let run = c.run("nobody", &["login"], &[WRONG]);
    run.exits(IN_USE).complains("in use");

    drop(held);
    // Free again. The refusals counted as no failed login, but the code
    // prompt abandoned above did (a right password without its code is what
    // a stolen password looks like): wait the one second it asks for.
    wait_after(1);
    c.admin(&["login"], &[]).exits(OK).says("ada (Ada Admin), administrator");
    report_time("a_vault_held_by_another_program_is_refused_with_exit_7", started);
}

/// `audit export --out FILE`, without a limit, writes the whole trail.
#[test]
fn an_export_without_a_limit_writes_every_entry() {
    let started = Instant::now();
    let mut c = Clinic::new();
    c.add(&AUD);
    c.first_login(&AUD);
    for _ in 0..25 {
        c.run(AUD.name, &["login"], &[AUD.own]).exits(OK);
    }
    let entries = c.verify(&AUD);
    assert!(entries > 50, "{entries} entries");

    let csv = c.root.join("trail.csv");
    let csv_arg = csv.to_str().expect("a UTF-8 path");
    let run = c.run(AUD.name, &["audit", "export", "--out", csv_arg], &[AUD.own]);
    run.exits(OK);
    let n = written(&run);
    let rows = parse_csv(&std::fs::read_to_string(&csv).expect("the export is written"));
    assert_eq!(rows.len(), n + 1, "a header and {n} rows");
    // The verify's logout and the export's login come after the count.
    assert_eq!(n as u64, entries + 2, "the export holds {n} of the trail's {} entries: {run}", entries + 2);
    // Regression: a second export to the same name is refused, the first kept
    // (it used to be replaced).
    let before = std::fs::read(&csv).unwrap();
    c.run(AUD.name, &["audit", "export", "--out", csv_arg], &[AUD.own]).exits(2).complains("never overwrites");
    assert_eq!(std::fs::read(&csv).unwrap(), before);
    report_time("an_export_without_a_limit_writes_every_entry", started);
}

/// An export refused for want of the permission leaves the file named by
/// `--out` as it was.
#[test]
fn a_refused_export_leaves_the_out_file_alone() {
    let started = Instant::now();
    let mut c = Clinic::new();
    c.add(&SAM);
    c.first_login(&SAM);

    let out = c.root.join("notes.txt");
    std::fs::write(&out, "Sam's own notes\n").expect("a file");
    let out_arg = out.to_str().expect("a UTF-8 path");
    let run = c.run(SAM.name, &["audit", "export", "--out", out_arg], &[SAM.own]);
    run.exits(DENIED).complains("permission denied: audit_export");
    let now = std::fs::read_to_string(&out).unwrap_or_else(|e| format!("(unreadable: {e})"));
    assert_eq!(now, "Sam's own notes\n", "the refused export rewrote {out_arg}: {run}");
    report_time("a_refused_export_leaves_the_out_file_alone", started);
}

/// The administration commands the other scenarios do not reach: policy,
/// disable and enable, an administrator's password reset, and getting back
/// in with the recovery code.
#[test]
fn policies_disabling_enabling_resets_and_the_recovery_code_work_from_the_command_line() {
    let mut c = Clinic::new();
    c.add(&SAM);
    c.first_login(&SAM);

    c.admin(&["policy", "set", "idle_timeout_minutes", "5"], &[]).exits(OK).says("idle_timeout_minutes: 10 -> 5");
    c.admin(&["policy", "set", "no_such_setting", "1"], &[]).exits(USAGE).complains("no such setting");
    c.admin(&["policy", "show"], &[]).exits(OK).says("idle_timeout_minutes = 5").says("lockout_after = 5");

    c.admin(&["user", "disable", "sam", "--no-rekey"], &[]).exits(OK).says("sam is disabled");
    c.run("sam", &["login"], &[SAM.own]).exits(CREDENTIALS);
    let enabled_first = "Walnut ferry 44 counting stars";
    let enabled_own = "Saffron kite 90 under bridges";
    c.remember(enabled_first);
    c.remember(enabled_own);
    c.admin(&["user", "enable", "sam"], &[enabled_first]).exits(OK).says("sam is enabled");
    wait_after(1);
    c.run("sam", &["login"], &[enabled_first, enabled_own]).exits(OK).complains("choose your own now");

    let reset = "Lilac anchor 63 behind clouds";
    let chosen = "Hollow drum 17 beside rivers";
    c.remember(reset);
    c.remember(chosen);
    c.admin(&["user", "reset-password", "sam"], &[reset]).exits(OK).says("must choose a new password");
    c.run("sam", &["login"], &[reset, chosen]).exits(OK).complains("choose your own now");
    c.run("sam", &["login"], &[chosen]).exits(OK);

    // A new recovery code (the old one may have been seen): printed once,
    // the vault key rotated, refused to staff, and the old code retired.
    let old_recovery = c.recovery.clone();
    c.run("sam", &["new-recovery-code"], &[chosen]).exits(DENIED).complains("permission denied: rekey");
    let run = c.admin(&["new-recovery-code"], &[]);
    run.exits(OK).says("The old code no longer opens this vault").says("Vault key rotated");
    c.recovery = recovery_code_after(&run, "NEW RECOVERY CODE");
    assert_ne!(c.recovery, old_recovery);
    let new_admin = "Marble comet 36 over meadows";
    c.run_at(&c.vault, ADMIN, &["recovery", "--admin", ADMIN], &[old_recovery.as_str(), new_admin]).exits(CREDENTIALS);
    let run = c.admin(&["audit", "list", "--action", "recovery_code_replaced"], &[]);
    let replaced: Vec<Listed> = run.stdout.lines().filter_map(Listed::parse).collect();
    assert!(replaced.len() == 1 && replaced[0].user == "ada" && replaced[0].outcome == "success", "{replaced:#?}");

    // Ada forgot her password: the recovery code sets a new one.
    c.remember(new_admin);
    let recovery = c.recovery.clone();
    let run = c.run_at(&c.vault, ADMIN, &["recovery", "--admin", ADMIN], &[recovery.as_str(), new_admin]);
    run.exits(OK).says("ada can log in with the new password");
    let code = c.authenticator.next_code();
    c.run(ADMIN, &["login"], &[new_admin, code.as_str()]).exits(OK).says("ada (Ada Admin), administrator");
    let wrong_code =
        c.run_at(&c.vault, ADMIN, &["recovery", "--admin", ADMIN], &["AAAAA-BBBBB-CCCCC-DDDDD", new_admin]);
    wrong_code.exits(CREDENTIALS);

    // Ada lost her phone as well: the recovery code clears her
    // authenticator, and she must set up a new one before anything else.
    let newer = "Quartz harbour 58 under lanterns";
    c.remember(newer);
    let args = ["recovery", "--admin", ADMIN, "--lost-authenticator"];
    let run = c.run_at(&c.vault, ADMIN, &args, &[c.recovery.as_str(), newer]);
    run.exits(OK).says("ada can log in with the new password").says("authenticator is cleared");
    c.run(ADMIN, &["login"], &[newer]).exits(OK).says("ada (Ada Admin), administrator");
    c.run(ADMIN, &["user", "list"], &[newer]).exits(DENIED).complains("enrol one first");
    let run = c.run(ADMIN, &["account", "totp-enroll"], &[newer, "000000"]);
    run.exits(CREDENTIALS).says("otpauth://totp/");
}

#[test]
fn patients_are_registered_found_and_shown_from_the_command_line_within_each_role() {
    let started = Instant::now();
    let mut c = Clinic::new();
    c.add(&PAT);
    c.add(&SAM);
    c.first_login(&PAT);
    c.first_login(&SAM);
    let add = c.run(
        PAT.name,
        &[
            "patient",
            "add",
            "--given",
            "José",
            "--family",
            "Núñez",
            "--born",
            "1961-04-12",
            "--sex",
            "male",
            "--phone",
            "555-0142",
        ],
        &[PAT.own],
    );
    add.exits(OK).says("registered patient 1 as MRN-000001");
    c.run(PAT.name, &["patient", "add", "--given", "X", "--family", "Y", "--born", "12/04/1961"], &[PAT.own])
        .exits(USAGE)
        .complains("not a date");
    c.run(PAT.name, &["patient", "add", "--given", " ", "--family", "Y", "--born", "1961-04-12"], &[PAT.own])
        .exits(USAGE)
        .complains("given name");
    c.run(SAM.name, &["patient", "find", "nun"], &[SAM.own])
        .exits(OK)
        .says("MRN-000001   Núñez, José  born 1961-04-12");
    c.run(SAM.name, &["patient", "find", "5550142"], &[SAM.own]).exits(OK).says("Núñez, José");
    c.run(SAM.name, &["patient", "find", "nobody"], &[SAM.own]).exits(OK).says("no patient matches");
    let staff = c.run(SAM.name, &["patient", "show", "1"], &[SAM.own]);
    staff
        .exits(OK)
        .says("MRN-000001 Núñez, José")
        .says("allergies: not shown (your role does not read the clinical record)");
    let provider = c.run(PAT.name, &["patient", "show", "1"], &[PAT.own]);
    provider.exits(OK).says("allergies:\n  none recorded").says("visits: 0");
    let admin = c.admin(&["patient", "find", "nun"], &[]);
    admin.exits(DENIED).complains("patient_read");
    c.run(SAM.name, &["patient", "show", "99"], &[SAM.own]).exits(1).complains("no patient record 99");
    report_time("patients_are_registered_found_and_shown_from_the_command_line_within_each_role", started);
}
