//! One list of the commands and IPC types, from which both the Tauri
//! handler and the page's TypeScript (`ui/src/lib/bindings.ts`) are made.
//! Each entry's argument and result types are checked against the
//! command's own signature at compile time, and a test fails when the
//! TypeScript file differs from what these produce
//! (`CHARTVAULT_WRITE_BINDINGS=1 cargo test -p chartvault-desktop bindings` rewrites it).

use std::future::Future;

use tauri::AppHandle;
use ts_rs::TS;

use crate::error::IpcResult;
use crate::ipc::*;
use crate::ipc_backup::*;
use crate::ipc_chart::*;
use crate::ipc_records::*;

/// Where the generated TypeScript lives, from this crate's folder.
pub const BINDINGS_FILE: &str = "../ui/src/lib/bindings.ts";

fn takes<A, R, F, Fut>(_: F)
where
    F: Fn(AppHandle, A) -> Fut,
    Fut: Future<Output = IpcResult<R>>,
{
}

fn takes_nothing<R, F, Fut>(_: F)
where
    F: Fn(AppHandle) -> Fut,
    Fut: Future<Output = IpcResult<R>>,
{
}

macro_rules! ipc {
    (
        types: [$($ty:ty),* $(,)?];
        raw: [$($rmodule:ident :: $rname:ident),* $(,)?];
        commands: [$($module:ident :: $name:ident ( $($arg:ty)? ) -> $ret:ty;)*]
    ) => {
        /// The invoke handler with every command. The `raw` ones move bytes
        /// (attachments) outside JSON; `ui/src/lib/raw.ts` calls them.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            let handle: Box<dyn Fn(tauri::ipc::Invoke) -> bool + Send + Sync> = Box::new(tauri::generate_handler![$(crate::commands::$module::$name,)* $(crate::commands::$rmodule::$rname),*]);
            move |invoke: tauri::ipc::Invoke| {
                // The command's name only (debug level): its arguments are clinic data.
                tracing::debug!(command = invoke.message.command(), "ipc");
                handle(invoke)
            }
        }

        #[allow(dead_code)]
        fn signatures_match() {
            $( ipc!(@check $module::$name ( $($arg)? ) -> $ret); )*
        }

        /// The TypeScript for the page.
        pub fn typescript() -> String {
            let cfg = ts_rs::Config::new().with_large_int("number");
            let mut out = String::from(HEADER);
            $(
                out.push_str("\nexport ");
                out.push_str(&<$ty as TS>::decl(&cfg));
                out.push('\n');
            )*
            out.push_str("\n/** The app's commands. */\nexport const commands = {\n");
            $( out.push_str(&ipc!(@ts cfg, $name ( $($arg)? ) -> $ret)); )*
            out.push_str("};\n");
            out
        }
    };
    (@check $module:ident :: $name:ident ( $arg:ty ) -> $ret:ty) => {
        takes::<$arg, $ret, _, _>(crate::commands::$module::$name)
    };
    (@check $module:ident :: $name:ident ( ) -> $ret:ty) => {
        takes_nothing::<$ret, _, _>(crate::commands::$module::$name)
    };
    (@ts $cfg:ident, $name:ident ( $arg:ty ) -> $ret:ty) => {
        format!(
            "  {}: (args: {}): Promise<{}> => call(\"{}\", {{ args }}),\n",
            camel(stringify!($name)),
            <$arg as TS>::name(&$cfg),
            <$ret as TS>::name(&$cfg),
            stringify!($name)
        )
    };
    (@ts $cfg:ident, $name:ident ( ) -> $ret:ty) => {
        format!(
            "  {}: (): Promise<{}> => call(\"{}\"),\n",
            camel(stringify!($name)),
            <$ret as TS>::name(&$cfg),
            stringify!($name)
        )
    };
}

const HEADER: &str = "// Generated from src-tauri/src/bindings.rs and ipc.rs: do not edit.\n\
// Regenerate with CHARTVAULT_WRITE_BINDINGS=1 cargo test -p chartvault-desktop bindings\n\
import { call } from \"./call\";\n";

fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

