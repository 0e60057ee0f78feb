//! Each command: log in (or create, or recover), call core, print.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use chartvault_core::access::Role;
use chartvault_core::admin::NewUser;
use chartvault_core::audit::Workstation;
use chartvault_core::auth::totp;
use chartvault_core::clock::SystemClock;
use chartvault_core::init::{Authenticator, FirstAdmin, init, recover_admin};
use chartvault_core::session::{Credentials, Env, LoginError, Session, login};
use chartvault_seal::{CreateOptions, KdfParams, OpenOptions, RekeyProgress};
use secrecy::ExposeSecret;

use crate::args::{AccountCommand, AuditCommand, Cli, Command, Filter, PolicyCommand, Target, UserCommand};
use crate::exit::Failure;
use crate::secrets::Secrets;

type Outcome = Result<(), Failure>;

pub fn data_dir() -> Result<PathBuf, Failure> {
    directories::ProjectDirs::from("org", "Chartvault", "Chartvault")
        .map(|d| d.data_dir().to_owned())
        .ok_or_else(|| Failure::usage("no per-user data directory is known here: give --vault DIR"))
}

fn env(state_dir: &std::path::Path) -> Result<Env, Failure> {
    let workstation = Workstation::current(state_dir)?;
    Ok(Env {
        clock: Arc::new(SystemClock),
        workstation,
        open: OpenOptions::default(),
        state_dir: Some(state_dir.to_owned()),
    })
}

/// Key derivation for a new vault: calibrated on this machine, except in
/// the test suite, whose build of the seal accepts the fast parameters the
/// variable asks for (a release build refuses them).
fn create_options() -> CreateOptions {
    let fast = std::env::var_os("CHARTVAULT_TEST_FAST_KDF").is_some();
    CreateOptions { kdf: fast.then_some(KdfParams::INSECURE_FAST), ..CreateOptions::default() }
}

/// The environment a session runs in, for work that opens other vaults.
fn env_of(session: &Session) -> Result<Env, Failure> {
    let state = session.dir().parent().map(ToOwned::to_owned).unwrap_or_else(|| PathBuf::from("."));
    env(&state)
}

fn current_user(cli: &Cli) -> Result<String, Failure> {
    if let Some(u) = &cli.user {
        return Ok(u.clone());
    }
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .map_err(|_| Failure::usage("say who you are with --user NAME"))
}

pub fn run(cli: Cli) -> Outcome {
    match &cli.command {
        Command::Completions { shell } => return crate::support::completions(*shell),
        Command::Manpages { dir } => return crate::support::manpages(dir),
        _ => {}
    }
    let vault = match &cli.vault {
        Some(v) => v.clone(),
        None => data_dir()?.join("vault"),
    };
    if let Command::Diagnostics = &cli.command {
        return diagnostics(&cli, &vault);
    }
    let state = vault.parent().map(ToOwned::to_owned).unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&state).map_err(|e| format!("cannot create {}: {e}", state.display()))?;
    let env = env(&state)?;
    let mut secrets = Secrets::new(cli.password_stdin)?;
    match &cli.command {
        Command::Init { clinic, admin, display_name } => {
            let password = secrets.new_password("administrator's password")?;
            let display = display_name.as_deref().unwrap_or(admin);
            let first = FirstAdmin { username: admin, display_name: display, password: &password };
            let done = init(&vault, clinic, &first, &env, &create_options())?;
            println!("Vault created at {}", vault.display());
            println!();
            println!("RECOVERY CODE (shown once; print it and keep it apart from this computer):");
            println!("  {}", done.recovery_code.expose_secret());
            println!();
            println!("Authenticator for {admin}: add this to an authenticator app; logins need its code from now on.");
            println!("  {}", done.otpauth_uri.as_str());
            if std::io::stdout().is_terminal() {
                println!("{}", totp::qr_for_terminal(&done.otpauth_uri)?);
            }
            done.session.logout()?;
            Ok(())
        }
        Command::Recovery { admin, lost_authenticator } => {
            let code = secrets.next("recovery code")?;
            let password = secrets.new_password(&format!("new password for {admin}"))?;
            let authenticator = if *lost_authenticator { Authenticator::Clear } else { Authenticator::Keep };
            recover_admin(&vault, &code, admin, &password, authenticator, &env)?;
            println!("{admin} can log in with the new password.");
            if *lost_authenticator {
                println!(
                    "Their authenticator is cleared: they set up a new one with `chartvault account totp-enroll`."
                );
            }
            Ok(())
        }
        Command::Backup(c) => {
            let user = current_user(&cli)?;
            let login = |secrets: &mut Secrets| open_session(&vault, &user, secrets, &env);
            crate::backup::run(c, &vault, &user, &mut secrets, &env, &login)
        }
        command => {
            let user = current_user(&cli)?;
            let mut session = open_session(&vault, &user, &mut secrets, &env)?;
            let result = act(&mut session, command, &mut secrets);
            let closed = session.logout();
            result?;
            closed.map_err(Failure::from)
        }
    }
}

