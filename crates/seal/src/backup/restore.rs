//! Restoring a backup: the pages are sealed again under a new data key
//! into a staging folder inside the vault folder, which the caller opens,
//! checks and audits as a vault; then, under the vault folder's own lock
//! the whole time, the old files move into a folder kept aside and the
//! staged ones move in, led by an intent file so that a crash at any point
//! rolls forward at the next open (docs/design/BACKUP.md, section 4).

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use secrecy::SecretString;

use super::error::{BackupError, Part};
use super::io::Opened;
use super::parallel::{Reseal, reseal};
use super::read::UnlockedBackup;
use super::{BackupProgress, Phase, hex};
use crate::cipher::{PageKeys, SealCounter};
use crate::keyfile::{Generation, KeyFile};
use crate::lower::{Lower, LowerVfs};
use crate::names::{KEYS_FILE, LOCK_FILE};
use crate::recovery::RecoveryCode;
use crate::secret::Key256;
use crate::store::Store;
use crate::vault::{Holder, JournalMode, Vault};
use crate::{KdfParams, Result, SealError};

/// The file that leads a swap; its presence means "roll forward".
pub const INTENT_FILE: &str = "restore.intent";
const INTENT_MAGIC: &str = "chartvault restore intent 1";
/// What a staged restore holds, and the order it moves in: the database,
/// then the key-slot file (named in the intent, which an older or newer
/// version may write otherwise).
const STAGED: [&str; 2] = [crate::DB_FILE, KEYS_FILE];

/// Which keys the restored vault gets.
#[derive(Debug, Clone, Copy)]
pub enum RestoreKeys<'a> {
    /// The key slots of that time: every password and the recovery code
    /// of that time open the restored vault. Needs a backup opened with a
    /// password or the recovery code.
    OfThatTime,
    /// New keys with one password slot and a new recovery code: for a
    /// backup opened with its passphrase, which holds no slot. The other
    /// users need their passwords reset afterwards.
    Fresh {
        /// The slot (user) name.
        slot: &'a str,
        /// Its password.
        password: &'a SecretString,
        /// Argon2id parameters; `None` calibrates them.
        kdf: Option<KdfParams>,
    },
}

/// Where a swap may be stopped, to test that a crash there is safe.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RestoreStep {
    /// The intent file is written.
    IntentWritten,
    /// The old files are in the folder kept aside.
    OldMovedAside,
    /// The staged files are in the vault folder.
    NewMovedIn,
}

/// A vault folder held (locked) with no vault open in it: the vault was
/// closed for a restore, or there was none yet.
#[derive(Debug)]
pub struct HeldDir {
    dir: PathBuf,
    lower: Lower,
    _holder: Holder,
}

