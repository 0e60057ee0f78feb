use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use super::*;

/// RFC 6238 Appendix B: the SHA-1 seed and (time, 8-digit code) pairs. A
/// 6-digit code is the same value mod 10^6: its last six digits.
const RFC_SEED: &[u8; 20] = b"12345678901234567890";
const RFC_SHA1: &[(i64, &str)] = &[
    (59, "94287082"),
    (1_111_111_109, "07081804"),
    (1_111_111_111, "14050471"),
    (1_234_567_890, "89005924"),
    (2_000_000_000, "69279037"),
    (20_000_000_000, "65353130"),
];

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

fn rfc_secret() -> TotpSecret {
    TotpSecret::from_bytes(RFC_SEED).unwrap()
}

fn assert_known_answer(secret: &TotpSecret, time: i64, eight_digits: &str) {
    let six = &eight_digits[eight_digits.len() - 6..];
    assert_eq!(code_at(secret, at(time)).as_str(), six, "generated at {time}");
    assert_eq!(check(secret, six, at(time), None), Ok(time / 30), "checked at {time}");
}

#[test]
fn rfc6238_appendix_b_sha1_vectors() {
    let secret = rfc_secret();
    for (time, code) in RFC_SHA1 {
        assert_known_answer(&secret, *time, code);
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn rfc6238_sha1_vectors_from_shared_testdata() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/vectors/rfc6238_totp.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: ../shared/testdata not present");
        return;
    };
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let secret = TotpSecret::from_bytes(&hex(doc["seeds"]["SHA1"].as_str().unwrap())).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(!vectors.is_empty());
    for v in vectors {
        assert_known_answer(&secret, v["time"].as_i64().unwrap(), v["SHA1"].as_str().unwrap());
    }
}

/// Mid-step, with the codes of steps -2..=2 around it (checked distinct, so
/// no test below passes by a coincidence of codes).
fn window() -> (TotpSecret, DateTime<Utc>, i64, Vec<String>) {
    let secret = rfc_secret();
    let now = at(1_700_000_015);
    let step = step_of(now);
    let codes: Vec<String> = (-2..=2).map(|d| code_at(&secret, now + Duration::seconds(30 * d)).to_string()).collect();
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 5);
    (secret, now, step, codes)
}

#[test]
fn the_current_step_and_one_either_side_are_accepted_two_away_are_not() {
    let (secret, now, step, codes) = window();
    assert_eq!(check(&secret, &codes[0], now, None), Err(TotpError::Wrong));
    assert_eq!(check(&secret, &codes[1], now, None), Ok(step - 1));
    assert_eq!(check(&secret, &codes[2], now, None), Ok(step));
    assert_eq!(check(&secret, &codes[3], now, None), Ok(step + 1));
    assert_eq!(check(&secret, &codes[4], now, None), Err(TotpError::Wrong));
    // At the edges of the step, the window moves with it.
    let first_second = at(step * 30);
    let last_second = at(step * 30 + 29);
    assert_eq!(check(&secret, &codes[1], first_second, None), Ok(step - 1));
    assert_eq!(check(&secret, &codes[1], last_second, None), Ok(step - 1));
    assert_eq!(check(&secret, &codes[1], at(step * 30 + 30), None), Err(TotpError::Wrong));
}

#[test]
fn a_code_is_never_accepted_twice() {
    let (secret, now, step, codes) = window();
    // The same code twice, within its window.
    let accepted = check(&secret, &codes[2], now, None).unwrap();
    assert_eq!(check(&secret, &codes[2], now, Some(accepted)), Err(TotpError::Replayed));
    assert_eq!(check(&secret, &codes[2], now + Duration::seconds(20), Some(accepted)), Err(TotpError::Replayed));
    // An older step after a newer one.
    let newer = check(&secret, &codes[3], now, None).unwrap();
    assert_eq!(newer, step + 1);
    assert_eq!(check(&secret, &codes[2], now, Some(newer)), Err(TotpError::Replayed));
    assert_eq!(check(&secret, &codes[1], now, Some(newer)), Err(TotpError::Replayed));
    // A newer step after an older one is fine.
    assert_eq!(check(&secret, &codes[2], now, Some(step - 1)), Ok(step));
    // A wrong code is wrong, whatever was accepted before.
    assert_eq!(check(&secret, &codes[4], now, Some(step)), Err(TotpError::Wrong));
}

#[test]
fn only_six_ascii_digits_are_read_with_spaces_between_groups() {
    let (secret, now, step, codes) = window();
    let code = &codes[2];
    for typed in [
        format!("{} {}", &code[..3], &code[3..]),
        format!("  {code}\n"),
        format!("{} {} {}", &code[..2], &code[2..4], &code[4..]),
    ] {
        assert_eq!(check(&secret, &typed, now, None), Ok(step), "{typed:?}");
    }
    for typed in [
        "",
        "   ",
        &code[..5],
        &format!("{code}0"),
        &format!("{}a{}", &code[..2], &code[3..]),
        &format!("{}-{}", &code[..3], &code[3..]),
        "١٢٣٤٥٦",
        &format!("{}٣{}", &code[..2], &code[3..]),
        "１２３４５６",
        &format!("+{}", &code[1..]),
        "12345678901234567890",
    ] {
        assert_eq!(check(&secret, typed, now, None), Err(TotpError::Format), "{typed:?}");
    }
    assert_eq!(TotpError::Format.to_string(), "the code is 6 digits");
    // Right format, wrong code: told apart from a format error.
    let wrong = if code == "000000" { "000001" } else { "000000" };
    assert_eq!(check(&secret, wrong, now, None), Err(TotpError::Wrong));
    // Every digit counts: one digit off anywhere is wrong.
    for i in 0..6 {
        let mut off = code.clone().into_bytes();
        off[i] = b'0' + (off[i] - b'0' + 1) % 10;
        let off = String::from_utf8(off).unwrap();
        assert!(!codes.contains(&off));
        assert_eq!(check(&secret, &off, now, None), Err(TotpError::Wrong), "{off}");
    }
}

