//! Identity end to end through core, on real sealed vaults, with the clock
//! injected: login with TOTP, throttling and lockout, queued failures in the
//! audit trail, permissions enforced and denials audited, idle lock,
//! forced password change, asking for the password again, revocation.

use std::sync::Arc;

use chartvault_core::CoreError;
use chartvault_core::access::{Permission, Role};
use chartvault_core::admin::NewUser;
use chartvault_core::audit::{Action, Filter, Outcome, Workstation};
use chartvault_core::auth::totp;
use chartvault_core::clock::{Clock, ManualClock};
use chartvault_core::init::{Authenticator, FirstAdmin, Initialized, init};

const KEEP: Authenticator = Authenticator::Keep;
use chartvault_core::session::{Credentials, Env, LoginError, Session, login};
use chartvault_seal::{CreateOptions, KdfParams, OpenOptions, SecretString, Unlock, Vault};
use chrono::{DateTime, Duration, Utc};
use secrecy::ExposeSecret;

mod common;

use common::*;

#[test]
fn an_administrator_needs_the_code_and_a_code_is_never_accepted_twice() {
    let w = world();
    // Without a code: the vault opened, the code is asked for.
    w.next_step();
    match w.try_login("ada", ADMIN_PW, None) {
        Err(LoginError::CodeNeeded(pending)) => {
            let s = pending.finish(&w.code()).expect("the right code completes the login");
            s.logout().unwrap();
        }
        other => panic!("{other:?}"),
    }
    // The same code again, in the same step: refused (replay).
    let code = w.code();
    assert!(matches!(w.try_login("ada", ADMIN_PW, Some(&code)), Err(LoginError::Failed)));
    // One step later, the code of that step works; two steps ahead does not.
    w.clock.advance(Duration::seconds(2));
    w.next_step();
    let ahead = totp::code_at(&w.secret, w.clock.now() + Duration::seconds(60)).to_string();
    assert!(matches!(w.try_login("ada", ADMIN_PW, Some(&ahead)), Err(LoginError::Failed)));
    w.next_step();
    // The previous step's code: later than the last accepted one, so fresh.
    let behind = totp::code_at(&w.secret, w.clock.now() - Duration::seconds(30)).to_string();
    w.try_login("ada", ADMIN_PW, Some(&behind)).expect("one step behind is accepted").logout().unwrap();
    for bad in ["12345", "1234567", "abcdef", ""] {
        w.clock.advance(Duration::seconds(10));
        assert!(
            matches!(w.try_login("ada", ADMIN_PW, Some(bad)), Err(LoginError::Failed | LoginError::LockedOut { .. })),
            "{bad:?}"
        );
    }
}

#[test]
fn failures_throttle_then_lock_out_and_reach_the_audit_trail_at_the_next_login() {
    let w = world();
    add_staff(&w);
    // An unknown name and a wrong password look the same.
    let unknown = w.try_login("nobody", "whatever password", None).unwrap_err().to_string();
    w.clock.advance(Duration::seconds(10));
    let wrong = w.try_login("sam", "not the password", None).unwrap_err().to_string();
    assert_eq!(unknown, wrong);
    // Right away again: wait first.
    assert!(matches!(w.try_login("sam", STAFF_PW, None), Err(LoginError::TooSoon { .. })));
    for _ in 0..4 {
        w.clock.advance(Duration::seconds(10));
        let _ = w.try_login("sam", "not the password", None);
    }
    w.clock.advance(Duration::seconds(10));
    // Locked out: even the right password is refused.
    assert!(matches!(w.try_login("sam", STAFF_PW, None), Err(LoginError::LockedOut { .. })));
    // The administrator lifts it (asking for the password again first).
    let mut admin = w.admin();
    admin.reauthenticate(&pw(ADMIN_PW)).unwrap();
    admin.lift_lockout("sam").unwrap();
    let failed = actions(&mut admin, Action::LoginFailed);
    let names: Vec<&str> = failed.iter().map(|e| e.actor.username.as_str()).collect();
    assert!(names.contains(&"nobody"), "{names:?}");
    assert_eq!(names.iter().filter(|n| **n == "sam").count(), 6, "{names:?}");
    assert!(failed.iter().all(|e| e.workstation.host == "front-desk" && e.event.outcome == Outcome::Failed));
    admin.logout().unwrap();
    // Sam logs in, and must choose a new password before anything else.
    w.clock.advance(Duration::seconds(10));
    let mut sam = w.try_login("sam", STAFF_PW, None).expect("after the lockout is lifted");
    assert!(matches!(sam.require(Permission::PatientRead, None), Err(CoreError::MustChangePassword)));
    assert!(matches!(sam.change_own_password(&pw(STAFF_PW), &pw("short")), Err(CoreError::PasswordPolicy(_))));
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    sam.require(Permission::PatientRead, None).unwrap();
    sam.logout().unwrap();
    w.clock.advance(Duration::seconds(10));
    assert!(w.try_login("sam", STAFF_PW, None).is_err());
}

