use chartvault_seal::rusqlite::Connection;
use chrono::{DateTime, Utc};

use super::*;

const AMY: i64 = 1;
const BEN: i64 = 2;

fn db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut conn).unwrap();
    for (id, name) in [(AMY, "amy"), (BEN, "ben")] {
        conn.execute(
            "INSERT INTO users (id, username, display_name, role, created_at, updated_at)
             VALUES (?1, ?2, ?2, 'staff', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')",
            params![id, name],
        )
        .unwrap();
    }
    conn
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap()
}

fn issue_for(conn: &mut Connection, user: i64) -> Vec<String> {
    let tx = conn.transaction().unwrap();
    let codes = issue(&tx, user).unwrap();
    tx.commit().unwrap();
    codes.iter().map(|c| c.expose_secret().to_owned()).collect()
}

fn consume_as(conn: &mut Connection, user: i64, typed: &str) -> bool {
    let tx = conn.transaction().unwrap();
    let ok = consume(&tx, user, typed, now()).unwrap();
    tx.commit().unwrap();
    ok
}

#[test]
fn ten_distinct_codes_of_two_crockford_groups_are_issued() {
    let mut conn = db();
    let codes = issue_for(&mut conn, AMY);
    assert_eq!(codes.len(), COUNT);
    for code in &codes {
        let (a, b) = code.split_once('-').unwrap();
        assert_eq!((a.len(), b.len()), (5, 5), "{code}");
        assert!(a.bytes().chain(b.bytes()).all(|c| ALPHABET.contains(&c)), "{code}");
    }
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), COUNT);
    assert_eq!(remaining(&conn, AMY).unwrap(), 10);
    assert_eq!(remaining(&conn, BEN).unwrap(), 0);
}

/// The ways a person might type `code`.
fn typed_variants(code: &str, i: usize) -> String {
    match i % 5 {
        0 => code.to_owned(),
        1 => code.to_lowercase(),
        2 => code.replace('-', ""),
        3 => format!("  {} ", code.to_lowercase().replace('-', " ")),
        _ => code.replace('0', "o").replace('1', "l"),
    }
}

#[test]
fn each_code_is_accepted_once_however_it_is_typed() {
    let mut conn = db();
    let codes = issue_for(&mut conn, AMY);
    for (i, code) in codes.iter().enumerate() {
        let typed = typed_variants(code, i);
        assert!(!consume_as(&mut conn, BEN, &typed), "not Ben's code");
        assert!(consume_as(&mut conn, AMY, &typed), "{typed:?}");
        assert!(!consume_as(&mut conn, AMY, code), "{code} used twice");
        assert!(!consume_as(&mut conn, AMY, &code.to_lowercase()), "{code} used twice, typed otherwise");
        assert_eq!(remaining(&conn, AMY).unwrap(), (COUNT - 1 - i) as u32);
    }
    let used_at: Vec<String> = conn
        .prepare("SELECT used_at FROM totp_recovery_codes WHERE user_id = ?1")
        .unwrap()
        .query_map([AMY], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(used_at, vec!["2023-11-14T22:13:20Z".to_owned(); COUNT]);
}

#[test]
fn what_is_not_a_code_is_refused_without_error() {
    let mut conn = db();
    // Before any set exists, nothing is accepted and no key is made.
    assert!(!consume_as(&mut conn, AMY, "00000-00000"));
    let keys: u32 = conn.query_row("SELECT count(*) FROM vault_secrets", [], |r| r.get(0)).unwrap();
    assert_eq!(keys, 0);
    let codes = issue_for(&mut conn, AMY);
    let code = &codes[0];
    for typed in ["", "-----", &code[..10], &format!("{code}0"), &code.replace('-', "U"), "ÄÄÄÄÄ-ÄÄÄÄÄ", "123456"]
    {
        assert!(!consume_as(&mut conn, AMY, typed), "{typed:?}");
    }
    assert_eq!(remaining(&conn, AMY).unwrap(), 10);
}

#[test]
fn a_fresh_set_replaces_the_old_one() {
    let mut conn = db();
    let old = issue_for(&mut conn, AMY);
    assert!(consume_as(&mut conn, AMY, &old[0]));
    let ben = issue_for(&mut conn, BEN);
    let new = issue_for(&mut conn, AMY);
    assert_eq!(remaining(&conn, AMY).unwrap(), 10);
    for code in &old {
        assert!(!consume_as(&mut conn, AMY, code), "old {code} still works");
    }
    assert!(consume_as(&mut conn, AMY, &new[3]));
    assert_eq!(remaining(&conn, AMY).unwrap(), 9);
    // Ben's set is untouched.
    assert_eq!(remaining(&conn, BEN).unwrap(), 10);
    assert!(consume_as(&mut conn, BEN, &ben[9]));
    let rows: u32 = conn.query_row("SELECT count(*) FROM totp_recovery_codes", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 20);
}

#[test]
fn the_key_is_made_once_and_no_code_is_stored_in_plain() {
    let mut conn = db();
    let amy = issue_for(&mut conn, AMY);
    let key_before: Vec<u8> =
        conn.query_row("SELECT value FROM vault_secrets WHERE name = ?1", [KEY_NAME], |r| r.get(0)).unwrap();
    let ben = issue_for(&mut conn, BEN);
    assert!(consume_as(&mut conn, BEN, &ben[0]));
    let keys: Vec<(String, Vec<u8>)> = conn
        .prepare("SELECT name, value FROM vault_secrets")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(keys, vec![(KEY_NAME.to_owned(), key_before.clone())]);
    assert_eq!(key_before.len(), 32);

    // Every byte the two tables hold, searched for every code in each form.
    let mut stored: Vec<u8> = Vec::new();
    let mut rows = conn.prepare("SELECT user_id, code_hash, used_at FROM totp_recovery_codes").unwrap();
    let mut rows = rows.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        stored.extend(r.get::<_, i64>(0).unwrap().to_string().bytes());
        let hash: Vec<u8> = r.get(1).unwrap();
        assert_eq!(hash.len(), 32);
        stored.extend(hash);
        stored.extend(r.get::<_, Option<String>>(2).unwrap().unwrap_or_default().bytes());
    }
    stored.extend(key_before);
    for code in amy.iter().chain(&ben) {
        for form in [code.clone(), code.replace('-', ""), code.to_lowercase()] {
            assert!(!stored.windows(form.len()).any(|w| w == form.as_bytes()), "{form} stored");
        }
        let canon = normalize(code).unwrap();
        assert!(!stored.windows(SYMBOLS).any(|w| w == canon.as_slice()));
    }
}

#[test]
fn hashes_are_bound_to_the_user_and_codes_are_not_printed() {
    let key = Zeroizing::new([7u8; KEY_LEN]);
    let canon = normalize("7kq2m-xd04r").unwrap();
    assert_eq!(canon.as_slice(), b"7KQ2MXD04R");
    assert_ne!(code_hash(&key, AMY, &canon), code_hash(&key, BEN, &canon));
    assert_eq!(normalize("OIL00-00000").unwrap().as_slice(), b"0110000000");
    let (shown, _) = generate().unwrap();
    assert_eq!(format!("{shown:?}"), "RecoveryCodeShown([REDACTED])");
}
