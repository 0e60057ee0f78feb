//! TOTP codes for the enrolment and login screens, computed as the app
//! checks them (`chartvault-core`'s RFC 6238).

use chartvault_core::auth::totp::{TotpSecret, code_at};
use chrono::{DateTime, Utc};

/// The code an authenticator app shows at `at` for `base32_secret`, the
/// secret as the enrolment screen shows it (RFC 4648 base 32; case, spaces
/// and `=` padding do not matter).
pub fn totp_code(base32_secret: &str, at: DateTime<Utc>) -> String {
    let cleaned: String =
        base32_secret.chars().filter(|c| !c.is_whitespace() && *c != '=').map(|c| c.to_ascii_uppercase()).collect();
    let bytes = data_encoding::BASE32_NOPAD
        .decode(cleaned.as_bytes())
        .unwrap_or_else(|e| panic!("not a base-32 TOTP secret ({e}): {base32_secret:?}"));
    let secret = TotpSecret::from_bytes(&bytes)
        .unwrap_or_else(|e| panic!("not a TOTP secret the app makes ({} bytes): {e}", bytes.len()));
    code_at(&secret, at).to_string()
}

/// The code an authenticator app shows now.
pub fn totp_code_now(base32_secret: &str) -> String {
    totp_code(base32_secret, Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1: the secret "12345678901234567890" at
    /// T = 59 s gives 94287082, of which an authenticator shows the last
    /// six digits.
    #[test]
    fn rfc_6238_vector() {
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        let at = DateTime::from_timestamp(59, 0).expect("a valid time");
        assert_eq!(totp_code(secret, at), "287082");
        assert_eq!(totp_code("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", at), "287082");
        let at = DateTime::from_timestamp(1_111_111_109, 0).expect("a valid time");
        assert_eq!(totp_code(secret, at), "081804");
    }
}