#[test]
fn a_denied_operation_changes_nothing_and_is_audited() {
    let w = world();
    add_staff(&w);
    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    let other = pw("Another long passphrase 88");
    let e = sam
        .create_user(&NewUser { username: "eve", display_name: "Eve", role: Role::Administrator, password: &other })
        .unwrap_err();
    assert!(matches!(e, CoreError::Denied(Permission::UserAdmin)), "{e:?}");
    assert!(matches!(sam.list_users(), Err(CoreError::Denied(_))));
    assert!(matches!(sam.audit_verify(None), Err(CoreError::Denied(Permission::AuditRead))));
    sam.logout().unwrap();
    let mut admin = w.admin();
    assert!(admin.list_users().unwrap().iter().all(|u| u.username.as_str() != "eve"), "nothing created");
    let denied = actions(&mut admin, Action::PermissionDenied);
    assert_eq!(denied.len(), 3, "{denied:?}");
    assert!(denied.iter().all(|e| e.actor.username == "sam" && e.event.outcome == Outcome::Denied));
    assert!(admin.audit_verify(None).unwrap().is_ok());
}

#[test]
fn an_idle_session_locks_drops_its_keys_and_unlocks_with_password_and_code() {
    let w = world();
    let mut s = w.admin();
    s.require(Permission::UserAdmin, None).unwrap();
    w.clock.advance(Duration::minutes(9));
    s.require(Permission::UserAdmin, None).expect("still within the 10 minutes");
    w.clock.advance(Duration::minutes(10));
    assert!(matches!(s.require(Permission::UserAdmin, None), Err(CoreError::Locked)));
    assert!(s.is_locked());
    assert!(matches!(s.audit_verify(None), Err(CoreError::Locked)));
    // The vault is closed: another process could now open it.
    drop(
        Vault::open(&w.vault(), Unlock::Password { slot: "ada", password: &pw(ADMIN_PW) }, &OpenOptions::default())
            .unwrap(),
    );
    w.next_step();
    assert!(s.unlock(&pw("wrong password entirely"), Some(&w.code())).is_err());
    w.clock.advance(Duration::seconds(5));
    w.next_step();
    s.unlock(&pw(ADMIN_PW), Some(&w.code())).unwrap();
    assert!(!s.is_locked());
    let locks = actions(&mut s, Action::Lock);
    assert_eq!(locks.last().unwrap().event.detail.as_deref(), Some("idle timeout"));
    // Explicit lock too.
    s.lock().unwrap();
    assert!(s.is_locked());
}

#[test]
fn sensitive_actions_ask_for_the_password_again_after_five_minutes() {
    let w = world();
    let mut s = w.admin();
    s.set_policy("idle_timeout_minutes", "30").unwrap();
    w.clock.advance(Duration::minutes(6));
    assert!(matches!(s.set_policy("lockout_after", "7"), Err(CoreError::PasswordNeeded)));
    assert!(matches!(s.reauthenticate(&pw("not it at all")), Err(CoreError::WrongPassword)));
    s.reauthenticate(&pw(ADMIN_PW)).unwrap();
    s.set_policy("lockout_after", "7").unwrap();
    assert_eq!(s.policy().lockout_after, 7);
    let changes = actions(&mut s, Action::PolicyChanged);
    assert_eq!(changes.len(), 2);
}

