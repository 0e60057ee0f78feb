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

    /// Checks parameters for a new slot: within what this build computes,
    /// and at least [`Self::MINIMUM`]. Only a build with the test-only
    /// feature `insecure-test-kdf` accepts less (for test suites, which
    /// would otherwise spend most of their time in Argon2id).
    pub fn validate_for_new_slot(&self) -> Result<()> {
        self.check_floor(cfg!(feature = "insecure-test-kdf"))
    }

    fn check_floor(&self, allow_below: bool) -> Result<()> {
        self.validate()?;
        if !self.meets_minimum() && !allow_below {
            return Err(SealError::InvalidKdfParams(format!(
                "{} KiB and {} passes are below the floor of {} KiB and {} passes",
                self.m_kib,
                self.t,
                Self::MINIMUM.m_kib,
                Self::MINIMUM.t
            )));
        }
        Ok(())
    }

    /// Whether these parameters meet the floor for real vaults.
    pub fn meets_minimum(&self) -> bool {
        self.m_kib >= Self::MINIMUM.m_kib && self.t >= Self::MINIMUM.t
    }

    /// The parameters a new slot gets: `chosen` if it passes the floor for
    /// new slots, or calibrated on this machine to about 0.75 s.
    pub(crate) fn for_new_slot(chosen: Option<KdfParams>) -> Result<KdfParams> {
        match chosen {
            Some(k) => {
                k.validate_for_new_slot()?;
                Ok(k)
            }
            None => KdfParams::calibrate(Duration::from_millis(750)),
        }
    }

    /// Chooses parameters for this machine: at least [`Self::MINIMUM`],
    /// with memory scaled until one derivation takes within 15% of `target`.
    ///
    /// Time grows about linearly with memory, so each measurement rescales
    /// the memory by target / measured; a measurement far over the target
    /// scales it down again rather than being kept.
    pub fn calibrate(target: Duration) -> Result<KdfParams> {
        let mut params = Self::MINIMUM;
        let salt = [0u8; 16];
        for _ in 0..5 {
            let start = Instant::now();
            derive_kek(b"calibration", &salt, &params)?;
            let ratio = target.as_secs_f64() / start.elapsed().as_secs_f64().max(1e-3);
            let m_kib = scaled_memory(params.m_kib, ratio);
            if (0.85..=1.15).contains(&ratio) || m_kib == params.m_kib {
                break;
            }
            params.m_kib = m_kib;
        }
        Ok(params)
    }
}

/// `m_kib` scaled by `ratio` (at most 4x down or 8x up per step), within
/// the floor and [`KdfParams::MAX_M_KIB`].
fn scaled_memory(m_kib: u32, ratio: f64) -> u32 {
    let m = (f64::from(m_kib) * ratio.clamp(0.25, 8.0)) as u64;
    m.clamp(u64::from(KdfParams::MINIMUM.m_kib), u64::from(KdfParams::MAX_M_KIB)) as u32
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
    ctx.hash_password_into(password, salt, out).map_err(|e| SealError::InvalidKdfParams(e.to_string()))
}

/// The key-encryption key of one slot.
pub(crate) fn derive_kek(secret: &[u8], salt: &[u8; 16], params: &KdfParams) -> Result<Key256> {
    #[cfg(test)]
    RUNS.with(|r| r.set(r.get() + 1));
    let mut out = Zeroizing::new([0u8; 32]);
    argon2id(params, secret, salt, None, &[], out.as_mut())?;
    Ok(Key256::from_bytes(*out))
}

