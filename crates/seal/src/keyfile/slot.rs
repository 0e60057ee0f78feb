//! One key slot: a password or recovery code, stretched by Argon2id into a
//! key-encryption key (KEK), which wraps either the slot's X25519 private
//! key together with the vault secret (form 1) or, in a slot carried over
//! from a version-1 file, the vault key itself (form 0, "legacy").

use hpke::{Kem as _, Serializable};
use zeroize::Zeroizing;

use super::codec::{Reader, Wrapped, put_name};
use super::vault_secret::VaultSecret;
use super::{HpkeKem, kind_byte, kind_from_byte};
use crate::cipher::VAULT_ID_LEN;
use crate::kdf::{KdfParams, derive_kek};
use crate::secret::Key256;
use crate::slots::{SlotKind, check_name};
use crate::{Result, SealError};

const FORM_LEGACY: u8 = 0;
const FORM_KEY_PAIR: u8 = 1;

/// What a slot's KEK unwraps.
#[derive(Clone, PartialEq, Eq)]
enum Form {
    /// An X25519 key pair; the private key is wrapped together with the
    /// vault secret (private key [32] | vault secret [32]), the public key
    /// is not.
    KeyPair { public: [u8; 32], private: Wrapped<64> },
    /// A version-1 slot: the vault key wrapped directly.
    Legacy { vault_key: Wrapped },
}

/// One key slot.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) name: String,
    pub(crate) kind: SlotKind,
    pub(crate) kdf: KdfParams,
    salt: [u8; 16],
    form: Form,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("kdf", &self.kdf)
            .field("legacy", &self.is_legacy())
            .finish_non_exhaustive()
    }
}

/// What one Argon2id run over a slot's secret yields; every part is
/// zeroized on drop.
pub(crate) enum UnlockedSlot {
    /// A key-pair slot's X25519 private key, which with the vault secret
    /// opens the vault key sealed to this slot in each generation.
    KeyPair { private: Key256, vault_secret: VaultSecret },
    /// A legacy slot's vault key, and the vault secret derived from it
    /// ([`VaultSecret::from_v1_vault_key`]).
    Legacy { vault_key: Key256, vault_secret: VaultSecret },
}

impl UnlockedSlot {
    /// The vault's secret, which every slot of the vault unlocks: what a
    /// new or upgraded slot is made with and a new generation is sealed
    /// under.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn vault_secret(&self) -> &VaultSecret {
        match self {
            UnlockedSlot::KeyPair { vault_secret, .. } | UnlockedSlot::Legacy { vault_secret, .. } => vault_secret,
        }
    }

    /// The vault secret, the rest dropped (and wiped).
    pub(crate) fn into_vault_secret(self) -> VaultSecret {
        match self {
            UnlockedSlot::KeyPair { vault_secret, .. } | UnlockedSlot::Legacy { vault_secret, .. } => vault_secret,
        }
    }
}

impl std::fmt::Debug for UnlockedSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UnlockedSlot::KeyPair { .. } => "UnlockedSlot::KeyPair(..)",
            UnlockedSlot::Legacy { .. } => "UnlockedSlot::Legacy(..)",
        })
    }
}

/// The associated data both forms start with: label | vault id | kind |
/// name len | name | m KiB | t | p | salt. With the label "CVSL" and
/// nothing after, it is exactly what version 1 bound to its slots; key-pair
/// slots use "CVS2" and append the public key.
fn slot_ad(
    label: &[u8; 4],
    vault_id: &[u8; VAULT_ID_LEN],
    name: &str,
    kind: SlotKind,
    kdf: &KdfParams,
    salt: &[u8; 16],
) -> Vec<u8> {
    let mut ad = Vec::with_capacity(4 + 16 + 2 + name.len() + 12 + 16 + 32);
    ad.extend_from_slice(label);
    ad.extend_from_slice(vault_id);
    ad.push(kind_byte(kind));
    put_name(&mut ad, name);
    put_kdf(&mut ad, kdf);
    ad.extend_from_slice(salt);
    ad
}

fn put_kdf(b: &mut Vec<u8>, kdf: &KdfParams) {
    for v in [kdf.m_kib, kdf.t, kdf.p] {
        b.extend_from_slice(&v.to_be_bytes());
    }
}

