// Generated from src-tauri/src/bindings.rs and ipc.rs: do not edit.
// Regenerate with CHARTVAULT_WRITE_BINDINGS=1 cargo test -p chartvault-desktop bindings
import { call } from "./call";

export type Phase = "setup" | "signed_out" | "code_needed" | "locked" | "active";

export type Status = { 
/**
 * The screen to show.
 */
phase: Phase, 
/**
 * The vault's folder.
 */
vault_dir: string, 
/**
 * The default folder for a new vault (the per-user data directory).
 */
default_vault_dir: string, 
/**
 * The signed-in user (set when locked or active).
 */
me: Me | null, 
/**
 * Who the pending code is for (phase `code_needed`).
 */
pending_user: string | null, };

export type Me = { 
/**
 * User name.
 */
username: string, 
/**
 * Name shown.
 */
display_name: string, 
/**
 * Role name (`administrator`, `provider`, `staff`, `auditor`).
 */
role: string, 
/**
 * The role as shown.
 */
role_label: string, 
/**
 * The clinic's name.
 */
clinic: string, 
/**
 * An administrator reset the password: a new one comes first.
 */
must_change_password: boolean, 
/**
 * Has a confirmed authenticator.
 */
totp_enrolled: boolean, 
/**
 * Their role must use an authenticator.
 */
totp_required: boolean, 
/**
 * What they may do (permission names), for showing the right
 * navigation; core checks each action again.
 */
permissions: Array<string>, 
/**
 * Minutes without activity before the lock.
 */
idle_timeout_minutes: number, 
/**
 * Set at sign-in when the vault's audit trail lacks the head one of
 * its backups recorded: an older copy of the vault may have been put back.
 */
rollback_warning: string | null, };

export type Shown = { 
/**
 * The text to show.
 */
text: string, };

export type NewRecoveryCode = { 
/**
 * The code, shown once.
 */
code: Shown, 
/**
 * Why the rotation after it failed, if it did.
 */
rotation_error: string | null, };

export type DiagnosticsCopy = { 
/**
 * The report (no personal data), shown so the person sees what they send.
 */
report: string, 
/**
 * Whether the clipboard now holds it.
 */
copied: boolean, };

export type SetupArgs = { 
/**
 * Clinic name.
 */
clinic: string, 
/**
 * The vault's folder (empty: the default).
 */
location: string, 
/**
 * The first administrator's user name.
 */
username: string, 
/**
 * Their display name.
 */
display_name: string, 
/**
 * Their password.
 */
password: string, };

export type SetupDone = { 
/**
 * The vault's recovery code.
 */
recovery_code: Shown, 
/**
 * The administrator's authenticator secret (base 32, for typing in).
 */
totp_secret: Shown, 
/**
 * The same as an `otpauth://` URI.
 */
otpauth_uri: Shown, 
/**
 * The URI as an SVG QR code.
 */
qr_svg: string, };

export type PasswordRateArgs = { 
/**
 * The password so far.
 */
password: string, 
/**
 * The user name it is for.
 */
username: string, 
/**
 * Their display name.
 */
display_name: string, 
/**
 * The clinic (for the wizard; signed in, the vault's own is used).
 */
clinic: string, };

export type PasswordRating = { 
/**
 * 0 to 4.
 */
score: number, 
/**
 * Whether the policy accepts it.
 */
acceptable: boolean, 
/**
 * Why it is refused, when it is.
 */
refusal: string | null, 
/**
 * Advice, most important first.
 */
feedback: Array<string>, };

export type LoginArgs = { 
/**
 * User name as typed.
 */
username: string, 
/**
 * Password.
 */
password: string, };

export type CodeArgs = { 
/**
 * The code as typed.
 */
code: string, };

export type UnlockArgs = { 
/**
 * Password.
 */
password: string, 
/**
 * Authenticator code, when enrolled.
 */
code: string | null, };

export type RecoverArgs = { 
/**
 * The recovery code.
 */
recovery_code: string, 
/**
 * The administrator to give a new password.
 */
username: string, 
/**
 * The new password.
 */
new_password: string, 
/**
 * They lost their authenticator too: clear it (they set up a new one
 * at sign-in).
 */
lost_authenticator: boolean, };

export type ChangePasswordArgs = { 
/**
 * The current password.
 */
old_password: string, 
/**
 * The new one.
 */
new_password: string, };

