//! Who may do what: a user's role, grants and denials beyond it, and the
//! review of emergency access (administrators).

use chartvault_core::access::{Effect, Permission, Role, role_allows};
use chartvault_core::session::Session;

use crate::args::EmergencyCommand;
use crate::exit::Failure;
use crate::run::printable;

type Outcome = Result<(), Failure>;

/// `user role NAME ROLE`.
pub fn set_role(session: &mut Session, username: &str, role: &str) -> Outcome {
    let role = Role::parse(role).map_err(|e| Failure::usage(e.to_string()))?;
    session.set_role(username, role)?;
    println!("{username} is now {}.", role.as_str());
    Ok(())
}

/// `user access NAME`: one line per permission.
pub fn show(session: &mut Session, username: &str) -> Outcome {
    let access = session.user_access(username)?;
    println!("{username}: {}", access.role.as_str());
    println!("  {:<26} {:<5} {:<8} may", "permission", "role", "beyond");
    for &p in Permission::ALL {
        let beyond = access.overrides.iter().find(|o| o.permission == p).map_or("-", |o| o.effect.as_str());
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        println!(
            "  {:<26} {:<5} {:<8} {}",
            p.name(),
            yes_no(role_allows(access.role, p)),
            beyond,
            yes_no(access.effective.contains(p))
        );
    }
    Ok(())
}

/// `user override NAME PERMISSION grant|deny|clear`.
pub fn set_override(session: &mut Session, username: &str, permission: &str, effect: &str) -> Outcome {
    let permission = Permission::parse(permission).map_err(|e| Failure::usage(e.to_string()))?;
    let effect = match effect {
        "clear" => None,
        e => Some(Effect::parse(e).map_err(|e| Failure::usage(e.to_string()))?),
    };
    session.set_override(username, permission, effect)?;
    match effect {
        Some(e) => println!("{username}: {} {}.", permission.name(), e.as_str()),
        None => println!("{username}: {} as their role has it.", permission.name()),
    }
    Ok(())
}

/// `emergency list` and `emergency review`.
pub fn emergency(session: &mut Session, c: &EmergencyCommand) -> Outcome {
    match c {
        EmergencyCommand::List => {
            let grants = session.emergency_review_list()?;
            if grants.is_empty() {
                println!("nothing to review");
                return Ok(());
            }
            let names = session.user_names()?;
            let name =
                |id: i64| names.iter().find(|(i, _)| *i == id).map_or_else(|| format!("user {id}"), |n| n.1.clone());
            for g in grants {
                println!(
                    "{:>5}  {}  patient {}  {}  {} to {}  {}",
                    g.id,
                    name(g.user_id),
                    g.patient_id,
                    g.permission.name(),
                    g.started_at.format("%Y-%m-%d %H:%M UTC"),
                    g.expires_at.format("%H:%M"),
                    printable(&g.reason)
                );
            }
            Ok(())
        }
        EmergencyCommand::Review { id, note } => {
            let note = note.as_deref().map(str::trim).filter(|n| !n.is_empty());
            session.review_emergency(*id, note)?;
            println!("Emergency access {id} is reviewed.");
            Ok(())
        }
    }
}
