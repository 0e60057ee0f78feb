//! The permission matrix: which role may do what by default, and which
//! permissions emergency access may grant. [`MATRIX`] is the only source of
//! truth; `docs/PERMISSIONS.md` is rendered from it by [`matrix_markdown`].
//!
//! # The defaults, and why
//!
//! - **Separation of duties.** The Administrator runs the installation (users,
//!   policies, backups, keys) and reads the audit trail, but holds no patient
//!   permission at all: not to read, not to write, not to sign. Whoever can
//!   create accounts and change permissions should not also be able to read
//!   charts silently or alter the clinical record: an administrator who needs
//!   a chart breaks the glass, which is time-limited, gives a reason, and is
//!   listed for review by someone else. (A one-person clinic gives its
//!   administrator a second, clinical account, or grants by override.)
//! - **Provider** (clinician): the whole clinical record — read, write, sign,
//!   attachments, consents, archive and merge, and one patient's export — and
//!   no administration.
//! - **Staff** (front desk): demographics-level reading and writing (finding,
//!   registering, contacts), attachments (scanned referrals, cards) and
//!   consents; not the clinical record, no signing, no export of any kind.
//! - **Auditor**: the audit trail (read and export) and de-identified data
//!   only; more by override.
//! - **Restricted records** (a colleague's chart, a sensitive case) are
//!   opened by no role by default: a clinic grants `restricted_record_read`
//!   to named users, and anyone else breaks the glass.
//! - **Erasure** of a record on request is granted to no role: a clinic
//!   grants `patient_erase` by override to the person who handles such
//!   requests (a privacy officer), and it asks for the password again.
//! - **Emergency access** grants only reading a patient's record: a person
//!   treating an emergency needs to see it, and those who write the record
//!   hold the writing permissions anyway. It never grants administration,
//!   export, signing, archiving or merging.
//!
//! To change a default, change a mark in [`MATRIX`], update the expected table
//! in `access/tests/matrix_tests.rs`, and regenerate the document.

use super::permission::{Permission, PermissionSet};
use super::role::Role;

/// One row of the matrix.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    /// The permission the row is about.
    pub permission: Permission,
    /// Whether each role holds it, in the order of [`Role::ALL`].
    pub roles: [bool; 4],
    /// Whether emergency access may grant it (patient-level reading only).
    pub emergency: bool,
}

const Y: bool = true;
const N: bool = false;

const fn row(permission: Permission, roles: [bool; 4], emergency: bool) -> Row {
    Row { permission, roles, emergency }
}

use Permission as P;

/// The matrix, one row per permission in the order of [`Permission::ALL`].
#[rustfmt::skip]
pub(crate) const MATRIX: &[Row] = &[
    //                               Admin Prov Staff Audit  emergency
    row(P::UserAdmin,               [Y,    N,   N,    N],    N),
    row(P::PolicyAdmin,             [Y,    N,   N,    N],    N),
    row(P::AuditRead,               [Y,    N,   N,    Y],    N),
    row(P::AuditExport,             [Y,    N,   N,    Y],    N),
    row(P::EmergencyReview,         [Y,    N,   N,    N],    N),
    row(P::PatientRead,             [N,    Y,   Y,    N],    Y),
    row(P::PatientReadDeidentified, [N,    Y,   N,    Y],    N),
    row(P::PatientWrite,            [N,    Y,   Y,    N],    N),
    row(P::ClinicalRead,            [N,    Y,   N,    N],    Y),
    row(P::ClinicalWrite,           [N,    Y,   N,    N],    N),
    row(P::NoteSign,                [N,    Y,   N,    N],    N),
    row(P::PatientArchive,          [N,    Y,   N,    N],    N),
    row(P::PatientMerge,            [N,    Y,   N,    N],    N),
    row(P::AttachmentRead,          [N,    Y,   Y,    N],    Y),
    row(P::AttachmentWrite,         [N,    Y,   Y,    N],    N),
    row(P::ConsentWrite,            [N,    Y,   Y,    N],    N),
    row(P::PatientExport,           [N,    Y,   N,    N],    N),
    row(P::DeidentifiedExport,      [N,    N,   N,    Y],    N),
    row(P::RestrictedRecordRead,    [N,    N,   N,    N],    Y),
    row(P::BackupCreate,            [Y,    N,   N,    N],    N),
    row(P::BackupRestore,           [Y,    N,   N,    N],    N),
    row(P::Rekey,                   [Y,    N,   N,    N],    N),
    row(P::PatientErase,            [N,    N,   N,    N],    N),
];

fn row_of(p: Permission) -> Option<&'static Row> {
    MATRIX.iter().find(|r| r.permission == p)
}

/// Whether `role` holds `permission` by default. A permission missing from
/// the matrix is held by no one.
pub fn role_allows(role: Role, permission: Permission) -> bool {
    row_of(permission).is_some_and(|r| r.roles[role.index()])
}

/// The permissions `role` holds by default.
pub fn role_permissions(role: Role) -> PermissionSet {
    MATRIX.iter().filter(|r| r.roles[role.index()]).map(|r| r.permission).collect()
}

/// Whether emergency access may grant `permission`.
pub fn emergency_grantable(permission: Permission) -> bool {
    row_of(permission).is_some_and(|r| r.emergency)
}

/// The matrix as a Markdown table: a row per permission with its
/// description, a column per role and one for emergency access; ✓ or —.
pub fn matrix_markdown() -> String {
    let mark = |b: bool| if b { "✓" } else { "—" };
    let mut out = String::from("| Permission | Description |");
    for r in Role::ALL {
        out.push_str(&format!(" {} |", r.label()));
    }
    out.push_str(" Emergency access |\n|---|---|");
    out.push_str(&":-:|".repeat(Role::ALL.len() + 1));
    out.push('\n');
    for p in Permission::ALL {
        out.push_str(&format!("| `{}` | {} |", p.name(), p.description()));
        for r in Role::ALL {
            out.push_str(&format!(" {} |", mark(role_allows(r, *p))));
        }
        out.push_str(&format!(" {} |\n", mark(emergency_grantable(*p))));
    }
    out
}
