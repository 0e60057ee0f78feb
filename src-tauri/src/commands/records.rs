//! Patients, visits and the chart's lists (core checks the permission,
//! the restriction and the archive state of every one).

use chartvault_core::records::{
    ChartEntry, ChartList, FieldKind, NewVisit, Patient, PatientFields, Sex, Soap, VisitKind, VisitRecord, Vitals,
};
use chrono::{DateTime, NaiveDate, Utc};
use tauri::AppHandle;

use crate::error::IpcResult;
use crate::ipc::IpcError;
use crate::ipc_records::*;
use crate::state::blocking;

pub(crate) fn date(field: &str, s: &str) -> IpcResult<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| IpcError::invalid(format!("The {field} is not a date (YYYY-MM-DD).")))
}

fn fields_of(input: PatientInput) -> IpcResult<PatientFields> {
    Ok(PatientFields {
        given_name: input.given_name,
        family_name: input.family_name,
        date_of_birth: date("date of birth", &input.date_of_birth)?,
        sex: Sex::parse(&input.sex)?,
        phone: input.phone,
        email: input.email,
        address: input.address,
        postal_code: input.postal_code,
        notes: input.notes,
        restricted: input.restricted,
    })
}

fn input_of(f: PatientFields) -> PatientInput {
    PatientInput {
        given_name: f.given_name,
        family_name: f.family_name,
        date_of_birth: f.date_of_birth.to_string(),
        sex: f.sex.as_str().to_owned(),
        phone: f.phone,
        email: f.email,
        address: f.address,
        postal_code: f.postal_code,
        notes: f.notes,
        restricted: f.restricted,
    }
}

fn view(p: Patient, identifiers: Vec<(String, String)>) -> PatientView {
    PatientView {
        id: p.id,
        mrn: p.mrn,
        archived_at: p.archived_at.map(|t| t.to_rfc3339()),
        created_at: p.created_at.to_rfc3339(),
        fields: input_of(p.fields),
        identifiers,
        merged_into: p.merged_into,
    }
}

/// Patients matching what was typed (recent ones when nothing is).
#[tauri::command]
pub async fn find_patients(app: AppHandle, args: FindArgs) -> IpcResult<Vec<PatientHitView>> {
    blocking(app, move |st, _| {
        let hits = st.lock().session()?.find_patients(&args.query, args.include_archived, 50)?;
        Ok(hits
            .into_iter()
            .map(|h| PatientHitView {
                id: h.id,
                mrn: h.mrn,
                given_name: h.given_name,
                family_name: h.family_name,
                date_of_birth: h.date_of_birth.to_string(),
                restricted: h.restricted,
                archived: h.archived,
            })
            .collect())
    })
    .await
}

/// The id of the record with exactly this number, if any (no name): how
/// someone who must break the glass reaches a record search leaves out.
#[tauri::command]
pub async fn patient_by_mrn(app: AppHandle, args: MrnArgs) -> IpcResult<Option<i64>> {
    blocking(app, move |st, _| Ok(st.lock().session()?.patient_by_mrn(&args.mrn)?)).await
}

/// Registers a patient.
#[tauri::command]
pub async fn register_patient(app: AppHandle, args: PatientInput) -> IpcResult<PatientView> {
    blocking(app, move |st, _| {
        let fields = fields_of(args)?;
        Ok(view(st.lock().session()?.register_patient(&fields)?, Vec::new()))
    })
    .await
}

/// A patient's record (audited).
#[tauri::command]
pub async fn patient(app: AppHandle, args: PatientArgs) -> IpcResult<PatientView> {
    blocking(app, move |st, _| {
        let mut g = st.lock();
        let s = g.session()?;
        let p = s.patient(args.id)?;
        let ids = s.patient_identifiers(args.id)?;
        Ok(view(p, ids))
    })
    .await
}

/// A chart as its screen opens: the record, and the visits and allergies
/// where the user reads the clinical record, in one read and one audit
/// entry (each audited read is a commit that waits for the disk).
#[tauri::command]
pub async fn open_chart(app: AppHandle, args: PatientArgs) -> IpcResult<ChartView> {
    blocking(app, move |st, _| {
        let mut g = st.lock();
        let s = g.session()?;
        let c = s.open_chart(args.id)?;
        let name = crate::commands::chart::namer(s)?;
        let allergies = c.lists.map(|lists| {
            lists
                .into_iter()
                .filter(|(list, _)| *list == ChartList::Allergies)
                .flat_map(|(_, entries)| entries.into_iter().map(entry_view))
                .collect()
        });
        Ok(ChartView {
            patient: view(c.patient, c.identifiers),
            visits: c.visits.map(|v| v.into_iter().map(|r| visit_view(r, &name)).collect()),
            allergies,
        })
    })
    .await
}

