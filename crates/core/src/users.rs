//! User names and user rows.
//!
//! A user name is also the name of the user's key slot in the seal, and
//! appears in the audit trail for ever, so it is strict: 3 to 32 of
//! `a-z 0-9 . _ -`, starting with a letter; capitals are taken as lower
//! case. Anything else (spaces, accents, look-alike letters from other
//! scripts, control characters) is refused with the reason, so two names a
//! person would read as one cannot both exist.

use chartvault_seal::rusqlite::{Connection, OptionalExtension, Row, Transaction};
use chrono::{DateTime, Utc};

use crate::{CoreError, Result};

/// A valid user name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Username(String);

impl Username {
    /// Checks and normalises a typed user name.
    pub fn parse(typed: &str) -> Result<Username> {
        let bad = |why: &'static str| CoreError::InvalidUsername { typed: printable(typed), why };
        let s = typed.trim();
        if s.is_empty() {
            return Err(bad("it is empty"));
        }
        if s.chars().count() > 32 {
            return Err(bad("it is longer than 32 characters"));
        }
        if s.chars().count() < 3 {
            return Err(bad("it is shorter than 3 characters"));
        }
        if s.chars().any(char::is_control) {
            return Err(bad("it contains control characters"));
        }
        if !s.is_ascii() {
            return Err(bad("only the letters a-z, digits and . _ - are allowed (no accents or other scripts)"));
        }
        let s = s.to_ascii_lowercase();
        if !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)) {
            return Err(bad("only the letters a-z, digits and . _ - are allowed"));
        }
        if !s.as_bytes()[0].is_ascii_lowercase() {
            return Err(bad("it must start with a letter"));
        }
        if s == "recovery" {
            return Err(bad("it is reserved"));
        }
        Ok(Username(s))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A typed name as it may be shown back: control characters escaped, cut
/// to a readable length.
pub(crate) fn printable(typed: &str) -> String {
    let escaped: String = typed.chars().flat_map(char::escape_debug).collect();
    if escaped.chars().count() > 40 { escaped.chars().take(40).chain("…".chars()).collect() } else { escaped }
}

/// Checks a display name: 1 to 100 characters, no control characters.
pub fn check_display_name(name: &str) -> Result<String> {
    let n = name.trim();
    let bad = |why: &'static str| CoreError::InvalidDisplayName { why };
    if n.is_empty() {
        return Err(bad("it is empty"));
    }
    if n.chars().count() > 100 {
        return Err(bad("it is longer than 100 characters"));
    }
    if n.chars().any(char::is_control) {
        return Err(bad("it contains control characters"));
    }
    Ok(n.to_owned())
}

/// Whether a user may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// May log in.
    Active,
    /// Kept, but cannot log in (their key slot is gone) until re-enabled.
    Disabled,
    /// Gone for good; the row stays for the audit trail.
    Removed,
}

impl Status {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Disabled => "disabled",
            Status::Removed => "removed",
        }
    }

    fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "active" => Status::Active,
            "disabled" => Status::Disabled,
            "removed" => Status::Removed,
            _ => return None,
        })
    }
}

/// A user as stored (no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// User name (and key slot name).
    pub username: Username,
    /// Name shown in the app.
    pub display_name: String,
    /// Role, as stored.
    pub role: String,
    /// Whether they may log in.
    pub status: Status,
    /// Must choose a new password at the next login.
    pub must_change_password: bool,
    /// TOTP enrolment confirmed.
    pub totp_enrolled: bool,
    /// When the row was made.
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, username, display_name, role, status, must_change_password, totp_secret IS NOT NULL, created_at";

fn from_row(r: &Row<'_>) -> chartvault_seal::rusqlite::Result<User> {
    let bad = |i, what: &str| {
        chartvault_seal::rusqlite::Error::FromSqlConversionFailure(
            i,
            chartvault_seal::rusqlite::types::Type::Text,
            format!("stored {what} is invalid").into(),
        )
    };
    let username: String = r.get(1)?;
    let status: String = r.get(4)?;
    let created: String = r.get(7)?;
    Ok(User {
        id: r.get(0)?,
        username: Username::parse(&username).map_err(|_| bad(1, "user name"))?,
        display_name: r.get(2)?,
        role: r.get(3)?,
        status: Status::parse(&status).ok_or_else(|| bad(4, "status"))?,
        must_change_password: r.get(5)?,
        totp_enrolled: r.get(6)?,
        created_at: DateTime::parse_from_rfc3339(&created).map_err(|_| bad(7, "time"))?.with_timezone(&Utc),
    })
}

