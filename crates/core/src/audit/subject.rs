//! What an entry about a patient says of them (its detail and the values
//! of its changes) is sealed under a key of that patient's own, kept in
//! `audit_subject_keys`. The chain covers the sealed text, so erasing the
//! record deletes the key and every earlier entry about the patient keeps
//! its place, its hash and its who/when/what, while its personal values
//! become unreadable — "crypto-shredding". Entries written before this
//! existed keep their values in clear (the chain forbids rewriting them).

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chartvault_seal::rusqlite::{Connection, OptionalExtension};
use zeroize::Zeroizing;

use super::{Action, Entry, Event};
use crate::{CoreError, Result};

/// Marks a sealed value; what follows is base64 of nonce, ciphertext, tag.
const PREFIX: &str = "sealed:v1:";

/// Shown for a value whose patient's record was erased.
pub const ERASED: &str = "(erased with the record)";

/// Shown for a sealed value that does not open (altered; verification names it).
const UNREADABLE: &str = "(unreadable: altered)";

fn cipher(key: &[u8]) -> Result<Aes256Gcm> {
    Aes256Gcm::new_from_slice(key).map_err(|_| CoreError::Damaged {
        path: std::path::PathBuf::from("audit_subject_keys"),
        what: "a patient's audit key",
    })
}

fn key_of(conn: &Connection, patient_id: i64) -> Result<Option<Zeroizing<Vec<u8>>>> {
    Ok(conn
        .query_row("SELECT key FROM audit_subject_keys WHERE patient_id = ?1", [patient_id], |r| r.get(0))
        .optional()?
        .map(Zeroizing::new))
}

/// The patient's key, made at their first entry.
fn key_or_new(conn: &Connection, patient_id: i64) -> Result<Zeroizing<Vec<u8>>> {
    if let Some(k) = key_of(conn, patient_id)? {
        return Ok(k);
    }
    let mut k = Zeroizing::new(vec![0u8; 32]);
    getrandom::fill(k.as_mut_slice()).map_err(|_| CoreError::Random)?;
    conn.execute("INSERT INTO audit_subject_keys (patient_id, key) VALUES (?1, ?2)", (patient_id, k.as_slice()))?;
    Ok(k)
}

/// Binds a value to its entry, its column and its field.
fn aad(seq: i64, column: &str, field: &str) -> Vec<u8> {
    format!("{seq}\0{column}\0{field}").into_bytes()
}

fn seal(aead: &Aes256Gcm, seq: i64, column: &str, field: &str, value: &str) -> Result<String> {
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).map_err(|_| CoreError::Random)?;
    let ad = aad(seq, column, field);
    let ct = aead
        .encrypt(&Nonce::from(nonce), Payload { msg: value.as_bytes(), aad: &ad })
        .map_err(|_| CoreError::Random)?;
    let mut raw = nonce.to_vec();
    raw.extend_from_slice(&ct);
    Ok(format!("{PREFIX}{}", STANDARD_NO_PAD.encode(raw)))
}

fn open(aead: Option<&Aes256Gcm>, seq: i64, column: &str, field: &str, stored: &str) -> String {
    let Some(b64) = stored.strip_prefix(PREFIX) else { return stored.to_owned() };
    let Some(aead) = aead else { return ERASED.to_owned() };
    let opened = STANDARD_NO_PAD.decode(b64).ok().filter(|raw| raw.len() >= 12 + 16).and_then(|raw| {
        let (nonce, ct) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let ad = aad(seq, column, field);
        aead.decrypt(&Nonce::from(nonce), Payload { msg: ct, aad: &ad }).ok()
    });
    opened.and_then(|p| String::from_utf8(p).ok()).unwrap_or_else(|| UNREADABLE.to_owned())
}