#[test]
fn removing_a_user_with_rotation_leaves_their_old_key_file_opening_nothing() {
    let w = world();
    add_staff(&w);
    let old_keys = std::fs::read(w.vault().join(chartvault_seal::KEYS_FILE)).unwrap();
    let mut admin = w.admin();
    admin.remove_user("sam").unwrap();
    admin.rotate_keys(None).unwrap();
    assert!(admin.audit_verify(None).unwrap().is_ok(), "the chain survives the rotation");
    admin.rekey(None).unwrap();
    assert!(admin.audit_verify(None).unwrap().is_ok(), "and the rekey");
    let revocations = actions(&mut admin, Action::Revocation);
    assert_eq!(revocations.len(), 1);
    admin.logout().unwrap();
    // Sam cannot log in, and the old key file beside today's database opens nothing.
    w.clock.advance(Duration::seconds(10));
    assert!(w.try_login("sam", STAFF_PW, None).is_err());
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(w.vault().join(chartvault_seal::DB_FILE), copy.path().join(chartvault_seal::DB_FILE)).unwrap();
    std::fs::write(copy.path().join(chartvault_seal::KEYS_FILE), old_keys).unwrap();
    let r =
        Vault::open(copy.path(), Unlock::Password { slot: "sam", password: &pw(STAFF_PW) }, &OpenOptions::default());
    assert!(r.is_err(), "the removed user's old slot opens the rotated vault");
}

#[test]
fn breaking_the_glass_opens_one_patient_for_a_while_flagged_and_listed_for_review() {
    let w = world();
    add_staff(&w);
    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    let p42 = sam.register_patient(&person("Grace", "Hopper")).unwrap().id;
    let p43 = sam.register_patient(&person("Ada", "Byron")).unwrap().id;
    assert!(matches!(sam.require(Permission::ClinicalRead, Some(p42)), Err(CoreError::Denied(_))));
    assert!(sam.break_glass(p42, Permission::ClinicalRead, "too short").is_err());
    assert!(sam.break_glass(p42, Permission::UserAdmin, "patient collapsed in the waiting room").is_err());
    let grant = sam.break_glass(p42, Permission::ClinicalRead, "patient collapsed in the waiting room").unwrap();
    sam.require(Permission::ClinicalRead, Some(p42)).expect("granted for that patient");
    assert!(sam.require(Permission::ClinicalRead, Some(p43)).is_err(), "and no other");
    w.clock.advance(Duration::minutes(61));
    sam.lock_if_idle().unwrap();
    sam.logout().unwrap();
    let mut admin = w.admin();
    let pending = admin.emergency_review_list().unwrap();
    assert_eq!(pending.iter().map(|g| g.id).collect::<Vec<_>>(), vec![grant.id]);
    let flagged = admin.audit_list(&Filter { emergency: Some(true), ..Filter::default() }).unwrap();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0].event.patient_id, Some(p42));
    admin.review_emergency(grant.id, Some("checked with the ward")).unwrap();
    assert!(admin.emergency_review_list().unwrap().is_empty());
    admin.logout().unwrap();
    // After its hour the grant no longer counts.
    w.clock.advance(Duration::seconds(10));
    let mut sam = w.try_login("sam", STAFF_NEW_PW, None).unwrap();
    assert!(sam.require(Permission::ClinicalRead, Some(p42)).is_err());
}

#[test]
fn a_recovery_code_stands_in_for_a_lost_authenticator_once_and_policy_can_require_totp() {
    let w = world();
    let mut admin = w.admin();
    let codes = admin.issue_totp_recovery_codes().unwrap();
    assert_eq!(codes.len(), 10);
    admin.set_policy("totp_required_roles", "staff").unwrap();
    let password = pw(STAFF_PW);
    admin
        .create_user(&NewUser { username: "sam", display_name: "Sam", role: Role::Staff, password: &password })
        .unwrap();
    admin.logout().unwrap();
    let code = codes[0].expose_secret().to_owned();
    w.clock.advance(Duration::seconds(1));
    w.try_login("ada", ADMIN_PW, Some(&code)).expect("a recovery code in place of the TOTP code").logout().unwrap();
    w.clock.advance(Duration::seconds(1));
    assert!(w.try_login("ada", ADMIN_PW, Some(&code)).is_err(), "but only once");
    // Staff must now enrol before doing anything.
    w.clock.advance(Duration::seconds(5));
    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    assert!(matches!(sam.require(Permission::PatientRead, None), Err(CoreError::TotpEnrolmentRequired)));
    let (secret, uri) = sam.begin_totp_enrolment().unwrap();
    assert!(uri.starts_with("otpauth://totp/"));
    assert!(
        sam.confirm_totp_enrolment("000000").is_err() || totp::code_at(&secret, w.clock.now()).as_str() == "000000"
    );
    sam.confirm_totp_enrolment(&totp::code_at(&secret, w.clock.now())).unwrap();
    sam.require(Permission::PatientRead, None).unwrap();
}