impl HeldDir {
    /// Takes the folder `dir` (made if missing) for a first restore, with
    /// no vault open: refused if another program holds it.
    pub fn take(dir: &Path, lower: &Lower) -> Result<HeldDir> {
        let dir = crate::vault::absolute(dir)?;
        crate::vfs::resolve(lower)?.create_dir(&dir).map_err(|e| SealError::io("cannot create", &dir, e))?;
        let holder = Holder::take(&dir, lower)?;
        settle_restore(&dir, lower)?;
        Ok(HeldDir { dir, lower: lower.clone(), _holder: holder })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the folder holds a vault.
    pub fn holds_vault(&self) -> Result<bool> {
        Store::new(&self.lower)?.exists(&self.dir.join(KEYS_FILE))
    }
}

impl Vault {
    /// Closes the vault but keeps holding its folder, for a restore to
    /// swap its files without another program opening them meanwhile.
    pub fn close_keeping_hold(mut self) -> Result<HeldDir> {
        self.shut()?;
        let holder = self.holder.take().expect("an open vault holds its folder");
        Ok(HeldDir { dir: self.dir.clone(), lower: self.opts.lower.clone(), _holder: holder })
    }
}

/// A restore staged in the vault folder, ready to swap in.
#[derive(Debug)]
pub struct StagedRestore {
    vault_dir: PathBuf,
    staging: PathBuf,
    lower: Lower,
    aside: String,
    recovery_code: Option<RecoveryCode>,
}

fn staging_name(backup_id: &[u8; 16]) -> String {
    format!("restore-{}", &hex(backup_id)[..16])
}

impl UnlockedBackup {
    /// Writes the backup as a vault into a staging folder inside
    /// `vault_dir` (made if missing), sealed under a new data key. Verify
    /// the backup first; the pages are authenticated again here.
    pub fn stage_restore(
        &self,
        vault_dir: &Path,
        lower: &Lower,
        keys: RestoreKeys<'_>,
        progress: &mut dyn FnMut(BackupProgress) -> ControlFlow<()>,
    ) -> Result<StagedRestore, BackupError> {
        let vault_dir = crate::vault::absolute(vault_dir)?;
        let low = crate::vfs::resolve(lower)?;
        let h = &self.file.head.header;
        let staging = vault_dir.join(staging_name(&h.backup_id));
        low.create_dir(&staging).map_err(|e| SealError::io("cannot create", &staging, e))?;
        remove_files(&low, &staging)?;
        let mode = if h.journal_mode == 1 { JournalMode::Wal } else { JournalMode::Delete };
        let data_key = Key256::random()?;
        let (file, vault_key, recovery_code) = match keys {
            RestoreKeys::OfThatTime => {
                let Some(t) = &self.of_that_time else {
                    return Err(BackupError::Io(SealError::SnapshotRefused(
                        "a backup opened with its passphrase holds no passwords of that time; restore it with new keys",
                    )));
                };
                let mut file = t.file.clone();
                file.current =
                    Generation::renewed(&h.vault_id, h.epoch + 1, &t.vault_key, &data_key, &t.secret, &file.slots)?;
                file.pending = None;
                (file, Key256::from_bytes(*t.vault_key.expose_secret()), None)
            }
            RestoreKeys::Fresh { slot, password, kdf } => {
                let (file, vault_key, code) =
                    fresh_keys(h.vault_id, h.epoch + 1, mode, slot, password, kdf, &data_key)?;
                (file, vault_key, Some(code))
            }
        };
        let seals = match self.reseal_into(&staging, &low, &data_key, mode, progress) {
            Ok(n) => n,
            Err(e) => {
                // Nothing half-staged stays behind.
                let _ = remove_files(&low, &staging);
                let _ = low.remove_dir(&staging);
                return Err(e);
            }
        };
        let mut file = file;
        file.journal_mode = Some(mode);
        file.seals_reserved = seals;
        let store = Store::new(lower)?;
        store.write_atomic(&staging.join(KEYS_FILE), &file.to_bytes(&vault_key), None)?;
        store.sync_dir_of(&staging.join(KEYS_FILE))?;
        let aside = fresh_aside_name(&low, &vault_dir);
        Ok(StagedRestore { vault_dir, staging, lower: lower.clone(), aside, recovery_code })
    }

    /// Body pages opened with the backup's keys and sealed with `data_key`
    /// into `staging/vault.cvdb`; returns the seals made.
    fn reseal_into(
        &self,
        staging: &Path,
        low: &Arc<dyn LowerVfs>,
        data_key: &Key256,
        mode: JournalMode,
        progress: &mut dyn FnMut(BackupProgress) -> ControlFlow<()>,
    ) -> Result<u64, BackupError> {
        let head = &self.file.head;
        let n = head.header.page_count;
        let body = self.key.page_keys();
        let target = PageKeys::new(data_key, head.header.vault_id, SealCounter::new(0, Box::new(|_| Ok(()))));
        let mut src = Opened::open_read(&self.file.lower, &self.file.path)?;
        let mut out = Opened::create_new(low, &staging.join(crate::DB_FILE))?;
        let path = &self.file.path;
        let job = Reseal {
            src_offset: head.body_offset,
            out_offset: 0,
            pages: n,
            short: &|p| BackupError::damaged(path, Part::Truncated { first_missing: p }),
            sealed_run: &mut |_| {},
            after_run: &mut |done| {
                let step = BackupProgress { phase: Phase::Copy, done, total: u64::from(n) };
                if progress(step).is_break() { Err(BackupError::Cancelled) } else { Ok(()) }
            },
        };
        reseal(&mut src, &mut out, job, &|p, page, out_page, rng| {
            if body.open_page(p, page).is_err() {
                return Err(BackupError::damaged(path, Part::Page(p)));
            }
            if p == 1 {
                let v = if mode == JournalMode::Wal { 2 } else { 1 };
                page[18] = v;
                page[19] = v;
            }
            target.seal_page(p, page, out_page, rng)?;
            Ok(())
        })?;
        out.sync()?;
        Ok(u64::from(n))
    }
}

/// A key-slot file for a vault of id `vault_id` with new keys: one password
/// slot and a recovery code.
fn fresh_keys(
    vault_id: [u8; 16],
    epoch: u32,
    mode: JournalMode,
    slot: &str,
    password: &SecretString,
    kdf: Option<KdfParams>,
    data_key: &Key256,
) -> Result<(KeyFile, Key256, RecoveryCode)> {
    crate::vault::check_password_slot_name(slot)?;
    crate::vault::check_secret(password)?;
    let kdf = KdfParams::for_new_slot(kdf)?;
    let (file, vault_key, _secret, code) =
        crate::vault::first_keys(vault_id, epoch, mode, slot, password, kdf, data_key)?;
    Ok((file, vault_key, code))
}

fn remove_files(low: &Arc<dyn LowerVfs>, dir: &Path) -> Result<()> {
    for name in low.list_files(dir).map_err(|e| SealError::io("cannot list", dir, e))? {
        let p = dir.join(&name);
        low.remove_file(&p).map_err(|e| SealError::io("cannot remove", &p, e))?;
    }
    Ok(())
}

/// `before-restore-YYYYMMDDTHHMMSSZ-xxxx`, from the system clock and 16 random bits.
fn aside_name() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // Two restores within a second must not share a folder: the second
    // would move its files over the first's.
    let mut r = [0u8; 2];
    let _ = getrandom::fill(&mut r);
    format!(
        "before-restore-{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z-{:02x}{:02x}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        r[0],
        r[1]
    )
}

