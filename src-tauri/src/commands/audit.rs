//! The audit viewer: entries by filter and page, chain verification, CSV
//! export (administrators and auditors; core checks).

use std::io::Write;
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;

use chartvault_core::audit::{Action, Entry, Filter};
use chrono::{DateTime, Utc};
use tauri::AppHandle;

use crate::error::IpcResult;
use crate::ipc::{
    AuditEntryView, AuditPage, AuditQuery, ChainCheck, ChangeView, ErrorCode, ExportArgs, ExportDone, IpcError,
};
use crate::state::blocking;
use crate::{events, files};

/// The most entries one page may hold.
const MAX_PAGE: u32 = 500;

/// Every action name, for the filter.
#[tauri::command]
pub async fn audit_actions(app: AppHandle) -> IpcResult<Vec<String>> {
    blocking(app, |st, _| {
        st.lock().session()?;
        Ok(Action::ALL.iter().map(|a| a.as_str().to_owned()).collect())
    })
    .await
}

fn time(field: &str, t: Option<&str>) -> IpcResult<Option<DateTime<Utc>>> {
    t.filter(|s| !s.trim().is_empty())
        .map(|s| {
            DateTime::parse_from_rfc3339(s.trim())
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| IpcError::invalid(format!("The {field} time is not a date and time.")))
        })
        .transpose()
}

/// The core filter a query asks for (without paging).
pub(crate) fn filter_of(q: &AuditQuery) -> IpcResult<Filter> {
    let action = match q.action.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => Some(Action::parse(a).ok_or_else(|| IpcError::invalid(format!("There is no action \"{a}\".")))?),
        None => None,
    };
    let from = time("from", q.from.as_deref())?;
    let to = time("to", q.to.as_deref())?;
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err(IpcError::invalid("The \"from\" time must be before the \"to\" time."));
    }
    Ok(Filter {
        username: q.username.as_deref().map(|u| u.trim().to_lowercase()).filter(|u| !u.is_empty()),
        patient_id: q.patient_id,
        action,
        from,
        to,
        ..Filter::default()
    })
}

fn view(e: Entry) -> AuditEntryView {
    AuditEntryView {
        seq: e.seq,
        at: e.at.to_rfc3339(),
        username: e.actor.username,
        host: e.workstation.host,
        action: e.event.action.as_str().to_owned(),
        outcome: e.event.outcome.as_str().to_owned(),
        target_kind: e.event.target_kind,
        target_id: e.event.target_id,
        patient_id: e.event.patient_id,
        detail: e.event.detail,
        emergency: e.event.emergency,
        changes: e.event.changes.into_iter().map(|c| ChangeView { field: c.field, old: c.old, new: c.new }).collect(),
    }
}

/// One page of entries, newest first.
#[tauri::command]
pub async fn audit_list(app: AppHandle, args: AuditQuery) -> IpcResult<AuditPage> {
    blocking(app, move |st, _| {
        let size = args.page_size.clamp(1, MAX_PAGE);
        let mut filter = filter_of(&args)?;
        // One more than a page: whether another page follows.
        filter.limit = Some(u64::from(size) + 1);
        filter.offset = u64::from(args.page) * u64::from(size);
        let mut entries = st.lock().session()?.audit_list(&filter)?;
        let has_more = entries.len() > size as usize;
        entries.truncate(size as usize);
        Ok(AuditPage { entries: entries.into_iter().map(view).collect(), has_more })
    })
    .await
}

