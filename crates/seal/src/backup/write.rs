//! Writing a backup from a snapshot: beside its final name, read back from
//! the drive and verified in full, then named. No file without `.partial`
//! exists until it has been verified.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use super::error::BackupError;
use super::format::{self, Header, KeyBlock, Trailer};
use super::io::{Opened, drop_cache, refuse_existing};
use super::keys::BackupKey;
use super::parallel::{Reseal, reseal};
use super::read::{BackupFile, Verified};
use super::{BackupInfo, BackupParams, BackupProgress, Destination, Phase};
use crate::cipher::PAGE_SIZE;
use crate::vault::{JournalMode, Snapshot};
use crate::{KdfParams, Lower, SealError};

/// Where writing a backup may be stopped, to test that a crash there is
/// safe.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BackupStep {
    /// The `.partial` file exists, empty.
    PartialCreated,
    /// Everything before the pages is written.
    HeaderWritten,
    /// The pages and the trailer are written, not yet synced.
    BodyWritten,
    /// The file is synced.
    Synced,
    /// The file was read back and verified.
    Verified,
}

/// A backup written and verified.
#[derive(Debug, Clone)]
pub struct Written {
    /// The backup file.
    pub path: PathBuf,
    /// Its clear fields.
    pub info: BackupInfo,
    /// What its verification found.
    pub verified: Verified,
}

/// SQLite never uses the page holding the lock bytes (at 2^30); its place
/// in a database file is a hole, so it is backed up as a page of zeros.
const LOCK_PAGE: u32 = (1 << 30) / PAGE_SIZE as u32 + 1;

/// `NAME.partial`, the file's name until it is verified.
pub(crate) fn partial_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

fn check_name(name: &str) -> Result<(), BackupError> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', ':', '\0'])
        && name.len() <= 200
        && !name.ends_with(".partial");
    if plain {
        Ok(())
    } else {
        Err(BackupError::Io(SealError::io(
            "refusing the backup file name",
            name,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "a plain file name is needed"),
        )))
    }
}

/// The header's and the key block's checksums, which the trailer's MAC binds.
type Sums = ([u8; 32], [u8; 32]);

type Progress<'p> = &'p mut dyn FnMut(BackupProgress) -> ControlFlow<()>;

/// Where one backup goes, and how far to let it go (crash tests).
struct Job<'a> {
    dest: &'a Destination,
    lower: &'a std::sync::Arc<dyn crate::lower::LowerVfs>,
    path: &'a Path,
    partial: &'a Path,
    content_check: &'a dyn Fn(&Connection) -> Result<(), String>,
    stop: Option<BackupStep>,
}

impl Snapshot {
    /// Writes the backup `dest/name`: first as `name.partial`, synced, read
    /// back from the drive and verified in full (every page, the trailer,
    /// SQLite's integrity check and `content_check`), then renamed and the
    /// folder synced. On any failure nothing named `name` exists and the
    /// partial file is removed (when the drive still allows it). The fence
    /// on the vault comes down as soon as the pages are copied.
    pub fn write(
        self,
        dest: &Destination,
        name: &str,
        params: &BackupParams<'_>,
        content_check: &dyn Fn(&Connection) -> Result<(), String>,
        progress: Progress<'_>,
    ) -> Result<Written, BackupError> {
        self.write_stopping_after(dest, name, params, content_check, progress, None)
    }

    /// [`Snapshot::write`], stopping after `stop` as if the process died
    /// there (nothing is cleaned up; the result is `Cancelled`).
    #[doc(hidden)]
    pub fn write_stopping_after(
        self,
        dest: &Destination,
        name: &str,
        params: &BackupParams<'_>,
        content_check: &dyn Fn(&Connection) -> Result<(), String>,
        progress: Progress<'_>,
        stop: Option<BackupStep>,
    ) -> Result<Written, BackupError> {
        check_name(name)?;
        let lower = crate::vfs::resolve(&dest.lower)?;
        let path = dest.dir.join(name);
        let partial = partial_path(&path);
        refuse_existing(&lower, &path)?;
        let (key, head, header_sums) = self.prepare(params)?;
        let mut out = Opened::create_new(&lower, &partial)?;
        let job = Job { dest, lower: &lower, path: &path, partial: &partial, content_check, stop };
        let result = self.write_steps(&job, &mut out, key, &head, header_sums, progress);
        let stopped = stop.is_some() && matches!(result, Err(BackupError::Cancelled));
        if result.is_err() && !stopped {
            drop(out);
            // Best effort: a drive that was removed cannot be cleaned; the
            // next backup to that folder removes what is left.
            let _ = lower.remove_file(&partial);
        }
        result
    }

    fn write_steps(
        self,
        job: &Job<'_>,
        out: &mut Opened,
        key: BackupKey,
        head: &[u8],
        header_sums: Sums,
        progress: Progress<'_>,
    ) -> Result<Written, BackupError> {
        let at = |s: BackupStep| job.stop == Some(s);
        if at(BackupStep::PartialCreated) {
            return Err(BackupError::Cancelled);
        }
        out.write_all(head, 0)?;
        if at(BackupStep::HeaderWritten) {
            return Err(BackupError::Cancelled);
        }
        self.copy_pages(&key, out, head.len() as u64, header_sums, progress)?;
        if at(BackupStep::BodyWritten) {
            return Err(BackupError::Cancelled);
        }
        out.sync()?;
        // Closed before it is read back and renamed (Windows renames no open file).
        out.file.close();
        if at(BackupStep::Synced) {
            return Err(BackupError::Cancelled);
        }
        // The pages are copied: the vault's file may change again.
        drop(self);
        if matches!(job.dest.lower, Lower::Os) {
            drop_cache(job.partial);
        }
        let file = BackupFile::open(job.partial, &job.dest.lower)?;
        let unlocked = file.with_key(key, None)?;
        let verified = unlocked.verify(job.content_check, progress)?;
        if at(BackupStep::Verified) {
            return Err(BackupError::Cancelled);
        }
        let info = unlocked.info();
        drop(unlocked);
        refuse_existing(job.lower, job.path)?;
        job.lower.rename(job.partial, job.path).map_err(|e| SealError::io("cannot name", job.path, e))?;
        if let Err(e) = job.lower.sync_dir(&job.dest.dir) {
            // Reported as failed, so it must not stay under its final name
            // (best effort: a drive that is gone keeps what it kept).
            let _ = job.lower.rename(job.path, job.partial);
            return Err(BackupError::Io(SealError::io("cannot sync the folder", &job.dest.dir, e)));
        }
        Ok(Written { path: job.path.to_owned(), info, verified })
    }

