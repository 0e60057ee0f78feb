//! Recovery codes for the second factor: ten per user, each used once, for
//! when the phone is lost.
//!
//! A code is 50 bits from the operating system's random number generator,
//! shown as ten Crockford base-32 symbols in two groups (`7KQ2M-XD04R`). It
//! is typed in any case, with or without the dash or spaces; the look-alikes
//! O, I and L read as 0, 1 and 1.
//!
//! Only HMAC-SHA-256 of a code is stored, under a 32-byte key made once per
//! vault and kept in `vault_secrets` as `totp_recovery_key`, bound to the
//! user's id. The key lives inside the sealed database, so a copy of the
//! table alone cannot be searched for codes, and 50 bits are out of reach
//! of guessing online.

use chartvault_seal::SecretString;
use chartvault_seal::rusqlite::types::ValueRef;
use chartvault_seal::rusqlite::{Connection, OptionalExtension, Transaction, params};
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::{CoreError, Result};

/// Codes in a set.
pub const COUNT: usize = 10;
/// Symbols in a code (5 bits each).
const SYMBOLS: usize = 10;
/// Crockford's base-32 alphabet: no I, L, O or U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// The key's name in `vault_secrets`.
const KEY_NAME: &str = "totp_recovery_key";
const KEY_LEN: usize = 32;
/// Domain separation for the HMAC input.
const DOMAIN: &[u8] = b"chartvault totp recovery code v1\0";

type Canonical = Zeroizing<[u8; SYMBOLS]>;
type Key = Zeroizing<[u8; KEY_LEN]>;

/// A recovery code as shown to the user, once, when the set is issued.
pub struct RecoveryCodeShown(SecretString);

impl RecoveryCodeShown {
    /// The code as shown: `XXXXX-XXXXX`.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for RecoveryCodeShown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCodeShown([REDACTED])")
    }
}

/// A new code: what is shown and its canonical symbols.
fn generate() -> Result<(RecoveryCodeShown, Canonical)> {
    let mut raw = Zeroizing::new([0u8; SYMBOLS]);
    getrandom::fill(raw.as_mut()).map_err(|_| CoreError::Random)?;
    let mut canon = Zeroizing::new([0u8; SYMBOLS]);
    let mut shown = String::with_capacity(SYMBOLS + 1);
    for (i, b) in raw.iter().enumerate() {
        // 256 is a multiple of 32: the low five bits are uniform.
        canon[i] = ALPHABET[usize::from(b & 31)];
        if i == SYMBOLS / 2 {
            shown.push('-');
        }
        shown.push(char::from(canon[i]));
    }
    Ok((RecoveryCodeShown(SecretString::from(shown)), canon))
}

/// The canonical symbols of a typed code, or `None` if it cannot be one.
fn normalize(typed: &str) -> Option<Canonical> {
    let mut out = Zeroizing::new([0u8; SYMBOLS]);
    let mut n = 0;
    for c in typed.trim().chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if n == SYMBOLS || !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return None;
        }
        out[n] = c as u8;
        n += 1;
    }
    (n == SYMBOLS).then_some(out)
}

/// The vault's recovery-code key, if it was made.
fn load_key(conn: &Connection) -> Result<Option<Key>> {
    let found = conn
        .query_row("SELECT value FROM vault_secrets WHERE name = ?1", [KEY_NAME], |r| {
            Ok(match r.get_ref(0)? {
                ValueRef::Blob(b) if b.len() == KEY_LEN => {
                    let mut key = Zeroizing::new([0u8; KEY_LEN]);
                    key.copy_from_slice(b);
                    Ok(key)
                }
                ValueRef::Blob(b) => Err(b.len()),
                _ => Err(0),
            })
        })
        .optional()?;
    match found {
        None => Ok(None),
        Some(Ok(key)) => Ok(Some(key)),
        Some(Err(found)) => Err(CoreError::VaultSecretLength { name: KEY_NAME, found }),
    }
}

/// The vault's recovery-code key, made the first time it is needed.
fn load_or_create_key(tx: &Transaction<'_>) -> Result<Key> {
    if let Some(key) = load_key(tx)? {
        return Ok(key);
    }
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    getrandom::fill(key.as_mut()).map_err(|_| CoreError::Random)?;
    tx.execute("INSERT INTO vault_secrets (name, value) VALUES (?1, ?2)", params![KEY_NAME, &key[..]])?;
    Ok(key)
}

/// What is stored for a code of a user.
fn code_hash(key: &Key, user_id: i64, canon: &Canonical) -> Zeroizing<Vec<u8>> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_slice()).expect("HMAC takes any key length");
    mac.update(DOMAIN);
    mac.update(&user_id.to_be_bytes());
    mac.update(canon.as_slice());
    Zeroizing::new(mac.finalize().into_bytes().to_vec())
}

/// Issues a fresh set of [`COUNT`] codes for the user, replacing any earlier
/// set (used or not). Show them once; they cannot be read back.
pub fn issue(tx: &Transaction<'_>, user_id: i64) -> Result<Vec<RecoveryCodeShown>> {
    let key = load_or_create_key(tx)?;
    tx.execute("DELETE FROM totp_recovery_codes WHERE user_id = ?1", [user_id])?;
    let mut insert =
        tx.prepare("INSERT OR IGNORE INTO totp_recovery_codes (user_id, code_hash, used_at) VALUES (?1, ?2, NULL)")?;
    let mut shown = Vec::with_capacity(COUNT);
    while shown.len() < COUNT {
        let (code, canon) = generate()?;
        // A code drawn twice (odds 2^-50) is ignored by the insert and drawn again.
        if insert.execute(params![user_id, &code_hash(&key, user_id, &canon)[..]])? == 1 {
            shown.push(code);
        }
    }
    Ok(shown)
}

/// Uses a typed recovery code of the user: `true` if it was one of the
/// user's unused codes (it is now marked used at `now`), `false` otherwise
/// (not a code, not theirs, or already used).
pub fn consume(tx: &Transaction<'_>, user_id: i64, typed: &str, now: DateTime<Utc>) -> Result<bool> {
    let Some(canon) = normalize(typed) else { return Ok(false) };
    let Some(key) = load_key(tx)? else { return Ok(false) };
    let changed = tx.execute(
        "UPDATE totp_recovery_codes SET used_at = ?3 WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
        params![user_id, &code_hash(&key, user_id, &canon)[..], now.to_rfc3339_opts(SecondsFormat::Secs, true)],
    )?;
    Ok(changed == 1)
}

/// How many of the user's codes are still unused.
pub fn remaining(conn: &Connection, user_id: i64) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM totp_recovery_codes WHERE user_id = ?1 AND used_at IS NULL",
        [user_id],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
#[path = "recovery_codes_tests.rs"]
mod tests;
