//! Deterministic patient rows for tests that check what survives: a name
//! and a payload derived from the row id alone.

use chartvault_seal::Vault;

/// The name of row `id`.
pub fn name_of(id: i64) -> String {
    format!("patient-{id:05}")
}

/// `len` bytes derived from `id` (xorshift), the same on every run.
pub fn payload_bytes(id: i64, len: usize) -> Vec<u8> {
    let mut x = (id as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The 900-byte payload of row `id`.
pub fn payload_of(id: i64) -> Vec<u8> {
    payload_bytes(id, 900)
}

/// The table the rows go in.
pub fn create_table(v: &Vault) {
    v.conn()
        .execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, payload BLOB NOT NULL);")
        .unwrap();
}

/// Inserts rows `ids` in one committed transaction.
pub fn insert_rows(v: &Vault, ids: std::ops::RangeInclusive<i64>) {
    let tx = v.conn().unchecked_transaction().unwrap();
    for id in ids {
        tx.execute("INSERT INTO t(id, name, payload) VALUES (?1, ?2, ?3)", (id, name_of(id), payload_of(id))).unwrap();
    }
    tx.commit().unwrap();
}
