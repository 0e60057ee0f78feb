//! Backups as the clinic uses them, through core's session operations on
//! real files: who may make them, the history and audit trail, checks with
//! each outcome, a restore over the vault in use and onto a new machine,
//! the status warnings, the schedule's due run and retention.

mod common;

use std::ops::ControlFlow;
use std::path::Path;

use chartvault_core::CoreError;
use chartvault_core::audit::Action;
use chartvault_core::backup::{BackupCredentials, BackupReason, NewAdministrator, check_file, restore_first_run};
use chartvault_core::clock::Clock;
use chartvault_seal::backup::{BackupError, BackupProgress};
use chrono::Duration;
use common::*;

fn go(_: BackupProgress) -> ControlFlow<()> {
    ControlFlow::Continue(())
}

fn usb(w: &World) -> std::path::PathBuf {
    let d = w.dir.path().join("usb");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn admin_creds(password: &chartvault_seal::SecretString) -> BackupCredentials<'_> {
    BackupCredentials::Password { username: "ada", password }
}

/// `n` backups into `folder`, a day apart; the administrator signed in after.
fn daily_backups(w: &World, folder: &Path, n: usize) -> (chartvault_core::session::Session, Vec<std::path::PathBuf>) {
    let mut ada = w.admin();
    let mut made = Vec::new();
    for _ in 0..n {
        made.push(ada.backup_now(folder, BackupReason::Manual, None, &mut go).unwrap().path);
        w.clock.advance(Duration::days(1));
        drop(ada);
        ada = w.admin();
    }
    (ada, made)
}