export type UserRow = { 
/**
 * User name.
 */
username: string, 
/**
 * Name shown.
 */
display_name: string, 
/**
 * Role name.
 */
role: string, 
/**
 * `active`, `disabled` or `removed`.
 */
status: string, 
/**
 * Must choose a new password at the next login.
 */
must_change_password: boolean, 
/**
 * Has a confirmed authenticator.
 */
totp_enrolled: boolean, 
/**
 * Failed logins in a row.
 */
failures: number, 
/**
 * Locked out until (RFC 3339), if locked.
 */
locked_until: string | null, 
/**
 * When the account was made (RFC 3339).
 */
created_at: string, };

export type NewUserArgs = { 
/**
 * User name.
 */
username: string, 
/**
 * Name shown.
 */
display_name: string, 
/**
 * Role name.
 */
role: string, 
/**
 * First password (they change it at first login).
 */
password: string, };

export type UserArgs = { 
/**
 * User name.
 */
username: string, };

export type UserPasswordArgs = { 
/**
 * User name.
 */
username: string, 
/**
 * The new first password.
 */
password: string, };

export type RoleArgs = { 
/**
 * User name.
 */
username: string, 
/**
 * Role name.
 */
role: string, };

export type OverrideArgs = { 
/**
 * User name.
 */
username: string, 
/**
 * Permission name.
 */
permission: string, 
/**
 * `grant`, `deny`, or null to clear.
 */
effect: string | null, };

export type PermissionRow = { 
/**
 * Permission name.
 */
name: string, 
/**
 * What it allows.
 */
description: string, 
/**
 * The role gives it.
 */
from_role: boolean, 
/**
 * `grant`, `deny`, or null.
 */
effect: string | null, 
/**
 * The user has it.
 */
effective: boolean, };

export type UserAccessView = { 
/**
 * User name.
 */
username: string, 
/**
 * Role name.
 */
role: string, 
/**
 * Every permission, with where it comes from.
 */
permissions: Array<PermissionRow>, };

export type RoleOption = { 
/**
 * Role name.
 */
name: string, 
/**
 * As shown.
 */
label: string, };

export type EmergencyRow = { 
/**
 * Grant id.
 */
id: number, 
/**
 * Who invoked it.
 */
username: string, 
/**
 * The patient.
 */
patient_id: number, 
/**
 * The permission granted.
 */
permission: string, 
/**
 * The reason given.
 */
reason: string, 
/**
 * Started (RFC 3339).
 */
started_at: string, 
/**
 * Expires (RFC 3339).
 */
expires_at: string, };

export type ReviewArgs = { 
/**
 * Grant id.
 */
id: number, 
/**
 * A note.
 */
note: string | null, };

export type AuditQuery = { 
/**
 * Done under this user name.
 */
username: string | null, 
/**
 * Concerning this patient id.
 */
patient_id: number | null, 
/**
 * This action name.
 */
action: string | null, 
/**
 * At or after (RFC 3339).
 */
from: string | null, 
/**
 * Before (RFC 3339).
 */
to: string | null, 
/**
 * Page number from 0.
 */
page: number, 
/**
 * Entries per page (1 to 500).
 */
page_size: number, };

export type ChangeView = { 
/**
 * The field.
 */
field: string, 
/**
 * Before.
 */
old: string | null, 
/**
 * After.
 */
new: string | null, };

export type AuditEntryView = { 
/**
 * Position in the chain.
 */
seq: number, 
/**
 * When (RFC 3339, UTC).
 */
at: string, 
/**
 * Who (user name as recorded).
 */
username: string, 
/**
 * Workstation host name.
 */
host: string, 
/**
 * Action name.
 */
action: string, 
/**
 * `success`, `failed`, `denied`.
 */
outcome: string, 
/**
 * What kind of thing it concerned.
 */
target_kind: string | null, 
/**
 * Which.
 */
target_id: string | null, 
/**
 * The patient it concerned.
 */
patient_id: number | null, 
/**
 * More detail.
 */
detail: string | null, 
/**
 * Done under emergency access.
 */
emergency: boolean, 
/**
 * Field changes, previous and new values.
 */
changes: Array<ChangeView>, };

export type AuditPage = { 
/**
 * The entries, newest first.
 */
entries: Array<AuditEntryView>, 
/**
 * Another page follows.
 */
has_more: boolean, };

export type ChainCheck = { 
/**
 * Every entry and link holds.
 */
ok: boolean, 
/**
 * Entries checked.
 */
entries: number, 
/**
 * The last entry's seq.
 */
head_seq: number | null, 
/**
 * Its hash (hex).
 */
head_hash: string | null, 
/**
 * The first problem, described.
 */
problem: string | null, };

export type ExportArgs = { 
/**
 * The entries to export (page and page size ignored).
 */
query: AuditQuery, 
/**
 * The file to write (empty: a new file in the Documents folder).
 */
path: string, };

