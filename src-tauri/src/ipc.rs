//! Every type that crosses the IPC boundary, in one place. The TypeScript
//! declarations in `ui/src/lib/bindings.ts` are generated from these (see
//! `bindings.rs`). Nothing here carries key material: passwords travel
//! only from the page into Rust, and the only secrets sent back are the
//! ones a person must be shown once (a recovery code, an authenticator
//! secret being enrolled), as [`Shown`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where the app stands, which decides the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// No vault at the location: the first-run wizard.
    Setup,
    /// A vault, nobody signed in: the login screen.
    SignedOut,
    /// The password was right; the authenticator code is awaited.
    CodeNeeded,
    /// Signed in, locked (idle or on demand): the lock screen.
    Locked,
    /// Signed in and unlocked.
    Active,
}

/// What the page needs to draw its frame.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Status {
    /// The screen to show.
    pub phase: Phase,
    /// The vault's folder.
    pub vault_dir: String,
    /// The default folder for a new vault (the per-user data directory).
    pub default_vault_dir: String,
    /// The signed-in user (set when locked or active).
    pub me: Option<Me>,
    /// Who the pending code is for (phase `code_needed`).
    pub pending_user: Option<String>,
}

/// The signed-in user.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Me {
    /// User name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role name (`administrator`, `provider`, `staff`, `auditor`).
    pub role: String,
    /// The role as shown.
    pub role_label: String,
    /// The clinic's name.
    pub clinic: String,
    /// An administrator reset the password: a new one comes first.
    pub must_change_password: bool,
    /// Has a confirmed authenticator.
    pub totp_enrolled: bool,
    /// Their role must use an authenticator.
    pub totp_required: bool,
    /// What they may do (permission names), for showing the right
    /// navigation; core checks each action again.
    pub permissions: Vec<String>,
    /// Minutes without activity before the lock.
    pub idle_timeout_minutes: i64,
    /// Set at sign-in when the vault's audit trail lacks the head one of
    /// its backups recorded: an older copy of the vault may have been put back.
    pub rollback_warning: Option<String>,
}

/// A secret shown to a person once (recovery code, authenticator secret).
#[derive(Clone, Serialize, TS)]
pub struct Shown {
    /// The text to show.
    pub text: String,
}

impl std::fmt::Debug for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shown(..)")
    }
}

/// A new vault recovery code, and whether the vault key was then rotated
/// (when it was not, the page offers the rotation again).
#[derive(Debug, Clone, Serialize, TS)]
pub struct NewRecoveryCode {
    /// The code, shown once.
    pub code: Shown,
    /// Why the rotation after it failed, if it did.
    pub rotation_error: Option<String>,
}

/// The diagnostics report, and whether it went to the clipboard.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DiagnosticsCopy {
    /// The report (no personal data), shown so the person sees what they send.
    pub report: String,
    /// Whether the clipboard now holds it.
    pub copied: bool,
}

/// The first-run wizard's answers.
#[derive(Deserialize, TS)]
pub struct SetupArgs {
    /// Clinic name.
    pub clinic: String,
    /// The vault's folder (empty: the default).
    pub location: String,
    /// The first administrator's user name.
    pub username: String,
    /// Their display name.
    pub display_name: String,
    /// Their password.
    pub password: String,
}

impl std::fmt::Debug for SetupArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetupArgs")
            .field("clinic", &self.clinic)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// What the wizard shows once the vault exists.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SetupDone {
    /// The vault's recovery code.
    pub recovery_code: Shown,
    /// The administrator's authenticator secret (base 32, for typing in).
    pub totp_secret: Shown,
    /// The same as an `otpauth://` URI.
    pub otpauth_uri: Shown,
    /// The URI as an SVG QR code.
    pub qr_svg: String,
}

/// A password to rate as it is typed.
#[derive(Deserialize, TS)]
pub struct PasswordRateArgs {
    /// The password so far.
    pub password: String,
    /// The user name it is for.
    pub username: String,
    /// Their display name.
    pub display_name: String,
    /// The clinic (for the wizard; signed in, the vault's own is used).
    pub clinic: String,
}

impl std::fmt::Debug for PasswordRateArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordRateArgs").field("username", &self.username).finish_non_exhaustive()
    }
}

/// How strong a password is, live.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PasswordRating {
    /// 0 to 4.
    pub score: u8,
    /// Whether the policy accepts it.
    pub acceptable: bool,
    /// Why it is refused, when it is.
    pub refusal: Option<String>,
    /// Advice, most important first.
    pub feedback: Vec<String>,
}

/// Name and password at the login screen.
#[derive(Deserialize, TS)]
pub struct LoginArgs {
    /// User name as typed.
    pub username: String,
    /// Password.
    pub password: String,
}

impl std::fmt::Debug for LoginArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginArgs").field("username", &self.username).finish_non_exhaustive()
    }
}

