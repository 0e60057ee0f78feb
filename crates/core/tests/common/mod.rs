//! What the integration tests share: a vault with an administrator (ada,
//! TOTP enrolled) and a staff member (sam), on an injected clock.
#![allow(dead_code)]

use std::sync::Arc;

use chartvault_core::access::Role;
use chartvault_core::admin::NewUser;
use chartvault_core::audit::{Action, Filter, Workstation};
use chartvault_core::auth::totp;
use chartvault_core::clock::{Clock, ManualClock};
use chartvault_core::init::{FirstAdmin, Initialized, init};
use chartvault_core::records::{PatientFields, Sex};
use chartvault_core::session::{Credentials, Env, LoginError, Session, login};
use chartvault_seal::{CreateOptions, KdfParams, OpenOptions, SecretString};
use chrono::{DateTime, Duration, Utc};

pub const ADMIN_PW: &str = "Violet kettle 47 marching north";
pub const STAFF_PW: &str = "Seven quiet lanterns over Brno";
pub const STAFF_NEW_PW: &str = "Copper heron waits by the weir";

pub fn pw(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

pub struct World {
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub env: Env,
    pub secret: totp::TotpSecret,
}

impl World {
    pub fn vault(&self) -> std::path::PathBuf {
        self.dir.path().join("vault")
    }

    pub fn code(&self) -> String {
        totp::code_at(&self.secret, self.clock.now()).to_string()
    }

    /// Today, on the injected clock.
    pub fn clock_today(&self) -> chrono::NaiveDate {
        self.clock.now().date_naive()
    }

    /// Moves to the next TOTP step, so a fresh code can be used.
    pub fn next_step(&self) {
        self.clock.advance(Duration::seconds(30));
    }

    pub fn admin(&self) -> Session {
        self.next_step();
        let code = self.code();
        let password = pw(ADMIN_PW);
        login(&self.vault(), &Credentials { username: "ada", password: &password, code: Some(&code) }, &self.env)
            .expect("admin login")
    }

    pub fn try_login(&self, user: &str, password: &str, code: Option<&str>) -> Result<Session, LoginError> {
        let password = pw(password);
        login(&self.vault(), &Credentials { username: user, password: &password, code }, &self.env)
    }
}

pub fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let t0 = DateTime::<Utc>::from_timestamp(1_900_000_000, 0).unwrap();
    let clock = Arc::new(ManualClock::at(t0));
    let env = Env {
        clock: clock.clone(),
        workstation: Workstation::new("front-desk", "ws-0001"),
        open: OpenOptions::default(),
        state_dir: Some(dir.path().join("state")),
    };
    let create = CreateOptions { kdf: Some(KdfParams::INSECURE_FAST), ..CreateOptions::default() };
    let password = pw(ADMIN_PW);
    let admin = FirstAdmin { username: "ada", display_name: "Ada Admin", password: &password };
    let Initialized { session, totp_secret, .. } =
        init(&dir.path().join("vault"), "Riverside Family Clinic", &admin, &env, &create).unwrap();
    session.logout().unwrap();
    World { dir, clock, env, secret: totp_secret }
}

pub fn add_staff(w: &World) {
    let mut s = w.admin();
    let password = pw(STAFF_PW);
    s.create_user(&NewUser { username: "sam", display_name: "Sam Staff", role: Role::Staff, password: &password })
        .unwrap();
    s.logout().unwrap();
}

pub fn actions(s: &mut Session, action: Action) -> Vec<chartvault_core::audit::Entry> {
    s.audit_list(&Filter { action: Some(action), ..Filter::default() }).unwrap()
}

pub const PROVIDER_PW: &str = "Granite owls count the tides";
pub const PROVIDER_NEW_PW: &str = "Saffron kites drift past Lyon";

/// A provider (pat), signed in with their own password.
pub fn provider(w: &World) -> Session {
    let mut s = w.admin();
    let password = pw(PROVIDER_PW);
    s.create_user(&NewUser {
        username: "pat",
        display_name: "Pat Provider",
        role: Role::Provider,
        password: &password,
    })
    .unwrap();
    s.logout().unwrap();
    let mut pat = w.try_login("pat", PROVIDER_PW, None).unwrap();
    pat.change_own_password(&pw(PROVIDER_PW), &pw(PROVIDER_NEW_PW)).unwrap();
    pat
}

/// A patient's fields with only the required ones set.
pub fn person(given: &str, family: &str) -> PatientFields {
    PatientFields {
        given_name: given.into(),
        family_name: family.into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1906, 12, 9).unwrap(),
        sex: Sex::Female,
        phone: None,
        email: None,
        address: None,
        postal_code: None,
        notes: None,
        restricted: false,
    }
}