/// Edits a patient's demographics.
#[tauri::command]
pub async fn update_patient(app: AppHandle, args: PatientUpdateArgs) -> IpcResult<PatientView> {
    blocking(app, move |st, _| {
        let fields = fields_of(args.fields)?;
        let mut g = st.lock();
        let s = g.session()?;
        let p = s.update_patient(args.id, &fields)?;
        let ids = s.patient_identifiers(args.id)?;
        Ok(view(p, ids))
    })
    .await
}

/// Sets or removes an identifier.
#[tauri::command]
pub async fn set_identifier(app: AppHandle, args: IdentifierArgs) -> IpcResult<()> {
    blocking(app, move |st, _| {
        Ok(st.lock().session()?.set_patient_identifier(args.id, &args.system, args.value.as_deref())?)
    })
    .await
}

/// Archives a patient's record.
#[tauri::command]
pub async fn archive_patient(app: AppHandle, args: PatientArgs) -> IpcResult<()> {
    blocking(app, move |st, _| Ok(st.lock().session()?.archive_patient(args.id)?)).await
}

/// Brings an archived record back.
#[tauri::command]
pub async fn unarchive_patient(app: AppHandle, args: PatientArgs) -> IpcResult<()> {
    blocking(app, move |st, _| Ok(st.lock().session()?.unarchive_patient(args.id)?)).await
}

/// Emergency access to one patient's record, with the reason (audited,
/// time-limited, reviewed by an administrator).
#[tauri::command]
pub async fn emergency_access(app: AppHandle, args: EmergencyArgs) -> IpcResult<()> {
    blocking(app, move |st, _| {
        st.lock().session()?.emergency_chart_access(args.id, &args.reason)?;
        Ok(())
    })
    .await
}

fn soap_view(s: Soap) -> SoapView {
    SoapView { subjective: s.subjective, objective: s.objective, assessment: s.assessment, plan: s.plan }
}

fn soap_of(s: SoapView) -> Soap {
    Soap { subjective: s.subjective, objective: s.objective, assessment: s.assessment, plan: s.plan }
}

/// The same seven values both ways (core never sees the IPC types).
macro_rules! same_vitals {
    ($from:expr => $to:ident) => {{
        let v = $from;
        $to {
            systolic: v.systolic,
            diastolic: v.diastolic,
            pulse: v.pulse,
            temperature_c: v.temperature_c,
            weight_kg: v.weight_kg,
            height_cm: v.height_cm,
            spo2: v.spo2,
        }
    }};
}

fn vitals_view(v: Vitals) -> VitalsView {
    same_vitals!(v => VitalsView)
}

fn visit_view(r: VisitRecord, name: &dyn Fn(i64) -> String) -> VisitView {
    VisitView {
        id: r.visit.id,
        started_at: r.visit.started_at.to_rfc3339(),
        kind: r.visit.kind.as_str().to_owned(),
        provider: r.visit.provider_id.map(name),
        reason: r.visit.reason,
        signed_by: r.note.as_ref().and_then(|n| n.signed.map(|(by, _)| name(by))),
        signed_at: r.note.as_ref().and_then(|n| n.signed.map(|(_, at)| at.to_rfc3339())),
        note: r.note.map(|n| soap_view(n.soap)),
        addenda: r
            .addenda
            .into_iter()
            .map(|a| AddendumView { text: a.text, author: name(a.author_id), created_at: a.created_at.to_rfc3339() })
            .collect(),
        vitals: r
            .vitals
            .into_iter()
            .map(|v| VitalsRecordView { taken_at: v.taken_at.to_rfc3339(), vitals: vitals_view(v.vitals) })
            .collect(),
    }
}

/// A patient's visits, newest first (audited).
#[tauri::command]
pub async fn patient_visits(app: AppHandle, args: PatientArgs) -> IpcResult<Vec<VisitView>> {
    blocking(app, move |st, _| {
        let mut g = st.lock();
        let s = g.session()?;
        let visits = s.patient_visits(args.id)?;
        let name = crate::commands::chart::namer(s)?;
        Ok(visits.into_iter().map(|v| visit_view(v, &name)).collect())
    })
    .await
}

/// Records a visit.
#[tauri::command]
pub async fn record_visit(app: AppHandle, args: NewVisitArgs) -> IpcResult<i64> {
    blocking(app, move |st, _| {
        let started_at = DateTime::parse_from_rfc3339(args.started_at.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| IpcError::invalid("The visit time is not a date and time."))?;
        let new = NewVisit {
            started_at,
            kind: VisitKind::parse(&args.kind)?,
            provider: args.provider.as_deref(),
            reason: args.reason.as_deref(),
        };
        Ok(st.lock().session()?.record_visit(args.patient_id, &new)?.id)
    })
    .await
}

