//! Argon2id: passwords and recovery codes to key-encryption keys.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use zeroize::Zeroizing;

use crate::secret::Key256;
use crate::{Result, SealError};

/// Argon2id cost parameters, stored in each slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// The floor for real vaults: 64 MiB and 3 passes.
    pub const MINIMUM: KdfParams = KdfParams { m_kib: 64 * 1024, t: 3, p: 1 };
    /// The most memory calibration will ask for (1 GiB).
    pub const MAX_M_KIB: u32 = 1024 * 1024;
    /// The most passes a slot file may ask for (bounds the work a forged
    /// slot file can demand before its tag is checked).
    pub const MAX_T: u32 = 64;
    /// The most lanes a slot file may ask for.
    pub const MAX_P: u32 = 16;

    /// Cheap parameters for tests and benchmarks of other things. A vault
    /// made with them is as weak as its password; never use them for data.
    pub const INSECURE_FAST: KdfParams = KdfParams { m_kib: 64, t: 1, p: 1 };

    /// Checks the parameters are within what this build will compute.
    pub fn validate(&self) -> Result<()> {
        if self.t == 0 || self.t > Self::MAX_T {
            return Err(SealError::InvalidKdfParams(format!("passes {} not in 1..={}", self.t, Self::MAX_T)));
        }
        if self.p == 0 || self.p > Self::MAX_P {
            return Err(SealError::InvalidKdfParams(format!("lanes {} not in 1..={}", self.p, Self::MAX_P)));
        }
        if self.m_kib < 8 * self.p || self.m_kib > Self::MAX_M_KIB {
            return Err(SealError::InvalidKdfParams(format!(
                "memory {} KiB not in {}..={} KiB",
                self.m_kib,
                8 * self.p,
                Self::MAX_M_KIB
            )));
        }
        Ok(())
    }

    /// Whether these parameters meet the floor for real vaults.
    pub fn meets_minimum(&self) -> bool {
        self.m_kib >= Self::MINIMUM.m_kib && self.t >= Self::MINIMUM.t
    }

    /// Chooses parameters for this machine: at least [`Self::MINIMUM`],
    /// with memory raised until one derivation takes about `target`.
    pub fn calibrate(target: Duration) -> Result<KdfParams> {
        let mut params = Self::MINIMUM;
        let salt = [0u8; 16];
        for _ in 0..4 {
            let start = Instant::now();
            derive_kek(b"calibration", &salt, &params)?;
            let took = start.elapsed();
            if took >= target.mul_f64(0.8) || params.m_kib >= Self::MAX_M_KIB {
                break;
            }
            let scale = (target.as_secs_f64() / took.as_secs_f64().max(1e-3)).min(8.0);
            let m = (f64::from(params.m_kib) * scale) as u64;
            params.m_kib = m.clamp(u64::from(Self::MINIMUM.m_kib), u64::from(Self::MAX_M_KIB)) as u32;
        }
        Ok(params)
    }
}

/// Argon2id v1.3 with optional secret and associated data, into `out`.
pub(crate) fn argon2id(
    params: &KdfParams,
    password: &[u8],
    salt: &[u8],
    secret: Option<&[u8]>,
    ad: &[u8],
    out: &mut [u8],
) -> Result<()> {
    params.validate()?;
    let mut builder = argon2::ParamsBuilder::new();
    builder.m_cost(params.m_kib).t_cost(params.t).p_cost(params.p).output_len(out.len());
    if !ad.is_empty() {
        builder.data(argon2::AssociatedData::new(ad).map_err(|e| SealError::InvalidKdfParams(e.to_string()))?);
    }
    let p: Params = builder.build().map_err(|e| SealError::InvalidKdfParams(e.to_string()))?;
    let ctx = match secret {
        Some(s) => Argon2::new_with_secret(s, Algorithm::Argon2id, Version::V0x13, p)
            .map_err(|e| SealError::InvalidKdfParams(e.to_string()))?,
        None => Argon2::new(Algorithm::Argon2id, Version::V0x13, p),
    };
    ctx.hash_password_into(password, salt, out)
        .map_err(|e| SealError::InvalidKdfParams(e.to_string()))
}

/// The key-encryption key of one slot.
pub(crate) fn derive_kek(secret: &[u8], salt: &[u8; 16], params: &KdfParams) -> Result<Key256> {
    let mut out = Zeroizing::new([0u8; 32]);
    argon2id(params, secret, salt, None, &[], out.as_mut())?;
    Ok(Key256::from_bytes(*out))
}