#[test]
fn secrets_are_random_twenty_bytes_and_not_printed() {
    let a = TotpSecret::generate().unwrap();
    let b = TotpSecret::generate().unwrap();
    assert_ne!(a.expose_secret(), b.expose_secret());
    assert_eq!(TotpSecret::from_bytes(a.expose_secret()).unwrap().expose_secret(), a.expose_secret());
    let shown = format!("{a:?}");
    assert_eq!(shown, "TotpSecret([REDACTED])");
    assert!(matches!(TotpSecret::from_bytes(&[0; 16]), Err(CoreError::TotpSecretLength { found: 16 })));
}

#[test]
fn the_otpauth_uri_parses_back_with_special_characters() {
    let secret = TotpSecret::generate().unwrap();
    let clinic = "Praxis Dr. Müller & Söhne: Kids/Teens #1 ?a=b+c%20";
    let user = "o'brien+night shift@front desk";
    let uri = otpauth_uri(&secret, clinic, user);

    // Structure: one literal colon in the label, only unreserved characters
    // and escapes in its parts, every parameter explicit.
    let rest = uri.strip_prefix("otpauth://totp/").unwrap();
    let (label, query) = rest.split_once('?').unwrap();
    let (issuer_part, account_part) = label.split_once(':').unwrap();
    assert!(!account_part.contains(':'));
    for part in [issuer_part, account_part] {
        assert!(part.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)), "{part}");
    }
    let params: Vec<&str> = query.split('&').collect();
    assert!(params.contains(&"algorithm=SHA1") && params.contains(&"digits=6") && params.contains(&"period=30"));
    assert!(params.contains(&format!("issuer={issuer_part}").as_str()));

    // An independent parser reads the same account back.
    let parsed = totp_rs::Totp::from_url(uri.as_str()).unwrap();
    assert_eq!(parsed.issuer(), Some(clinic.replace(':', "：").as_str()));
    assert_eq!(parsed.account_name(), user);
    assert_eq!(parsed.secret().as_bytes(), secret.expose_secret());
    assert_eq!(parsed.algorithm(), totp_rs::Algorithm::SHA1);
    assert_eq!((parsed.digits(), parsed.step(), parsed.skew()), (6, 30, 1));
    let now = at(1_700_000_000);
    assert_eq!(parsed.generate(1_700_000_000).to_string(), code_at(&secret, now).as_str());

    // The base-32 secret, RFC 4648 without padding.
    let rfc = otpauth_uri(&rfc_secret(), "Clinic", "amy");
    assert_eq!(
        rfc.as_str(),
        "otpauth://totp/Clinic:amy?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Clinic&algorithm=SHA1&digits=6&period=30"
    );
    // Without an issuer, no empty one.
    let bare = otpauth_uri(&rfc_secret(), "", "amy");
    assert!(bare.starts_with("otpauth://totp/amy?") && !bare.contains("issuer"));
}

/// Light (`true`) or dark, per row, of the two rows a half-block cell draws.
fn halves(c: char) -> (bool, bool) {
    match c {
        '█' => (true, true),
        '▀' => (true, false),
        '▄' => (false, true),
        ' ' => (false, false),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn the_terminal_qr_code_draws_light_modules_with_a_quiet_zone() {
    let uri = otpauth_uri(&rfc_secret(), "Riverside Clinic", "amy");
    let text = qr_for_terminal(&uri).unwrap();
    let code = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M).unwrap();
    let n = code.width();
    let colors = code.to_colors();
    let side = n + 8;
    let light = |x: usize, y: usize| {
        x < 4 || y < 4 || x >= n + 4 || y >= n + 4 || colors[(y - 4) * n + (x - 4)] == qrcode::Color::Light
    };
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), side.div_ceil(2));
    for (row, line) in lines.iter().enumerate() {
        assert_eq!(line.chars().count(), side, "line {row}");
        for (x, c) in line.chars().enumerate() {
            let (top, bottom) = halves(c);
            assert_eq!(top, light(x, 2 * row), "({x}, {})", 2 * row);
            if 2 * row + 1 < side {
                assert_eq!(bottom, light(x, 2 * row + 1), "({x}, {})", 2 * row + 1);
            }
        }
    }
}

#[test]
fn the_svg_qr_code_is_a_document_and_an_overlong_uri_is_an_error() {
    let uri = otpauth_uri(&rfc_secret(), "Riverside Clinic", "amy");
    let svg = qr_svg(&uri).unwrap();
    assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("fill=\"#000\"") && svg.contains("fill=\"#fff\""));
    let too_long = "x".repeat(5000);
    assert!(matches!(qr_svg(&too_long), Err(CoreError::QrCode(_))));
    assert!(matches!(qr_for_terminal(&too_long), Err(CoreError::QrCode(_))));
}
