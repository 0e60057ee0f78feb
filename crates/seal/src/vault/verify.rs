//! Verify: authenticate every page on disk and run SQLite's integrity check.
//!
//! Files are read a page at a time through the lower layer, never whole.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use zeroize::Zeroizing;

use super::Vault;
use crate::cipher::{PAGE_SIZE, PageKeys, RESERVE};
use crate::error::FileKind;
use crate::names::{db_path, wal_path};
use crate::sealed::u32_at;
use crate::sealed::wal_recovery;
use crate::store::Store;
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
    /// `PRAGMA integrity_check` lines other than "ok" (a run of "never used"
    /// pages summarised in one line).
    pub integrity: Vec<String>,
    /// What repairs the problems found, when something does.
    pub repair: Option<&'static str>,
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
/// Pages a pointer-map page describes, plus itself (auto-vacuum databases).
const PTRMAP_STRIDE: u32 = ((PAGE_SIZE - RESERVE) / 5 + 1) as u32;
const REKEY_REPAIRS: &str = "rekeying the vault rewrites the database from its tables and indexes alone, \
     leaving the damaged free-space pages behind";

/// The newest on-disk copy of database pages: the WAL frame recovery
/// applies, else the database file.
struct Pages<'a> {
    store: &'a Store,
    db: &'a Path,
    wal: &'a Path,
    in_wal: &'a HashMap<u32, u64>,
    keys: &'a PageKeys,
}

impl Pages<'_> {
    /// Page `pgno` opened, or `None` if it is missing or fails.
    fn open(&self, pgno: u32) -> Option<Zeroizing<Vec<u8>>> {
        let mut page = Zeroizing::new(vec![0u8; PAGE_SIZE]);
        let (path, offset) = match self.in_wal.get(&pgno) {
            Some(&frame) => (self.wal, 32 + (frame - 1) * (24 + PAGE_SIZE as u64) + 24),
            None => (self.db, u64::from(pgno - 1) * PAGE_SIZE as u64),
        };
        let n = self.store.read_at(path, offset, &mut page).ok()?;
        (n == PAGE_SIZE && self.keys.open_page(pgno, &mut page).is_ok()).then_some(page)
    }
}

impl Vault {
    /// Authenticates every page of the database file and every frame of the
    /// current WAL, checks the pages SQLite reads outside its b-trees (the
    /// freelist's trunk pages, pointer maps), then runs
    /// `PRAGMA integrity_check`.
    pub fn verify(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let keys = &self.shared.keys;
        let store = self.keys.store();
        let path = db_path(&self.dir);
        let wal = wal_path(&self.dir);
        let len = store.len(&path)?.unwrap_or(0);
        let mut page = Zeroizing::new(vec![0u8; PAGE_SIZE]);
        let mut failed = Vec::new();
        let mut truncated = None;
        let mut offset = 0u64;
        while offset < len {
            let pgno = offset / PAGE_SIZE as u64 + 1;
            offset += PAGE_SIZE as u64;
            if pgno == LOCK_PAGE {
                continue;
            }
            let pgno = pgno as u32;
            if store.read_at(&path, offset - PAGE_SIZE as u64, &mut page)? < PAGE_SIZE {
                truncated = Some(pgno);
                failed.push(pgno);
                break;
            }
            report.pages += 1;
            if keys.open_page(pgno, &mut page).is_err() {
                failed.push(pgno);
            }
        }

        let in_wal = self.verify_wal(store, &wal, &mut report);
        let pages = Pages { store, db: &path, wal: &wal, in_wal: &in_wal, keys };
        let trunks = freelist_trunks(&pages);
        let mut in_use = self.pages_in_use()?;
        in_use.extend(trunks.iter().map(|&(p, _)| p));
        in_use.extend(pointer_maps(&pages));
        for &(pgno, ok) in &trunks {
            if !ok && in_wal.contains_key(&pgno) {
                // Its newest copy, in the WAL, is what SQLite reads.
                report.problems.push(SealError::DamagedFreelistPage { path: wal.clone(), pgno });
                report.repair = Some(REKEY_REPAIRS);
            }
        }
        for pgno in failed {
            if in_wal.contains_key(&pgno) {
                report.superseded_damaged.push(pgno);
            } else if !in_use.contains(&pgno) {
                report.unused_damaged.push(pgno);
            } else if truncated == Some(pgno) {
                report.problems.push(SealError::TruncatedPage { kind: FileKind::Database, path: path.clone(), pgno });
            } else if trunks.iter().any(|&(p, _)| p == pgno) {
                report.problems.push(SealError::DamagedFreelistPage { path: path.clone(), pgno });
                report.repair = Some(REKEY_REPAIRS);
            } else {
                report.problems.push(SealError::TamperedPage { kind: FileKind::Database, path: path.clone(), pgno });
            }
        }

        let mut stmt = self.conn().prepare("PRAGMA integrity_check").map_err(|e| self.explain(e))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| self.explain(e))?;
        let mut lines = Vec::new();
        for row in rows {
            let line = row.map_err(|e| self.explain(e))?;
            if line != "ok" {
                lines.push(line);
            }
        }
        report.integrity = summarise_integrity(lines);
        Ok(report)
    }

    /// Replays the log as recovery would and reports what it finds wrong.
    /// A failing frame at the torn tail of a crash is not a problem; one
    /// that later transactions build on is. Returns each page the log
    /// holds with its newest applied frame.
    fn verify_wal(&self, store: &Store, path: &Path, report: &mut VerifyReport) -> HashMap<u32, u64> {
        let mut read = |off: u64, buf: &mut [u8]| store.read_at(path, off, buf).is_ok_and(|n| n == buf.len());
        let replay = wal_recovery::replay(&self.shared.keys, &mut read);
        report.wal_frames = replay.accepted;
        if let Some((frame, what)) = replay.tampered {
            let offset = if frame == 0 { 0 } else { 32 + (frame - 1) * (24 + PAGE_SIZE as u64) };
            report.problems.push(SealError::TamperedLog { kind: FileKind::Wal, path: path.to_owned(), offset, what });
        }
        replay.applied
    }

    /// Page 1 and every page of a table or index (from SQLite's `dbstat`).
    fn pages_in_use(&self) -> Result<HashSet<u32>> {
        let mut stmt = self.conn().prepare("SELECT pageno FROM dbstat").map_err(|e| self.explain(e))?;
        let rows = stmt.query_map([], |r| r.get::<_, u32>(0)).map_err(|e| self.explain(e))?;
        let mut set: HashSet<u32> = rows.collect::<rusqlite::Result<_>>().map_err(|e| self.explain(e))?;
        set.insert(1);
        Ok(set)
    }
}