/// An aside name no folder in `dir` has yet.
fn fresh_aside_name(low: &Arc<dyn LowerVfs>, dir: &Path) -> String {
    loop {
        let name = aside_name();
        let taken = dir.join(&name).exists() || low.list_files(&dir.join(&name)).is_ok_and(|f| !f.is_empty());
        if !taken {
            return name;
        }
    }
}

impl StagedRestore {
    /// The staging folder: open it as a vault (with the password or
    /// recovery code of that time, or the new password) to check, migrate
    /// and audit it, and close it before the swap.
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// Where the swap will put the files of the vault it replaces.
    pub fn aside_dir(&self) -> PathBuf {
        self.vault_dir.join(&self.aside)
    }

    /// The new recovery code of a vault restored with new keys: show it once.
    pub fn recovery_code(&self) -> Option<&RecoveryCode> {
        self.recovery_code.as_ref()
    }

    /// Removes the staged copy (a restore abandoned before its swap).
    pub fn discard(self) -> Result<()> {
        let low = crate::vfs::resolve(&self.lower)?;
        remove_files(&low, &self.staging)?;
        low.remove_dir(&self.staging).map_err(|e| SealError::io("cannot remove", &self.staging, e))
    }

    /// Swaps the staged vault in, under `held` (the vault folder, locked).
    /// The old files move into a folder kept aside, whose path is returned;
    /// nothing deletes it. A crash at any point rolls forward at the next
    /// open.
    pub fn swap_in(self, held: HeldDir) -> Result<PathBuf> {
        self.swap_in_stopping_after(held, None)
    }

    /// [`StagedRestore::swap_in`], stopping after `stop` as if the process
    /// died there. For crash tests.
    #[doc(hidden)]
    pub fn swap_in_stopping_after(self, held: HeldDir, stop: Option<RestoreStep>) -> Result<PathBuf> {
        if held.dir != self.vault_dir {
            return Err(SealError::SnapshotRefused("the staged restore belongs to another vault folder"));
        }
        let low = crate::vfs::resolve(&self.lower)?;
        let store = Store::new(&self.lower)?;
        for log in [crate::WAL_FILE, crate::JOURNAL_FILE] {
            if store.exists(&self.staging.join(log))? {
                return Err(SealError::SnapshotRefused("the staged vault was not closed cleanly; restore again"));
            }
        }
        let staged = self.staging.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let aside = self.aside.clone();
        let intent = format!("{INTENT_MAGIC}\nstaged {staged}\naside {aside}\nfiles {}\n", STAGED.join("/"));
        store.write_atomic(&self.vault_dir.join(INTENT_FILE), intent.as_bytes(), None)?;
        if stop == Some(RestoreStep::IntentWritten) {
            return Ok(self.vault_dir.join(&aside));
        }
        let aside_dir = self.vault_dir.join(&aside);
        move_old_aside(&low, &self.vault_dir, &aside_dir)?;
        if stop == Some(RestoreStep::OldMovedAside) {
            return Ok(aside_dir);
        }
        move_new_in(&low, &self.vault_dir, &self.staging, &aside_dir, &STAGED.map(str::to_owned))?;
        if stop == Some(RestoreStep::NewMovedIn) {
            return Ok(aside_dir);
        }
        finish(&low, &self.vault_dir, &self.staging)?;
        drop(held);
        Ok(aside_dir)
    }
}

fn io_err<'p>(what: &'static str, p: &'p Path) -> impl FnOnce(std::io::Error) -> SealError + 'p {
    move |e| SealError::io(what, p, e)
}