/// Saves a visit's draft note.
#[tauri::command]
pub async fn save_note(app: AppHandle, args: NoteArgs) -> IpcResult<()> {
    blocking(app, move |st, _| Ok(st.lock().session()?.save_note(args.visit_id, &soap_of(args.soap))?)).await
}

/// Signs a visit's note.
#[tauri::command]
pub async fn sign_note(app: AppHandle, args: VisitArgs) -> IpcResult<()> {
    blocking(app, move |st, _| Ok(st.lock().session()?.sign_note(args.visit_id)?)).await
}

/// Adds an addendum to a signed note.
#[tauri::command]
pub async fn add_addendum(app: AppHandle, args: AddendumArgs) -> IpcResult<()> {
    blocking(app, move |st, _| Ok(st.lock().session()?.add_addendum(args.visit_id, &args.text)?)).await
}

/// Records vital signs, taken now.
#[tauri::command]
pub async fn record_vitals(app: AppHandle, args: VitalsArgs) -> IpcResult<()> {
    blocking(app, move |st, _| {
        let vitals = same_vitals!(args.vitals => Vitals);
        Ok(st.lock().session()?.record_vitals(args.visit_id, &vitals, Utc::now())?)
    })
    .await
}

/// The chart lists' descriptions, for their forms.
#[tauri::command]
pub async fn list_specs(app: AppHandle) -> IpcResult<Vec<ListSpecView>> {
    blocking(app, |st, _| {
        st.lock().session()?;
        Ok(ChartList::ALL
            .iter()
            .map(|l| ListSpecView {
                list: l.as_str().to_owned(),
                fields: l
                    .fields()
                    .iter()
                    .map(|f| FieldSpecView {
                        name: f.name.to_owned(),
                        label: f.label.to_owned(),
                        required: f.required,
                        kind: match f.kind {
                            FieldKind::Text(_) => "text",
                            FieldKind::Date => "date",
                            FieldKind::OneOf(_) => "choice",
                        }
                        .to_owned(),
                        choices: match f.kind {
                            FieldKind::OneOf(w) => w.iter().map(|s| (*s).to_owned()).collect(),
                            _ => Vec::new(),
                        },
                        max_chars: match f.kind {
                            FieldKind::Text(n) => u32::try_from(n).ok(),
                            _ => None,
                        },
                        default: f.default.map(str::to_owned),
                    })
                    .collect(),
            })
            .collect())
    })
    .await
}

fn entry_view(e: ChartEntry) -> ChartEntryView {
    ChartEntryView {
        id: e.id,
        values: e.values.into_iter().map(|(f, v)| FieldValue { field: f.to_owned(), value: v }).collect(),
        recorded_at: e.recorded_at.to_rfc3339(),
    }
}

fn given(values: &[FieldValue]) -> Vec<(&str, Option<&str>)> {
    values.iter().map(|v| (v.field.as_str(), v.value.as_deref())).collect()
}

/// A patient's entries of one list (audited).
#[tauri::command]
pub async fn chart_entries(app: AppHandle, args: ListArgs) -> IpcResult<Vec<ChartEntryView>> {
    blocking(app, move |st, _| {
        let list = ChartList::parse(&args.list)?;
        Ok(st.lock().session()?.chart_entries(args.patient_id, list)?.into_iter().map(entry_view).collect())
    })
    .await
}

/// Adds an entry to a list.
#[tauri::command]
pub async fn add_chart_entry(app: AppHandle, args: AddEntryArgs) -> IpcResult<ChartEntryView> {
    blocking(app, move |st, _| {
        let list = ChartList::parse(&args.list)?;
        Ok(entry_view(st.lock().session()?.add_chart_entry(args.patient_id, list, &given(&args.values))?))
    })
    .await
}

/// Changes an entry.
#[tauri::command]
pub async fn update_chart_entry(app: AppHandle, args: UpdateEntryArgs) -> IpcResult<ChartEntryView> {
    blocking(app, move |st, _| {
        let list = ChartList::parse(&args.list)?;
        Ok(entry_view(st.lock().session()?.update_chart_entry(list, args.id, &given(&args.values))?))
    })
    .await
}

/// One entry's history.
#[tauri::command]
pub async fn chart_entry_history(app: AppHandle, args: EntryArgs) -> IpcResult<Vec<HistoryView>> {
    blocking(app, move |st, _| {
        let list = ChartList::parse(&args.list)?;
        Ok(st
            .lock()
            .session()?
            .chart_entry_history(list, args.id)?
            .into_iter()
            .map(|h| HistoryView {
                field: h.field,
                old: h.old,
                new: h.new,
                changed_by: h.changed_by,
                changed_at: h.changed_at.to_rfc3339(),
            })
            .collect())
    })
    .await
}