    /// The backup key and everything before the pages.
    fn prepare(&self, params: &BackupParams<'_>) -> Result<(BackupKey, Vec<u8>, Sums), BackupError> {
        if params.meta.len() > format::MAX_META {
            return Err(BackupError::Io(SealError::SnapshotRefused("the backup's description is too long")));
        }
        let mut backup_id = [0u8; 16];
        getrandom::fill(&mut backup_id).map_err(|_| SealError::Random)?;
        let key = BackupKey::random(backup_id)?;
        let slots = if params.slots_of_that_time {
            let wrap = key.wrap_under_vault_key(&self.vault_key, &self.vault_id, self.epoch)?;
            // Proven to open now, with the key in hand, rather than by an
            // Argon2id run at verification.
            if BackupKey::unwrap_with_vault_key(&self.vault_key, backup_id, &self.vault_id, self.epoch, &wrap).is_none()
            {
                return Err(BackupError::Io(SealError::SnapshotRefused("the backup key does not unwrap")));
            }
            Some((self.key_file.clone(), wrap))
        } else {
            None
        };
        let passphrase = match params.passphrase {
            Some(p) => {
                crate::vault::check_secret(p)?;
                let kdf = KdfParams::for_new_slot(params.passphrase_kdf)?;
                Some(key.passphrase_slot(p.expose_secret().as_bytes(), &self.vault_id, kdf)?)
            }
            None => None,
        };
        if slots.is_none() && passphrase.is_none() {
            return Err(BackupError::Io(SealError::SnapshotRefused(
                "a backup needs the passwords of that time or a backup passphrase to open it",
            )));
        }
        let header = Header {
            backup_id,
            vault_id: self.vault_id,
            created_at_ms: params.created_at_ms,
            page_count: self.pages,
            journal_mode: match self.journal_mode {
                JournalMode::Wal => 1,
                JournalMode::Delete => 2,
            },
            epoch: self.epoch,
        };
        let mut sealed = Err(SealError::Random);
        let (head, hsum, ksum) =
            format::encode_head(&header, &KeyBlock { slots, passphrase }, params.meta.len(), |ad| {
                sealed = key.seal_meta(ad, params.meta);
                sealed.as_ref().map(|s| s.clone()).unwrap_or_else(|_| vec![0; params.meta.len() + 28])
            });
        sealed?;
        Ok((key, head, (hsum, ksum)))
    }

    /// Every page of the frozen database, opened with the vault's keys and
    /// sealed under the backup's, then the trailer.
    fn copy_pages(
        &self,
        key: &BackupKey,
        out: &mut Opened,
        body_offset: u64,
        (hsum, ksum): Sums,
        progress: Progress<'_>,
    ) -> Result<(), BackupError> {
        let n = self.pages;
        let body_keys = key.page_keys();
        let mut src = Opened::open_read(&self.lower, &self.db_path)?;
        let mut tags = Sha256::new();
        let zeroed = std::sync::atomic::AtomicU32::new(0);
        let job = Reseal {
            src_offset: 0,
            out_offset: body_offset,
            pages: n,
            short: &|_| {
                BackupError::Io(SealError::SnapshotRefused("the vault's database file shrank during the backup"))
            },
            sealed_run: &mut |sealed| {
                for out_page in sealed.chunks_exact(PAGE_SIZE) {
                    tags.update(&out_page[PAGE_SIZE - 16..]);
                }
            },
            after_run: &mut |done| {
                let step = BackupProgress { phase: Phase::Copy, done, total: u64::from(n) };
                if self.cancelled() || progress(step).is_break() { Err(BackupError::Cancelled) } else { Ok(()) }
            },
        };
        reseal(&mut src, out, job, &|p, page, out_page, rng| {
            if p == LOCK_PAGE {
                page.fill(0);
            } else if self.keys.open_page(p, page).is_err() {
                if p == 1 {
                    return Err(BackupError::Io(SealError::TamperedPage {
                        kind: crate::FileKind::Database,
                        path: self.db_path.clone(),
                        pgno: 1,
                    }));
                }
                // The backup's own integrity check decides whether this page
                // was in use (then the backup fails) or free.
                page.fill(0);
                zeroed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            if p == 1 {
                // Rollback mode in the image, so it opens read-only without
                // a log; a restore puts the vault's mode back.
                page[18] = 1;
                page[19] = 1;
            }
            body_keys.seal_page(p, page, out_page, rng)?;
            Ok(())
        })?;
        let zeroed = zeroed.into_inner();
        let digest: [u8; 32] = tags.finalize().into();
        let unmaced = Trailer::unmaced(n, zeroed, &digest);
        let trailer =
            Trailer { page_count: n, zeroed, tag_digest: digest, mac: key.trailer_mac(&hsum, &ksum, &unmaced) };
        Ok(out.write_all(&trailer.encode(), body_offset + u64::from(n) * PAGE_SIZE as u64)?)
    }
}
