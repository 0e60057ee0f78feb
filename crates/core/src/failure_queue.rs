//! Failed logins before the vault is open, queued for the audit trail.
//!
//! A failed login cannot be written into the sealed database: it is not
//! open. So each one is sealed (HPKE, RFC 9180: X25519, HKDF-SHA-256,
//! AES-256-GCM) to the vault's *queue key* and appended to `vault.failures`
//! beside it. The queue key's public half is published in the throttle
//! file; its private half lives only in the sealed database
//! (`vault_secrets`), so nothing readable about who tried what sits beside
//! the vault. At the next successful unlock the queue is opened, written
//! into the audit trail and emptied.
//!
//! Someone who can write the folder can delete or replace the queue (or
//! the published key, and then read failures recorded after that); the
//! audit entries say so when a record does not open.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use chartvault_seal::rusqlite::{Connection, OptionalExtension, Transaction};
use chrono::{DateTime, Utc};
use hpke::inout::InOutBuf;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use rand::SeedableRng;
use zeroize::Zeroizing;

use crate::throttle::Throttle;
use crate::{CoreError, Result};

type Kem = hpke::kem::X25519HkdfSha256;
type Kdf = hpke::kdf::HkdfSha256;
type Aead = hpke::aead::AesGcm256;

/// File name of the queue in a vault directory.
pub const QUEUE_FILE: &str = "vault.failures";
const SECRET_NAME: &str = "failure_queue_key";
const PUBLISHED: &str = "queue_pk";
const INFO: &[u8] = b"chartvault failed-login queue v1";
const SEP: char = '\u{1f}';

/// One failed login attempt, as queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedAttempt {
    /// The user name typed.
    pub username: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The workstation's host name.
    pub host: String,
    /// The workstation's id.
    pub workstation_id: String,
    /// Why it failed, in words (never the password).
    pub reason: String,
}

/// A queued record that did not open: damaged or not sealed to this vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// Its line in the queue file.
    pub line: usize,
}

/// The queue of one vault.
#[derive(Debug, Clone)]
pub struct FailureQueue {
    path: PathBuf,
    throttle: Throttle,
}

fn rng() -> Result<rand::rngs::StdRng> {
    rand::rngs::StdRng::try_from_rng(&mut rand::rngs::SysRng).map_err(|_| CoreError::Random)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len() / 2).map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()).collect()
}

impl FailureQueue {
    /// The queue of the vault in `dir`.
    pub fn of(dir: &Path) -> FailureQueue {
        FailureQueue { path: dir.join(QUEUE_FILE), throttle: Throttle::of(dir) }
    }

    /// Makes sure the vault has a queue key and its public half is
    /// published (again, if the throttle file was lost). With the vault open.
    pub fn provision(&self, tx: &Transaction<'_>) -> Result<()> {
        let existing: Option<Vec<u8>> =
            tx.query_row("SELECT value FROM vault_secrets WHERE name = ?1", [SECRET_NAME], |r| r.get(0)).optional()?;
        let ikm = match existing {
            Some(v) if v.len() == 32 => Zeroizing::new(v),
            _ => {
                let mut ikm = Zeroizing::new(vec![0u8; 32]);
                getrandom::fill(&mut ikm).map_err(|_| CoreError::Random)?;
                tx.execute(
                    "INSERT OR REPLACE INTO vault_secrets(name, value) VALUES (?1, ?2)",
                    (SECRET_NAME, ikm.as_slice()),
                )?;
                ikm
            }
        };
        let (_, pk) = Kem::derive_keypair(&ikm);
        let published = hex(&pk.to_bytes());
        if self.throttle.extra(PUBLISHED)?.as_deref() != Some(published.as_str()) {
            self.throttle.set_extra(PUBLISHED, &published)?;
        }
        Ok(())
    }

    /// Appends a failed attempt, sealed to the published key. With no key
    /// published (a vault never opened by this version) nothing is queued;
    /// the throttle still counts the failure.
    pub fn push(&self, attempt: &FailedAttempt) -> Result<()> {
        let Some(pk) = self.throttle.extra(PUBLISHED)?.and_then(|h| unhex(&h)) else {
            return Ok(());
        };
        let Ok(pk) = <Kem as hpke::Kem>::PublicKey::from_bytes(&pk) else {
            return Ok(());
        };
        let clean = |s: &str| s.replace(SEP, " ");
        let plain = Zeroizing::new(
            [
                clean(&attempt.username),
                attempt.at.to_rfc3339(),
                clean(&attempt.host),
                clean(&attempt.workstation_id),
                clean(&attempt.reason),
            ]
            .join(&SEP.to_string())
            .into_bytes(),
        );
        let mut rng = rng()?;
        let mut ct = vec![0u8; plain.len()];
        let buf = InOutBuf::new(&plain, &mut ct).expect("equal lengths");
        let (enc, tag) = hpke::single_shot_seal_inout_detached_with_rng::<Aead, Kdf, Kem>(
            &OpModeS::Base,
            &pk,
            INFO,
            buf,
            b"",
            &mut rng,
        )
        .map_err(|_| CoreError::Damaged { path: self.path.clone(), what: "the published queue key" })?;
        ct.extend_from_slice(&tag.to_bytes());
        let mut f = crate::files::private()
            .append(true)
            .open(&self.path)
            .map_err(|e| CoreError::io("cannot open", &self.path, e))?;
        writeln!(f, "{} {}", hex(&enc.to_bytes()), hex(&ct))
            .map_err(|e| CoreError::io("cannot append to", &self.path, e))
    }