/// Inserts a user; a name already taken (by any user, even removed) is refused.
pub(crate) fn insert(
    tx: &Transaction<'_>,
    username: &Username,
    display_name: &str,
    role: &str,
    must_change_password: bool,
    now: DateTime<Utc>,
) -> Result<i64> {
    if by_name(tx, username)?.is_some() {
        return Err(CoreError::UserExists(username.clone()));
    }
    let t = now.to_rfc3339();
    tx.execute(
        "INSERT INTO users(username, display_name, role, must_change_password, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        (username.as_str(), display_name, role, must_change_password, &t),
    )?;
    Ok(tx.last_insert_rowid())
}

/// The user of that name.
pub fn by_name(conn: &Connection, username: &Username) -> Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = ?1");
    Ok(conn.query_row(&sql, [username.as_str()], from_row).optional()?)
}

/// The user with that id.
pub fn by_id(conn: &Connection, id: i64) -> Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = ?1");
    Ok(conn.query_row(&sql, [id], from_row).optional()?)
}

/// Every user, by name.
pub fn list(conn: &Connection) -> Result<Vec<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY username");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<chartvault_seal::rusqlite::Result<_>>()?)
}

/// Sets one column of a user (from a fixed list), stamping `updated_at`.
pub(crate) fn set<T: chartvault_seal::rusqlite::ToSql>(
    tx: &Transaction<'_>,
    id: i64,
    column: Column,
    value: T,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = format!("UPDATE users SET {} = ?1, updated_at = ?2 WHERE id = ?3", column.name());
    tx.execute(&sql, (value, now.to_rfc3339(), id))?;
    Ok(())
}

/// Clears a user's authenticator, a pending enrolment, and their one-time
/// recovery codes (a lost phone).
pub(crate) fn clear_totp(tx: &Transaction<'_>, id: i64, now: DateTime<Utc>) -> Result<()> {
    set(tx, id, Column::TotpSecret, None::<Vec<u8>>, now)?;
    set(tx, id, Column::TotpPending, None::<Vec<u8>>, now)?;
    set(tx, id, Column::TotpLastStep, None::<i64>, now)?;
    tx.execute("DELETE FROM totp_recovery_codes WHERE user_id = ?1", [id])?;
    Ok(())
}

/// Columns [`set`] may change.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Column {
    Role,
    Status,
    MustChangePassword,
    TotpSecret,
    TotpPending,
    TotpLastStep,
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::Role => "role",
            Column::Status => "status",
            Column::MustChangePassword => "must_change_password",
            Column::TotpSecret => "totp_secret",
            Column::TotpPending => "totp_pending",
            Column::TotpLastStep => "totp_last_step",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_strict_and_say_why() {
        for ok in ["alice", "Dr.House", "  bob_2 ", "m-jones"] {
            let u = Username::parse(ok).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
            assert_eq!(u.as_str(), ok.trim().to_ascii_lowercase());
        }
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("   ", "empty"),
            ("ab", "shorter"),
            (&"a".repeat(33), "longer"),
            (&"a".repeat(10_000), "longer"),
            ("al ice", "only the letters"),
            ("аlice", "no accents or other scripts"), // Cyrillic а
            ("alіce", "no accents or other scripts"), // Ukrainian і
            ("josé", "no accents"),
            ("bob\u{0}", "control"),
            ("bob\n", "empty"), // trimmed to "bob"? no: see below
            ("1alice", "start with a letter"),
            ("recovery", "reserved"),
            ("ali\u{200b}ce", "no accents or other scripts"), // zero-width space
        ];
        for (typed, why) in cases {
            if *typed == "bob\n" {
                // Surrounding whitespace is trimmed like spaces.
                assert_eq!(Username::parse(typed).unwrap().as_str(), "bob");
                continue;
            }
            let e = Username::parse(typed).expect_err(typed);
            assert!(e.to_string().contains(why), "{typed:?}: {e}");
            assert!(!e.to_string().contains('\u{0}'), "control characters are escaped in the message");
        }
    }

    #[test]
    fn users_are_stored_and_names_stay_unique() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn).unwrap();
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let tx = conn.transaction().unwrap();
        let alice = Username::parse("alice").unwrap();
        let id = insert(&tx, &alice, "Alice A.", "provider", true, now).unwrap();
        assert!(matches!(
            insert(&tx, &Username::parse("ALICE").unwrap(), "x", "staff", false, now),
            Err(CoreError::UserExists(_))
        ));
        set(&tx, id, Column::Status, Status::Disabled.as_str(), now).unwrap();
        tx.commit().unwrap();
        let u = by_name(&conn, &alice).unwrap().unwrap();
        assert_eq!(
            (u.id, u.role.as_str(), u.status, u.must_change_password, u.totp_enrolled),
            (id, "provider", Status::Disabled, true, false)
        );
        assert_eq!(list(&conn).unwrap().len(), 1);
        assert_eq!(by_id(&conn, id).unwrap().unwrap().username, alice);
    }
}
