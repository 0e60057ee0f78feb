//! Attachments, consents, merging and erasure (core checks the permission,
//! the restriction and the archive state of every one).
//!
//! An attachment's bytes cross the IPC boundary raw, not as JSON: the page
//! sends the file as the request body (patient, name and description in
//! headers) and receives it back as an `ArrayBuffer`. Core streams them
//! into and out of the sealed database a chunk at a time.

use std::io::Cursor;

use chartvault_core::records::{
    Attachment, Consent, ConsentScope, ConsentStatus, ImportMode, Merge, MergeCounts, NewAttachment, NewConsent,
};
use chartvault_core::session::Session;
use chrono::NaiveDate;
use tauri::AppHandle;
use tauri::ipc::{InvokeBody, Request, Response};

use crate::commands::records::date;
use crate::error::IpcResult;
use crate::files;
use crate::ipc::{ErrorCode, IpcError};
use crate::ipc_chart::*;
use crate::ipc_records::PatientArgs;
use crate::state::blocking;

/// User names by id, for showing who did what.
pub(crate) fn namer(s: &mut Session) -> IpcResult<impl Fn(i64) -> String> {
    let names = s.user_names()?;
    Ok(move |id: i64| names.iter().find(|(i, _)| *i == id).map_or_else(|| format!("user {id}"), |(_, n)| n.clone()))
}

fn attachment_view(a: Attachment, name: &impl Fn(i64) -> String) -> AttachmentView {
    AttachmentView {
        id: a.id,
        file_name: a.file_name,
        content_type: a.content_type.mime().to_owned(),
        size: a.size,
        sha256: a.sha256,
        description: a.description,
        added_by: name(a.added_by),
        added_at: a.added_at.to_rfc3339(),
        entered_in_error_at: a.entered_in_error_at.map(|t| t.to_rfc3339()),
    }
}

/// A patient's attachments, newest first (audited).
#[tauri::command]
pub async fn attachments(app: AppHandle, args: PatientArgs) -> IpcResult<Vec<AttachmentView>> {
    blocking(app, move |st, _| {
        let mut g = st.lock();
        let s = g.session()?;
        let list = s.attachments(args.id)?;
        let name = namer(s)?;
        Ok(list.into_iter().map(|a| attachment_view(a, &name)).collect())
    })
    .await
}

fn header<'a>(request: &'a Request<'_>, name: &str) -> IpcResult<&'a str> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| IpcError::invalid(format!("The upload lacks its {name} header.")))
}

/// Percent-decodes a header value (file names are sent encoded, as
/// headers carry ASCII only).
fn decoded(s: &str) -> IpcResult<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let b = hex.ok_or_else(|| IpcError::invalid("A file name in the upload is not encoded properly."))?;
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| IpcError::invalid("A file name in the upload is not UTF-8."))
}

/// Adds a file to a chart: the request body is the file, the headers
/// `x-patient`, `x-file-name` and `x-description` (percent-encoded) say
/// where and what. Runs on the async runtime with the body borrowed, so the
/// file is held once, as it arrived.
#[tauri::command(async)]
pub fn add_attachment(app: AppHandle, request: Request<'_>) -> IpcResult<AttachmentView> {
    use tauri::Manager;
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(IpcError::invalid("The upload must be the file's bytes."));
    };
    let patient: i64 =
        header(&request, "x-patient")?.parse().map_err(|_| IpcError::invalid("The upload names no patient."))?;
    let file_name = decoded(header(&request, "x-file-name")?)?;
    let description = match request.headers().get("x-description").and_then(|v| v.to_str().ok()) {
        Some(d) if !d.is_empty() => Some(decoded(d)?),
        _ => None,
    };
    let st = app.state::<crate::state::AppState>();
    let mut g = st.lock();
    let s = g.session()?;
    let new = NewAttachment { file_name: &file_name, description: description.as_deref(), size: bytes.len() as u64 };
    let a = s.add_attachment(patient, &new, &mut Cursor::new(bytes.as_slice()))?;
    let name = namer(s)?;
    Ok(attachment_view(a, &name))
}

