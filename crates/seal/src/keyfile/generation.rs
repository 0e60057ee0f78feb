//! One generation of keys: a data key wrapped under this generation's vault
//! key, and that vault key sealed with HPKE in PSK mode (the pre-shared key
//! being the vault secret) to each key-pair slot.
//!
//! Rotating the vault key is making a new generation: it needs the slots'
//! public keys and the vault secret, never their passwords.

use hpke::inout::InOutBuf;
use hpke::{Deserializable, OpModeR, OpModeS, PskBundle, Serializable};
use zeroize::Zeroizing;

use super::codec::{Reader, Wrapped, put_name};
use super::slot::{Slot, UnlockedSlot};
use super::vault_secret::{VaultSecret, psk_id};
use super::{HpkeAead, HpkeKdf, HpkeKem, MAX_SLOTS, kind_byte};
use crate::cipher::VAULT_ID_LEN;
use crate::secret::Key256;
use crate::{Result, SealError};

type PublicKey = <HpkeKem as hpke::Kem>::PublicKey;
type PrivateKey = <HpkeKem as hpke::Kem>::PrivateKey;
type EncappedKey = <HpkeKem as hpke::Kem>::EncappedKey;
type AeadTag = hpke::aead::AeadTag<HpkeAead>;

/// The vault key sealed to one slot: HPKE encapsulated key [32] |
/// ciphertext [32] | tag [16].
#[derive(Clone, PartialEq, Eq)]
struct Seal {
    name: String,
    enc: [u8; 32],
    ct: [u8; 32],
    tag: [u8; 16],
}

/// The keys of one epoch.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Generation {
    pub(crate) epoch: u32,
    data_key: Wrapped,
    seals: Vec<Seal>,
}

