//! `chartvault patient find|show|add` (and `export`, in `exports.rs`): the records from the command line,
//! through the same core operations (permissions, restriction and audit)
//! as the desktop app.

use chartvault_core::records::{ChartList, PatientFields, Sex};

use crate::args::PatientCommand;
use crate::exit::Failure;
use crate::run::printable;

type Outcome = Result<(), Failure>;

fn opt(s: &Option<String>) -> String {
    s.as_deref().map(printable).unwrap_or_else(|| "—".to_owned())
}

/// Runs a patient command for the signed-in `session`.
pub fn patient(session: &mut chartvault_core::session::Session, c: &PatientCommand) -> Outcome {
    match c {
        PatientCommand::Find { query, archived } => {
            let hits = session.find_patients(query, *archived, 50)?;
            if hits.is_empty() {
                println!("no patient matches");
            }
            for h in hits {
                let flags = [(h.restricted, " restricted"), (h.archived, " archived")]
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, f)| *f)
                    .collect::<String>();
                println!(
                    "{:>6}  {:<12} {}, {}  born {}{flags}",
                    h.id,
                    printable(&h.mrn),
                    printable(&h.family_name),
                    printable(&h.given_name),
                    h.date_of_birth
                );
            }
            Ok(())
        }
        PatientCommand::Number { mrn } => {
            match session.patient_by_mrn(mrn)? {
                Some(id) => println!("{id}"),
                None => return Err(format!("no record has the number {}", printable(mrn.trim())).into()),
            }
            Ok(())
        }
        PatientCommand::Emergency { id, reason } => {
            let grants = session.emergency_chart_access(*id, reason)?;
            let until = grants.first().map(|g| g.expires_at.format("%Y-%m-%d %H:%M UTC").to_string());
            println!(
                "Emergency access to patient {id} until {}: recorded with your reason, and reviewed by an administrator.",
                until.unwrap_or_default()
            );
            Ok(())
        }
        PatientCommand::Show { id } => {
            // One read, one audit entry: the parts the role does not read
            // come back empty rather than refused.
            let chart = session.open_chart(*id)?;
            let p = &chart.patient;
            let f = &p.fields;
            println!("{} {}, {}", printable(&p.mrn), printable(&f.family_name), printable(&f.given_name));
            println!(
                "  born {}  sex {}{}",
                f.date_of_birth,
                f.sex.as_str(),
                if f.restricted { "  restricted" } else { "" }
            );
            if let Some(at) = p.archived_at {
                println!("  archived {}", at.format("%Y-%m-%d %H:%M UTC"));
            }
            println!("  phone {}  e-mail {}", opt(&f.phone), opt(&f.email));
            println!("  address {}", opt(&f.address));
            for (system, value) in &chart.identifiers {
                println!("  {}: {}", printable(system), printable(value));
            }
            let Some(lists) = &chart.lists else {
                for list in ChartList::ALL {
                    println!("{}: not shown (your role does not read the clinical record)", list.as_str());
                }
                return Ok(());
            };
            for (list, entries) in lists {
                println!("{}:", list.as_str());
                if entries.is_empty() {
                    println!("  none recorded");
                }
                for e in entries {
                    let parts: Vec<String> = e
                        .values
                        .iter()
                        .filter(|(f, v)| *f != "note" && v.is_some())
                        .map(|(f, v)| format!("{f}={}", printable(v.as_deref().unwrap_or_default())))
                        .collect();
                    println!("  {}", parts.join("  "));
                }
            }
            let visits = chart.visits.as_deref().unwrap_or_default();
            println!("visits: {}", visits.len());
            for v in visits {
                let signed = match v.note.as_ref().and_then(|n| n.signed) {
                    Some(_) => "note signed",
                    None if v.note.is_some() => "note draft",
                    None => "no note",
                };
                println!(
                    "  {}  {}  {}  {signed}",
                    v.visit.started_at.format("%Y-%m-%d %H:%M UTC"),
                    v.visit.kind.as_str(),
                    opt(&v.visit.reason)
                );
            }
            Ok(())
        }
        PatientCommand::Add { given, family, born, sex, phone, email, restricted } => {
            let date_of_birth = chrono::NaiveDate::parse_from_str(born, "%Y-%m-%d")
                .map_err(|_| Failure::usage(format!("--born {born:?} is not a date (YYYY-MM-DD)")))?;
            let fields = PatientFields {
                given_name: given.clone(),
                family_name: family.clone(),
                date_of_birth,
                sex: Sex::parse(sex).map_err(|e| Failure::usage(e.to_string()))?,
                phone: phone.clone(),
                email: email.clone(),
                address: None,
                postal_code: None,
                notes: None,
                restricted: *restricted,
            };
            let p = session.register_patient(&fields)?;
            println!("registered patient {} as {}", p.id, printable(&p.mrn));
            Ok(())
        }
        PatientCommand::Export { id, format, purpose, out } => {
            crate::exports::patient_export(session, *id, *format, *purpose, out)
        }
    }
}
