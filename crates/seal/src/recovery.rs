//! Recovery codes: 150 random bits as 30 Crockford base-32 characters,
//! shown in six groups of five.

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::{Result, SealError};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LEN: usize = 30;

/// A vault's recovery code. Shown once at creation; opens the vault like a
/// password.
pub struct RecoveryCode(SecretString);

impl RecoveryCode {
    pub(crate) fn generate() -> Result<RecoveryCode> {
        let mut raw = Zeroizing::new([0u8; LEN]);
        getrandom::fill(raw.as_mut()).map_err(|_| SealError::Random)?;
        let mut s = String::with_capacity(LEN + 5);
        for (i, b) in raw.iter().enumerate() {
            if i > 0 && i % 5 == 0 {
                s.push('-');
            }
            s.push(ALPHABET[usize::from(b & 31)] as char);
        }
        Ok(RecoveryCode(SecretString::from(s)))
    }

    /// The code as shown to the user, `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode([REDACTED])")
    }
}

/// The canonical bytes a typed code stands for: case, dashes and spaces are
/// ignored and the look-alikes O, I and L read as 0, 1 and 1. `None` when it
/// cannot be a recovery code.
pub(crate) fn normalize(typed: &str) -> Option<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::with_capacity(LEN));
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return None;
        }
        out.push(c as u8);
    }
    (out.len() == LEN).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_normalize_to_thirty_symbols_and_tolerate_typing_variants() {
        let code = RecoveryCode::generate().unwrap();
        let shown = code.expose_secret();
        assert_eq!(shown.len(), 35);
        let canon = normalize(shown).unwrap();
        let typed = shown.to_lowercase().replace('-', " ");
        assert_eq!(normalize(&typed).unwrap(), canon);
        assert!(normalize("too short").is_none());
        assert!(normalize(&format!("{shown}U")).is_none());
        assert_eq!(
            normalize("O0000-00000-00000-00000-00000-0000I").unwrap().as_slice(),
            b"000000000000000000000000000001"
        );
    }

    #[test]
    fn debug_does_not_print_the_code() {
        let code = RecoveryCode::generate().unwrap();
        assert!(!format!("{code:?}").contains(&code.expose_secret()[..5]));
    }
}