fn patient_names(s: &mut chartvault_core::session::Session) -> Vec<String> {
    ["Abbott", "Brandt"]
        .into_iter()
        .filter(|n| !s.find_patients(n, true, 10).unwrap().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn an_administrator_backs_up_and_the_run_is_recorded_and_audited() {
    let w = world();
    let mut pat = provider(&w);
    pat.register_patient(&person("Ana", "Abbott")).unwrap();
    pat.logout().unwrap();
    let mut ada = w.admin();
    let done = ada.backup_now(&usb(&w), BackupReason::Manual, None, &mut go).unwrap();
    assert!(done.path.starts_with(usb(&w)) && done.path.exists());
    assert_eq!(done.verified.zeroed_pages, 0);
    let runs = ada.backup_runs(10).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome, "verified");
    assert_eq!(runs[0].backup_id.as_deref(), Some(done.backup_id.as_str()));
    let entries = actions(&mut ada, Action::Backup);
    assert!(entries.iter().any(|e| e.event.detail.as_deref().is_some_and(|d| d.contains("verified"))), "{entries:?}");
    let pw = pw(ADMIN_PW);
    let checked = check_file(&done.path, admin_creds(&pw), None, &mut go).unwrap();
    assert_eq!(checked.meta.made_by, "ada");
    assert_eq!(checked.meta.counts.patients, 1);
    assert_eq!(checked.meta.reason, BackupReason::Manual);
    assert!(checked.meta.audit_head.is_some());
}

#[test]
fn staff_cannot_back_up_or_restore_and_the_refusal_is_audited() {
    let w = world();
    add_staff(&w);
    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    let err = sam.backup_now(&usb(&w), BackupReason::Manual, None, &mut go).unwrap_err();
    assert!(matches!(err, CoreError::Denied(_)), "{err:?}");
    assert!(sam.backup_status().unwrap().is_none(), "no status for those who cannot act on it");
    assert!(std::fs::read_dir(usb(&w)).unwrap().next().is_none(), "no file");
    sam.logout().unwrap();
    let mut ada = w.admin();
    let denied = actions(&mut ada, Action::PermissionDenied);
    assert!(denied.iter().any(|e| e.event.detail.as_deref() == Some("backup_create")), "{denied:?}");
}

#[test]
fn each_verification_outcome_is_told_apart_and_recorded() {
    let w = world();
    let mut ada = w.admin();
    let done = ada.backup_now(&usb(&w), BackupReason::Manual, None, &mut go).unwrap();
    let right = pw(ADMIN_PW);
    let wrong = pw("not the password at all");
    assert!(ada.verify_backup(&done.path, admin_creds(&right), &mut go).is_ok());
    let err = ada.verify_backup(&done.path, admin_creds(&wrong), &mut go).unwrap_err();
    assert!(matches!(err, CoreError::Backup(BackupError::WrongPassword)), "{err:?}");
    let mut bytes = std::fs::read(&done.path).unwrap();
    let n = bytes.len();
    bytes[n - 200] ^= 1;
    let damaged = usb(&w).join("damaged.cvbackup");
    std::fs::write(&damaged, &bytes).unwrap();
    let err = ada.verify_backup(&damaged, admin_creds(&right), &mut go).unwrap_err();
    assert!(matches!(err, CoreError::Backup(BackupError::Damaged { .. })), "{err:?}");
    let not = usb(&w).join("notes.cvbackup");
    std::fs::write(&not, b"shopping list").unwrap();
    let err = ada.verify_backup(&not, admin_creds(&right), &mut go).unwrap_err();
    assert!(matches!(err, CoreError::Backup(BackupError::NotABackup { .. })), "{err:?}");
    // Another clinic's backup.
    let other = world();
    let mut other_admin = other.admin();
    let theirs = other_admin.backup_now(&usb(&other), BackupReason::Manual, None, &mut go).unwrap();
    let err = ada.verify_backup(&theirs.path, admin_creds(&right), &mut go).unwrap_err();
    assert!(matches!(err, CoreError::Backup(BackupError::OtherVault { .. })), "{err:?}");
    let runs = ada.backup_runs(10).unwrap();
    // A check is of one file: the damaged copy elsewhere carries the same
    // backup id, but the kept file's last check is still its own.
    assert_eq!(runs[0].last_check.as_ref().map(|c| c.0.as_str()), Some("wrong_password"));
    let checks: Vec<String> = {
        let entries = actions(&mut ada, Action::Backup);
        entries.into_iter().filter_map(|e| e.event.detail).filter(|d| d.starts_with("backup verif")).collect()
    };
    assert_eq!(checks.len(), 5, "{checks:?}");
}

#[test]
fn a_restore_over_the_vault_in_use_brings_the_records_back_and_keeps_the_old_vault_aside() {
    let w = world();
    let mut pat = provider(&w);
    pat.register_patient(&person("Ana", "Abbott")).unwrap();
    pat.logout().unwrap();
    let mut ada = w.admin();
    let done = ada.backup_now(&usb(&w), BackupReason::Manual, None, &mut go).unwrap();
    ada.logout().unwrap();
    let mut pat = w.try_login("pat", PROVIDER_NEW_PW, None).unwrap();
    pat.register_patient(&person("Bea", "Brandt")).unwrap();
    assert_eq!(patient_names(&mut pat), ["Abbott", "Brandt"]);
    pat.logout().unwrap();

    let mut ada = w.admin();
    let password = pw(ADMIN_PW);
    let checked = check_file(&done.path, admin_creds(&password), Some(&ada.vault_id().unwrap()), &mut go).unwrap();
    let restored = ada.restore_backup(&checked, admin_creds(&password), &password, false, &mut go).unwrap();
    let aside = restored.aside.clone().expect("the replaced vault is kept");
    assert!(matches!(ada.backup_runs(1), Err(CoreError::Locked)), "the session ended");
    drop(ada);

    let mut pat = w.try_login("pat", PROVIDER_NEW_PW, None).unwrap();
    assert_eq!(patient_names(&mut pat), ["Abbott"], "the record as it was at the backup");
    pat.logout().unwrap();
    let mut ada = w.admin();
    let restores = actions(&mut ada, Action::Restore);
    assert!(
        restores.iter().any(|e| e.event.detail.as_deref().is_some_and(|d| d.contains("restored from the backup"))),
        "{restores:?}"
    );
    assert!(ada.audit_verify(None).unwrap().is_ok());
    ada.logout().unwrap();
    // The vault it replaced opens, with the later patient and the entry
    // saying it was being replaced.
    assert!(aside.join(chartvault_seal::KEYS_FILE).exists());
    let code = {
        w.next_step();
        w.code()
    };
    let password = pw(ADMIN_PW);
    let mut old = chartvault_core::session::login(
        &aside,
        &chartvault_core::session::Credentials { username: "ada", password: &password, code: Some(&code) },
        &w.env,
    )
    .unwrap();
    let replaced = actions(&mut old, Action::Restore);
    assert!(
        replaced.iter().any(|e| e.event.detail.as_deref().is_some_and(|d| d.contains("being replaced"))),
        "{replaced:?}"
    );
}

#[test]
fn a_first_run_restore_on_a_new_machine_opens_with_the_passwords_of_that_time() {
    let w = world();
    let mut pat = provider(&w);
    pat.register_patient(&person("Ana", "Abbott")).unwrap();
    pat.logout().unwrap();
    let mut ada = w.admin();
    let done = ada.backup_now(&usb(&w), BackupReason::Manual, None, &mut go).unwrap();
    ada.logout().unwrap();
    let new_machine = w.dir.path().join("new-machine").join("vault");
    let password = pw(ADMIN_PW);
    let checked = check_file(&done.path, admin_creds(&password), None, &mut go).unwrap();
    let restored = restore_first_run(&new_machine, &checked, admin_creds(&password), None, &w.env, &mut go).unwrap();
    assert!(restored.aside.is_none(), "nothing was replaced");
    let again = restore_first_run(&new_machine, &checked, admin_creds(&password), None, &w.env, &mut go).unwrap_err();
    assert!(again.to_string().contains("already holds a vault"), "{again}");
    let mut pat = chartvault_core::session::login(
        &new_machine,
        &chartvault_core::session::Credentials { username: "pat", password: &pw(PROVIDER_NEW_PW), code: None },
        &w.env,
    )
    .unwrap();
    assert_eq!(patient_names(&mut pat), ["Abbott"]);
}

#[test]
fn a_passphrase_restore_gives_one_administrator_a_new_password_and_lists_the_others() {
    let w = world();
    provider(&w).logout().unwrap();
    let mut ada = w.admin();
    let phrase = pw("Orchid ladders hum beneath Tallinn");
    let done = ada.backup_now(&usb(&w), BackupReason::Manual, Some(&phrase), &mut go).unwrap();
    ada.logout().unwrap();
    let creds = BackupCredentials::Passphrase(&phrase);
    let checked = check_file(&done.path, creds, None, &mut go).unwrap();
    let target = w.dir.path().join("offsite").join("vault");
    let new_pw = pw("Basalt comets hum over Quito");
    let err = restore_first_run(
        &target,
        &checked,
        creds,
        Some(NewAdministrator { username: "pat", password: &new_pw }),
        &w.env,
        &mut go,
    )
    .unwrap_err();
    assert!(err.to_string().contains("not an active administrator"), "{err}");
    let admin = NewAdministrator { username: "ada", password: &new_pw };
    let restored = restore_first_run(&target, &checked, creds, Some(admin), &w.env, &mut go).unwrap();
    assert!(restored.recovery_code.is_some());
    assert_eq!(restored.users_without_password, ["pat"]);
    w.next_step();
    let code = w.code();
    let mut ada = chartvault_core::session::login(
        &target,
        &chartvault_core::session::Credentials { username: "ada", password: &new_pw, code: Some(&code) },
        &w.env,
    )
    .unwrap();
    // Regression: the listed users get a password by the ordinary reset
    // (it used to fail, as they have no key slot to change).
    let given = pw("Walnut harbours drift past Ghent");
    ada.reset_password("pat", &given).unwrap();
    ada.logout().unwrap();
    let pat = chartvault_core::session::login(
        &target,
        &chartvault_core::session::Credentials { username: "pat", password: &given, code: None },
        &w.env,
    )
    .unwrap();
    assert!(pat.user().must_change_password);
}

#[test]
fn the_status_warns_when_backups_are_overdue_and_the_schedule_catches_up_once() {
    let w = world();
    let mut ada = w.admin();
    let status = ada.backup_status().unwrap().unwrap();
    assert!(status.overdue && status.last_verified_at.is_none());
    ada.backup_now(&usb(&w), BackupReason::Manual, None, &mut go).unwrap();
    assert!(!ada.backup_status().unwrap().unwrap().overdue);
    drop(ada);
    w.clock.advance(Duration::hours(49));
    let mut ada = w.admin();
    assert!(ada.backup_status().unwrap().unwrap().overdue, "48 hours with no schedule");
    assert!(ada.scheduled_backup_due().unwrap().is_none(), "no schedule");
    ada.reauthenticate(&pw(ADMIN_PW)).unwrap();
    ada.set_policy("backup_schedule", "daily 02:00").unwrap();
    ada.set_policy("backup_folder", &usb(&w).to_string_lossy()).unwrap();
    let (folder, reason) = ada.scheduled_backup_due().unwrap().expect("a catch-up is due");
    assert_eq!(reason, BackupReason::CatchUp);
    ada.backup_now(&folder, reason, None, &mut go).unwrap();
    assert!(ada.scheduled_backup_due().unwrap().is_none(), "one catch-up, not one per missed day");
    let pruned = ada.prune_after_scheduled_backup().unwrap().expect("the folder is set");
    assert!(pruned.deleted.is_empty() && pruned.kept.len() == 2, "{pruned:?}");
    let st = ada.backup_status().unwrap().unwrap();
    assert!(st.folder_present && !st.overdue && st.next_due.is_some_and(|t| t > w.clock.now()));
    ada.set_policy("backup_folder", &w.dir.path().join("unplugged").to_string_lossy()).unwrap();
    assert!(!ada.backup_status().unwrap().unwrap().folder_present);
}

#[test]
fn retention_prunes_only_this_vaults_verified_backups_and_keeps_the_newest() {
    let w = world();
    let folder = usb(&w);
    let (mut ada, made) = daily_backups(&w, &folder, 10);
    // A backup of another vault and an unrelated file in the same folder.
    let other = world();
    let mut oa = other.admin();
    let theirs = oa.backup_now(&folder, BackupReason::Manual, None, &mut go).unwrap().path;
    ada.reauthenticate(&pw(ADMIN_PW)).unwrap();
    ada.set_policy("backup_keep_daily", "3").unwrap();
    ada.set_policy("backup_keep_weekly", "0").unwrap();
    ada.set_policy("backup_keep_monthly", "0").unwrap();
    let dry = ada.prune_backups(&folder, true).unwrap();
    assert_eq!(dry.deleted.len(), 7, "{dry:?}");
    assert!(made.iter().all(|p| p.exists()), "a dry run deletes nothing");
    let plan = ada.prune_backups(&folder, false).unwrap();
    assert_eq!(plan.deleted.len(), 7);
    let left: Vec<&Path> = made.iter().map(|p| p.as_path()).filter(|p| p.exists()).collect();
    assert_eq!(left, made[7..].iter().map(|p| p.as_path()).collect::<Vec<_>>(), "the newest three stay");
    assert!(theirs.exists(), "another vault's backup is never deleted");
    assert!(plan.left_alone.iter().any(|(p, why)| p == &theirs && why.contains("another vault")));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn an_older_copy_of_the_vault_put_back_is_reported_at_sign_in_and_a_restore_is_not() {
    let w = world();
    let old_copy = w.dir.path().join("old-copy");
    copy_dir(&w.vault(), &old_copy);
    let mut ada = w.admin();
    assert!(ada.rollback_warning().is_none());
    let done = ada.backup_now(&usb(&w), BackupReason::Manual, None, &mut go).unwrap();
    ada.logout().unwrap();
    // Someone puts back the copy taken before that backup.
    std::fs::remove_dir_all(w.vault()).unwrap();
    copy_dir(&old_copy, &w.vault());
    let mut ada = w.admin();
    let warning = ada.rollback_warning().cloned().expect("the older copy is noticed");
    assert!(warning.vault_seq < warning.recorded_seq, "{warning:?}");
    assert!(warning.message().contains("older copy"), "{}", warning.message());
    let flagged = actions(&mut ada, Action::RollbackSuspected);
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    // Restoring the backup is the remedy, and raises no warning after.
    let password = pw(ADMIN_PW);
    let checked = check_file(&done.path, admin_creds(&password), None, &mut go).unwrap();
    ada.restore_backup(&checked, admin_creds(&password), &password, false, &mut go).unwrap();
    drop(ada);
    let ada = w.admin();
    assert!(ada.rollback_warning().is_none());
    // A key-slot file of the state folder edited by hand tells nothing.
    let heads = w.dir.path().join("state").join("known-heads");
    for e in std::fs::read_dir(&heads).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap().replace("seq ", "seq 9");
        std::fs::write(e.path(), text).unwrap();
    }
    drop(ada);
    assert!(w.admin().rollback_warning().is_none(), "a forged record is ignored, not believed");
}

/// Every chart the provider may open, and every attachment's bytes.
fn everything(pat: &mut chartvault_core::session::Session, patients: i64) -> Vec<String> {
    let mut out = Vec::new();
    for id in 1..=patients {
        match pat.open_chart(id) {
            Ok(chart) => {
                out.push(format!("{chart:?}"));
                for a in chart.attachments.unwrap_or_default() {
                    let mut bytes = Vec::new();
                    pat.open_attachment(a.id, &mut bytes).unwrap();
                    out.push(format!("attachment {} {}", a.id, bytes.len()));
                    out.push(format!("{bytes:?}"));
                }
            }
            Err(e) => out.push(format!("{id}: {e}")),
        }
    }
    out
}

#[test]
fn a_round_trip_gives_back_every_chart_attachment_user_and_the_audit_chain() {
    let w = world();
    let mut pat = provider(&w);
    let opts = chartvault_core::demo::DemoOptions { patients: 30, visits_per_patient: 3, seed: 11, batch: 10 };
    let report = pat.generate_demo(&opts, &mut |_| {}).unwrap();
    assert!(report.counts.attachments > 0, "the demo makes attachments");
    let charts = everything(&mut pat, 30);
    pat.logout().unwrap();
    let mut ada = w.admin();
    let users: Vec<String> = ada.list_users().unwrap().into_iter().map(|u| format!("{u:?}")).collect();
    let entries_before = ada.audit_verify(None).unwrap().entries;
    let done = ada.backup_now(&usb(&w), BackupReason::Manual, None, &mut go).unwrap();
    ada.logout().unwrap();

    let target = w.dir.path().join("elsewhere").join("vault");
    let password = pw(ADMIN_PW);
    let checked = check_file(&done.path, admin_creds(&password), None, &mut go).unwrap();
    assert_eq!(checked.meta.counts.attachments, report.counts.attachments);
    restore_first_run(&target, &checked, admin_creds(&password), None, &w.env, &mut go).unwrap();
    let login = |user: &str, pw_: &str, code: Option<&str>| {
        chartvault_core::session::login(
            &target,
            &chartvault_core::session::Credentials { username: user, password: &pw(pw_), code },
            &w.env,
        )
        .unwrap()
    };
    let mut pat = login("pat", PROVIDER_NEW_PW, None);
    assert_eq!(everything(&mut pat, 30), charts, "every chart and attachment, byte for byte");
    pat.logout().unwrap();
    w.next_step();
    let mut ada = login("ada", ADMIN_PW, Some(&w.code()));
    let users_after: Vec<String> = ada.list_users().unwrap().into_iter().map(|u| format!("{u:?}")).collect();
    assert_eq!(users_after, users, "the same users, roles and states");
    let report = ada.audit_verify(None).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert!(report.entries > entries_before, "the trail of that time, plus the restore and what followed");
}

#[test]
fn the_folders_index_lets_retention_count_backups_a_restored_vault_never_saw() {
    let w = world();
    let folder = usb(&w);
    let (mut ada, made) = daily_backups(&w, &folder, 5);
    let vault_id = ada.vault_id().unwrap();
    assert!(chartvault_core::backup::index::path(&folder, &vault_id).exists(), "the folder keeps an index");
    // Restore the first backup: its history knows of no later backup.
    let password = pw(ADMIN_PW);
    let checked = check_file(&made[0], admin_creds(&password), None, &mut go).unwrap();
    ada.restore_backup(&checked, admin_creds(&password), &password, false, &mut go).unwrap();
    drop(ada);
    let mut ada = w.admin();
    ada.reauthenticate(&pw(ADMIN_PW)).unwrap();
    ada.set_policy("backup_keep_daily", "2").unwrap();
    ada.set_policy("backup_keep_weekly", "0").unwrap();
    ada.set_policy("backup_keep_monthly", "0").unwrap();
    let plan = ada.prune_backups(&folder, true).unwrap();
    assert_eq!(plan.deleted.len(), 3, "the index vouches for all five: {plan:?}");
    // An index edited by hand is not believed: nothing the history does
    // not know is deleted on its word.
    let index = chartvault_core::backup::index::path(&folder, &vault_id);
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, text.replacen("\tgood\n", "\tgood \n", 1)).unwrap();
    let plan = ada.prune_backups(&folder, true).unwrap();
    assert!(plan.deleted.is_empty(), "{plan:?}");
    assert_eq!(plan.left_alone.len(), 4, "{plan:?}");
}

