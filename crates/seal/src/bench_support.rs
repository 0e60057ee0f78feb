//! The page sealer alone, for benchmarks that compare it with raw AES-GCM.
//! Not part of the supported API.

use rand::rngs::StdRng;

use crate::Result;
use crate::cipher::{PageKeys, SealCounter, nonce_rng};
use crate::secret::Key256;

/// Seals and opens pages exactly as the VFS does, under a random key.
pub struct PageSealer {
    keys: PageKeys,
    rng: StdRng,
}

impl std::fmt::Debug for PageSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageSealer")
    }
}

impl PageSealer {
    /// A sealer with a fresh random key.
    pub fn new() -> Result<PageSealer> {
        let key = Key256::random()?;
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(|_| crate::SealError::Random)?;
        Ok(PageSealer { keys: PageKeys::new(&key, id, SealCounter::new(0, Box::new(|_| Ok(())))), rng: nonce_rng()? })
    }

    /// Seals `plain` (one page, not page 1) into `out`.
    pub fn seal(&mut self, pgno: u32, plain: &[u8], out: &mut [u8]) -> Result<()> {
        self.keys.seal_page(pgno, plain, out, &mut self.rng).map(|_| ())
    }

    /// Opens a sealed page in place; `false` if it fails authentication.
    pub fn open(&self, pgno: u32, buf: &mut [u8]) -> bool {
        self.keys.open_page(pgno, buf).is_ok()
    }
}
