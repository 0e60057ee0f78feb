//! A SQL result value compared exactly between two engines.

use rusqlite::types::{Value, ValueRef};

/// A result value, exactly: its type and its bytes (reals by their bits).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cell {
    Null,
    Int(i64),
    Real(u64),
    Text(Vec<u8>),
    Blob(Vec<u8>),
}

impl std::fmt::Debug for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let head = |b: &[u8]| b.iter().take(16).map(|x| format!("{x:02x}")).collect::<String>();
        match self {
            Cell::Null => f.write_str("NULL"),
            Cell::Int(i) => write!(f, "{i}"),
            Cell::Real(bits) => write!(f, "{:?}", f64::from_bits(*bits)),
            Cell::Text(t) if t.len() <= 80 => write!(f, "{:?}", String::from_utf8_lossy(t)),
            Cell::Text(t) => write!(f, "text({} bytes: {:?}…)", t.len(), String::from_utf8_lossy(&t[..60])),
            Cell::Blob(b) if b.len() <= 32 => write!(f, "x'{}'", head(b)),
            Cell::Blob(b) => write!(f, "blob({} bytes: {}…)", b.len(), head(b)),
        }
    }
}

impl From<ValueRef<'_>> for Cell {
    fn from(v: ValueRef<'_>) -> Cell {
        match v {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(i) => Cell::Int(i),
            ValueRef::Real(r) => Cell::Real(r.to_bits()),
            ValueRef::Text(t) => Cell::Text(t.to_vec()),
            ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
        }
    }
}

impl Cell {
    /// The value, to bind as a parameter.
    pub fn to_value(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Int(i) => Value::Integer(*i),
            Cell::Real(bits) => Value::Real(f64::from_bits(*bits)),
            Cell::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            Cell::Blob(b) => Value::Blob(b.clone()),
        }
    }
}