/// The report, with the settings when `--user` names someone to sign in as
/// (the settings are inside the vault).
fn diagnostics(cli: &Cli, vault: &std::path::Path) -> Outcome {
    let data_dir = data_dir()?;
    let Some(user) = &cli.user else {
        crate::support::diagnostics(vault, &data_dir, None);
        return Ok(());
    };
    let state = vault.parent().map(ToOwned::to_owned).unwrap_or_else(|| PathBuf::from("."));
    let env = env(&state)?;
    let mut secrets = Secrets::new(cli.password_stdin)?;
    let session = open_session(vault, user, &mut secrets, &env)?;
    crate::support::diagnostics(vault, &data_dir, Some(&session));
    session.logout().map_err(Failure::from)
}

fn open_session(vault: &std::path::Path, user: &str, secrets: &mut Secrets, env: &Env) -> Result<Session, Failure> {
    let password = secrets.next(&format!("password for {user}"))?;
    let creds = Credentials { username: user, password: &password, code: None };
    let mut session = match login(vault, &creds, env) {
        Ok(s) => s,
        Err(LoginError::CodeNeeded(pending)) => {
            let code = secrets.next("authenticator code")?;
            pending.finish(code.expose_secret())?
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(w) = session.rollback_warning() {
        eprintln!("WARNING: {}", w.message());
    }
    if session.user().must_change_password {
        eprintln!("Your password was set by an administrator: choose your own now.");
        let new = secrets.new_password("new password")?;
        session.change_own_password(&password, &new)?;
    }
    Ok(session)
}

fn progress_bar(what: &'static str) -> Option<indicatif::ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_message(what);
        bar
    })
}

fn rotate(session: &mut Session) -> Outcome {
    let bar = progress_bar("resealing the vault under a new key");
    let mut report = |p: RekeyProgress| {
        if let Some(b) = &bar {
            b.set_length(p.pages_total);
            b.set_position(p.pages_done);
        }
    };
    session.rotate_keys(Some(&mut report))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    println!("Vault key rotated: an old copy of the key-slot file opens nothing written from now on.");
    Ok(())
}