impl std::fmt::Debug for Generation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generation")
            .field("epoch", &self.epoch)
            .field("sealed_to", &self.sealed_to().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Associated data of a wrapped data key: "CVDK" | vault id | epoch (as in
/// version 1, so its entries carry over unchanged).
fn data_key_ad(vault_id: &[u8; VAULT_ID_LEN], epoch: u32) -> [u8; 24] {
    let mut ad = [0u8; 24];
    ad[..4].copy_from_slice(b"CVDK");
    ad[4..20].copy_from_slice(vault_id);
    ad[20..].copy_from_slice(&epoch.to_be_bytes());
    ad
}

/// HPKE `info`: "chartvault vault key v2" | vault id | epoch.
fn hpke_info(vault_id: &[u8; VAULT_ID_LEN], epoch: u32) -> Vec<u8> {
    let mut info = b"chartvault vault key v2".to_vec();
    info.extend_from_slice(vault_id);
    info.extend_from_slice(&epoch.to_be_bytes());
    info
}

/// HPKE `aad`: kind | name len | name | public key of the slot sealed to.
fn hpke_aad(slot: &Slot, public: &[u8; 32]) -> Vec<u8> {
    let mut aad = vec![kind_byte(slot.kind)];
    put_name(&mut aad, &slot.name);
    aad.extend_from_slice(public);
    aad
}

impl Generation {
    /// A generation whose `vault_key` wraps `data_key` and is sealed, under
    /// the vault's `vault_secret`, to every slot of `slots`. Refuses
    /// ([`SealError::LegacySlots`]) while any of them is a legacy slot,
    /// which could not receive the new vault key, and refuses an empty list
    /// ([`SealError::LastSlot`]). A rotation passes the vault's one secret,
    /// the one its slots hold: no other would open.
    pub(crate) fn new(
        vault_id: &[u8; VAULT_ID_LEN],
        epoch: u32,
        vault_key: &Key256,
        data_key: &Key256,
        vault_secret: &VaultSecret,
        slots: &[Slot],
    ) -> Result<Generation> {
        let legacy: Vec<String> = slots.iter().filter(|s| s.is_legacy()).map(|s| s.name.clone()).collect();
        if !legacy.is_empty() {
            return Err(SealError::LegacySlots(legacy));
        }
        if slots.is_empty() {
            return Err(SealError::LastSlot);
        }
        Self::renewed(vault_id, epoch, vault_key, data_key, vault_secret, slots)
    }

    /// A generation under the same vault key as the current one, for a
    /// rekey that keeps it: sealed afresh to every key-pair slot (a seal
    /// binds its epoch); a legacy slot, which holds that very vault key,
    /// needs no seal and opens it as it opens the current one.
    pub(crate) fn renewed(
        vault_id: &[u8; VAULT_ID_LEN],
        epoch: u32,
        vault_key: &Key256,
        data_key: &Key256,
        vault_secret: &VaultSecret,
        slots: &[Slot],
    ) -> Result<Generation> {
        let keyed: Vec<Slot> = slots.iter().filter(|s| !s.is_legacy()).cloned().collect();
        let id = psk_id(vault_id);
        Self::sealed_in(&psk_mode(vault_secret, &id), vault_id, epoch, vault_key, data_key, &keyed)
    }

    fn sealed_in(
        mode: &OpModeS<'_, HpkeKem>,
        vault_id: &[u8; VAULT_ID_LEN],
        epoch: u32,
        vault_key: &Key256,
        data_key: &Key256,
        slots: &[Slot],
    ) -> Result<Generation> {
        let data_key = Wrapped::seal(vault_key, &data_key_ad(vault_id, epoch), data_key.expose_secret())?;
        let mut g = Generation { epoch, data_key, seals: Vec::with_capacity(slots.len()) };
        for slot in slots {
            g.put_seal(seal(mode, vault_id, epoch, slot, vault_key)?);
        }
        Ok(g)
    }

    /// What someone without the vault secret could make: a generation like
    /// [`Generation::new`]'s, its vault key sealed in HPKE base mode.
    #[cfg(test)]
    pub(super) fn new_base_mode(
        vault_id: &[u8; VAULT_ID_LEN],
        epoch: u32,
        vault_key: &Key256,
        data_key: &Key256,
        slots: &[Slot],
    ) -> Result<Generation> {
        Self::sealed_in(&OpModeS::Base, vault_id, epoch, vault_key, data_key, slots)
    }

    /// A generation read from a version-1 file: its data key, no seals.
    pub(super) fn legacy(epoch: u32, data_key: Wrapped) -> Generation {
        Generation { epoch, data_key, seals: Vec::new() }
    }

    /// This generation's vault key as `slot` (unlocked into `unlocked`)
    /// reaches it: the HPKE seal to a key-pair slot, opened with its private
    /// key and the vault secret, or a legacy slot's own vault key. `None`
    /// unless the key found also unwraps this generation's data key.
    pub(crate) fn vault_key(
        &self,
        vault_id: &[u8; VAULT_ID_LEN],
        slot: &Slot,
        unlocked: &UnlockedSlot,
    ) -> Option<Key256> {
        let key = match (slot.public_key(), unlocked) {
            (Some(public), UnlockedSlot::KeyPair { private, vault_secret }) => {
                let seal = self.seals.iter().find(|s| s.name == slot.name)?;
                open(vault_id, self.epoch, slot, public, private, vault_secret, seal)?
            }
            (None, UnlockedSlot::Legacy { vault_key, .. }) => Key256::from_bytes(*vault_key.expose_secret()),
            _ => return None,
        };
        self.data_key(vault_id, &key).ok()?;
        Some(key)
    }

    /// Unwraps this generation's data key; [`SealError::VaultKeyMismatch`]
    /// if `vault_key` is not this generation's.
    pub(crate) fn data_key(&self, vault_id: &[u8; VAULT_ID_LEN], vault_key: &Key256) -> Result<Key256> {
        self.data_key
            .open_key(vault_key, &data_key_ad(vault_id, self.epoch))
            .ok_or(SealError::VaultKeyMismatch { epoch: self.epoch })
    }

    /// Seals this generation's `vault_key` to `slot` under `vault_secret`,
    /// replacing any seal of that name (a new user, a changed password).
    /// The key must be this generation's ([`SealError::VaultKeyMismatch`]);
    /// a legacy slot cannot receive it ([`SealError::LegacySlots`]). The
    /// secret is not checked here: the seal opens only if it is the one
    /// `slot` holds.
    pub(crate) fn seal_for(
        &mut self,
        vault_id: &[u8; VAULT_ID_LEN],
        slot: &Slot,
        vault_key: &Key256,
        vault_secret: &VaultSecret,
    ) -> Result<()> {
        self.data_key(vault_id, vault_key)?;
        let id = psk_id(vault_id);
        let s = seal(&psk_mode(vault_secret, &id), vault_id, self.epoch, slot, vault_key)?;
        self.put_seal(s);
        Ok(())
    }

    /// Removes the seal to the slot `name`; whether there was one.
    pub(crate) fn remove_seal(&mut self, name: &str) -> bool {
        let before = self.seals.len();
        self.seals.retain(|s| s.name != name);
        self.seals.len() != before
    }

    /// The names of the slots this generation's vault key is sealed to.
    pub(crate) fn sealed_to(&self) -> impl Iterator<Item = &str> {
        self.seals.iter().map(|s| s.name.as_str())
    }

    fn put_seal(&mut self, seal: Seal) {
        match self.seals.iter_mut().find(|s| s.name == seal.name) {
            Some(old) => *old = seal,
            None => self.seals.push(seal),
        }
    }

    /// Appends the generation, with only the seals `keep` accepts.
    pub(super) fn put(&self, b: &mut Vec<u8>, keep: impl Fn(&str) -> bool) {
        b.extend_from_slice(&self.epoch.to_be_bytes());
        self.data_key.put(b);
        let seals: Vec<&Seal> = self.seals.iter().filter(|s| keep(&s.name)).collect();
        b.extend_from_slice(&(seals.len() as u16).to_be_bytes());
        for s in seals {
            put_name(b, &s.name);
            b.extend_from_slice(&s.enc);
            b.extend_from_slice(&s.ct);
            b.extend_from_slice(&s.tag);
        }
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Option<Generation> {
        let epoch = r.u32()?;
        let data_key = Wrapped::read(r)?;
        let n = r.u16()? as usize;
        if n > MAX_SLOTS {
            return None;
        }
        let mut seals: Vec<Seal> = Vec::with_capacity(n);
        for _ in 0..n {
            let s = Seal { name: r.name()?, enc: r.array()?, ct: r.array()?, tag: r.array()? };
            if seals.iter().any(|t| t.name == s.name) {
                return None;
            }
            seals.push(s);
        }
        Some(Generation { epoch, data_key, seals })
    }
}

/// HPKE PSK mode with the vault secret as the PSK and `psk_id` (from
/// [`psk_id`]) as its id.
fn psk_bundle<'a>(vault_secret: &'a VaultSecret, psk_id: &'a [u8]) -> PskBundle<'a> {
    PskBundle::new(vault_secret.expose_secret(), psk_id).expect("a 32-byte PSK and a non-empty PSK id")
}

fn psk_mode<'a>(vault_secret: &'a VaultSecret, psk_id: &'a [u8]) -> OpModeS<'a, HpkeKem> {
    OpModeS::Psk(psk_bundle(vault_secret, psk_id))
}

/// HPKE single shot in `mode` (PSK, but for a test's forgery): the 32-byte
/// vault key to `slot`'s public key.
fn seal(
    mode: &OpModeS<'_, HpkeKem>,
    vault_id: &[u8; VAULT_ID_LEN],
    epoch: u32,
    slot: &Slot,
    vault_key: &Key256,
) -> Result<Seal> {
    let public = slot.public_key().ok_or_else(|| SealError::LegacySlots(vec![slot.name.clone()]))?;
    let bad_key = || SealError::BadSlotKey(slot.name.clone());
    let pk = PublicKey::from_bytes(public).map_err(|_| bad_key())?;
    let mut rng = crate::cipher::nonce_rng()?;
    let mut ct = [0u8; 32];
    let buf = InOutBuf::new(vault_key.expose_secret(), &mut ct).expect("equal lengths");
    let (enc, tag) = hpke::single_shot_seal_inout_detached_with_rng::<HpkeAead, HpkeKdf, HpkeKem>(
        mode,
        &pk,
        &hpke_info(vault_id, epoch),
        buf,
        &hpke_aad(slot, public),
        &mut rng,
    )
    // Only an all-zero Diffie-Hellman result (a low-order public key) fails.
    .map_err(|_| bad_key())?;
    let mut s = Seal { name: slot.name.clone(), enc: [0; 32], ct, tag: [0; 16] };
    enc.write_exact(&mut s.enc);
    tag.write_exact(&mut s.tag);
    Ok(s)
}

/// Opens `seal` with the slot's private key, in PSK mode under the vault
/// secret.
fn open(
    vault_id: &[u8; VAULT_ID_LEN],
    epoch: u32,
    slot: &Slot,
    public: &[u8; 32],
    private: &Key256,
    vault_secret: &VaultSecret,
    seal: &Seal,
) -> Option<Key256> {
    let sk = PrivateKey::from_bytes(private.expose_secret()).ok()?;
    let enc = EncappedKey::from_bytes(&seal.enc).ok()?;
    let tag = AeadTag::from_bytes(&seal.tag).ok()?;
    let mut out = Zeroizing::new(seal.ct);
    let id = psk_id(vault_id);
    hpke::single_shot_open_inout_detached::<HpkeAead, HpkeKdf, HpkeKem>(
        &OpModeR::Psk(psk_bundle(vault_secret, &id)),
        &sk,
        &enc,
        &hpke_info(vault_id, epoch),
        out.as_mut_slice().into(),
        &hpke_aad(slot, public),
        &tag,
    )
    .ok()?;
    Some(Key256::from_bytes(*out))
}