#[test]
fn with_no_record_on_this_workstation_the_folders_index_still_shows_an_older_copy_put_back() {
    let w = world();
    let old_copy = w.dir.path().join("old-copy");
    copy_dir(&w.vault(), &old_copy);
    let mut ada = w.admin();
    ada.reauthenticate(&pw(ADMIN_PW)).unwrap();
    ada.set_policy("backup_folder", &usb(&w).to_string_lossy()).unwrap();
    ada.backup_now(&usb(&w), BackupReason::Manual, None, &mut go).unwrap();
    ada.logout().unwrap();
    // The old copy comes back, with the policy of that time (no folder set)
    // — so put the folder into it as the clinic would have had it.
    std::fs::remove_dir_all(w.vault()).unwrap();
    copy_dir(&old_copy, &w.vault());
    std::fs::remove_dir_all(w.dir.path().join("state").join("known-heads")).unwrap();
    let mut ada = w.admin();
    assert!(ada.rollback_warning().is_none(), "no folder set in the old copy: nothing to compare");
    ada.reauthenticate(&pw(ADMIN_PW)).unwrap();
    ada.set_policy("backup_folder", &usb(&w).to_string_lossy()).unwrap();
    drop(ada);
    let ada = w.admin();
    assert!(ada.rollback_warning().is_some(), "the index on the drive remembers the newer head");
}
