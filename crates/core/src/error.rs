//! The typed errors of core.

/// Errors of the clinic domain.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// The sealed store refused or failed.
    #[error(transparent)]
    Seal(#[from] chartvault_seal::SealError),
    /// SQLite reported an error.
    #[error("database: {0}")]
    Sqlite(#[from] chartvault_seal::rusqlite::Error),
    /// The database was written by a newer version of Chartvault.
    #[error("the vault's schema is version {found}, newer than this build reads ({supported}); update Chartvault")]
    SchemaTooNew {
        /// The version found.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The OS random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// A file of the vault's folder is damaged.
    #[error("{what} ({}) is damaged", path.display())]
    Damaged {
        /// The file.
        path: std::path::PathBuf,
        /// What it is.
        what: &'static str,
    },
    /// The operating system refused a file operation.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// On which path.
        path: std::path::PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A permission name this build does not know, given or stored in the vault.
    #[error("unknown permission `{0}`")]
    UnknownPermission(String),
    /// A role name this build does not know.
    #[error("unknown role `{0}`")]
    UnknownRole(String),
    /// A permission override whose effect is neither `grant` nor `deny`.
    #[error("unknown permission override effect `{0}` (expected `grant` or `deny`)")]
    UnknownOverrideEffect(String),
    /// A time stored in the vault is not RFC 3339 text.
    #[error("a stored time is not RFC 3339: `{0}`")]
    BadStoredTime(String),
    /// Emergency access was asked for without a reason of the minimum length.
    #[error("emergency access needs a reason of at least {min} characters")]
    EmergencyReasonTooShort {
        /// The minimum number of characters, leading and trailing spaces not counted.
        min: usize,
    },
    /// The permission may not be granted by emergency access.
    #[error("`{0}` cannot be granted by emergency access: only reading a patient's record can")]
    NotEmergencyGrantable(crate::access::Permission),
    /// Emergency access was asked for a duration that is not positive or too long.
    #[error("emergency access must last more than zero and at most {max_hours} hours")]
    EmergencyDurationOutOfRange {
        /// The longest grant, in hours.
        max_hours: i64,
    },
    /// No emergency-access grant has this id.
    #[error("no emergency access grant {0}")]
    EmergencyGrantNotFound(i64),
    /// The emergency-access grant was reviewed already.
    #[error("emergency access grant {0} was already reviewed")]
    EmergencyGrantAlreadyReviewed(i64),
    /// A user tried to review their own emergency access.
    #[error("emergency access is reviewed by someone other than the user who invoked it")]
    EmergencySelfReview,
    /// A stored TOTP secret does not have the length this build writes.
    #[error("a stored TOTP secret is {found} bytes long, not 20: the user must enrol again")]
    TotpSecretLength {
        /// Its length in bytes.
        found: usize,
    },
    /// A key in `vault_secrets` does not have the length this build writes.
    #[error("the vault secret {name} is {found} bytes long, which this build never writes")]
    VaultSecretLength {
        /// Its name.
        name: &'static str,
        /// Its length in bytes (0 if it is not a blob).
        found: usize,
    },
    /// An enrolment URI too long for a QR code (very long clinic or user names).
    #[error("the enrolment code does not fit in a QR code: {0}")]
    QrCode(#[from] qrcode::types::QrError),
    /// A TOTP code was refused.
    #[error(transparent)]
    Totp(#[from] crate::auth::totp::TotpError),
    /// A password the policy refuses.
    #[error(transparent)]
    PasswordPolicy(#[from] crate::auth::password_policy::PolicyRefusal),
    /// A user name that cannot be used.
    #[error("the user name \"{typed}\" cannot be used: {why}")]
    InvalidUsername {
        /// What was typed, control characters escaped.
        typed: String,
        /// Why not.
        why: &'static str,
    },
    /// A display name that cannot be used.
    #[error("the display name cannot be used: {why}")]
    InvalidDisplayName {
        /// Why not.
        why: &'static str,
    },
    /// A user of that name exists (or existed: names are never reused).
    #[error("a user named {0} already exists (names of removed users are not reused)")]
    UserExists(crate::users::Username),
    /// A policy value that cannot be used.
    #[error("policy {key}: {why}")]
    InvalidPolicy {
        /// The setting.
        key: String,
        /// Why not.
        why: &'static str,
    },
    /// A clinic name that cannot be used.
    #[error("the clinic name must be 1 to 200 characters without control characters")]
    InvalidClinicName,
    /// No user of that name.
    #[error("there is no user named {0}")]
    NoSuchUser(crate::users::Username),
    /// The recovery code resets administrators' passwords only.
    #[error("{0} is not an administrator")]
    NotAnAdministrator(crate::users::Username),
    /// Only a disabled user can be enabled.
    #[error("{0} is not disabled")]
    NotDisabled(crate::users::Username),
    /// Administrators cannot disable or remove themselves.
    #[error("you cannot disable or remove your own account")]
    NotOnYourself,
    /// No patient has this id.
    #[error("there is no patient record {0}")]
    NoSuchPatient(i64),
    /// A patient field that cannot be stored.
    #[error("the patient's {field} {why}")]
    InvalidPatientField {
        /// Which field.
        field: &'static str,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The record is archived: bring it back before changing it.
    #[error("patient record {0} is archived; bring it back before changing it")]
    PatientArchived(i64),
    /// No visit has this id.
    #[error("there is no visit {0}")]
    NoSuchVisit(i64),
    /// A visit, note or vital sign that cannot be stored.
    #[error("the {field} {why}")]
    InvalidClinicalField {
        /// Which field.
        field: &'static str,
        /// What is wrong with it.
        why: String,
    },
    /// The visit's note is signed: later words are addenda.
    #[error("the note of visit {0} is signed: add an addendum instead")]
    NoteSigned(i64),
    /// An addendum amends a signed note; this one is a draft still.
    #[error("the note of visit {0} is not signed yet: edit the draft instead")]
    NoteNotSigned(i64),
    /// No attachment has this id.
    #[error("there is no attachment {0}")]
    NoSuchAttachment(i64),
    /// An attachment's content is not a kind the clinic keeps.
    #[error("cannot attach {file}: {why}; only PDF, PNG, JPEG and plain text files can be attached. Nothing was added")]
    AttachmentRefused {
        /// The file's name as given.
        file: String,
        /// What the content is, or what is wrong with it.
        why: String,
    },
    /// An attachment over the clinic's size limit (refused before it is read).
    #[error("cannot attach {file}: it is {size} bytes, over the limit of {limit} bytes. Nothing was added")]
    AttachmentTooLarge {
        /// The file's name as given.
        file: String,
        /// Its size.
        size: u64,
        /// The clinic's limit.
        limit: u64,
    },
    /// No consent has this id.
    #[error("there is no consent {0}")]
    NoSuchConsent(i64),
    /// What this needs is a valid consent of the patient's, and there is none.
    #[error("the patient has no valid {scope} consent (none recorded, expired or withdrawn); nothing was exported")]
    ConsentRequired {
        /// The scope needed, in words.
        scope: &'static str,
    },
    /// No merge has this id.
    #[error("there is no merge {0}")]
    NoSuchMerge(i64),
    /// The merge was undone already.
    #[error("merge {0} was undone already")]
    MergeAlreadyUndone(i64),
    /// These two records cannot be merged (or the merge undone) as they are.
    #[error("{0}; nothing was changed")]
    MergeRefused(&'static str),
    /// Writing an export failed part way: what was written is incomplete
    /// and must be thrown away (the command line removes its file).
    #[error("writing the export failed ({0}); the file is incomplete and must not be used")]
    ExportWrite(#[source] std::io::Error),
    /// A file to import that is not CSV text at all (binary, not UTF-8,
    /// broken quoting).
    #[error("the file cannot be imported: line {line}: {why}; nothing was imported")]
    ImportUnreadable {
        /// The line (as an editor counts them) where reading stopped.
        line: u64,
        /// What is wrong.
        why: String,
    },
    /// A file to import over a limit (checked before anything is written).
    #[error("the file has more than {limit} {what}; split it and import the parts (nothing was imported)")]
    ImportTooLarge {
        /// "bytes" or "rows".
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// A backup file could not be made, read, verified or restored; the
    /// variant says which outcome (wrong password, damaged, another
    /// vault's, a newer format, not a backup at all).
    #[error(transparent)]
    Backup(#[from] chartvault_seal::backup::BackupError),
    /// A backup made by a newer version of Chartvault (its description or
    /// its database schema is newer than this build reads).
    #[error("this backup was made by a newer version of Chartvault: {0}")]
    BackupFromNewerVersion(String),
    /// A backup operation cannot be done as asked.
    #[error("{0}")]
    BackupRefused(String),
    /// Long work stopped at the person's request, before it changed anything.
    #[error("stopped at your request; nothing was changed")]
    Cancelled,
    /// The session is locked: unlock it with the password first.
    #[error("the session is locked; unlock it with your password")]
    Locked,
    /// The user must choose a new password before anything else.
    #[error("you must choose a new password first")]
    MustChangePassword,
    /// The permission matrix (or an override) denies this.
    #[error("permission denied: {}", .0.name())]
    Denied(crate::access::Permission),
    /// A removed user stays removed (their name is not reused either).
    #[error("{0} was removed; removal is for good")]
    UserRemoved(crate::users::Username),
    /// A new password must differ from the one it replaces.
    #[error("choose a password different from the current one")]
    SamePassword,
    /// The password typed is not the user's.
    #[error("the password is not right")]
    WrongPassword,
    /// A sensitive action needs the password entered again.
    #[error("enter your password again to do this")]
    PasswordNeeded,
    /// The policy requires this user's role to use TOTP: enrol first.
    #[error("your role must use an authenticator: enrol one first")]
    TotpEnrolmentRequired,
    /// No TOTP secret is enrolled (or pending) for this.
    #[error("no authenticator is enrolled")]
    TotpNotEnrolled,
    /// The audit chain key stored in the vault is not 32 bytes.
    #[error("the audit chain key stored in the vault is damaged (it is {len} bytes, not 32)")]
    AuditKeyCorrupt {
        /// Its length in bytes.
        len: usize,
    },
    /// An audit entry could not be read back into its types (a damaged or
    /// tampered row; `audit::verify` says which kind).
    #[error("audit entry {seq} cannot be read: {reason}")]
    AuditEntryUnreadable {
        /// The entry.
        seq: i64,
        /// What is wrong with it.
        reason: String,
    },
    /// An audit event names the same changed field twice.
    #[error("an audit event lists the field {field:?} twice among its changes")]
    AuditDuplicateChange {
        /// The field.
        field: String,
    },
    /// An audit time outside the years 1 to 9999, which RFC 3339 cannot
    /// write in a form that sorts as text.
    #[error("the audit time {at} is outside the years 1 to 9999")]
    AuditTimeOutOfRange {
        /// The time given.
        at: chrono::DateTime<chrono::Utc>,
    },
    /// The workstation id file could not be read or written.
    #[error("the workstation id file {path} could not be read or written: {source}")]
    WorkstationId {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Writing a CSV export failed.
    #[error("CSV export: {0}")]
    Csv(#[from] csv::Error),
}

impl CoreError {
    pub(crate) fn io(what: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        CoreError::Io { what, path: path.to_owned(), source }
    }
}

/// Result alias of core.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