export type ExportDone = { 
/**
 * The file written.
 */
path: string, 
/**
 * Entries in it.
 */
entries: number, };

export type PolicyEntry = { 
/**
 * Key.
 */
key: string, 
/**
 * Current value.
 */
value: string, 
/**
 * What it means.
 */
description: string, };

export type PolicyArgs = { 
/**
 * Key.
 */
key: string, 
/**
 * New value.
 */
value: string, };

export type TotpEnrolment = { 
/**
 * The secret (base 32, for typing in).
 */
secret: Shown, 
/**
 * As an `otpauth://` URI.
 */
otpauth_uri: Shown, 
/**
 * As an SVG QR code.
 */
qr_svg: string, };

export type Progress = { 
/**
 * Which work: `revocation`, `recovery_code`, `rekey`, `audit_verify`, `audit_export`,
 * `backup`, `backup_verify`, `restore`.
 */
task: string, 
/**
 * What it is doing now.
 */
stage: string, 
/**
 * Units done.
 */
done: number, 
/**
 * Units in all (0 when unknown).
 */
total: number, };

export type IpcError = { 
/**
 * What kind of failure, for the page to decide what to show.
 */
code: ErrorCode, 
/**
 * What to tell the person.
 */
message: string, };

export type ErrorCode = "login_failed" | "locked_out" | "too_soon" | "signed_out" | "locked" | "password_needed" | "wrong_password" | "wrong_code" | "must_change_password" | "totp_enrolment_required" | "denied" | "invalid" | "not_found" | "conflict" | "in_use" | "damaged" | "io" | "cancelled" | "not_a_backup" | "other_vault" | "newer_format" | "internal";

export type PatientHitView = { 
/**
 * Row id.
 */
id: number, 
/**
 * Medical record number.
 */
mrn: string, 
/**
 * Given name(s).
 */
given_name: string, 
/**
 * Family name.
 */
family_name: string, 
/**
 * Date of birth.
 */
date_of_birth: string, 
/**
 * Restricted record.
 */
restricted: boolean, 
/**
 * Archived record.
 */
archived: boolean, };

export type FindArgs = { 
/**
 * What was typed.
 */
query: string, 
/**
 * Archived records too.
 */
include_archived: boolean, };

export type MrnArgs = { 
/**
 * The record number.
 */
mrn: string, };

export type PatientInput = { 
/**
 * Given name(s).
 */
given_name: string, 
/**
 * Family name.
 */
family_name: string, 
/**
 * Date of birth.
 */
date_of_birth: string, 
/**
 * `female`, `male`, `other`, `unknown`.
 */
sex: string, 
/**
 * Telephone.
 */
phone: string | null, 
/**
 * E-mail.
 */
email: string | null, 
/**
 * Postal address.
 */
address: string | null, 
/**
 * Postal code (ZIP).
 */
postal_code: string | null, 
/**
 * Notes.
 */
notes: string | null, 
/**
 * Restricted record.
 */
restricted: boolean, };

export type PatientView = { 
/**
 * Row id.
 */
id: number, 
/**
 * Medical record number.
 */
mrn: string, 
/**
 * Demographics and contacts.
 */
fields: PatientInput, 
/**
 * Archived at (RFC 3339), if archived.
 */
archived_at: string | null, 
/**
 * Registered at.
 */
created_at: string, 
/**
 * Identifiers as (system, value).
 */
identifiers: Array<[string, string]>, 
/**
 * The record this duplicate was merged into.
 */
merged_into: number | null, };

export type PatientUpdateArgs = { 
/**
 * Which.
 */
id: number, 
/**
 * The new values.
 */
fields: PatientInput, };

export type PatientArgs = { 
/**
 * Which.
 */
id: number, };

export type IdentifierArgs = { 
/**
 * The patient.
 */
id: number, 
/**
 * The system (e.g. `NHS`).
 */
system: string, 
/**
 * The value; null removes it.
 */
value: string | null, };

export type EmergencyArgs = { 
/**
 * The patient.
 */
id: number, 
/**
 * Why (at least 10 characters).
 */
reason: string, };

export type NewVisitArgs = { 
/**
 * The patient.
 */
patient_id: number, 
/**
 * When (RFC 3339).
 */
started_at: string, 
/**
 * `office`, `telephone`, `video`, `home`, `emergency`, `other`.
 */
kind: string, 
/**
 * Provider's user name.
 */
provider: string | null, 
/**
 * Why.
 */
reason: string | null, };