#[test]
fn every_role_times_every_permission_is_decided_by_the_matrix_inside_the_session_and_denials_are_audited() {
    use chartvault_core::access::role_allows;
    let w = world();
    let mut admin = w.admin();
    let users = [("pat", Role::Provider), ("sam", Role::Staff), ("aud", Role::Auditor)];
    for (name, role) in users {
        let password = pw(STAFF_PW);
        admin.create_user(&NewUser { username: name, display_name: name, role, password: &password }).unwrap();
    }
    admin.logout().unwrap();
    let mut denials = 0;
    // One holder of a vault at a time: each user in turn.
    let check = |role: Role, mut s: Session, denials: &mut usize| {
        for &p in Permission::ALL {
            let got = s.require(p, None).is_ok();
            assert_eq!(got, role_allows(role, p), "{role:?} {p:?}");
            *denials += usize::from(!got);
        }
        s.logout().unwrap();
    };
    check(Role::Administrator, w.admin(), &mut denials);
    for (name, role) in users {
        w.clock.advance(Duration::seconds(1));
        let mut s = w.try_login(name, STAFF_PW, None).unwrap();
        s.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
        check(role, s, &mut denials);
    }
    let mut admin = w.admin();
    let audited = actions(&mut admin, Action::PermissionDenied);
    assert_eq!(audited.len(), denials, "one audit entry per denial");
    assert!(admin.audit_verify(None).unwrap().is_ok());
}

#[test]
fn the_administrators_lockout_policy_holds_before_the_vault_is_open() {
    let w = world();
    add_staff(&w);
    let mut admin = w.admin();
    admin.set_policy("lockout_after", "3").unwrap();
    admin.logout().unwrap();
    for _ in 0..2 {
        w.clock.advance(Duration::seconds(10));
        assert!(matches!(w.try_login("sam", "not the password", None), Err(LoginError::Failed)));
    }
    w.clock.advance(Duration::seconds(10));
    assert!(matches!(w.try_login("sam", "not the password", None), Err(LoginError::LockedOut { .. })), "the third");
}

/// A new vault whose recovery code the test keeps (ada signed in), with
/// no state folder beside it.
fn made_vault() -> (tempfile::TempDir, Arc<ManualClock>, Env, std::path::PathBuf, Initialized) {
    let dir = tempfile::tempdir().unwrap();
    let t0 = DateTime::<Utc>::from_timestamp(1_900_000_000, 0).unwrap();
    let clock = Arc::new(ManualClock::at(t0));
    let env = Env {
        clock: clock.clone(),
        workstation: Workstation::new("office", "ws-9"),
        open: OpenOptions::default(),
        state_dir: None,
    };
    let create = CreateOptions { kdf: Some(KdfParams::INSECURE_FAST), ..CreateOptions::default() };
    let password = pw(ADMIN_PW);
    let admin = FirstAdmin { username: "ada", display_name: "Ada", password: &password };
    let vault = dir.path().join("vault");
    let done = init(&vault, "Clinic", &admin, &env, &create).unwrap();
    (dir, clock, env, vault, done)
}

