//! Small pieces every export format uses: counting what is written, the
//! error a failed write becomes, random identifiers.

use std::io::Write;

use crate::{CoreError, Result};

/// Counts the bytes that pass through to the writer under it.
pub(crate) struct Counting<'a> {
    inner: &'a mut dyn Write,
    pub(crate) bytes: u64,
}

impl<'a> Counting<'a> {
    pub(crate) fn new(inner: &'a mut dyn Write) -> Counting<'a> {
        Counting { inner, bytes: 0 }
    }
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A failed write of an export (the destination is then incomplete).
pub(crate) fn failed(e: impl Into<std::io::Error>) -> CoreError {
    CoreError::ExportWrite(e.into())
}

/// Writes `bytes`, an export's failure mapped.
pub(crate) fn put(out: &mut dyn Write, bytes: &[u8]) -> Result<()> {
    out.write_all(bytes).map_err(failed)
}

/// A random (version 4) UUID: bundle entries are named by these, and the
/// de-identified export's pseudonyms are these, never derived from a record.
pub(crate) fn random_uuid() -> Result<uuid::Uuid> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| CoreError::Random)?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

/// A `urn:uuid:` name for a bundle entry.
pub(crate) fn urn() -> Result<String> {
    Ok(format!("urn:uuid:{}", random_uuid()?))
}