ipc! {
    types: [
        Phase, Status, Me, Shown, NewRecoveryCode, DiagnosticsCopy, SetupArgs, SetupDone, PasswordRateArgs, PasswordRating, LoginArgs, CodeArgs,
        UnlockArgs, RecoverArgs, ChangePasswordArgs, UserRow, NewUserArgs, UserArgs, UserPasswordArgs, RoleArgs,
        OverrideArgs, PermissionRow, UserAccessView, RoleOption, EmergencyRow, ReviewArgs, AuditQuery, ChangeView,
        AuditEntryView, AuditPage, ChainCheck, ExportArgs, ExportDone, PolicyEntry, PolicyArgs, TotpEnrolment,
        Progress, IpcError, ErrorCode, PatientHitView, FindArgs, MrnArgs, PatientInput, PatientView, PatientUpdateArgs,
        PatientArgs, IdentifierArgs, EmergencyArgs, NewVisitArgs, SoapView, NoteArgs, VisitArgs, AddendumArgs,
        VitalsView, VitalsArgs, VitalsRecordView, AddendumView, VisitView, FieldSpecView, ListSpecView, FieldValue,
        ChartEntryView, ListArgs, AddEntryArgs, UpdateEntryArgs, EntryArgs, HistoryView, AttachmentView,
        AttachmentArgs, SaveAttachmentArgs, SavedFile, ConsentView, ConsentArgs, ConsentIdArgs, MergeArgs, MergeIdArgs,
        MergeDone, MergeView, EraseArgs, PatientExportArgs, DeidExportArgs, DeidExportDone,
        ImportProblemView, ImportView, ChartView, BackupStatusView, BackupRunView, DriveView, BackupNowArgs,
        BackupDoneView, BackupFileArgs, BackupCheckView, RestoreArgs, FirstRunRestoreArgs, RestoreDoneView, FolderArgs,
        ListedBackupView,
    ];
    raw: [chart::add_attachment, chart::attachment_bytes, chart::import_patients];
    commands: [
        session::status() -> Status;
        support::copy_diagnostics() -> DiagnosticsCopy;
        session::rate_password(PasswordRateArgs) -> PasswordRating;
        session::setup(SetupArgs) -> SetupDone;
        session::check_own_code(CodeArgs) -> ();
        session::login(LoginArgs) -> Status;
        session::login_code(CodeArgs) -> Status;
        session::cancel_login() -> Status;
        session::recover(RecoverArgs) -> ();
        session::lock() -> Status;
        session::unlock(UnlockArgs) -> Status;
        session::logout() -> Status;
        session::activity() -> ();
        session::reauthenticate(UnlockArgs) -> ();
        users::list_users() -> Vec<UserRow>;
        users::roles() -> Vec<RoleOption>;
        users::create_user(NewUserArgs) -> ();
        users::disable_user(UserArgs) -> ();
        users::enable_user(UserPasswordArgs) -> ();
        users::remove_user(UserArgs) -> ();
        users::revoke_access() -> ();
        users::reset_password(UserPasswordArgs) -> ();
        users::reset_totp(UserArgs) -> ();
        users::lift_lockout(UserArgs) -> ();
        users::set_role(RoleArgs) -> ();
        users::user_access(UserArgs) -> UserAccessView;
        users::set_override(OverrideArgs) -> ();
        users::emergency_reviews() -> Vec<EmergencyRow>;
        users::review_emergency(ReviewArgs) -> ();
        audit::audit_actions() -> Vec<String>;
        audit::audit_list(AuditQuery) -> AuditPage;
        audit::audit_verify() -> ChainCheck;
        audit::audit_export(ExportArgs) -> ExportDone;
        audit::cancel_task() -> ();
        account::change_password(ChangePasswordArgs) -> ();
        account::begin_totp() -> TotpEnrolment;
        account::confirm_totp(CodeArgs) -> ();
        account::recovery_codes() -> Vec<Shown>;
        account::policy() -> Vec<PolicyEntry>;
        account::set_policy(PolicyArgs) -> ();
        account::rekey() -> ();
        account::replace_recovery_code() -> NewRecoveryCode;
        records::find_patients(FindArgs) -> Vec<PatientHitView>;
        records::patient_by_mrn(MrnArgs) -> Option<i64>;
        records::register_patient(PatientInput) -> PatientView;
        records::patient(PatientArgs) -> PatientView;
        records::open_chart(PatientArgs) -> ChartView;
        records::update_patient(PatientUpdateArgs) -> PatientView;
        records::set_identifier(IdentifierArgs) -> ();
        records::archive_patient(PatientArgs) -> ();
        records::unarchive_patient(PatientArgs) -> ();
        records::emergency_access(EmergencyArgs) -> ();
        records::patient_visits(PatientArgs) -> Vec<VisitView>;
        records::record_visit(NewVisitArgs) -> i64;
        records::save_note(NoteArgs) -> ();
        records::sign_note(VisitArgs) -> ();
        records::add_addendum(AddendumArgs) -> ();
        records::record_vitals(VitalsArgs) -> ();
        records::list_specs() -> Vec<ListSpecView>;
        records::chart_entries(ListArgs) -> Vec<ChartEntryView>;
        records::add_chart_entry(AddEntryArgs) -> ChartEntryView;
        records::update_chart_entry(UpdateEntryArgs) -> ChartEntryView;
        records::chart_entry_history(EntryArgs) -> Vec<HistoryView>;
        chart::attachments(PatientArgs) -> Vec<AttachmentView>;
        chart::save_attachment(SaveAttachmentArgs) -> SavedFile;
        chart::attachment_limit() -> u64;
        chart::mark_attachment_in_error(AttachmentArgs) -> ();
        chart::consents(PatientArgs) -> Vec<ConsentView>;
        chart::record_consent(ConsentArgs) -> ConsentView;
        chart::withdraw_consent(ConsentIdArgs) -> ();
        chart::merge_patients(MergeArgs) -> MergeDone;
        chart::merge_record(MergeIdArgs) -> MergeView;
        chart::patient_merges(PatientArgs) -> Vec<MergeView>;
        chart::undo_merge(MergeIdArgs) -> MergeDone;
        chart::erase_patient(EraseArgs) -> ();
        exports::export_patient(PatientExportArgs) -> SavedFile;
        exports::export_deidentified(DeidExportArgs) -> DeidExportDone;
        backup::backup_status() -> Option<BackupStatusView>;
        backup::backup_runs() -> Vec<BackupRunView>;
        backup::backup_drives() -> Vec<DriveView>;
        backup::backup_now(BackupNowArgs) -> BackupDoneView;
        backup::backup_verify(BackupFileArgs) -> BackupCheckView;
        backup::backup_restore(RestoreArgs) -> RestoreDoneView;
        backup::backup_list(FolderArgs) -> Vec<ListedBackupView>;
        backup::first_run_inspect(BackupFileArgs) -> BackupCheckView;
        backup::first_run_restore(FirstRunRestoreArgs) -> RestoreDoneView;
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_FILE);
        let want = typescript();
        if std::env::var_os("CHARTVAULT_WRITE_BINDINGS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale: run CHARTVAULT_WRITE_BINDINGS=1 cargo test -p chartvault-desktop bindings",
            path.display()
        );
    }

    #[test]
    fn command_names_become_camel_case() {
        assert_eq!(camel("audit_list"), "auditList");
        assert_eq!(camel("status"), "status");
    }
}