#[cfg(test)]
thread_local! {
    /// Argon2id runs on this thread, for tests that count work.
    pub(crate) static RUNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_bytes(s: &str) -> Vec<u8> {
        s.split_whitespace().map(|b| u8::from_str_radix(b, 16).expect("hex")).collect()
    }

    /// The reference KAT's inputs, also RFC 9106 section 5.3.
    fn rfc9106(params: &KdfParams) -> Vec<u8> {
        let mut out = vec![0u8; 32];
        argon2id(params, &[1u8; 32], &[2u8; 16], Some(&[3u8; 8]), &[4u8; 12], &mut out).unwrap();
        out
    }

    #[test]
    fn argon2id_rfc9106_vector_always_runs() {
        let p = KdfParams { m_kib: 32, t: 3, p: 4 };
        let expect = hex_bytes(
            "0d 64 0d f5 8d 78 76 6c 08 c0 37 a3 4a 8b 53 c9 d0 1e f0 45 2d 75 b6 5e b5 25 20 e9 6b 01 e6 59",
        );
        assert_eq!(rfc9106(&p), expect);
    }

    #[test]
    fn argon2id_reference_kat_from_shared_testdata() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/vectors/argon2id_kat.txt");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("skipping Argon2id reference KAT: {} not found (the RFC 9106 vector still runs)", path.display());
            return;
        };
        let grab = |prefix: &str| -> String {
            let line = text.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix} line"));
            line.split_once(':').expect("colon").1.trim().to_owned()
        };
        // "Memory: 32 KiB, Iterations: 3, Parallelism: 4 lanes, Tag length: 32 bytes"
        let line = text.lines().find(|l| l.starts_with("Memory:")).expect("parameter line");
        let nums: Vec<u32> = line
            .split(',')
            .map(|part| part.split_whitespace().find_map(|w| w.parse().ok()).expect("a number per field"))
            .collect();
        let params = KdfParams { m_kib: nums[0], t: nums[1], p: nums[2] };
        let tag = hex_bytes(&text.lines().rev().find(|l| l.starts_with("Tag:")).unwrap()[4..]);
        let mut out = vec![0u8; tag.len()];
        argon2id(
            &params,
            &hex_bytes(&grab("Password[")),
            &hex_bytes(&grab("Salt[")),
            Some(&hex_bytes(&grab("Secret["))),
            &hex_bytes(&grab("Associated data[")),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, tag, "Argon2id KAT with {params:?}");
    }

    #[test]
    fn calibration_meets_the_floor() {
        let p = KdfParams::calibrate(Duration::from_millis(50)).unwrap();
        assert!(p.meets_minimum(), "{p:?}");
        assert!(!KdfParams::INSECURE_FAST.meets_minimum());
        // Without the test-only feature, new slots are held to the floor.
        for weak in [
            KdfParams::INSECURE_FAST,
            KdfParams { m_kib: 32 * 1024, t: 3, p: 1 },
            KdfParams { t: 2, ..KdfParams::MINIMUM },
        ] {
            let e = weak.check_floor(false).unwrap_err();
            assert!(e.to_string().contains("below the floor"), "{e}");
        }
        KdfParams::MINIMUM.check_floor(false).unwrap();
    }

    #[test]
    fn calibration_scales_memory_both_ways_within_bounds() {
        let floor = KdfParams::MINIMUM.m_kib;
        assert_eq!(scaled_memory(floor, 3.0), 3 * floor);
        assert_eq!(scaled_memory(floor, 100.0), 8 * floor, "one step grows at most 8x");
        assert_eq!(scaled_memory(4 * floor, 0.5), 2 * floor, "an overshoot scales memory down");
        assert_eq!(scaled_memory(2 * floor, 0.1), floor, "never below the floor");
        assert_eq!(scaled_memory(KdfParams::MAX_M_KIB, 2.0), KdfParams::MAX_M_KIB);
    }

    #[test]
    fn out_of_range_parameters_are_refused() {
        for p in [
            KdfParams { m_kib: 64, t: 0, p: 1 },
            KdfParams { m_kib: 4, t: 1, p: 1 },
            KdfParams { m_kib: 64, t: 1, p: 99 },
        ] {
            assert!(matches!(p.validate(), Err(SealError::InvalidKdfParams(_))), "{p:?}");
        }
    }
}