/// Imports patients from a CSV file sent as the request body; the header
/// `x-mode` is `check` (a dry run: nothing written), `all` (nothing
/// written unless every row passes) or `skip-bad` (the good rows).
#[tauri::command(async)]
pub fn import_patients(app: AppHandle, request: Request<'_>) -> IpcResult<ImportView> {
    use tauri::Manager;
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(IpcError::invalid("The import must be the file's bytes."));
    };
    let mode = match header(&request, "x-mode")? {
        "check" => ImportMode::DryRun,
        "all" => ImportMode::AllOrNothing,
        "skip-bad" => ImportMode::SkipBad,
        _ => return Err(IpcError::invalid("Say whether to check the file, import all of it or skip bad rows.")),
    };
    let st = app.state::<crate::state::AppState>();
    let mut g = st.lock();
    let r = g.session()?.import_patients(&mut Cursor::new(bytes.as_slice()), mode)?;
    Ok(ImportView {
        rows: r.rows,
        good_rows: r.good_rows,
        problems: r
            .problems
            .into_iter()
            .map(|p| ImportProblemView { line: p.line, field: p.field, why: p.why })
            .collect(),
        header_refused: r.header_refused,
        imported: r.imported.len() as u64,
        warnings: r
            .warnings
            .into_iter()
            .map(|p| ImportProblemView { line: p.line, field: p.field, why: p.why })
            .collect(),
    })
}

/// An attachment's bytes, for the preview (audited as an opening).
#[tauri::command]
pub async fn attachment_bytes(app: AppHandle, args: AttachmentArgs) -> IpcResult<Response> {
    blocking(app, move |st, _| {
        let mut g = st.lock();
        let s = g.session()?;
        let mut out = Vec::new();
        s.open_attachment(args.id, &mut out)?;
        Ok(Response::new(out))
    })
    .await
}

/// Saves an attachment to a file (its own name in Documents by default).
#[tauri::command]
pub async fn save_attachment(app: AppHandle, args: SaveAttachmentArgs) -> IpcResult<SavedFile> {
    blocking(app, move |st, _| {
        let mut g = st.lock();
        let s = g.session()?;
        let a = s.attachment(args.id)?;
        let path = files::destination(&args.path, &files::safe_name(&a.file_name, a.content_type.extensions()))?;
        let bytes = files::write_new(&path, |out| Ok(s.open_attachment(args.id, out)?.size))?;
        Ok(SavedFile { path: path.display().to_string(), bytes })
    })
    .await
}

/// The largest attachment the clinic accepts, in bytes.
#[tauri::command]
pub async fn attachment_limit(app: AppHandle) -> IpcResult<u64> {
    blocking(app, |st, _| Ok(st.lock().session()?.attachment_limit())).await
}

/// Marks an attachment as added to this chart by mistake.
#[tauri::command]
pub async fn mark_attachment_in_error(app: AppHandle, args: AttachmentArgs) -> IpcResult<()> {
    blocking(app, move |st, _| Ok(st.lock().session()?.mark_attachment_in_error(args.id)?)).await
}

fn consent_view(c: Consent, today: NaiveDate, name: &impl Fn(i64) -> String) -> ConsentView {
    ConsentView {
        id: c.id,
        scope: c.scope.as_str().to_owned(),
        granted_on: c.granted_on.to_string(),
        expires_on: c.expires_on.map(|d| d.to_string()),
        note: c.note.clone(),
        status: match c.status(today) {
            ConsentStatus::Active => "active",
            ConsentStatus::NotYetValid => "not_yet_valid",
            ConsentStatus::Expired => "expired",
            ConsentStatus::Withdrawn => "withdrawn",
        }
        .to_owned(),
        recorded_by: name(c.recorded_by),
        recorded_at: c.recorded_at.to_rfc3339(),
        withdrawn_at: c.withdrawn_at.map(|t| t.to_rfc3339()),
    }
}

/// A patient's consents, newest first (audited).
#[tauri::command]
pub async fn consents(app: AppHandle, args: PatientArgs) -> IpcResult<Vec<ConsentView>> {
    blocking(app, move |st, _| {
        let mut g = st.lock();
        let s = g.session()?;
        let list = s.consents(args.id)?;
        let today = s.today();
        let name = namer(s)?;
        Ok(list.into_iter().map(|c| consent_view(c, today, &name)).collect())
    })
    .await
}

