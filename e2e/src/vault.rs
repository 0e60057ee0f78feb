//! A vault made before the app starts, as the `chartvault` command makes
//! one (the KDF calibrated as for a clinic), for tests and the benchmark
//! that begin at the login screen.

use std::path::Path;

/// The environment the tests' own sessions run in (this workstation, the
/// system clock).
fn env() -> chartvault_core::session::Env {
    chartvault_core::session::Env {
        clock: std::sync::Arc::new(chartvault_core::clock::SystemClock),
        workstation: chartvault_core::audit::Workstation::new("e2e", "0123456789abcdef0123456789abcdef"),
        open: chartvault_seal::OpenOptions::default(),
        state_dir: None,
    }
}

/// Makes a vault in `dir` for `clinic` with the administrator `ada`
/// (password `password`); returns ada's authenticator secret in base 32,
/// as the enrolment screen shows it.
pub fn make_vault(dir: &Path, clinic: &str, password: &str) -> String {
    use chartvault_core::init::{FirstAdmin, init};
    let env = env();
    let password = chartvault_seal::SecretString::from(password.to_owned());
    let admin = FirstAdmin { username: "ada", display_name: "Ada Lovelace", password: &password };
    let done = init(dir, clinic, &admin, &env, &chartvault_seal::CreateOptions::default())
        .unwrap_or_else(|e| panic!("cannot make a vault in {}: {e}", dir.display()));
    let secret = chartvault_core::auth::totp::base32(&done.totp_secret).to_string();
    done.session.logout().unwrap_or_else(|e| panic!("cannot close the new vault: {e}"));
    secret
}

/// Adds users to a vault made by [`make_vault`], as its administrator
/// `ada` would: (user name, role name, first password) each; they choose
/// their own password at their first sign-in.
pub fn add_users(dir: &Path, admin_password: &str, admin_secret: &str, users: &[(&str, &str, &str)]) {
    let mut s = admin_session(dir, admin_password, admin_secret);
    for (name, role, first) in users {
        let first = chartvault_seal::SecretString::from((*first).to_owned());
        let role = chartvault_core::access::Role::parse(role).unwrap();
        let new = chartvault_core::admin::NewUser { username: name, display_name: name, role, password: &first };
        s.create_user(&new).unwrap_or_else(|e| panic!("cannot add {name}: {e}"));
    }
    s.logout().unwrap();
}

/// The administrator `ada` signed in to a vault made by [`make_vault`]
/// (after the app has closed it), waiting for the next TOTP step when this
/// step's code was used already.
pub fn admin_session(dir: &Path, admin_password: &str, admin_secret: &str) -> chartvault_core::session::Session {
    use chartvault_core::session::{Credentials, login};
    let env = env();
    let password = chartvault_seal::SecretString::from(admin_password.to_owned());
    for attempt in 0..2 {
        let code = crate::totp_code_now(admin_secret);
        let creds = Credentials { username: "ada", password: &password, code: Some(&code) };
        match login(dir, &creds, &env) {
            Ok(s) => return s,
            Err(e) if attempt == 0 => {
                eprintln!("ada's sign-in was refused ({e}); trying again at the next code");
                std::thread::sleep(std::time::Duration::from_secs(31));
            }
            Err(e) => panic!("ada cannot sign in: {e}"),
        }
    }
    unreachable!()
}