/// Verifies the whole chain (progress as `progress` events).
#[tauri::command]
pub async fn audit_verify(app: AppHandle) -> IpcResult<ChainCheck> {
    blocking(app, |st, app| {
        st.cancel.store(false, Ordering::Relaxed);
        let cancel = st.cancel.clone();
        let mut report = |done: u64, total: u64| {
            events::progress(app, "audit_verify", "checking entries", done, total);
            if cancel.load(Ordering::Relaxed) { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        };
        let r = st.lock().session()?.audit_verify(Some(&mut report))?;
        Ok(ChainCheck {
            ok: r.is_ok(),
            entries: r.entries,
            head_seq: r.head.map(|h| h.seq),
            head_hash: r.head.map(|h| h.hash_hex()),
            problem: r.first_problem.map(|p| p.to_string()),
        })
    })
    .await
}

/// A writer that stops when the person cancels.
struct Cancellable<W> {
    inner: W,
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl<W: Write> Write for Cancellable<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "cancelled"));
        }
        self.inner.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Exports the entries a query selects as CSV to a file (cancellable:
/// nothing is left behind). The file is written beside its final name and
/// renamed when complete.
#[tauri::command]
pub async fn audit_export(app: AppHandle, args: ExportArgs) -> IpcResult<ExportDone> {
    blocking(app, move |st, app| {
        let filter = filter_of(&args.query)?;
        let name = format!("chartvault-audit-{}.csv", chrono::Local::now().format("%Y%m%d-%H%M%S"));
        let path = files::destination(&args.path, &name)?;
        let mut g = st.lock();
        let s = g.session()?;
        s.check_audit_export()?;
        st.cancel.store(false, Ordering::Relaxed);
        events::progress(app, "audit_export", "writing", 0, 0);
        let entries = files::write_new(&path, |out| {
            let mut w = Cancellable { inner: out, cancel: st.cancel.clone() };
            s.audit_export(&filter, &mut w).map_err(|e| {
                if st.cancel.swap(false, Ordering::Relaxed) {
                    IpcError::new(ErrorCode::Cancelled, "The export was cancelled; no file was left.")
                } else {
                    IpcError::from(e)
                }
            })
        })?;
        events::progress(app, "audit_export", "done", entries, entries);
        Ok(ExportDone { path: path.display().to_string(), entries })
    })
    .await
}

/// Asks long work that may stop safely (a verification, an export) to stop.
#[tauri::command]
pub async fn cancel_task(app: AppHandle) -> IpcResult<()> {
    blocking(app, |st, _| {
        st.cancel.store(true, Ordering::Relaxed);
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> AuditQuery {
        AuditQuery { page: 0, page_size: 50, ..AuditQuery::default() }
    }

    #[test]
    fn filters_are_read_as_typed_and_a_bad_one_is_refused_with_its_reason() {
        let f = filter_of(&AuditQuery { username: Some("  Sam ".into()), action: Some("lockout".into()), ..query() })
            .unwrap();
        assert_eq!(f.username.as_deref(), Some("sam"), "names are matched as login matches them");
        assert_eq!(f.action, Some(Action::Lockout));
        let e = filter_of(&AuditQuery { action: Some("drop_table".into()), ..query() }).unwrap_err();
        assert_eq!(e.code, ErrorCode::Invalid);
        assert!(e.message.contains("drop_table"), "{}", e.message);
        let e = filter_of(&AuditQuery { from: Some("yesterday".into()), ..query() }).unwrap_err();
        assert!(e.message.contains("from"), "{}", e.message);
        let backwards = AuditQuery {
            from: Some("2026-11-30T10:00:00Z".into()),
            to: Some("2026-11-30T09:00:00Z".into()),
            ..query()
        };
        assert_eq!(filter_of(&backwards).unwrap_err().code, ErrorCode::Invalid);
        let empty = filter_of(&AuditQuery { username: Some(" ".into()), action: Some(String::new()), ..query() });
        assert_eq!(empty.unwrap(), Filter::default(), "empty fields filter nothing");
    }

    #[test]
    fn an_export_path_must_be_absolute() {
        assert_eq!(files::destination("audit.csv", "d.csv").unwrap_err().code, ErrorCode::Invalid);
        let p = std::env::temp_dir().join("a.csv");
        assert_eq!(files::destination(p.to_str().unwrap(), "d.csv").unwrap(), p);
    }
}