#[test]
fn the_recovery_code_sets_a_new_administrator_password_and_is_audited() {
    let (_dir, clock, env, vault, done) = made_vault();
    done.session.logout().unwrap();
    let code = SecretString::from(done.recovery_code.expose_secret().to_owned());
    let new_pw = pw("Forty orange bicycles at dawn");
    assert!(chartvault_core::init::recover_admin(&vault, &pw("AAAAA-BBBBB"), "ada", &new_pw, KEEP, &env).is_err());
    assert!(matches!(
        chartvault_core::init::recover_admin(&vault, &code, "ada", &pw("short"), KEEP, &env),
        Err(CoreError::PasswordPolicy(_))
    ));
    chartvault_core::init::recover_admin(&vault, &code, "ada", &new_pw, KEEP, &env).unwrap();
    clock.advance(Duration::seconds(30));
    let c = totp::code_at(&done.totp_secret, clock.now()).to_string();
    let creds = Credentials { username: "ada", password: &new_pw, code: Some(&c) };
    let mut s = login(&vault, &creds, &env).expect("the new password");
    let resets = actions(&mut s, Action::PasswordReset);
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0].actor.username, "recovery code");
    assert!(actions(&mut s, Action::TotpReset).is_empty(), "the authenticator was kept");
    let one_time = s.issue_totp_recovery_codes().unwrap();
    s.logout().unwrap();

    // A lost phone as well: the authenticator and one-time codes are
    // cleared, and enrolling comes before anything else.
    let newer = pw("Quartz harbour 58 under lanterns");
    chartvault_core::init::recover_admin(&vault, &code, "ada", &newer, Authenticator::Clear, &env).unwrap();
    clock.advance(Duration::seconds(30));
    let mut s = login(&vault, &Credentials { username: "ada", password: &newer, code: None }, &env)
        .expect("no code is asked for: there is no authenticator");
    assert!(matches!(s.list_users(), Err(CoreError::TotpEnrolmentRequired)));
    let (secret, _) = s.begin_totp_enrolment().unwrap();
    assert_ne!(totp::base32(&secret).to_string(), totp::base32(&done.totp_secret).to_string());
    s.confirm_totp_enrolment(totp::code_at(&secret, clock.now()).as_ref()).unwrap();
    let cleared = actions(&mut s, Action::TotpReset);
    assert!(cleared.len() == 1 && cleared[0].actor.username == "recovery code", "{cleared:?}");
    assert_eq!(s.list_users().unwrap().len(), 1);
    s.logout().unwrap();
    clock.advance(Duration::seconds(30));
    let old_code = totp::code_at(&done.totp_secret, clock.now()).to_string();
    assert!(
        matches!(
            login(&vault, &Credentials { username: "ada", password: &newer, code: Some(&old_code) }, &env),
            Err(LoginError::Failed)
        ),
        "the lost phone's codes no longer work"
    );
    clock.advance(Duration::seconds(30));
    let one_time = SecretString::from(one_time[0].expose_secret().to_owned());
    let creds = Credentials { username: "ada", password: &newer, code: Some(one_time.expose_secret()) };
    assert!(matches!(login(&vault, &creds, &env), Err(LoginError::Failed)), "nor do the one-time codes made before");
}

#[test]
fn garbage_in_the_files_beside_the_vault_does_not_stop_a_login() {
    // Found by fuzzing: a queue file that was not UTF-8 failed every login.
    let w = world();
    std::fs::write(w.vault().join(chartvault_core::throttle::THROTTLE_FILE), b"\xff\xfe garbage").unwrap();
    std::fs::write(w.vault().join(chartvault_core::failure_queue::QUEUE_FILE), b"\xff\xfe\n00 11\nnot a record")
        .unwrap();
    let mut admin = w.admin();
    let failed = actions(&mut admin, Action::LoginFailed);
    assert_eq!(failed.len(), 3, "each unreadable line is audited as such: {failed:?}");
    assert!(failed.iter().all(|e| e.event.detail.as_deref().is_some_and(|d| d.contains("did not open"))));
}

// --- Found by an internal security review; each guarded here.

#[test]
fn no_one_widens_their_own_access_or_strips_their_own_second_factor() {
    let w = world();
    let mut admin = w.admin();
    let e =
        admin.set_override("ada", Permission::ClinicalRead, Some(chartvault_core::access::Effect::Grant)).unwrap_err();
    assert!(matches!(e, CoreError::NotOnYourself), "{e:?}");
    assert!(matches!(admin.require(Permission::ClinicalRead, Some(7)), Err(CoreError::Denied(_))));
    assert!(matches!(admin.reset_totp("ada"), Err(CoreError::NotOnYourself)));
    // Replacing a working authenticator asks for the password again.
    w.clock.advance(Duration::minutes(6));
    assert!(matches!(admin.begin_totp_enrolment(), Err(CoreError::PasswordNeeded)));
    assert!(matches!(admin.issue_totp_recovery_codes(), Err(CoreError::PasswordNeeded)));
}