/// A one-time code (TOTP, or a TOTP recovery code).
#[derive(Deserialize, TS)]
pub struct CodeArgs {
    /// The code as typed.
    pub code: String,
}

impl std::fmt::Debug for CodeArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeArgs")
    }
}

/// The password again (lock screen, or before a sensitive action).
#[derive(Deserialize, TS)]
pub struct UnlockArgs {
    /// Password.
    pub password: String,
    /// Authenticator code, when enrolled.
    pub code: Option<String>,
}

impl std::fmt::Debug for UnlockArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnlockArgs")
    }
}

/// Opening with the vault's recovery code: an administrator's new password.
#[derive(Deserialize, TS)]
pub struct RecoverArgs {
    /// The recovery code.
    pub recovery_code: String,
    /// The administrator to give a new password.
    pub username: String,
    /// The new password.
    pub new_password: String,
    /// They lost their authenticator too: clear it (they set up a new one
    /// at sign-in).
    pub lost_authenticator: bool,
}

impl std::fmt::Debug for RecoverArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecoverArgs").field("username", &self.username).finish_non_exhaustive()
    }
}

/// Changing one's own password.
#[derive(Deserialize, TS)]
pub struct ChangePasswordArgs {
    /// The current password.
    pub old_password: String,
    /// The new one.
    pub new_password: String,
}

impl std::fmt::Debug for ChangePasswordArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePasswordArgs")
    }
}

/// A user in the administrators' list.
#[derive(Debug, Clone, Serialize, TS)]
pub struct UserRow {
    /// User name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role name.
    pub role: String,
    /// `active`, `disabled` or `removed`.
    pub status: String,
    /// Must choose a new password at the next login.
    pub must_change_password: bool,
    /// Has a confirmed authenticator.
    pub totp_enrolled: bool,
    /// Failed logins in a row.
    pub failures: u32,
    /// Locked out until (RFC 3339), if locked.
    pub locked_until: Option<String>,
    /// When the account was made (RFC 3339).
    pub created_at: String,
}

/// A new user.
#[derive(Deserialize, TS)]
pub struct NewUserArgs {
    /// User name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role name.
    pub role: String,
    /// First password (they change it at first login).
    pub password: String,
}

impl std::fmt::Debug for NewUserArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUserArgs").field("username", &self.username).finish_non_exhaustive()
    }
}

/// An action on one user.
#[derive(Debug, Deserialize, TS)]
pub struct UserArgs {
    /// User name.
    pub username: String,
}

/// A user and a new first password (reset, re-enable).
#[derive(Deserialize, TS)]
pub struct UserPasswordArgs {
    /// User name.
    pub username: String,
    /// The new first password.
    pub password: String,
}

impl std::fmt::Debug for UserPasswordArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserPasswordArgs").field("username", &self.username).finish_non_exhaustive()
    }
}

/// A new role.
#[derive(Debug, Deserialize, TS)]
pub struct RoleArgs {
    /// User name.
    pub username: String,
    /// Role name.
    pub role: String,
}

/// A grant, a denial, or neither (back to the role).
#[derive(Debug, Deserialize, TS)]
pub struct OverrideArgs {
    /// User name.
    pub username: String,
    /// Permission name.
    pub permission: String,
    /// `grant`, `deny`, or null to clear.
    pub effect: Option<String>,
}

/// One permission for one user.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PermissionRow {
    /// Permission name.
    pub name: String,
    /// What it allows.
    pub description: String,
    /// The role gives it.
    pub from_role: bool,
    /// `grant`, `deny`, or null.
    pub effect: Option<String>,
    /// The user has it.
    pub effective: bool,
}

/// A user's role and permissions.
#[derive(Debug, Clone, Serialize, TS)]
pub struct UserAccessView {
    /// User name.
    pub username: String,
    /// Role name.
    pub role: String,
    /// Every permission, with where it comes from.
    pub permissions: Vec<PermissionRow>,
}

/// A role to choose.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RoleOption {
    /// Role name.
    pub name: String,
    /// As shown.
    pub label: String,
}

/// An emergency-access grant awaiting review.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EmergencyRow {
    /// Grant id.
    pub id: i64,
    /// Who invoked it.
    pub username: String,
    /// The patient.
    pub patient_id: i64,
    /// The permission granted.
    pub permission: String,
    /// The reason given.
    pub reason: String,
    /// Started (RFC 3339).
    pub started_at: String,
    /// Expires (RFC 3339).
    pub expires_at: String,
}

/// Marking an emergency grant reviewed.
#[derive(Debug, Deserialize, TS)]
pub struct ReviewArgs {
    /// Grant id.
    pub id: i64,
    /// A note.
    pub note: Option<String>,
}

