//! `chartvault import patients`, `chartvault demo` and `chartvault bench
//! records` end to end: users are made through core (no authenticator
//! needed for them), then the built binary runs as each would, with
//! `--password-stdin`; exit codes, what is printed and what the vault then
//! holds are checked.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use chartvault_core::access::Role;
use chartvault_core::admin::NewUser;
use chartvault_core::audit::Workstation;
use chartvault_core::clock::SystemClock;
use chartvault_core::init::{FirstAdmin, init};
use chartvault_core::session::{Credentials, Env, login};
use chartvault_seal::{CreateOptions, KdfParams, OpenOptions, SecretString};

const OK: i32 = 0;
const USAGE: i32 = 2;
const DENIED: i32 = 6;

/// (user, role, first password, own password).
const USERS: [(&str, Role, &str, &str); 3] = [
    ("pat", Role::Provider, "Copper lantern 19 drifting south", "Pearl canyon 28 sleeping fox"),
    ("sam", Role::Staff, "Granite owl 83 whistling east", "Tidal spoon 71 quiet harbor"),
    ("aud", Role::Auditor, "Maple tractor 62 humming west", "Ivory bicycle 55 dancing moth"),
];

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn env() -> Env {
    Env {
        clock: Arc::new(SystemClock),
        workstation: Workstation::new("test-host", "ws-import"),
        open: OpenOptions::default(),
    }
}

/// A vault whose users have chosen their own passwords.
fn clinic(root: &Path) -> PathBuf {
    let vault = root.join("vault");
    let create = CreateOptions { kdf: Some(KdfParams::INSECURE_FAST), ..CreateOptions::default() };
    let admin_pw = secret("Violet kettle 47 marching north");
    let first = FirstAdmin { username: "ada", display_name: "Ada Admin", password: &admin_pw };
    let mut ada = init(&vault, "Riverside Family Clinic", &first, &env(), &create).expect("init").session;
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
    vault
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn exits(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "exit code\n--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr);
        self
    }

    #[track_caller]
    fn says(&self, text: &str) -> &Run {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}\n--- stdout\n{}--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    fn complains(&self, text: &str) -> &Run {
        assert!(self.stderr.contains(text), "stderr lacks {text:?}\n--- stderr\n{}", self.stderr);
        self
    }
}

fn run(vault: &Path, user: &str, args: &[&str]) -> Run {
    let own = USERS.iter().find(|u| u.0 == user).map(|u| u.3).expect("a known user");
    let mut child = Command::new(env!("CARGO_BIN_EXE_chartvault"))
        .arg("--vault")
        .arg(vault)
        .args(["--password-stdin", "--user", user])
        .args(args)
        .env("CHARTVAULT_TEST_FAST_KDF", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the chartvault binary runs");
    child.stdin.take().expect("piped").write_all(format!("{own}\n").as_bytes()).expect("stdin");
    let out = child.wait_with_output().expect("chartvault finishes");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn a_csv_file_is_checked_then_imported_with_each_problem_by_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = clinic(tmp.path());
    let file = tmp.path().join("patients.csv");
    std::fs::write(
        &file,
        "\u{feff}given_name,family_name,date_of_birth,sex,notes\r\n\
         José,Núñez,1961-04-12,male,\"two\r\nlines\"\r\n\
         Alan,Turing,12/06/1912,male,\r\n\
         ,Nameless,1950-01-01,robot,\r\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    run(&vault, "sam", &["import", "patients", f, "--dry-run"])
        .exits(USAGE)
        .says("line 4, date_of_birth: \"12/06/1912\" is not a date (YYYY-MM-DD)\n")
        .says("line 5, given_name: is empty\nline 5, sex: \"robot\" is not female, male, other or unknown\n")
        .complains("dry run: 3 rows, 1 pass, 2 with problems; nothing was written");
    run(&vault, "sam", &["import", "patients", f])
        .exits(USAGE)
        .complains("nothing imported: 2 of 3 rows have problems (fix them, or give --skip-bad to import the others)");
    run(&vault, "sam", &["patient", "find", "nunez"]).exits(OK).says("no patient matches");
    run(&vault, "sam", &["import", "patients", f, "--skip-bad"])
        .exits(OK)
        .says("line 4, date_of_birth")
        .says("imported 1 patients (MRN-000001 to MRN-000001) from 3 rows; 2 rows with problems skipped");
    run(&vault, "sam", &["patient", "find", "nunez"]).exits(OK).says("MRN-000001   Núñez, José");

    let png = tmp.path().join("scan.csv");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    run(&vault, "sam", &["import", "patients", png.to_str().unwrap()])
        .exits(USAGE)
        .complains("the file cannot be imported: line 3: it holds a NUL byte");
    run(&vault, "sam", &["import", "patients", "/no/such/file.csv"]).exits(USAGE).complains("cannot read");
    run(&vault, "aud", &["import", "patients", f]).exits(DENIED).complains("patient_write");
}

#[test]
fn demo_data_is_generated_by_a_provider_and_measured_by_the_bench() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = clinic(tmp.path());
    run(&vault, "sam", &["demo", "--patients", "10"]).exits(DENIED).complains("clinical_write");
    run(&vault, "pat", &["demo", "--patients", "30", "--seed", "5", "--visits-per-patient", "2"])
        .exits(OK)
        .says("generated 30 synthetic patients (MRN-000001 to MRN-000030): 60 visits")
        .says("(seed 5)");
    run(&vault, "sam", &["patient", "find", "MRN-000030"]).exits(OK).says("MRN-000030");
    run(&vault, "pat", &["patient", "show", "2"]).exits(OK).says("MRN-000002 ").says("visits: 2\n");
    let front_desk = run(&vault, "sam", &["patient", "show", "2"]);
    front_desk.exits(OK).says("problems: not shown (your role does not read the clinical record)");
    assert!(!front_desk.stdout.contains("visits"), "{}", front_desk.stdout);
    run(&vault, "pat", &["bench", "records", "--searches", "20", "--charts", "5", "--import-rows", "40"])
        .exits(OK)
        .says("| search, all queries | 20 |")
        .says("| open a chart: open_chart, 1 audit commit |")
        .says("vault: 30 patients")
        .says("CSV import of 40 rows");
    run(&vault, "sam", &["patient", "find", "MRN-000070"]).exits(OK).says("MRN-000070");
}