fn act(session: &mut Session, command: &Command, secrets: &mut Secrets) -> Outcome {
    match command {
        Command::Login => {
            let u = session.user();
            println!("{} ({}), {}", u.username, u.display_name, session.role().as_str());
            Ok(())
        }
        Command::User(c) => user(session, c, secrets),
        Command::Policy(PolicyCommand::Show) => {
            for (k, v) in session.show_policy()? {
                println!("{k} = {v}");
            }
            Ok(())
        }
        Command::Policy(PolicyCommand::Set { key, value }) => {
            let change = session.set_policy(key, value)?;
            println!("{key}: {} -> {}", change.old.unwrap_or_default(), change.new.unwrap_or_default());
            Ok(())
        }
        Command::Audit(c) => audit(session, c),
        Command::Patient(c) => crate::patients::patient(session, c),
        Command::Emergency(c) => crate::access::emergency(session, c),
        Command::Export(crate::args::ExportCommand::Deid { format, out }) => {
            crate::exports::deid_export(session, *format, out)
        }
        Command::Import(c) => crate::import::import(session, c),
        Command::Demo(a) => crate::demo::demo(session, a),
        Command::Bench(crate::bench::BenchCommand::Backup(a)) => {
            let password = secrets.next("your password again (the benchmark opens its backups with it)")?;
            crate::bench_backup::bench_backup(session, &env_of(session)?, a, &password)
        }
        Command::Bench(c) => crate::bench::bench(session, c),
        Command::Account(c) => account(session, c, secrets),
        Command::Rekey => {
            let bar = progress_bar("resealing every page under a new data key");
            let mut report = |p: RekeyProgress| {
                if let Some(b) = &bar {
                    b.set_length(p.pages_total);
                    b.set_position(p.pages_done);
                }
            };
            session.rekey(Some(&mut report))?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            println!("Rekeyed: every page sealed under a new data key.");
            Ok(())
        }
        Command::NewRecoveryCode { no_rekey } => {
            let code = session.replace_recovery_code()?;
            println!("NEW RECOVERY CODE (shown once; print it and keep it apart from this computer):");
            println!("  {}", code.expose_secret());
            println!("The old code no longer opens this vault. Backups made before keep opening with it.");
            if *no_rekey { Ok(()) } else { rotate(session) }
        }
        Command::Init { .. }
        | Command::Recovery { .. }
        | Command::Backup(_)
        | Command::Diagnostics
        | Command::Completions { .. }
        | Command::Manpages { .. } => {
            unreachable!("handled before logging in")
        }
    }
}

fn account(session: &mut Session, c: &AccountCommand, secrets: &mut Secrets) -> Outcome {
    match c {
        AccountCommand::Password => {
            let old = secrets.next("current password")?;
            let new = secrets.new_password("new password")?;
            session.change_own_password(&old, &new)?;
            println!("Password changed.");
        }
        AccountCommand::TotpEnroll => {
            let (_secret, uri) = session.begin_totp_enrolment()?;
            println!("Add this to an authenticator app:");
            println!("  {}", uri.as_str());
            if std::io::stdout().is_terminal() {
                println!("{}", totp::qr_for_terminal(&uri)?);
            }
            let code = secrets.next("a code from the new authenticator")?;
            session.confirm_totp_enrolment(code.expose_secret())?;
            println!("Authenticator enrolled: logins need its code from now on.");
        }
        AccountCommand::RecoveryCodes => {
            println!("Recovery codes (each works once in place of an authenticator code; keep them safe):");
            for c in session.issue_totp_recovery_codes()? {
                println!("  {}", c.expose_secret());
            }
        }
    }
    Ok(())
}

fn user(session: &mut Session, c: &UserCommand, secrets: &mut Secrets) -> Outcome {
    match c {
        UserCommand::Add { username, role, display_name } => {
            let role = Role::parse(role).map_err(|e| Failure::usage(e.to_string()))?;
            let password = secrets.new_password(&format!("first password for {username}"))?;
            let new = NewUser {
                username,
                display_name: display_name.as_deref().unwrap_or(username),
                role,
                password: &password,
            };
            let u = session.create_user(&new)?;
            println!(
                "Created {} ({}); they choose their own password at their first login.",
                u.username,
                role.as_str()
            );
            Ok(())
        }
        UserCommand::List => {
            for u in session.list_users()? {
                let totp = if u.totp_enrolled { "totp" } else { "no totp" };
                println!(
                    "{:<20} {:<14} {:<9} {:<8} {}",
                    u.username.as_str(),
                    u.role,
                    u.status.as_str(),
                    totp,
                    u.display_name
                );
            }
            Ok(())
        }
        UserCommand::Disable(Target { username, no_rekey }) => {
            session.disable_user(username)?;
            println!("{username} is disabled.");
            if *no_rekey { Ok(()) } else { rotate(session) }
        }
        UserCommand::Remove(Target { username, no_rekey }) => {
            session.remove_user(username)?;
            println!("{username} is removed.");
            if *no_rekey { Ok(()) } else { rotate(session) }
        }
        UserCommand::Enable { username } => {
            let password = secrets.new_password(&format!("first password for {username}"))?;
            session.enable_user(username, &password)?;
            println!("{username} is enabled; they choose their own password at their next login.");
            Ok(())
        }
        UserCommand::ResetPassword { username } => {
            let password = secrets.new_password(&format!("new password for {username}"))?;
            session.reset_password(username, &password)?;
            println!("{username} must choose a new password at their next login.");
            Ok(())
        }
        UserCommand::ResetTotp { username } => {
            session.reset_totp(username)?;
            println!("{username}'s authenticator is cleared.");
            Ok(())
        }
        UserCommand::Unlock { username } => {
            session.lift_lockout(username)?;
            println!("{username} may try again.");
            Ok(())
        }
        UserCommand::Role { username, role } => crate::access::set_role(session, username, role),
        UserCommand::Access { username } => crate::access::show(session, username),
        UserCommand::Override { username, permission, effect } => {
            crate::access::set_override(session, username, permission, effect)
        }
    }
}