/// Records a consent.
#[tauri::command]
pub async fn record_consent(app: AppHandle, args: ConsentArgs) -> IpcResult<ConsentView> {
    blocking(app, move |st, _| {
        let expires_on = match args.expires_on.as_deref().map(str::trim) {
            Some(e) if !e.is_empty() => Some(date("end date", e)?),
            _ => None,
        };
        let new = NewConsent {
            scope: ConsentScope::parse(&args.scope)?,
            granted_on: date("start date", &args.granted_on)?,
            expires_on,
            note: args.note.as_deref(),
        };
        let mut g = st.lock();
        let s = g.session()?;
        let c = s.record_consent(args.patient_id, &new)?;
        let today = s.today();
        let name = namer(s)?;
        Ok(consent_view(c, today, &name))
    })
    .await
}

/// Records that the patient withdrew a consent.
#[tauri::command]
pub async fn withdraw_consent(app: AppHandle, args: ConsentIdArgs) -> IpcResult<()> {
    blocking(app, move |st, _| {
        st.lock().session()?.withdraw_consent(args.id)?;
        Ok(())
    })
    .await
}

fn merge_done(merge_id: i64, counts: MergeCounts) -> MergeDone {
    MergeDone {
        merge_id,
        moved: counts.moved.iter().map(|(kind, n)| format!("{n} {kind}")).collect(),
        conflicts: counts
            .identifier_conflicts
            .iter()
            .map(|(system, kept, dup)| format!("{system}: {kept} (kept) / {dup} (duplicate)"))
            .collect(),
    }
}

fn merge_view(m: Merge) -> MergeView {
    MergeView {
        id: m.id,
        kept_id: m.kept_id,
        duplicate_id: m.duplicate_id,
        merged_at: m.merged_at.to_rfc3339(),
        undone_at: m.undone_at.map(|t| t.to_rfc3339()),
    }
}

/// Merges a duplicate record into the one kept.
#[tauri::command]
pub async fn merge_patients(app: AppHandle, args: MergeArgs) -> IpcResult<MergeDone> {
    blocking(app, move |st, _| {
        let (m, counts) = st.lock().session()?.merge_patients(args.kept_id, args.duplicate_id)?;
        Ok(merge_done(m.id, counts))
    })
    .await
}

/// A merge, for its undo from the audit trail.
#[tauri::command]
pub async fn merge_record(app: AppHandle, args: MergeIdArgs) -> IpcResult<MergeView> {
    blocking(app, move |st, _| Ok(merge_view(st.lock().session()?.merge(args.id)?))).await
}

/// The merges a patient's record took part in.
#[tauri::command]
pub async fn patient_merges(app: AppHandle, args: PatientArgs) -> IpcResult<Vec<MergeView>> {
    blocking(app, move |st, _| {
        let merges = st.lock().session()?.patient_merges(args.id)?;
        Ok(merges.into_iter().map(merge_view).collect())
    })
    .await
}

/// Undoes a merge.
#[tauri::command]
pub async fn undo_merge(app: AppHandle, args: MergeIdArgs) -> IpcResult<MergeDone> {
    blocking(app, move |st, _| {
        let counts = st.lock().session()?.undo_merge(args.id)?;
        Ok(merge_done(args.id, counts))
    })
    .await
}

/// Erases a record on request (the password must have been entered again).
#[tauri::command]
pub async fn erase_patient(app: AppHandle, args: EraseArgs) -> IpcResult<()> {
    blocking(app, move |st, _| {
        let erased = st.lock().session()?.erase_patient(args.id, &args.reference)?;
        if erased.records == 0 {
            return Err(IpcError::new(ErrorCode::NotFound, "Nothing was erased."));
        }
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_percent_decoded_and_bad_encodings_refused() {
        assert_eq!(decoded("Zo%C3%AB%20scan.png").unwrap(), "Zoë scan.png");
        assert_eq!(decoded("plain.txt").unwrap(), "plain.txt");
        assert!(decoded("bad%zz").is_err());
        assert!(decoded("cut%4").is_err());
        assert!(decoded("%FF").is_err());
    }
}
