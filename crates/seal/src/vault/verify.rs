//! Verify: authenticate every page on disk and run SQLite's integrity check.

use std::io::Read;

use super::{Vault, db_path};
use crate::cipher::PAGE_SIZE;
use crate::error::FileKind;
use crate::{Result, SealError};

/// The outcome of [`Vault::verify`].
#[derive(Debug, Default)]
pub struct VerifyReport {
    /// Database pages authenticated.
    pub pages: u64,
    /// WAL frames of the current log authenticated.
    pub wal_frames: u64,
    /// Every page or frame that failed, by file and page number.
    pub problems: Vec<SealError>,
    /// `PRAGMA integrity_check` lines other than "ok".
    pub integrity: Vec<String>,
}

impl VerifyReport {
    /// Whether nothing failed.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty() && self.integrity.is_empty()
    }
}

/// The lock-byte page, which SQLite never writes.
const LOCK_PAGE: u64 = (1 << 30) / PAGE_SIZE as u64 + 1;

impl Vault {
    /// Authenticates every page of the database file and every frame of the
    /// current WAL, then runs `PRAGMA integrity_check`.
    pub fn verify(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let keys = &self.shared.keys;
        let path = db_path(&self.dir);
        let bytes = read_all(&path)?;
        let mut page = vec![0u8; PAGE_SIZE];
        for (i, chunk) in bytes.chunks(PAGE_SIZE).enumerate() {
            let pgno = i as u64 + 1;
            if pgno == LOCK_PAGE {
                continue;
            }
            let pgno = pgno as u32;
            if chunk.len() < PAGE_SIZE {
                report.problems.push(SealError::TruncatedPage { kind: FileKind::Database, path: path.clone(), pgno });
                break;
            }
            page.copy_from_slice(chunk);
            report.pages += 1;
            if keys.open_page(pgno, &mut page).is_err() {
                report.problems.push(SealError::TamperedPage { kind: FileKind::Database, path: path.clone(), pgno });
            }
        }

        let mut wal_path = path.clone().into_os_string();
        wal_path.push("-wal");
        let wal_path = std::path::PathBuf::from(wal_path);
        if wal_path.exists() {
            let wal = read_all(&wal_path)?;
            if wal.len() >= 32 {
                let salts = &wal[16..24];
                let frame_len = 24 + PAGE_SIZE;
                for frame in wal[32..].chunks(frame_len) {
                    if frame.len() < frame_len || &frame[8..16] != salts {
                        break;
                    }
                    let pgno = u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]);
                    page.copy_from_slice(&frame[24..]);
                    report.wal_frames += 1;
                    if pgno == 0 || keys.open_page(pgno, &mut page).is_err() {
                        report.problems.push(SealError::TamperedPage {
                            kind: FileKind::Wal,
                            path: wal_path.clone(),
                            pgno,
                        });
                    }
                }
            }
        }

        let mut stmt = self.conn().prepare("PRAGMA integrity_check").map_err(|e| self.explain(e))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| self.explain(e))?;
        for row in rows {
            let line = row.map_err(|e| self.explain(e))?;
            if line != "ok" {
                report.integrity.push(line);
            }
        }
        Ok(report)
    }
}

fn read_all(path: &std::path::Path) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut v))
        .map_err(|e| SealError::io("cannot read", path, e))?;
    Ok(v)
}
