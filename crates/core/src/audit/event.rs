//! The parts of an entry: who, what, and the entry as read back.

use chrono::{DateTime, Utc};

use super::{Action, Outcome, Workstation};

/// The previous and new value of one field of the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The field's name.
    pub field: String,
    /// Its value before; `None` if it had none.
    pub old: Option<String>,
    /// Its value after; `None` if it has none.
    pub new: Option<String>,
}

impl Change {
    /// A change of `field` from `old` to `new`.
    pub fn new(field: impl Into<String>, old: Option<impl Into<String>>, new: Option<impl Into<String>>) -> Change {
        Change { field: field.into(), old: old.map(Into::into), new: new.map(Into::into) }
    }
}

/// Who acted. `user_id` is `None` when no user is known (a failed login for
/// a name that matches no user, the vault's creation before its first user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user's id, if any.
    pub user_id: Option<i64>,
    /// The name given or the user's name.
    pub username: String,
}

impl Actor {
    /// A known user.
    pub fn user(user_id: i64, username: impl Into<String>) -> Actor {
        Actor { user_id: Some(user_id), username: username.into() }
    }

    /// A name that matches no user.
    pub fn unknown(username: impl Into<String>) -> Actor {
        Actor { user_id: None, username: username.into() }
    }
}

/// What happened: an action on a target, its outcome and changes.
///
/// Build with [`Event::new`] and the setters, or as a plain struct.
/// Changes are stored, hashed and read back ordered by field name (byte
/// order); a field may appear once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The action.
    pub action: Action,
    /// The kind of thing acted on (`"patient"`, `"user"`, `"policy"`).
    pub target_kind: Option<String>,
    /// Which one, as text.
    pub target_id: Option<String>,
    /// The patient concerned, if any (for "who saw this patient").
    pub patient_id: Option<i64>,
    /// Field-level changes.
    pub changes: Vec<Change>,
    /// How it ended.
    pub outcome: Outcome,
    /// Free text: a reason, an error, a file name.
    pub detail: Option<String>,
    /// Done under emergency access.
    pub emergency: bool,
}

impl Event {
    /// A successful `action` with nothing else said.
    pub fn new(action: Action) -> Event {
        Event {
            action,
            target_kind: None,
            target_id: None,
            patient_id: None,
            changes: Vec::new(),
            outcome: Outcome::Success,
            detail: None,
            emergency: false,
        }
    }

    /// Sets the target.
    pub fn target(mut self, kind: impl Into<String>, id: impl Into<String>) -> Event {
        self.target_kind = Some(kind.into());
        self.target_id = Some(id.into());
        self
    }

    /// Sets the patient concerned.
    pub fn patient(mut self, patient_id: i64) -> Event {
        self.patient_id = Some(patient_id);
        self
    }

    /// Adds a change of `field` from `old` to `new`.
    pub fn change(mut self, field: impl Into<String>, old: Option<&str>, new: Option<&str>) -> Event {
        self.changes.push(Change::new(field, old, new));
        self
    }

    /// Sets the outcome.
    pub fn outcome(mut self, outcome: Outcome) -> Event {
        self.outcome = outcome;
        self
    }

    /// Sets the detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Event {
        self.detail = Some(detail.into());
        self
    }

    /// Marks it as done under emergency access.
    pub fn emergency(mut self) -> Event {
        self.emergency = true;
        self
    }
}

/// An entry as read back from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its position in the chain, from 1.
    pub seq: i64,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
    /// From where.
    pub workstation: Workstation,
    /// What; its changes ordered by field.
    pub event: Event,
    /// Its chain hash.
    pub hash: [u8; 32],
}

/// The last entry of the chain: its seq and hash. Recorded in backups and
/// printed reports; [`super::verify_against`] shows a chain cut or
/// rewritten since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    /// The last entry's seq.
    pub seq: i64,
    /// Its hash.
    pub hash: [u8; 32],
}

impl ChainHead {
    /// The hash in lowercase hexadecimal, for printing.
    pub fn hash_hex(&self) -> String {
        super::chain::hex(&self.hash)
    }
}