/// The freelist's trunk pages, from page 1's header, each with whether it
/// opened. SQLite reads them whenever it reuses free space, so they are in
/// use although no table holds them; the leaves they list are not read.
fn freelist_trunks(pages: &Pages<'_>) -> Vec<(u32, bool)> {
    let mut out = Vec::new();
    let Some(page1) = pages.open(1) else {
        return out;
    };
    let mut next = u32_at(&page1, 32);
    let total_free = u32_at(&page1, 36);
    let mut seen = HashSet::new();
    // A chain longer than the free-page count, or one that loops, is
    // damage SQLite's integrity check reports; stop there.
    while next != 0 && seen.insert(next) && seen.len() as u64 <= u64::from(total_free) {
        match pages.open(next) {
            Some(trunk) => {
                out.push((next, true));
                next = u32_at(&trunk, 0);
            }
            None => {
                out.push((next, false));
                break;
            }
        }
    }
    out
}

/// Pointer-map pages of an auto-vacuum database: outside every b-tree, read
/// by SQLite whenever it moves a page.
fn pointer_maps(pages: &Pages<'_>) -> Vec<u32> {
    let Some(page1) = pages.open(1) else {
        return Vec::new();
    };
    // Byte 52: the largest root page, non-zero only with auto-vacuum.
    if u32_at(&page1, 52) == 0 {
        return Vec::new();
    }
    let db_pages = u32_at(&page1, 28);
    (0..).map(|i| 2 + i * PTRMAP_STRIDE).take_while(|&p| p <= db_pages).collect()
}

/// `integrity_check` lists every page no b-tree or freelist reaches on a
/// line of its own; past a few, one line says how many.
pub(crate) fn summarise_integrity(lines: Vec<String>) -> Vec<String> {
    let never_used = |l: &String| l.starts_with("Page ") && l.ends_with(": never used");
    let count = lines.iter().filter(|l| never_used(l)).count();
    if count <= 3 {
        return lines;
    }
    let mut out: Vec<String> = lines.into_iter().filter(|l| !never_used(l)).collect();
    out.push(format!(
        "{count} pages are reachable from no table, index or freelist (their \"never used\" lines are summarised)"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::summarise_integrity;

    #[test]
    fn many_never_used_lines_become_one() {
        let mut lines = vec!["Freelist: failed to get page 5".to_owned()];
        lines.extend((6..40).map(|n| format!("Page {n}: never used")));
        let out = summarise_integrity(lines);
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[0], "Freelist: failed to get page 5");
        assert!(out[1].starts_with("34 pages"), "{out:?}");
        let few = vec!["Page 7: never used".to_owned()];
        assert_eq!(summarise_integrity(few.clone()), few);
    }
}