export type SoapView = { 
/**
 * Subjective.
 */
subjective: string, 
/**
 * Objective.
 */
objective: string, 
/**
 * Assessment.
 */
assessment: string, 
/**
 * Plan.
 */
plan: string, };

export type NoteArgs = { 
/**
 * The visit.
 */
visit_id: number, 
/**
 * The note.
 */
soap: SoapView, };

export type VisitArgs = { 
/**
 * The visit.
 */
visit_id: number, };

export type AddendumArgs = { 
/**
 * The visit.
 */
visit_id: number, 
/**
 * The text.
 */
text: string, };

export type VitalsView = { 
/**
 * mmHg.
 */
systolic: number | null, 
/**
 * mmHg.
 */
diastolic: number | null, 
/**
 * Beats per minute.
 */
pulse: number | null, 
/**
 * °C.
 */
temperature_c: number | null, 
/**
 * kg.
 */
weight_kg: number | null, 
/**
 * cm.
 */
height_cm: number | null, 
/**
 * %.
 */
spo2: number | null, };

export type VitalsArgs = { 
/**
 * The visit.
 */
visit_id: number, 
/**
 * The values.
 */
vitals: VitalsView, };

export type VitalsRecordView = { 
/**
 * When taken.
 */
taken_at: string, 
/**
 * The values.
 */
vitals: VitalsView, };

export type AddendumView = { 
/**
 * The text.
 */
text: string, 
/**
 * Author (user name).
 */
author: string, 
/**
 * When.
 */
created_at: string, };

export type VisitView = { 
/**
 * Row id.
 */
id: number, 
/**
 * When.
 */
started_at: string, 
/**
 * Kind.
 */
kind: string, 
/**
 * Provider's user name.
 */
provider: string | null, 
/**
 * Why.
 */
reason: string | null, 
/**
 * The note, once started.
 */
note: SoapView | null, 
/**
 * Signed by (user name), once signed.
 */
signed_by: string | null, 
/**
 * Signed at.
 */
signed_at: string | null, 
/**
 * Addenda, oldest first.
 */
addenda: Array<AddendumView>, 
/**
 * Vitals, oldest first.
 */
vitals: Array<VitalsRecordView>, };

export type FieldSpecView = { 
/**
 * Field name.
 */
name: string, 
/**
 * As shown.
 */
label: string, 
/**
 * Must be given.
 */
required: boolean, 
/**
 * `text`, `date` or `choice`.
 */
kind: string, 
/**
 * The words of a choice.
 */
choices: Array<string>, 
/**
 * Longest text.
 */
max_chars: number | null, 
/**
 * Value when none is given.
 */
default: string | null, };

export type ListSpecView = { 
/**
 * `problems`, `allergies`, `medications`.
 */
list: string, 
/**
 * Its fields.
 */
fields: Array<FieldSpecView>, };

export type FieldValue = { 
/**
 * Field name.
 */
field: string, 
/**
 * Value (null: none).
 */
value: string | null, };

export type ChartEntryView = { 
/**
 * Row id.
 */
id: number, 
/**
 * Its values, in the list's field order.
 */
values: Array<FieldValue>, 
/**
 * When recorded.
 */
recorded_at: string, };

export type ListArgs = { 
/**
 * The patient.
 */
patient_id: number, 
/**
 * Which list.
 */
list: string, };

export type AddEntryArgs = { 
/**
 * The patient.
 */
patient_id: number, 
/**
 * Which list.
 */
list: string, 
/**
 * The values given.
 */
values: Array<FieldValue>, };

export type UpdateEntryArgs = { 
/**
 * Which list.
 */
list: string, 
/**
 * Which entry.
 */
id: number, 
/**
 * The values that change.
 */
values: Array<FieldValue>, };

export type EntryArgs = { 
/**
 * Which list.
 */
list: string, 
/**
 * Which entry.
 */
id: number, };

export type HistoryView = { 
/**
 * Field.
 */
field: string, 
/**
 * Before.
 */
old: string | null, 
/**
 * After.
 */
new: string | null, 
/**
 * By (user name).
 */
changed_by: string, 
/**
 * When.
 */
changed_at: string, };

export type AttachmentView = { 
/**
 * Row id.
 */
id: number, 
/**
 * The file's name.
 */
file_name: string, 
/**
 * `application/pdf`, `image/png`, `image/jpeg` or `text/plain`.
 */
content_type: string, 
/**
 * Size in bytes.
 */
size: number, 
/**
 * Hex SHA-256.
 */
sha256: string, 
/**
 * What it is.
 */
description: string | null, 
/**
 * Who added it (user name).
 */
added_by: string, 
/**
 * When.
 */
added_at: string, 
/**
 * When marked as added in error, if it was.
 */
entered_in_error_at: string | null, };