impl Slot {
    /// A new key-pair slot opened by `secret`, holding the vault's
    /// `vault_secret`: fresh salt, fresh X25519 key pair, one Argon2id run.
    /// Its vault key seals must be made under the same `vault_secret`.
    pub(crate) fn new(
        vault_id: &[u8; VAULT_ID_LEN],
        name: &str,
        kind: SlotKind,
        kdf: KdfParams,
        secret: &[u8],
        vault_secret: &VaultSecret,
    ) -> Result<Slot> {
        check_name(name)?;
        kdf.validate()?;
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|_| SealError::Random)?;
        // RFC 9180's DeriveKeyPair over 32 fresh random bytes, which is how
        // `Kem::gen_keypair` works, but with an RNG failure reported.
        let mut ikm = Zeroizing::new([0u8; 32]);
        getrandom::fill(ikm.as_mut()).map_err(|_| SealError::Random)?;
        let (sk, pk) = HpkeKem::derive_keypair(ikm.as_ref());
        // private key [32] | vault secret [32]
        let mut blob = Zeroizing::new([0u8; 64]);
        sk.write_exact(&mut blob[..32]);
        blob[32..].copy_from_slice(vault_secret.expose_secret());
        let mut public = [0u8; 32];
        pk.write_exact(&mut public);
        let kek = derive_kek(secret, &salt, &kdf)?;
        let mut ad = slot_ad(b"CVS2", vault_id, name, kind, &kdf, &salt);
        ad.extend_from_slice(&public);
        let private = Wrapped::seal(&kek, &ad, &blob)?;
        Ok(Slot { name: name.to_owned(), kind, kdf, salt, form: Form::KeyPair { public, private } })
    }

    /// A legacy slot as read from a version-1 file.
    pub(super) fn legacy(name: String, kind: SlotKind, kdf: KdfParams, salt: [u8; 16], vault_key: Wrapped) -> Slot {
        Slot { name, kind, kdf, salt, form: Form::Legacy { vault_key } }
    }

    /// Whether this slot wraps the vault key directly (from a version-1
    /// file) rather than holding a key pair.
    pub(crate) fn is_legacy(&self) -> bool {
        matches!(self.form, Form::Legacy { .. })
    }

    /// The slot's X25519 public key; `None` for a legacy slot.
    pub(crate) fn public_key(&self) -> Option<&[u8; 32]> {
        match &self.form {
            Form::KeyPair { public, .. } => Some(public),
            Form::Legacy { .. } => None,
        }
    }

    /// Runs Argon2id over `secret` once and unwraps what the slot holds,
    /// with the vault secret (a legacy slot's derived from its vault key);
    /// [`SealError::WrongPassword`] if it does not open.
    pub(crate) fn unlock(&self, vault_id: &[u8; VAULT_ID_LEN], secret: &[u8]) -> Result<UnlockedSlot> {
        let kek = derive_kek(secret, &self.salt, &self.kdf)?;
        let mut ad = slot_ad(b"CVSL", vault_id, &self.name, self.kind, &self.kdf, &self.salt);
        match &self.form {
            Form::KeyPair { public, private } => {
                ad[..4].copy_from_slice(b"CVS2");
                ad.extend_from_slice(public);
                let blob = private.open(&kek, &ad).ok_or(SealError::WrongPassword)?;
                let (mut sk, mut vs) = (Zeroizing::new([0u8; 32]), Zeroizing::new([0u8; 32]));
                sk.copy_from_slice(&blob[..32]);
                vs.copy_from_slice(&blob[32..]);
                Ok(UnlockedSlot::KeyPair {
                    private: Key256::from_bytes(*sk),
                    vault_secret: VaultSecret::from_bytes(*vs),
                })
            }
            Form::Legacy { vault_key } => {
                let vault_key = vault_key.open_key(&kek, &ad).ok_or(SealError::WrongPassword)?;
                let vault_secret = VaultSecret::from_v1_vault_key(&vault_key, vault_id);
                Ok(UnlockedSlot::Legacy { vault_key, vault_secret })
            }
        }
    }

    pub(super) fn put(&self, b: &mut Vec<u8>) {
        put_name(b, &self.name);
        b.push(kind_byte(self.kind));
        put_kdf(b, &self.kdf);
        b.extend_from_slice(&self.salt);
        match &self.form {
            Form::KeyPair { public, private } => {
                b.push(FORM_KEY_PAIR);
                b.extend_from_slice(public);
                private.put(b);
            }
            Form::Legacy { vault_key } => {
                b.push(FORM_LEGACY);
                vault_key.put(b);
            }
        }
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Option<Slot> {
        let name = r.name()?;
        let kind = kind_from_byte(r.u8()?)?;
        let kdf = KdfParams { m_kib: r.u32()?, t: r.u32()?, p: r.u32()? };
        kdf.validate().ok()?;
        let salt = r.array()?;
        let form = match r.u8()? {
            FORM_KEY_PAIR => Form::KeyPair { public: r.array()?, private: Wrapped::read(r)? },
            FORM_LEGACY => Form::Legacy { vault_key: Wrapped::read(r)? },
            _ => return None,
        };
        Some(Slot { name, kind, kdf, salt, form })
    }
}
