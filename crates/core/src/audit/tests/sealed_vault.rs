//! On a real sealed vault: the key lives in the vault, so the chain stays
//! verifiable and continuous across rekey, key rotation and reopening.

use chartvault_seal::{CreateOptions, KdfParams, OpenOptions, SecretString, Unlock, Vault};

use super::*;
use crate::audit::{Filter, Order, head, query, verify, verify_against};

fn append_some(vault: &mut Vault, key: &AuditKey, from: i64, count: i64) {
    for i in from..from + count {
        let (actor, event) = sample(i);
        assert_eq!(add(vault.conn_mut(), key, &actor, t(10 * i), &event), i);
    }
}

/// Every entry's `prev_hash` is the previous entry's hash, seqs 1 to n.
fn assert_continuous(conn: &Connection, n: i64) {
    let mut stmt = conn.prepare("SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq").unwrap();
    let rows: Vec<(i64, Vec<u8>, Vec<u8>)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), (1..=n).collect::<Vec<_>>());
    assert_eq!(rows[0].1, vec![0; 32]);
    for w in rows.windows(2) {
        assert_eq!(w[1].1, w[0].2, "entry {} links to {}", w[1].0, w[0].0);
    }
}

#[test]
fn the_chain_survives_rekey_rotation_and_reopening() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let password = SecretString::from("correct horse battery staple");
    let opts = CreateOptions { kdf: Some(KdfParams::INSECURE_FAST), ..CreateOptions::default() };
    let (mut vault, _recovery_code) = Vault::create(&dir, "alice", &password, &opts).unwrap();
    crate::db::migrate(vault.conn_mut()).unwrap();
    let key = key_of(vault.conn_mut());

    append_some(&mut vault, &key, 1, 5);
    vault.rekey().unwrap();
    append_some(&mut vault, &key, 6, 5);
    vault.rotate_keys(None, None).unwrap();
    append_some(&mut vault, &key, 11, 5);
    let recorded = head(vault.conn()).unwrap().unwrap();
    assert_eq!(recorded.seq, 15);
    vault.close().unwrap();

    let unlock = Unlock::Password { slot: "alice", password: &password };
    let mut vault = Vault::open(&dir, unlock, &OpenOptions::default()).unwrap();
    let reopened = AuditKey::load(vault.conn()).unwrap().expect("the key is in the vault");
    assert_eq!(reopened.bytes(), key.bytes());
    let report = verify_against(vault.conn(), &reopened, &recorded).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!((report.entries, report.head), (15, Some(recorded)));
    assert_continuous(vault.conn(), 15);

    append_some(&mut vault, &reopened, 16, 2);
    assert!(verify(vault.conn(), &reopened).unwrap().is_ok());
    assert_continuous(vault.conn(), 17);
    let entries = query(vault.conn(), &Filter { order: Order::OldestFirst, ..Filter::default() }).unwrap();
    for (e, i) in entries.iter().zip(1..) {
        let (actor, mut event) = sample(i);
        event.changes.sort_by(|a, b| a.field.cmp(&b.field));
        assert_eq!((e.seq, &e.actor, &e.event, e.at), (i, &actor, &event, t(10 * i)));
    }
    assert_eq!(entries.len(), 17);
    vault.close().unwrap();
}