export type AttachmentArgs = { 
/**
 * Which.
 */
id: number, };

export type SaveAttachmentArgs = { 
/**
 * Which.
 */
id: number, 
/**
 * The file to write (empty: its own name in the Documents folder).
 */
path: string, };

export type SavedFile = { 
/**
 * Where.
 */
path: string, 
/**
 * Its size in bytes.
 */
bytes: number, };

export type ConsentView = { 
/**
 * Row id.
 */
id: number, 
/**
 * `treatment`, `data_sharing` or `research`.
 */
scope: string, 
/**
 * From.
 */
granted_on: string, 
/**
 * Until (inclusive).
 */
expires_on: string | null, 
/**
 * How it was given.
 */
note: string | null, 
/**
 * `active`, `not_yet_valid`, `expired` or `withdrawn`, today.
 */
status: string, 
/**
 * Who recorded it.
 */
recorded_by: string, 
/**
 * When.
 */
recorded_at: string, 
/**
 * When withdrawn.
 */
withdrawn_at: string | null, };

export type ConsentArgs = { 
/**
 * The patient.
 */
patient_id: number, 
/**
 * `treatment`, `data_sharing` or `research`.
 */
scope: string, 
/**
 * From (YYYY-MM-DD).
 */
granted_on: string, 
/**
 * Until (YYYY-MM-DD), or empty.
 */
expires_on: string | null, 
/**
 * How it was given.
 */
note: string | null, };

export type ConsentIdArgs = { 
/**
 * Which.
 */
id: number, };

export type MergeArgs = { 
/**
 * The record kept.
 */
kept_id: number, 
/**
 * The duplicate.
 */
duplicate_id: number, };

export type MergeIdArgs = { 
/**
 * Which.
 */
id: number, };

export type MergeDone = { 
/**
 * The merge's id.
 */
merge_id: number, 
/**
 * "3 visits", "1 attachments"… in words.
 */
moved: Array<string>, 
/**
 * Identifiers left with the duplicate: "insurer: AX-1 (kept) / BZ-2 (duplicate)".
 */
conflicts: Array<string>, };

export type MergeView = { 
/**
 * Row id.
 */
id: number, 
/**
 * The record kept.
 */
kept_id: number, 
/**
 * The duplicate.
 */
duplicate_id: number, 
/**
 * When merged.
 */
merged_at: string, 
/**
 * When undone, if it was.
 */
undone_at: string | null, };

export type EraseArgs = { 
/**
 * The patient.
 */
id: number, 
/**
 * The request's reference (a case number, not a name).
 */
reference: string, };

export type PatientExportArgs = { 
/**
 * The patient.
 */
id: number, 
/**
 * `fhir` (R4 JSON bundle), `html` or `pdf` (printable summary).
 */
format: string, 
/**
 * `access` (the patient's own request) or `sharing` (needs a data-sharing consent in force).
 */
purpose: string, 
/**
 * The file to write (empty: a new file in the Documents folder).
 */
path: string, };

export type DeidExportArgs = { 
/**
 * `csv` or `fhir`.
 */
format: string, 
/**
 * The file to write (empty: a new file in the Documents folder).
 */
path: string, };

export type DeidExportDone = { 
/**
 * Where.
 */
path: string, 
/**
 * Patients in it.
 */
patients: number, 
/**
 * Patients left out for a withdrawn research consent.
 */
excluded_withdrawn: number, };

export type ImportProblemView = { 
/**
 * The line, as an editor counts them (1 is the header).
 */
line: number, 
/**
 * The column (or `row`).
 */
field: string, 
/**
 * Why.
 */
why: string, };

export type ImportView = { 
/**
 * Data rows read.
 */
rows: number, 
/**
 * Rows that passed every check.
 */
good_rows: number, 
/**
 * Every problem, in line order.
 */
problems: Array<ImportProblemView>, 
/**
 * The header has a problem: nothing can be imported.
 */
header_refused: boolean, 
/**
 * Patients registered (none for a check).
 */
imported: number, 
/**
 * Good rows that may be patients already registered (imported all the same).
 */
warnings: Array<ImportProblemView>, };

export type ChartView = { 
/**
 * The record.
 */
patient: PatientView, 
/**
 * Visits, newest first (none: the user does not read the clinical record).
 */
visits: Array<VisitView> | null, 
/**
 * Allergies (none: as for visits).
 */
allergies: Array<ChartEntryView> | null, };