#[test]
fn a_forced_change_needs_a_new_password_and_removed_users_stay_removed() {
    let w = world();
    add_staff(&w);
    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    assert!(matches!(sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_PW)), Err(CoreError::SamePassword)));
    sam.logout().unwrap();
    let mut admin = w.admin();
    admin.remove_user("sam").unwrap();
    assert!(matches!(admin.disable_user("sam"), Err(CoreError::UserRemoved(_))));
    assert!(admin.enable_user("sam", &pw("Fresh marble 12 under the sea")).is_err());
    // Regression: a reset gives a missing key slot to active users only
    // (after a passphrase restore), never back to a removed one.
    let reset = admin.reset_password("sam", &pw("Fresh marble 12 under the sea"));
    assert!(matches!(reset, Err(CoreError::Seal(chartvault_seal::SealError::NoSuchSlot(_)))), "{reset:?}");
}

#[test]
fn wrong_passwords_inside_a_session_count_towards_the_lockout() {
    let w = world();
    let mut admin = w.admin();
    for _ in 0..4 {
        assert!(matches!(admin.reauthenticate(&pw("not the password")), Err(CoreError::WrongPassword)));
    }
    assert!(matches!(admin.reauthenticate(&pw("not the password")), Err(CoreError::Locked)));
    assert!(admin.is_locked(), "the fifth wrong password locks the session");
    w.clock.advance(Duration::seconds(30));
    assert!(matches!(w.try_login("ada", ADMIN_PW, Some(&w.code())), Err(LoginError::LockedOut { .. })));
}

#[test]
fn an_abandoned_code_prompt_and_a_hostile_user_name_are_audited_safely() {
    let w = world();
    w.clock.advance(Duration::seconds(31));
    match w.try_login("ada", ADMIN_PW, None) {
        Err(LoginError::CodeNeeded(pending)) => drop(pending),
        other => panic!("{other:?}"),
    }
    w.clock.advance(Duration::seconds(5));
    let hostile = "\u{1b}[2K\u{1b}[1Aevil\u{1b}]52;c;aGk=\u{7}";
    assert!(w.try_login(hostile, "whatever password", None).is_err());
    w.clock.advance(Duration::seconds(5));
    let mut admin = w.admin();
    let failed = actions(&mut admin, Action::LoginFailed);
    assert!(
        failed.iter().any(|e| e.actor.username == "ada"
            && e.event.detail.as_deref().is_some_and(|d| d.contains("no authenticator code"))),
        "{failed:?}"
    );
    assert!(failed.iter().all(|e| !e.actor.username.chars().any(char::is_control)), "{failed:?}");
}

#[test]
fn activity_reported_by_the_app_postpones_the_idle_lock_and_a_locked_session_stays_locked() {
    let w = world();
    let mut s = w.admin();
    w.clock.advance(Duration::minutes(9));
    s.touch().unwrap();
    w.clock.advance(Duration::minutes(9));
    assert!(!s.lock_if_idle().unwrap(), "18 minutes in, but only 9 since the last activity");
    w.clock.advance(Duration::minutes(2));
    assert!(s.lock_if_idle().unwrap());
    assert!(matches!(s.touch(), Err(CoreError::Locked)), "activity does not reopen a locked vault");
}

#[test]
fn the_wizards_code_check_accepts_a_fresh_code_once_and_refuses_a_wrong_one() {
    let w = world();
    let mut s = w.admin();
    w.next_step();
    let near: Vec<String> = [-30, 0, 30]
        .iter()
        .map(|d| totp::code_at(&w.secret, w.clock.now() + Duration::seconds(*d)).to_string())
        .collect();
    let wrong = (0..10).map(|d| format!("{d}{d}{d}{d}{d}{d}")).find(|c| !near.contains(c)).unwrap();
    assert!(matches!(s.check_own_code(&wrong), Err(CoreError::Totp(totp::TotpError::Wrong))));
    let code = w.code();
    s.check_own_code(&code).unwrap();
    assert!(matches!(s.check_own_code(&code), Err(CoreError::Totp(totp::TotpError::Replayed))));
}

