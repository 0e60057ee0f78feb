//! What the command's end-to-end tests of records share: a vault whose
//! users (one of each clinical role, no authenticator) have chosen their
//! own passwords, made through core; and the built binary run as one of
//! them with `--password-stdin`.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use chartvault_core::access::Role;
use chartvault_core::admin::NewUser;
use chartvault_core::audit::Workstation;
use chartvault_core::clock::SystemClock;
use chartvault_core::init::{FirstAdmin, init};
use chartvault_core::session::{Credentials, Env, Session, login};
use chartvault_seal::{CreateOptions, KdfParams, OpenOptions, SecretString};

pub const OK: i32 = 0;
pub const OTHER: i32 = 1;
pub const USAGE: i32 = 2;
pub const DENIED: i32 = 6;

/// (user, role, first password, own password).
pub const USERS: [(&str, Role, &str, &str); 3] = [
    ("pat", Role::Provider, "Copper lantern 19 drifting south", "Pearl canyon 28 sleeping fox"),
    ("sam", Role::Staff, "Granite owl 83 whistling east", "Tidal spoon 71 quiet harbor"),
    ("aud", Role::Auditor, "Maple tractor 62 humming west", "Ivory bicycle 55 dancing moth"),
];

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

pub fn own_password(user: &str) -> &'static str {
    USERS.iter().find(|u| u.0 == user).map(|u| u.3).expect("a known user")
}

pub fn env() -> Env {
    Env {
        clock: Arc::new(SystemClock),
        workstation: Workstation::new("test-host", "ws-cli"),
        open: OpenOptions::default(),
        state_dir: None,
    }
}

/// `user` signed in through core.
pub fn session(vault: &Path, user: &str) -> Session {
    let password = secret(own_password(user));
    login(vault, &Credentials { username: user, password: &password, code: None }, &env()).expect("login")
}

/// The administrator's password.
pub const ADMIN_PW: &str = "Violet kettle 47 marching north";

/// A vault in `root` whose [`USERS`] have chosen their own passwords.
pub fn clinic(root: &Path) -> PathBuf {
    clinic_with_admin_codes(root).0
}

/// [`clinic`], and ten one-time codes that stand in for the
/// administrator's (ada's) authenticator, one per command.
pub fn clinic_with_admin_codes(root: &Path) -> (PathBuf, Vec<String>) {
    let vault = root.join("vault");
    let create = CreateOptions { kdf: Some(KdfParams::INSECURE_FAST), ..CreateOptions::default() };
    let admin_pw = secret(ADMIN_PW);
    let first = FirstAdmin { username: "ada", display_name: "Ada Admin", password: &admin_pw };
    let mut ada = init(&vault, "Riverside Family Clinic", &first, &env(), &create).expect("init").session;
    let codes =
        ada.issue_totp_recovery_codes().expect("one-time codes").iter().map(|c| c.expose_secret().to_owned()).collect();
    for (name, role, first, _) in USERS {
        ada.create_user(&NewUser { username: name, display_name: name, role, password: &secret(first) }).unwrap();
    }
    ada.logout().unwrap();
    for (name, _, first, own) in USERS {
        let password = secret(first);
        let mut s = login(&vault, &Credentials { username: name, password: &password, code: None }, &env()).unwrap();
        s.change_own_password(&password, &secret(own)).unwrap();
        s.logout().unwrap();
    }
    (vault, codes)
}

/// How a run of the binary ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn exits(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "exit code\n--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr);
        self
    }

    #[track_caller]
    pub fn says(&self, text: &str) -> &Run {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}\n--- stdout\n{}--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn complains(&self, text: &str) -> &Run {
        assert!(self.stderr.contains(text), "stderr lacks {text:?}\n--- stderr\n{}", self.stderr);
        self
    }
}

/// The `XDG_DATA_HOME` the binary runs with: beside the vault.
pub fn data_home(vault: &Path) -> PathBuf {
    vault.parent().expect("the vault is in a folder").join("xdg")
}

/// Every log file the binary wrote, concatenated.
pub fn logs(vault: &Path) -> String {
    let dir = data_home(vault).join("chartvault").join("logs");
    let mut text = String::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("no log folder {}: {e}", dir.display())) {
        text.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    text
}

/// The binary as `user`, the user's password on standard input; the
/// password never appears in what it prints.
pub fn run(vault: &Path, user: &str, args: &[&str]) -> Run {
    run_with(vault, user, args, &[own_password(user)])
}

/// The binary as `user` with `lines` on standard input (password, code,
/// further secrets); none of them appears in what it prints.
pub fn run_with(vault: &Path, user: &str, args: &[&str], lines: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chartvault"))
        .arg("--vault")
        .arg(vault)
        .args(["--password-stdin", "--user", user])
        .args(args)
        .env("CHARTVAULT_TEST_FAST_KDF", "1")
        // Logs (the per-user data directory's) beside the vault, not in the tester's home.
        .env("XDG_DATA_HOME", data_home(vault))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the chartvault binary runs");
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    // A command refused by clap exits before it reads its input.
    match child.stdin.take().expect("piped").write_all(input.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("stdin: {e}"),
        _ => {}
    }
    let out = child.wait_with_output().expect("chartvault finishes");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    for l in lines {
        assert!(!run.stdout.contains(l) && !run.stderr.contains(l), "a secret was printed");
    }
    run
}

/// RFC 4648 base32, as in an otpauth URI.
pub fn base32_decode(text: &str) -> Vec<u8> {
    let (mut bits, mut count, mut out) = (0u32, 0u32, Vec::new());
    for c in text.trim_end_matches('=').bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("{:?} is not base32", c as char),
        };
        bits = (bits << 5) | u32::from(value);
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}