export type BackupStatusView = { 
/**
 * When the newest verified backup was made (RFC 3339).
 */
last_verified_at: string | null, 
/**
 * Its folder.
 */
last_folder: string | null, 
/**
 * The newest verified backup is older than the policy allows, or there is none.
 */
overdue: boolean, 
/**
 * The hours the policy allows.
 */
warn_after_hours: number, 
/**
 * The schedule (`off`, `daily HH:MM`, `weekly ddd HH:MM`).
 */
schedule: string, 
/**
 * The scheduled folder, if set.
 */
folder: string | null, 
/**
 * Whether that folder is there now.
 */
folder_present: boolean, 
/**
 * When the next scheduled run is due (RFC 3339).
 */
next_due: string | null, 
/**
 * Why the newest run failed, if it did.
 */
last_error: string | null, 
/**
 * A backup is being made now.
 */
running: boolean, };

export type BackupRunView = { 
/**
 * Row id.
 */
id: number, 
/**
 * The backup's id (32 hex digits), when a file was kept.
 */
backup_id: string | null, 
/**
 * `manual`, `scheduled` or `catch_up`.
 */
reason: string, 
/**
 * The folder.
 */
folder: string, 
/**
 * The file's full path, when one was kept.
 */
path: string | null, 
/**
 * That file is in its folder now (not when the retention policy has
 * removed it, or its drive is not plugged in).
 */
file_present: boolean, 
/**
 * When it finished (RFC 3339).
 */
finished_at: string, 
/**
 * The file's size.
 */
bytes: number | null, 
/**
 * `verified`, `failed` or `cancelled`.
 */
outcome: string, 
/**
 * Why it failed.
 */
error: string | null, 
/**
 * The last later check of the file: `good`, `damaged`, ….
 */
last_check: string | null, 
/**
 * When.
 */
last_check_at: string | null, };

export type DriveView = { 
/**
 * Where it is mounted.
 */
mount_point: string, 
/**
 * Its name.
 */
name: string, 
/**
 * Its file system.
 */
file_system: string, 
/**
 * Free bytes.
 */
available: number, 
/**
 * Size in bytes.
 */
total: number, 
/**
 * The vault's own disk: a failing disk would take both.
 */
same_disk_as_vault: boolean, 
/**
 * The largest file it can hold (FAT32: 4 GiB), if limited.
 */
max_file_size: number | null, };

export type BackupNowArgs = { 
/**
 * The folder.
 */
folder: string, 
/**
 * A passphrase that also opens this backup (empty: none).
 */
passphrase: string, };

export type BackupDoneView = { 
/**
 * The file.
 */
path: string, 
/**
 * Its size.
 */
bytes: number, 
/**
 * Its id.
 */
backup_id: string, };

export type BackupFileArgs = { 
/**
 * The file's path.
 */
path: string, 
/**
 * `password`, `recovery_code` or `passphrase`.
 */
with: string, 
/**
 * For `password`: the user name (empty: the signed-in user).
 */
username: string, 
/**
 * The password, recovery code or passphrase.
 */
secret: string, 
/**
 * For `backup_verify`: only look, for a restore's preview (a backup of
 * any vault, nothing recorded). Ignored by the other commands.
 */
preview: boolean, };

export type BackupCheckView = { 
/**
 * The file.
 */
path: string, 
/**
 * Its id.
 */
backup_id: string, 
/**
 * The vault it is a backup of.
 */
vault_id: string, 
/**
 * It is a backup of the vault in use.
 */
same_vault: boolean, 
/**
 * When it was made (RFC 3339).
 */
created_at: string, 
/**
 * Who made it.
 */
made_by: string, 
/**
 * On which workstation.
 */
host: string, 
/**
 * `manual`, `scheduled` or `catch_up`.
 */
reason: string, 
/**
 * The Chartvault version that made it.
 */
app_version: string, 
/**
 * Patients.
 */
patients: number, 
/**
 * Visits.
 */
visits: number, 
/**
 * Attachments.
 */
attachments: number, 
/**
 * Users.
 */
users: number, 
/**
 * Audit entries.
 */
audit_entries: number, 
/**
 * The file's size.
 */
bytes: number, };

export type RestoreArgs = { 
/**
 * The backup and what opens it.
 */
file: BackupFileArgs, 
/**
 * The signed-in user's password, again.
 */
password: string, 
/**
 * Allow a backup of another vault (confirmed a second time).
 */
allow_other_vault: boolean, };