#[test]
fn an_administrator_sees_a_users_access_and_lockout_and_a_staff_member_does_not() {
    let w = world();
    add_staff(&w);
    let mut admin = w.admin();
    admin.set_override("sam", Permission::AuditRead, Some(chartvault_core::access::Effect::Grant)).unwrap();
    let access = admin.user_access("sam").unwrap();
    assert_eq!(access.role, Role::Staff);
    assert!(access.effective.contains(Permission::AuditRead));
    assert!(!access.effective.contains(Permission::UserAdmin));
    assert_eq!(access.overrides.len(), 1);
    assert_eq!(admin.lockout_status("sam").unwrap(), (0, None));
    admin.logout().unwrap();
    for _ in 0..2 {
        w.clock.advance(Duration::seconds(30));
        assert!(w.try_login("sam", "not the password at all", None).is_err());
    }
    let mut admin = w.admin();
    assert_eq!(admin.lockout_status("Sam ").unwrap().0, 2, "the name is matched as login matches it");
    assert!(admin.own_permissions().unwrap().contains(Permission::UserAdmin));
    assert_eq!(admin.clinic_name().unwrap(), "Riverside Family Clinic");
    admin.logout().unwrap();
    w.clock.advance(Duration::minutes(10));
    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    assert!(matches!(sam.user_access("ada"), Err(CoreError::Denied(Permission::UserAdmin))));
    assert!(matches!(sam.lockout_status("ada"), Err(CoreError::Denied(Permission::UserAdmin))));
    assert!(sam.own_permissions().unwrap().contains(Permission::AuditRead), "the grant counts in their own set");
}

#[test]
fn replacing_the_recovery_code_retires_the_old_one_and_is_audited() {
    let (_dir, clock, env, vault, mut done) = made_vault();
    let password = pw(ADMIN_PW);
    let old = SecretString::from(done.recovery_code.expose_secret().to_owned());

    // A staff member may not; an administrator must have typed the password lately.
    let sam_pw = pw(STAFF_PW);
    let sam = NewUser { username: "sam", display_name: "Sam", role: Role::Staff, password: &sam_pw };
    done.session.create_user(&sam).unwrap();
    clock.advance(Duration::minutes(6));
    assert!(matches!(done.session.replace_recovery_code(), Err(CoreError::PasswordNeeded)));
    done.session.reauthenticate(&password).unwrap();
    let new = done.session.replace_recovery_code().unwrap();
    assert_ne!(new.expose_secret(), old.expose_secret());
    done.session.logout().unwrap();
    let mut sam = w_login(&vault, "sam", &sam_pw, &env);
    sam.change_own_password(&sam_pw, &pw(STAFF_NEW_PW)).unwrap();
    assert!(matches!(sam.replace_recovery_code(), Err(CoreError::Denied(Permission::Rekey))));
    sam.logout().unwrap();

    // The old code no longer opens the vault; the new one does, typed as people type it.
    let new_pw = pw("Forty orange bicycles at dawn");
    assert!(matches!(
        Vault::open(&vault, Unlock::RecoveryCode(&old), &OpenOptions::default()),
        Err(chartvault_seal::SealError::WrongPassword)
    ));
    assert!(chartvault_core::init::recover_admin(&vault, &old, "ada", &new_pw, KEEP, &env).is_err());
    let typed = SecretString::from(new.expose_secret().to_lowercase().replace('-', " "));
    chartvault_core::init::recover_admin(&vault, &typed, "ada", &new_pw, KEEP, &env).unwrap();

    clock.advance(Duration::seconds(30));
    let c = totp::code_at(&done.totp_secret, clock.now()).to_string();
    let mut s = login(&vault, &Credentials { username: "ada", password: &new_pw, code: Some(&c) }, &env).unwrap();
    let replaced = actions(&mut s, Action::RecoveryCodeReplaced);
    assert_eq!(replaced.len(), 1);
    assert_eq!((replaced[0].actor.username.as_str(), replaced[0].event.outcome), ("ada", Outcome::Success));
    let denied = s.audit_list(&Filter { outcome: Some(Outcome::Denied), ..Filter::default() }).unwrap();
    assert!(denied.iter().any(|e| e.actor.username == "sam"), "the staff member's attempt is audited");
    s.logout().unwrap();
}

fn w_login(vault: &std::path::Path, user: &str, password: &SecretString, env: &Env) -> Session {
    login(vault, &Credentials { username: user, password, code: None }, env).expect("login")
}