/// Which audit entries to show.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct AuditQuery {
    /// Done under this user name.
    pub username: Option<String>,
    /// Concerning this patient id.
    pub patient_id: Option<i64>,
    /// This action name.
    pub action: Option<String>,
    /// At or after (RFC 3339).
    pub from: Option<String>,
    /// Before (RFC 3339).
    pub to: Option<String>,
    /// Page number from 0.
    pub page: u32,
    /// Entries per page (1 to 500).
    pub page_size: u32,
}

/// A field changed by an audited action.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ChangeView {
    /// The field.
    pub field: String,
    /// Before.
    pub old: Option<String>,
    /// After.
    pub new: Option<String>,
}

/// An audit entry.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditEntryView {
    /// Position in the chain.
    pub seq: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who (user name as recorded).
    pub username: String,
    /// Workstation host name.
    pub host: String,
    /// Action name.
    pub action: String,
    /// `success`, `failed`, `denied`.
    pub outcome: String,
    /// What kind of thing it concerned.
    pub target_kind: Option<String>,
    /// Which.
    pub target_id: Option<String>,
    /// The patient it concerned.
    pub patient_id: Option<i64>,
    /// More detail.
    pub detail: Option<String>,
    /// Done under emergency access.
    pub emergency: bool,
    /// Field changes, previous and new values.
    pub changes: Vec<ChangeView>,
}

/// A page of audit entries.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditPage {
    /// The entries, newest first.
    pub entries: Vec<AuditEntryView>,
    /// Another page follows.
    pub has_more: bool,
}

/// The chain verification result.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ChainCheck {
    /// Every entry and link holds.
    pub ok: bool,
    /// Entries checked.
    pub entries: u64,
    /// The last entry's seq.
    pub head_seq: Option<i64>,
    /// Its hash (hex).
    pub head_hash: Option<String>,
    /// The first problem, described.
    pub problem: Option<String>,
}

/// Where to write an export.
#[derive(Debug, Deserialize, TS)]
pub struct ExportArgs {
    /// The entries to export (page and page size ignored).
    pub query: AuditQuery,
    /// The file to write (empty: a new file in the Documents folder).
    pub path: String,
}

/// A finished export.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ExportDone {
    /// The file written.
    pub path: String,
    /// Entries in it.
    pub entries: u64,
}

/// A policy setting.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PolicyEntry {
    /// Key.
    pub key: String,
    /// Current value.
    pub value: String,
    /// What it means.
    pub description: String,
}

/// Changing a policy setting.
#[derive(Debug, Deserialize, TS)]
pub struct PolicyArgs {
    /// Key.
    pub key: String,
    /// New value.
    pub value: String,
}

/// Starting authenticator enrolment.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TotpEnrolment {
    /// The secret (base 32, for typing in).
    pub secret: Shown,
    /// As an `otpauth://` URI.
    pub otpauth_uri: Shown,
    /// As an SVG QR code.
    pub qr_svg: String,
}

/// Progress of long work, sent as the `progress` event.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Progress {
    /// Which work: `revocation`, `recovery_code`, `rekey`, `audit_verify`, `audit_export`,
    /// `backup`, `backup_verify`, `restore`.
    pub task: String,
    /// What it is doing now.
    pub stage: String,
    /// Units done.
    pub done: u64,
    /// Units in all (0 when unknown).
    pub total: u64,
}

/// The one error type of every command.
#[derive(Debug, Clone, Serialize, TS)]
pub struct IpcError {
    /// What kind of failure, for the page to decide what to show.
    pub code: ErrorCode,
    /// What to tell the person.
    pub message: String,
}

/// The kinds of failure the page tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Name, password or code not right (deliberately coarse).
    LoginFailed,
    /// Too many failures: locked out.
    LockedOut,
    /// Wait before the next attempt.
    TooSoon,
    /// Nobody is signed in.
    SignedOut,
    /// The session is locked.
    Locked,
    /// The password must be entered again first.
    PasswordNeeded,
    /// A wrong password inside a session.
    WrongPassword,
    /// A wrong or reused authenticator code.
    WrongCode,
    /// A new password is needed first.
    MustChangePassword,
    /// An authenticator must be enrolled first.
    TotpEnrolmentRequired,
    /// The user's role or grants do not allow it.
    Denied,
    /// Input refused (with the reason).
    Invalid,
    /// No such user or item.
    NotFound,
    /// It exists already, or conflicts with the current state.
    Conflict,
    /// The vault is open in another Chartvault program.
    InUse,
    /// The vault is damaged or not a vault.
    Damaged,
    /// A file could not be read or written.
    Io,
    /// Stopped at the person's request.
    Cancelled,
    /// The file is not a Chartvault backup.
    NotABackup,
    /// A backup of another vault.
    OtherVault,
    /// A backup made by a newer version of Chartvault.
    NewerFormat,
    /// Something that should not happen.
    Internal,
}