    /// Opens every queued record with the vault's queue key and empties the
    /// queue. With the vault open.
    pub fn drain(&self, conn: &Connection) -> Result<Vec<std::result::Result<FailedAttempt, Unreadable>>> {
        let out = self.read(conn)?;
        self.clear()?;
        Ok(out)
    }

    /// Empties the queue (after its records are safely in the audit trail).
    pub fn clear(&self) -> Result<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CoreError::io("cannot empty", &self.path, e)),
        }
    }

    /// Opens every queued record with the vault's queue key, leaving the
    /// queue as it is. With the vault open.
    pub fn read(&self, conn: &Connection) -> Result<Vec<std::result::Result<FailedAttempt, Unreadable>>> {
        // Bytes, not text: whatever someone wrote into the file, the queue
        // drains (a line that is not a record is reported, not fatal).
        let text = match std::fs::read(&self.path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(CoreError::io("cannot read", &self.path, e)),
        };
        let ikm: Option<Vec<u8>> = conn
            .query_row("SELECT value FROM vault_secrets WHERE name = ?1", [SECRET_NAME], |r| r.get(0))
            .optional()?;
        let ikm = Zeroizing::new(ikm.unwrap_or_default());
        let (sk, _) = Kem::derive_keypair(&ikm);
        let out = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, line)| open_record(&sk, line).ok_or(Unreadable { line: i + 1 }))
            .collect();
        Ok(out)
    }
}

fn open_record(sk: &<Kem as hpke::Kem>::PrivateKey, line: &str) -> Option<FailedAttempt> {
    let (enc, ct) = line.split_once(' ')?;
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&unhex(enc)?).ok()?;
    let mut plain = Zeroizing::new(unhex(ct)?);
    let body = plain.len().checked_sub(16)?;
    let tag = hpke::aead::AeadTag::<Aead>::from_bytes(&plain[body..]).ok()?;
    plain.truncate(body);
    hpke::single_shot_open_inout_detached::<Aead, Kdf, Kem>(
        &OpModeR::Base,
        sk,
        &enc,
        INFO,
        plain.as_mut_slice().into(),
        b"",
        &tag,
    )
    .ok()?;
    let text = std::str::from_utf8(&plain).ok()?;
    let f: Vec<&str> = text.split(SEP).collect();
    let [username, at, host, id, reason] = f.as_slice() else { return None };
    Some(FailedAttempt {
        username: (*username).to_owned(),
        at: DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc),
        host: (*host).to_owned(),
        workstation_id: (*id).to_owned(),
        reason: (*reason).to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(name: &str) -> FailedAttempt {
        FailedAttempt {
            username: name.to_owned(),
            at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            host: "front-desk".to_owned(),
            workstation_id: "ws-1".to_owned(),
            reason: "wrong password".to_owned(),
        }
    }

    #[test]
    fn queued_failures_are_unreadable_beside_the_vault_and_drain_into_the_open_vault() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn).unwrap();
        let q = FailureQueue::of(dir.path());
        q.push(&attempt("before-any-key")).unwrap();
        assert!(!dir.path().join(QUEUE_FILE).exists(), "nothing queued without a published key");
        let tx = conn.transaction().unwrap();
        q.provision(&tx).unwrap();
        tx.commit().unwrap();
        q.push(&attempt("dr.quinn")).unwrap();
        q.push(&attempt("no-such-user")).unwrap();
        let raw = std::fs::read(dir.path().join(QUEUE_FILE)).unwrap();
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("quinn") && !text.contains("front-desk") && !text.contains("wrong"), "{text}");
        // A damaged record is reported by line, the rest still open.
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines.push("00 11".to_owned());
        let mut bytes = lines.join("\n").into_bytes();
        bytes.extend_from_slice(b"\n\xff\xfe not text");
        std::fs::write(dir.path().join(QUEUE_FILE), bytes).unwrap();
        let got = q.drain(&conn).unwrap();
        assert_eq!(got.len(), 4, "a line that is not text is reported, not fatal");
        assert_eq!(got[0].as_ref().unwrap(), &attempt("dr.quinn"));
        assert_eq!(got[1].as_ref().unwrap().username, "no-such-user");
        assert_eq!(got[2], Err(Unreadable { line: 3 }));
        assert_eq!(got[3], Err(Unreadable { line: 4 }));
        assert!(!dir.path().join(QUEUE_FILE).exists(), "emptied");
        assert!(q.drain(&conn).unwrap().is_empty());
    }
}