/// Every file of the vault folder but the lock, the intent and the staged
/// names already moved in goes aside.
fn move_old_aside(low: &Arc<dyn LowerVfs>, dir: &Path, aside: &Path) -> Result<()> {
    low.create_dir(aside).map_err(io_err("cannot create", aside))?;
    for name in low.list_files(dir).map_err(io_err("cannot list", dir))? {
        if name == LOCK_FILE || name.starts_with(INTENT_FILE) {
            continue;
        }
        let from = dir.join(&name);
        let to = aside.join(&name);
        low.rename(&from, &to).map_err(io_err("cannot move aside", &from))?;
    }
    low.sync_dir(aside).map_err(io_err("cannot sync", aside))?;
    low.sync_dir(dir).map_err(io_err("cannot sync", dir))
}

/// Each staged file still in the staging folder moves in; one found in the
/// vault folder under its name first is an old one and goes aside.
fn move_new_in(low: &Arc<dyn LowerVfs>, dir: &Path, staging: &Path, aside: &Path, staged: &[String]) -> Result<()> {
    for name in staged {
        let from = staging.join(name);
        if low.file_len(&from).map_err(io_err("cannot check", &from))?.is_none() {
            continue;
        }
        let to = dir.join(name);
        if low.file_len(&to).map_err(io_err("cannot check", &to))?.is_some() {
            low.rename(&to, &aside.join(name)).map_err(io_err("cannot move aside", &to))?;
        }
        low.rename(&from, &to).map_err(io_err("cannot move in", &from))?;
    }
    low.sync_dir(aside).map_err(io_err("cannot sync", aside))?;
    low.sync_dir(dir).map_err(io_err("cannot sync", dir))
}

fn finish(low: &Arc<dyn LowerVfs>, dir: &Path, staging: &Path) -> Result<()> {
    remove_files(low, staging)?;
    low.remove_dir(staging).map_err(io_err("cannot remove", staging))?;
    let intent = dir.join(INTENT_FILE);
    low.remove_file(&intent).map_err(io_err("cannot remove", &intent))?;
    low.sync_dir(dir).map_err(io_err("cannot sync", dir))
}

/// Completes a swap a crash interrupted (called with the folder held, by
/// [`Vault::open`] and [`HeldDir::take`]): with an intent file, the staged
/// files move in and everything else aside. Without one, nothing happens.
pub fn settle_restore(dir: &Path, lower: &Lower) -> Result<()> {
    let store = Store::new(lower)?;
    let intent_path = dir.join(INTENT_FILE);
    let Some(bytes) = store.read_capped(&intent_path, 4096)? else {
        return Ok(());
    };
    let corrupt = || SealError::SlotFileCorrupt {
        path: intent_path.clone(),
        reason: "the restore intent file is not one Chartvault wrote",
    };
    let text = String::from_utf8(bytes).map_err(|_| corrupt())?;
    let mut lines = text.lines();
    if lines.next() != Some(INTENT_MAGIC) {
        return Err(corrupt());
    }
    let mut field = |k: &str| lines.next().and_then(|l| l.strip_prefix(k)).map(str::to_owned);
    let (Some(staged), Some(aside), Some(files)) = (field("staged "), field("aside "), field("files ")) else {
        return Err(corrupt());
    };
    let plain = |s: &str, prefix: &str| s.starts_with(prefix) && !s.contains(['/', '\\']) && !s.contains("..");
    let files: Vec<String> = files.split('/').map(str::to_owned).collect();
    if !plain(&staged, "restore-") || !plain(&aside, "before-restore-") || files.iter().any(|f| !plain(f, "vault")) {
        return Err(corrupt());
    }
    let low = crate::vfs::resolve(lower)?;
    let (staging, aside) = (dir.join(staged), dir.join(aside));
    // Old files not yet aside go there, except those already moved in.
    low.create_dir(&aside).map_err(io_err("cannot create", &aside))?;
    for name in low.list_files(dir).map_err(io_err("cannot list", dir))? {
        let moved_in = files.contains(&name)
            && low.file_len(&staging.join(&name)).map_err(io_err("cannot check", &staging))?.is_none();
        if name == LOCK_FILE || name.starts_with(INTENT_FILE) || moved_in {
            continue;
        }
        let from = dir.join(&name);
        low.rename(&from, &aside.join(&name)).map_err(io_err("cannot move aside", &from))?;
    }
    low.sync_dir(&aside).map_err(io_err("cannot sync", &aside))?;
    low.sync_dir(dir).map_err(io_err("cannot sync", dir))?;
    move_new_in(&low, dir, &staging, &aside, &files)?;
    finish(&low, dir, &staging)
}
