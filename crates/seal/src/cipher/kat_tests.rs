//! Known-answer tests of the page AEAD primitive: every 256-bit-key,
//! 96-bit-IV case of Wycheproof's AES-GCM file (from ../shared/testdata when
//! present), and two AES-256-GCM cases from the GCM specification that
//! always run.

use aes_gcm::{Aes256Gcm, KeyInit};

use super::{aead_open, aead_seal};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// Runs one case through seal and open; returns whether it behaved as
/// `valid` says.
fn check(key: &[u8], iv: &[u8], aad: &[u8], msg: &[u8], ct: &[u8], tag: &[u8], valid: bool) -> bool {
    let aead = Aes256Gcm::new_from_slice(key).expect("32-byte key");
    let mut opened = ct.to_vec();
    let open_ok = aead_open(&aead, iv, aad, &mut opened, tag);
    if valid {
        let nonce: [u8; 12] = iv.try_into().expect("96-bit IV");
        let mut sealed = vec![0u8; msg.len()];
        let t = aead_seal(&aead, &nonce, aad, msg, &mut sealed);
        open_ok && opened == msg && sealed == ct && t[..] == tag[..]
    } else {
        !open_ok
    }
}

#[test]
fn gcm_spec_aes256_cases_always_run() {
    // McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13 and 14.
    let key = [0u8; 32];
    let iv = [0u8; 12];
    assert!(check(&key, &iv, &[], &[], &[], &hex("530f8afbc74536b9a963b4f1c4cb738b"), true));
    assert!(check(
        &key,
        &iv,
        &[],
        &[0u8; 16],
        &hex("cea7403d4d606b6e074ec5d3baf39d18"),
        &hex("d0d1c8a799996bf0265b98b5d48ab919"),
        true
    ));
    // A flipped tag bit is refused.
    assert!(check(&key, &iv, &[], &[], &[], &hex("530f8afbc74536b9a963b4f1c4cb738a"), false));
}

#[test]
fn wycheproof_aes_gcm_256_bit_key_96_bit_iv() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/vectors/wycheproof_aes_gcm_test.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipping Wycheproof AES-GCM vectors: {} not found (the GCM-spec cases still run)", path.display());
        return;
    };
    let doc: serde_json::Value = serde_json::from_str(&text).expect("Wycheproof JSON");
    let mut run = 0;
    for group in doc["testGroups"].as_array().expect("testGroups") {
        if group["keySize"] != 256 || group["ivSize"] != 96 {
            continue;
        }
        for t in group["tests"].as_array().expect("tests") {
            let field = |k: &str| hex(t[k].as_str().expect("hex field"));
            let valid = match t["result"].as_str() {
                Some("valid") => true,
                Some("invalid") => false,
                other => panic!("unexpected result {other:?}"),
            };
            let ok =
                check(&field("key"), &field("iv"), &field("aad"), &field("msg"), &field("ct"), &field("tag"), valid);
            assert!(ok, "Wycheproof tcId {} ({})", t["tcId"], t["comment"]);
            run += 1;
        }
    }
    assert!(run >= 50, "expected the 256-bit/96-bit groups, ran {run} cases");
    eprintln!("Wycheproof AES-256-GCM: {run} cases passed");
}
