//! The chain's hash: HMAC-SHA-256 under the chain key over a canonical
//! encoding of an entry.
//!
//! The encoding is specified in the [module docs](super#canonical-encoding).

use chartvault_seal::rusqlite::types::{Value, ValueRef};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::AuditKey;

type HmacSha256 = Hmac<Sha256>;

const DOMAIN: &[u8] = b"chartvault audit chain v1";

/// The `prev_hash` of the first entry.
pub(super) const GENESIS: [u8; 32] = [0; 32];

/// The entry's hashed columns of `audit_log`, in hash order; `seq` first.
pub(super) const LOG_COLUMNS: &str = "seq, at, user_id, username, workstation_host, workstation_id, action, \
     target_kind, target_id, patient_id, result, detail, emergency";

/// How many columns [`LOG_COLUMNS`] names.
pub(super) const FIELD_COUNT: usize = 13;

/// One change as stored: field, old value, new value.
pub(super) type ChangeRow = [Value; 3];

/// An entry's hash input without its seq, so the hash can be computed at
/// other seqs (`verify` asks where a moved entry came from).
pub(super) struct ChainInput {
    prefix: Vec<u8>,
    body: Vec<u8>,
}

impl ChainInput {
    /// The input of an entry: `fields` as [`LOG_COLUMNS`] (index 0, the
    /// seq, is left out here), `changes` in field order.
    pub(super) fn new(prev_hash: ValueRef<'_>, fields: &[Value], changes: &[ChangeRow]) -> ChainInput {
        let mut prefix = Vec::with_capacity(64);
        put_len(&mut prefix, DOMAIN.len());
        prefix.extend_from_slice(DOMAIN);
        put_value(&mut prefix, prev_hash);
        prefix.extend_from_slice(&(fields.len() as u32).to_be_bytes());
        let mut body = Vec::with_capacity(256);
        for v in fields.iter().skip(1) {
            put_value(&mut body, v.into());
        }
        body.extend_from_slice(&(changes.len() as u32).to_be_bytes());
        for change in changes {
            for v in change {
                put_value(&mut body, v.into());
            }
        }
        ChainInput { prefix, body }
    }

    fn mac(&self, key: &AuditKey, seq: ValueRef<'_>) -> HmacSha256 {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key.bytes()).expect("HMAC takes any key length");
        mac.update(&self.prefix);
        let mut s = Vec::with_capacity(9);
        put_value(&mut s, seq);
        mac.update(&s);
        mac.update(&self.body);
        mac
    }

    /// The hash of this entry at `seq`.
    pub(super) fn hash(&self, key: &AuditKey, seq: i64) -> [u8; 32] {
        self.mac(key, ValueRef::Integer(seq)).finalize().into_bytes().into()
    }

    /// Whether `stored` is this entry's hash at `seq` (constant time).
    pub(super) fn matches(&self, key: &AuditKey, seq: ValueRef<'_>, stored: ValueRef<'_>) -> bool {
        match stored {
            ValueRef::Blob(tag) => self.mac(key, seq).verify_slice(tag).is_ok(),
            _ => false,
        }
    }
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    out.extend_from_slice(&(len as u32).to_be_bytes());
}

fn put_bytes(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    out.push(tag);
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn put_value(out: &mut Vec<u8>, v: ValueRef<'_>) {
    match v {
        ValueRef::Null => out.push(0),
        ValueRef::Integer(i) => {
            out.push(1);
            out.extend_from_slice(&i.to_be_bytes());
        }
        ValueRef::Real(f) => {
            out.push(2);
            out.extend_from_slice(&f.to_bits().to_be_bytes());
        }
        ValueRef::Text(t) => put_bytes(out, 3, t),
        ValueRef::Blob(b) => put_bytes(out, 4, b),
    }
}

/// Lowercase hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    #[test]
    fn values_are_typed_and_length_prefixed() {
        let key = AuditKey::from_bytes([7; 32]);
        let prev = ValueRef::Blob(&GENESIS);
        let h = |fields: &[Value], changes: &[ChangeRow]| ChainInput::new(prev, fields, changes).hash(&key, 1);
        let base = [Value::Null, text("ab"), text("c")];
        // Moving a byte across a boundary, or a type, changes the hash.
        assert_ne!(h(&base, &[]), h(&[Value::Null, text("a"), text("bc")], &[]));
        assert_ne!(h(&[Value::Null, Value::Integer(1)], &[]), h(&[Value::Null, text("1")], &[]));
        assert_ne!(h(&[Value::Null, Value::Null], &[]), h(&[Value::Null, text("")], &[]));
        // A change is not a field.
        let c: ChangeRow = [text("f"), Value::Null, text("x")];
        assert_ne!(h(&base, std::slice::from_ref(&c)), h(&[base.to_vec(), c.to_vec()].concat(), &[]));
        // The seq and the previous hash count.
        let input = ChainInput::new(prev, &base, &[]);
        assert_ne!(input.hash(&key, 1), input.hash(&key, 2));
        assert_ne!(input.hash(&key, 1), ChainInput::new(ValueRef::Blob(&[1; 32]), &base, &[]).hash(&key, 1));
        assert!(input.matches(&key, ValueRef::Integer(1), ValueRef::Blob(&input.hash(&key, 1))));
        assert!(!input.matches(&key, ValueRef::Integer(2), ValueRef::Blob(&input.hash(&key, 1))));
        assert!(!input.matches(
            &AuditKey::from_bytes([8; 32]),
            ValueRef::Integer(1),
            ValueRef::Blob(&input.hash(&key, 1))
        ));
        assert_eq!(hex(&[0, 0xab, 0x7f]), "00ab7f");
    }
}