/// The event as stored: a patient's personal values sealed under their key.
/// The erasure's own entry says nothing personal and stays readable.
pub(super) fn sealed(conn: &Connection, seq: i64, event: &Event) -> Result<Event> {
    let Some(patient) = event.patient_id else { return Ok(event.clone()) };
    if event.action == Action::PatientErased {
        return Ok(event.clone());
    }
    let key = key_or_new(conn, patient)?;
    let aead = cipher(&key)?;
    let mut out = event.clone();
    if let Some(d) = &event.detail {
        out.detail = Some(seal(&aead, seq, "detail", "", d)?);
    }
    for c in &mut out.changes {
        if let Some(v) = &c.old {
            c.old = Some(seal(&aead, seq, "old", &c.field, v)?);
        }
        if let Some(v) = &c.new {
            c.new = Some(seal(&aead, seq, "new", &c.field, v)?);
        }
    }
    Ok(out)
}

/// The entry as a person reads it: sealed values opened, or marked erased.
pub(super) fn opened(conn: &Connection, mut entry: Entry) -> Result<Entry> {
    let Some(patient) = entry.event.patient_id else { return Ok(entry) };
    let is_sealed = |v: &Option<String>| v.as_deref().is_some_and(|s| s.starts_with(PREFIX));
    if !is_sealed(&entry.event.detail) && !entry.event.changes.iter().any(|c| is_sealed(&c.old) || is_sealed(&c.new)) {
        return Ok(entry);
    }
    let key = key_of(conn, patient)?;
    let aead = key.as_deref().map(|k| cipher(k)).transpose()?;
    let seq = entry.seq;
    if let Some(d) = &entry.event.detail {
        entry.event.detail = Some(open(aead.as_ref(), seq, "detail", "", d));
    }
    for c in &mut entry.event.changes {
        let field = c.field.clone();
        c.old = c.old.as_deref().map(|v| open(aead.as_ref(), seq, "old", &field, v));
        c.new = c.new.as_deref().map(|v| open(aead.as_ref(), seq, "new", &field, v));
    }
    Ok(entry)
}

/// The first entry (seq, patient) with a sealed value whose patient has no
/// key and no recorded erasure: a key removed by something other than an
/// erasure (the triggers refuse it; this finds it done around them).
pub(super) fn first_keyless(conn: &Connection) -> Result<Option<(i64, i64)>> {
    let sealed = format!("{PREFIX}%");
    Ok(conn
        .query_row(
            "SELECT min(l.seq), l.patient_id FROM audit_log l
             WHERE l.patient_id IS NOT NULL
               AND (l.detail LIKE ?1 OR EXISTS (SELECT 1 FROM audit_changes c WHERE c.seq = l.seq
                    AND (c.old_value LIKE ?1 OR c.new_value LIKE ?1)))
               AND NOT EXISTS (SELECT 1 FROM audit_subject_keys k WHERE k.patient_id = l.patient_id)
               AND NOT EXISTS (SELECT 1 FROM audit_log e WHERE e.patient_id = l.patient_id AND e.action = ?2)
             GROUP BY l.patient_id ORDER BY 1 LIMIT 1",
            (&sealed, Action::PatientErased.as_str()),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_in_its_place_and_reads_erased_without_its_key() {
        let aead = cipher(&[7u8; 32]).unwrap();
        let s = seal(&aead, 12, "new", "family_name", "Hopper").unwrap();
        assert!(s.starts_with(PREFIX) && !s.contains("Hopper"));
        assert_eq!(open(Some(&aead), 12, "new", "family_name", &s), "Hopper");
        assert_eq!(open(Some(&aead), 13, "new", "family_name", &s), UNREADABLE, "moved to another entry");
        assert_eq!(open(Some(&aead), 12, "new", "given_name", &s), UNREADABLE, "moved to another field");
        assert_eq!(open(Some(&aead), 12, "old", "family_name", &s), UNREADABLE, "moved to the other column");
        assert_eq!(open(None, 12, "new", "family_name", &s), ERASED);
        assert_eq!(open(None, 12, "new", "f", "in clear"), "in clear", "values from before stay as they were");
        let other = cipher(&[8u8; 32]).unwrap();
        assert_eq!(open(Some(&other), 12, "new", "family_name", &s), UNREADABLE);
    }
}