export type FirstRunRestoreArgs = { 
/**
 * The backup and what opens it.
 */
file: BackupFileArgs, 
/**
 * The vault's folder (empty: the default).
 */
location: string, 
/**
 * For a passphrase: the administrator who gets a new password.
 */
admin_username: string, 
/**
 * Their new password.
 */
admin_password: string, };

export type RestoreDoneView = { 
/**
 * The folder holding the vault it replaced.
 */
aside: string | null, 
/**
 * After a passphrase restore: the new recovery code, shown once.
 */
recovery_code: Shown | null, 
/**
 * After a passphrase restore: users who need a new password.
 */
users_without_password: Array<string>, };

export type FolderArgs = { 
/**
 * The folder.
 */
folder: string, };

export type ListedBackupView = { 
/**
 * The file.
 */
path: string, 
/**
 * When it was made (RFC 3339), when readable.
 */
created_at: string | null, 
/**
 * Its size.
 */
bytes: number | null, 
/**
 * It is a backup of the vault in use (`false` when unknown).
 */
same_vault: boolean, 
/**
 * Why it cannot be read, if so.
 */
problem: string | null, };

/** The app's commands. */
export const commands = {
  status: (): Promise<Status> => call("status"),
  copyDiagnostics: (): Promise<DiagnosticsCopy> => call("copy_diagnostics"),
  ratePassword: (args: PasswordRateArgs): Promise<PasswordRating> => call("rate_password", { args }),
  setup: (args: SetupArgs): Promise<SetupDone> => call("setup", { args }),
  checkOwnCode: (args: CodeArgs): Promise<null> => call("check_own_code", { args }),
  login: (args: LoginArgs): Promise<Status> => call("login", { args }),
  loginCode: (args: CodeArgs): Promise<Status> => call("login_code", { args }),
  cancelLogin: (): Promise<Status> => call("cancel_login"),
  recover: (args: RecoverArgs): Promise<null> => call("recover", { args }),
  lock: (): Promise<Status> => call("lock"),
  unlock: (args: UnlockArgs): Promise<Status> => call("unlock", { args }),
  logout: (): Promise<Status> => call("logout"),
  activity: (): Promise<null> => call("activity"),
  reauthenticate: (args: UnlockArgs): Promise<null> => call("reauthenticate", { args }),
  listUsers: (): Promise<Array<UserRow>> => call("list_users"),
  roles: (): Promise<Array<RoleOption>> => call("roles"),
  createUser: (args: NewUserArgs): Promise<null> => call("create_user", { args }),
  disableUser: (args: UserArgs): Promise<null> => call("disable_user", { args }),
  enableUser: (args: UserPasswordArgs): Promise<null> => call("enable_user", { args }),
  removeUser: (args: UserArgs): Promise<null> => call("remove_user", { args }),
  revokeAccess: (): Promise<null> => call("revoke_access"),
  resetPassword: (args: UserPasswordArgs): Promise<null> => call("reset_password", { args }),
  resetTotp: (args: UserArgs): Promise<null> => call("reset_totp", { args }),
  liftLockout: (args: UserArgs): Promise<null> => call("lift_lockout", { args }),
  setRole: (args: RoleArgs): Promise<null> => call("set_role", { args }),
  userAccess: (args: UserArgs): Promise<UserAccessView> => call("user_access", { args }),
  setOverride: (args: OverrideArgs): Promise<null> => call("set_override", { args }),
  emergencyReviews: (): Promise<Array<EmergencyRow>> => call("emergency_reviews"),
  reviewEmergency: (args: ReviewArgs): Promise<null> => call("review_emergency", { args }),
  auditActions: (): Promise<Array<string>> => call("audit_actions"),
  auditList: (args: AuditQuery): Promise<AuditPage> => call("audit_list", { args }),
  auditVerify: (): Promise<ChainCheck> => call("audit_verify"),
  auditExport: (args: ExportArgs): Promise<ExportDone> => call("audit_export", { args }),
  cancelTask: (): Promise<null> => call("cancel_task"),
  changePassword: (args: ChangePasswordArgs): Promise<null> => call("change_password", { args }),
  beginTotp: (): Promise<TotpEnrolment> => call("begin_totp"),
  confirmTotp: (args: CodeArgs): Promise<null> => call("confirm_totp", { args }),
  recoveryCodes: (): Promise<Array<Shown>> => call("recovery_codes"),
  policy: (): Promise<Array<PolicyEntry>> => call("policy"),
  setPolicy: (args: PolicyArgs): Promise<null> => call("set_policy", { args }),
  rekey: (): Promise<null> => call("rekey"),
  replaceRecoveryCode: (): Promise<NewRecoveryCode> => call("replace_recovery_code"),
  findPatients: (args: FindArgs): Promise<Array<PatientHitView>> => call("find_patients", { args }),
  patientByMrn: (args: MrnArgs): Promise<number | null> => call("patient_by_mrn", { args }),
  registerPatient: (args: PatientInput): Promise<PatientView> => call("register_patient", { args }),
  patient: (args: PatientArgs): Promise<PatientView> => call("patient", { args }),
  openChart: (args: PatientArgs): Promise<ChartView> => call("open_chart", { args }),
  updatePatient: (args: PatientUpdateArgs): Promise<PatientView> => call("update_patient", { args }),
  setIdentifier: (args: IdentifierArgs): Promise<null> => call("set_identifier", { args }),
  archivePatient: (args: PatientArgs): Promise<null> => call("archive_patient", { args }),
  unarchivePatient: (args: PatientArgs): Promise<null> => call("unarchive_patient", { args }),
  emergencyAccess: (args: EmergencyArgs): Promise<null> => call("emergency_access", { args }),
  patientVisits: (args: PatientArgs): Promise<Array<VisitView>> => call("patient_visits", { args }),
  recordVisit: (args: NewVisitArgs): Promise<number> => call("record_visit", { args }),
  saveNote: (args: NoteArgs): Promise<null> => call("save_note", { args }),
  signNote: (args: VisitArgs): Promise<null> => call("sign_note", { args }),
  addAddendum: (args: AddendumArgs): Promise<null> => call("add_addendum", { args }),
  recordVitals: (args: VitalsArgs): Promise<null> => call("record_vitals", { args }),
  listSpecs: (): Promise<Array<ListSpecView>> => call("list_specs"),
  chartEntries: (args: ListArgs): Promise<Array<ChartEntryView>> => call("chart_entries", { args }),
  addChartEntry: (args: AddEntryArgs): Promise<ChartEntryView> => call("add_chart_entry", { args }),
  updateChartEntry: (args: UpdateEntryArgs): Promise<ChartEntryView> => call("update_chart_entry", { args }),
  chartEntryHistory: (args: EntryArgs): Promise<Array<HistoryView>> => call("chart_entry_history", { args }),
  attachments: (args: PatientArgs): Promise<Array<AttachmentView>> => call("attachments", { args }),
  saveAttachment: (args: SaveAttachmentArgs): Promise<SavedFile> => call("save_attachment", { args }),
  attachmentLimit: (): Promise<number> => call("attachment_limit"),
  markAttachmentInError: (args: AttachmentArgs): Promise<null> => call("mark_attachment_in_error", { args }),
  consents: (args: PatientArgs): Promise<Array<ConsentView>> => call("consents", { args }),
  recordConsent: (args: ConsentArgs): Promise<ConsentView> => call("record_consent", { args }),
  withdrawConsent: (args: ConsentIdArgs): Promise<null> => call("withdraw_consent", { args }),
  mergePatients: (args: MergeArgs): Promise<MergeDone> => call("merge_patients", { args }),
  mergeRecord: (args: MergeIdArgs): Promise<MergeView> => call("merge_record", { args }),
  patientMerges: (args: PatientArgs): Promise<Array<MergeView>> => call("patient_merges", { args }),
  undoMerge: (args: MergeIdArgs): Promise<MergeDone> => call("undo_merge", { args }),
  erasePatient: (args: EraseArgs): Promise<null> => call("erase_patient", { args }),
  exportPatient: (args: PatientExportArgs): Promise<SavedFile> => call("export_patient", { args }),
  exportDeidentified: (args: DeidExportArgs): Promise<DeidExportDone> => call("export_deidentified", { args }),
  backupStatus: (): Promise<BackupStatusView | null> => call("backup_status"),
  backupRuns: (): Promise<Array<BackupRunView>> => call("backup_runs"),
  backupDrives: (): Promise<Array<DriveView>> => call("backup_drives"),
  backupNow: (args: BackupNowArgs): Promise<BackupDoneView> => call("backup_now", { args }),
  backupVerify: (args: BackupFileArgs): Promise<BackupCheckView> => call("backup_verify", { args }),
  backupRestore: (args: RestoreArgs): Promise<RestoreDoneView> => call("backup_restore", { args }),
  backupList: (args: FolderArgs): Promise<Array<ListedBackupView>> => call("backup_list", { args }),
  firstRunInspect: (args: BackupFileArgs): Promise<BackupCheckView> => call("first_run_inspect", { args }),
  firstRunRestore: (args: FirstRunRestoreArgs): Promise<RestoreDoneView> => call("first_run_restore", { args }),
};
