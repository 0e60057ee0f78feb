//! Verify: authenticate every page on disk and run SQLite's integrity check.

use std::collections::HashSet;
use std::path::Path;

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
    /// Every page or frame holding data that failed, by file and page number.
    pub problems: Vec<SealError>,
    /// Database pages that fail authentication but hold nothing SQLite will
    /// read: free pages and pages past the end of the database, left torn by
    /// an interrupted write (or altered). They are rewritten before reuse.
    pub unused_damaged: Vec<u32>,
    /// Database pages that fail authentication but are superseded by a
    /// newer copy in the WAL (torn by an interrupted checkpoint).
    pub superseded_damaged: Vec<u32>,
    /// `PRAGMA integrity_check` lines other than "ok".
    pub integrity: Vec<String>,
}

impl VerifyReport {
    /// Whether every page that holds data is authentic and the database is
    /// consistent.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty() && self.integrity.is_empty()
    }

    /// Whether, in addition, no unused or superseded page is damaged.
    pub fn is_pristine(&self) -> bool {
        self.is_ok() && self.unused_damaged.is_empty() && self.superseded_damaged.is_empty()
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
        let bytes = self.read_raw(&path)?.unwrap_or_default();
        let mut page = vec![0u8; PAGE_SIZE];
        let mut failed = Vec::new();
        let mut truncated = None;
        for (i, chunk) in bytes.chunks(PAGE_SIZE).enumerate() {
            let pgno = i as u64 + 1;
            if pgno == LOCK_PAGE {
                continue;
            }
            let pgno = pgno as u32;
            if chunk.len() < PAGE_SIZE {
                truncated = Some(pgno);
                failed.push(pgno);
                break;
            }
            page.copy_from_slice(chunk);
            report.pages += 1;
            if keys.open_page(pgno, &mut page).is_err() {
                failed.push(pgno);
            }
        }

        let mut wal_path = path.clone().into_os_string();
        wal_path.push("-wal");
        let wal_path = std::path::PathBuf::from(wal_path);
        let mut in_wal = HashSet::new();
        if let Some(wal) = self.read_raw(&wal_path)? {
            in_wal = self.verify_wal(&wal, &wal_path, &mut report);
        }
        if !failed.is_empty() {
            let in_use = self.pages_in_use()?;
            for pgno in failed {
                if in_wal.contains(&pgno) {
                    report.superseded_damaged.push(pgno);
                } else if !in_use.contains(&pgno) {
                    report.unused_damaged.push(pgno);
                } else if truncated == Some(pgno) {
                    report.problems.push(SealError::TruncatedPage {
                        kind: FileKind::Database,
                        path: path.clone(),
                        pgno,
                    });
                } else {
                    report.problems.push(SealError::TamperedPage {
                        kind: FileKind::Database,
                        path: path.clone(),
                        pgno,
                    });
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

impl Vault {
    /// Replays the log as recovery would and reports what it finds wrong.
    /// A failing frame at the torn tail of a crash is not a problem; one
    /// that later transactions build on is. Returns the pages the log holds.
    fn verify_wal(&self, wal: &[u8], path: &Path, report: &mut VerifyReport) -> HashSet<u32> {
        let replay = crate::sealed::wal_recovery::replay(&self.shared.keys, wal);
        report.wal_frames = replay.accepted;
        if let Some((frame, what)) = replay.tampered {
            let offset = if frame == 0 { 0 } else { 32 + (frame - 1) * (24 + PAGE_SIZE as u64) };
            report.problems.push(SealError::TamperedLog { kind: FileKind::Wal, path: path.to_owned(), offset, what });
        }
        replay.applied.into_iter().collect()
    }

    /// Page 1 and every page of a table or index (from SQLite's `dbstat`).
    fn pages_in_use(&self) -> Result<HashSet<u32>> {
        let mut stmt = self.conn().prepare("SELECT pageno FROM dbstat").map_err(|e| self.explain(e))?;
        let rows = stmt.query_map([], |r| r.get::<_, u32>(0)).map_err(|e| self.explain(e))?;
        let mut set: HashSet<u32> = rows.collect::<rusqlite::Result<_>>().map_err(|e| self.explain(e))?;
        set.insert(1);
        Ok(set)
    }

    /// A file's raw (sealed) bytes, read through the vault's lower layer;
    /// `None` if it does not exist.
    pub(super) fn read_raw(&self, path: &Path) -> Result<Option<Vec<u8>>> {
        self.keys.store().read(path)
    }
}