fn filter(f: &Filter, default_limit: Option<u32>) -> Result<chartvault_core::audit::Filter, Failure> {
    let time = |s: &Option<String>| -> Result<Option<chrono::DateTime<chrono::Utc>>, Failure> {
        s.as_deref()
            .map(|t| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|_| Failure::usage(format!("{t:?} is not an RFC 3339 time")))
            })
            .transpose()
    };
    let action = f
        .action
        .as_deref()
        .map(|a| {
            chartvault_core::audit::Action::parse(a).ok_or_else(|| Failure::usage(format!("no action named {a:?}")))
        })
        .transpose()?;
    Ok(chartvault_core::audit::Filter {
        username: f.by.clone(),
        action,
        from: time(&f.from)?,
        to: time(&f.to)?,
        limit: f.limit.or(default_limit).map(u64::from),
        offset: u64::from(f.offset),
        ..Default::default()
    })
}

fn audit(session: &mut Session, c: &AuditCommand) -> Outcome {
    match c {
        AuditCommand::Verify => {
            let bar = progress_bar("verifying the audit chain");
            let mut report = |done: u64, total: u64| {
                if let Some(b) = &bar {
                    b.set_length(total);
                    b.set_position(done);
                }
                std::ops::ControlFlow::Continue(())
            };
            let r = session.audit_verify(Some(&mut report))?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            match r.first_problem {
                None => {
                    let head = r.head.map(|h| format!(", head {} {}", h.seq, h.hash_hex())).unwrap_or_default();
                    println!("audit chain intact: {} entries{head}", r.entries);
                    Ok(())
                }
                Some(p) => Err(Failure { code: crate::exit::DAMAGED, message: format!("audit chain broken: {p}") }),
            }
        }
        AuditCommand::List(f) => {
            for e in session.audit_list(&filter(f, Some(50))?)? {
                let who = e.actor.username.as_str();
                let target = match (&e.event.target_kind, &e.event.target_id) {
                    (Some(k), Some(i)) => format!(" {k}:{i}"),
                    _ => String::new(),
                };
                let detail = e.event.detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
                let line = format!(
                    "{:>6} {} {:<12} {:<20} {:<8}{target}{detail}",
                    e.seq,
                    e.at.format("%Y-%m-%d %H:%M:%S UTC"),
                    who,
                    e.event.action.as_str(),
                    e.event.outcome.as_str()
                );
                // The trail holds what was typed at a login prompt: never
                // let it drive the terminal.
                println!("{}", printable(&line));
            }
            Ok(())
        }
        AuditCommand::Export { out, filter: f } => {
            // Permission and password first: a refused export touches no file.
            session.check_audit_export()?;
            let filter = filter(f, None)?;
            // Like every export: never over an existing file, nothing left on failure.
            let n = crate::exports::write_file(out, |w| session.audit_export(&filter, w))?;
            println!("{n} entries written to {}", out.display());
            Ok(())
        }
    }
}

/// `text` with control characters as escapes, so what a vault holds never
/// drives the terminal.
pub(crate) fn printable(text: &str) -> String {
    text.chars().flat_map(|c| if c.is_control() { c.escape_default().collect() } else { vec![c] }).collect()
}
