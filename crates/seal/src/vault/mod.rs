//! The public face of the crate: create, open and use a vault.

mod diagnose;
mod holder;
#[cfg(test)]
mod key_attack_tests;
mod keys;
#[cfg(test)]
mod legacy_wal_tests;
mod migrate;
mod rekey;
mod settle;
mod slot_admin;
mod snapshot;
mod verify;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags};
use secrecy::{ExposeSecret, SecretString};

use crate::cipher::{PageKeys, RESERVE, SealCounter, VAULT_ID_LEN};
use crate::kdf::KdfParams;
use crate::keyfile::{Generation, KeyFile, Slot, VaultSecret};
use crate::lower::Lower;
use crate::names::{db_path, keys_path};
use crate::recovery::{RecoveryCode, normalize};
use crate::sealed::Shared;
use crate::secret::Key256;
use crate::slots::SlotKind;
use crate::store::Store;
use crate::vfs::{Registration, set_reserve_bytes};
use crate::{CryptoStats, Result, SealError};
use zeroize::Zeroizing;

pub use rekey::{RekeyProgress, RekeyStep};
pub use slot_admin::SlotInfo;
pub use snapshot::Snapshot;
pub use verify::VerifyReport;
pub(crate) use verify::summarise_integrity;

pub(crate) use holder::{Holder, absolute};
pub(crate) use keys::{Book, KeyState};

pub use crate::names::{DB_FILE, JOURNAL_FILE, KEYS_FILE, LOCK_FILE, WAL_FILE};

/// The slot name of the recovery code.
pub const RECOVERY_SLOT: &str = "recovery";

/// How SQLite keeps its transactions atomic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalMode {
    /// Write-ahead log (the default): faster commits, readers see a snapshot.
    Wal,
    /// Rollback journal, deleted at each commit.
    Delete,
}

impl JournalMode {
    fn pragma(self) -> &'static str {
        match self {
            JournalMode::Wal => "WAL",
            JournalMode::Delete => "DELETE",
        }
    }
}

/// Settings for a new vault.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// Argon2id parameters for the first slots; `None` calibrates them on
    /// this machine (at least 64 MiB and 3 passes, about 0.75 s).
    pub kdf: Option<KdfParams>,
    /// Journal mode of the database.
    pub journal_mode: JournalMode,
    /// How the vault is opened afterwards.
    pub open: OpenOptions,
}

impl Default for CreateOptions {
    fn default() -> Self {
        CreateOptions { kdf: None, journal_mode: JournalMode::Wal, open: OpenOptions::default() }
    }
}

/// Settings for opening a vault.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// SQLite page cache size in KiB. Decrypted pages live in process memory
    /// anyway, so a generous cache costs no secrecy.
    pub cache_kib: u32,
    /// The layer the sealed files are stored through.
    pub lower: Lower,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { cache_kib: 32 * 1024, lower: Lower::Os }
    }
}

/// What opens a vault.
#[derive(Debug, Clone, Copy)]
pub enum Unlock<'a> {
    /// A user's password, for the slot of that name.
    Password {
        /// The slot name.
        slot: &'a str,
        /// The password.
        password: &'a SecretString,
    },
    /// The recovery code shown when the vault was made.
    RecoveryCode(&'a SecretString),
}

/// An open vault: one SQLite connection whose files are all sealed.
///
/// The connection runs in `locking_mode=EXCLUSIVE` (the WAL index stays in
/// process memory) with `synchronous=FULL`. Dropping the vault closes it and
/// forgets the keys.
pub struct Vault {
    // Declared first: dropped before the VFS it runs on.
    conn: Option<Connection>,
    reg: Registration,
    shared: Arc<Shared>,
    pub(crate) keys: Arc<KeyState>,
    pub(crate) dir: PathBuf,
    pub(crate) opts: OpenOptions,
    /// The backup snapshot last taken, while it may still run.
    snapshot: Option<Arc<snapshot::SnapshotControl>>,
    // Declared last: the vault is released only after everything above is
    // closed. `None` only once `close_keeping_hold` has taken it.
    pub(crate) holder: Option<Holder>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl Vault {
    /// Creates a vault in `dir` (made if missing, refused if it already holds
    /// a vault) with one password slot named `slot` and a recovery-code slot.
    /// Returns the open vault and the recovery code, to show once.
    pub fn create(
        dir: &Path,
        slot: &str,
        password: &SecretString,
        opts: &CreateOptions,
    ) -> Result<(Vault, RecoveryCode)> {
        check_password_slot_name(slot)?;
        check_secret(password)?;
        let dir = &holder::absolute(dir)?;
        create_private_dir(dir)?;
        let holder = Holder::take(dir, &opts.open.lower)?;
        let store = Store::new(&opts.open.lower)?;
        let legacy_db = dir.join(crate::names::LEGACY_DB_FILE);
        if store.exists(&db_path(dir))? || store.exists(&keys_path(dir))? || store.exists(&legacy_db)? {
            return Err(SealError::AlreadyExists(dir.to_owned()));
        }
        let kdf = KdfParams::for_new_slot(opts.kdf)?;
        let mut vault_id = [0u8; VAULT_ID_LEN];
        getrandom::fill(&mut vault_id).map_err(|_| SealError::Random)?;
        let data_key = Key256::random()?;
        let (file, vault_key, secret, code) =
            first_keys(vault_id, 1, opts.journal_mode, slot, password, kdf, &data_key)?;
        let keys = KeyState::new(dir, Book { file, current_key: vault_key, pending_key: None, secret }, store.clone());
        keys.save(None)?;
        let vault = match Vault::start(dir, keys, data_key, opts.open.clone(), holder, Some(opts.journal_mode)) {
            Ok(v) => v,
            Err(e) => {
                // A half-made vault (a key-slot file whose recovery code was
                // never shown) must not stay behind. The lock is released
                // with the failed start, and nobody else can have used it.
                for path in [keys_path(dir), db_path(dir), crate::names::wal_path(dir), crate::names::journal_path(dir)]
                {
                    let _ = store.remove_if_exists(&path);
                }
                return Err(e);
            }
        };
        Ok((vault, code))
    }

    /// Opens the vault in `dir`.
    ///
    /// Only one holder may have a vault open at a time, in this process or
    /// another: a second opener gets [`SealError::InUse`] at once.
    ///
    /// [`SealError::NoSuchSlot`] and [`SealError::WrongPassword`] each cost
    /// one Argon2id run, so their timing tells nothing; a login layer must
    /// not pass the distinction on to the person logging in either.
    pub fn open(dir: &Path, unlock: Unlock<'_>, opts: &OpenOptions) -> Result<Vault> {
        let dir = &holder::absolute(dir)?;
        let store = Store::new(&opts.lower)?;
        if matches!(opts.lower, crate::Lower::Os) && !dir.is_dir() {
            return Err(SealError::NoSuchDirectory(dir.to_owned()));
        }
        let keys_path = keys_path(dir);
        let intent = dir.join(crate::backup::INTENT_FILE);
        if !store.exists(&keys_path)? && !store.exists(&intent)? {
            return Err(SealError::NotAVault { path: dir.to_owned(), reason: "it has no key-slot file" });
        }
        let holder = Holder::take(dir, &opts.lower)?;
        // A restore interrupted in its swap rolls forward first.
        crate::backup::settle_restore(dir, &opts.lower)?;
        if matches!(opts.lower, crate::Lower::Os) {
            diagnose::check_writable(dir)?;
        }
        migrate::legacy_names(dir, &store)?;
        let bytes = store.read_capped(&keys_path, crate::keyfile::MAX_FILE_LEN)?;
        let bytes = bytes.ok_or(SealError::NotAVault { path: dir.to_owned(), reason: "it has no key-slot file" })?;
        let file = KeyFile::parse(&bytes, &keys_path)?;
        let id_matches = check_db_matches(dir, &file.vault_id, &store)?;
        let (name, secret): (&str, Zeroizing<Vec<u8>>) = match unlock {
            Unlock::Password { slot, password } => {
                check_secret(password)?;
                if file.slot(slot).filter(|s| s.kind == SlotKind::Password).is_none() {
                    // As slow as a wrong password: the time an answer takes
                    // must not tell whether a slot of that name exists.
                    spend_one_unlock(&file, password.expose_secret().as_bytes());
                    return Err(SealError::NoSuchSlot(slot.to_owned()));
                }
                (slot, Zeroizing::new(password.expose_secret().as_bytes().to_vec()))
            }
            Unlock::RecoveryCode(code) => {
                let canon = normalize(code.expose_secret()).ok_or(SealError::WrongPassword)?;
                file.slot(RECOVERY_SLOT)
                    .filter(|s| s.kind == SlotKind::RecoveryCode)
                    .ok_or_else(|| SealError::NoSuchSlot(RECOVERY_SLOT.to_owned()))?;
                (RECOVERY_SLOT, Zeroizing::new(canon.to_vec()))
            }
        };
        let keys = unlock_book(dir, file, name, &secret, store)?;
        let settled = settle::settle_unfinished_rekey(dir, &keys)?;
        if !id_matches {
            return Err(diagnose::page1_mismatch(dir, &keys, &settled.key));
        }
        let mut vault = Vault::start(dir, keys, settled.key, opts.clone(), holder, None)?;
        if settled.redo_rotation {
            // An administrator revoked a slot and a crash undid the rotation:
            // run it again. Its pending generation stays in the key-slot file
            // (the rotation is owed) until a new one replaces it, so that a
            // failure here (a full disk) leaves it owed for the next open,
            // never silently undone. `rotation_owed()` tells the layer above.
            vault.keys.store().remove_if_exists(&crate::names::rekey_path(dir))?;
            let _ = vault.rotate_keys(None, None);
            vault.reconnect_if_needed()?;
        } else if settled.withdraw_pending {
            vault.withdraw_pending_rekey()?;
        }
        vault.apply_journal_mode()?;
        if vault.rekey_due() {
            // The data key has sealed 2^30 pages: renew it now, before the
            // hard limit stops writes. Should that fail (a full disk), the
            // vault still opens and `rekey_due()` tells the layer above.
            let _ = vault.rekey();
            vault.reconnect_if_needed()?;
        }
        Ok(vault)
    }

    /// Registers the VFS for `data_key` and opens the connection.
    fn start(
        dir: &Path,
        keys: KeyState,
        data_key: Key256,
        opts: OpenOptions,
        holder: Holder,
        new_mode: Option<JournalMode>,
    ) -> Result<Vault> {
        let keys = Arc::new(keys);
        let shared = Arc::new(Shared::new(page_keys(&keys, &data_key)));
        shared.legacy_wal_allowed.store(keys.converted_from_v1, std::sync::atomic::Ordering::Release);
        drop(data_key);
        let reg = Registration::new(shared.clone(), &opts.lower)?;
        let mut vault =
            Vault { conn: None, reg, shared, keys, dir: dir.to_owned(), opts, snapshot: None, holder: Some(holder) };
        vault.connect(new_mode)?;
        Ok(vault)
    }

    fn connect(&mut self, new_mode: Option<JournalMode>) -> Result<()> {
        match self.connect_inner(new_mode) {
            Err(err @ SealError::Sqlite(_)) => Err(self.diagnose_truncation().unwrap_or(err)),
            other => other,
        }
    }

    fn connect_inner(&mut self, new_mode: Option<JournalMode>) -> Result<()> {
        // No SQLITE_OPEN_URI: the path is a file name, whatever it holds. A
        // directory named like `file:x?vfs=unix` must not pick another VFS.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags_and_vfs(db_path(&self.dir), flags, self.reg.name())
            .map_err(|e| self.explain(e))?;
        // Exclusive locking before anything touches the WAL: the WAL index
        // then lives in heap memory and no -shm file is ever made.
        let setup = format!(
            "PRAGMA locking_mode=EXCLUSIVE; PRAGMA synchronous=EXTRA; PRAGMA cache_size=-{}; PRAGMA temp_store=MEMORY; PRAGMA secure_delete=ON;",
            self.opts.cache_kib
        );
        conn.execute_batch(&setup).map_err(|e| self.explain(e))?;
        if let Some(mode) = new_mode {
            set_reserve_bytes(&conn, RESERVE as u8)?;
            conn.execute_batch(&format!(
                "PRAGMA page_size={}; PRAGMA application_id={}; PRAGMA journal_mode={};",
                crate::PAGE_SIZE,
                APPLICATION_ID,
                mode.pragma()
            ))
            .map_err(|e| self.explain(e))?;
        }
        // Read the schema now so a wrong key or a damaged page 1 is reported
        // here, by name, rather than on the caller's first query.
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0))
            .map_err(|e| self.explain(e))?;
        // FULL syncs the log at every commit, so a crash loses at most the
        // unfinished transaction (and the WAL tamper check can rely on it);
        // EXTRA also syncs the directory after deleting a rollback journal,
        // without which a power cut could bring back a committed journal.
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).map_err(|e| self.explain(e))?;
        let sync = if mode.eq_ignore_ascii_case("wal") { "FULL" } else { "EXTRA" };
        conn.execute_batch(&format!("PRAGMA synchronous={sync};")).map_err(|e| self.explain(e))?;
        if self.shared.legacy_wal.swap(false, std::sync::atomic::Ordering::AcqRel) {
            // A log of the earlier checksum format, left by a crash: move its
            // committed frames into the database now, so that the next write
            // starts a log of the current format instead of appending.
            conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").map_err(|e| self.explain(e))?;
        }
        self.conn = Some(conn);
        Ok(())
    }

    /// SQLite calls a database shorter than its header says "malformed";
    /// name the file and the first missing page instead.
    fn diagnose_truncation(&self) -> Option<SealError> {
        let path = db_path(&self.dir);
        let store = self.keys.store();
        let mut page1 = store.read_head(&path, crate::PAGE_SIZE).ok()??;
        let len = store.len(&path).ok()??;
        if page1.len() < crate::PAGE_SIZE {
            return None;
        }
        self.shared.keys.open_page(1, &mut page1).ok()?;
        let be = |at: usize| u32::from_be_bytes([page1[at], page1[at + 1], page1[at + 2], page1[at + 3]]);
        // The in-header size counts only when its version stamp is current.
        let header_pages = if be(92) == be(24) { be(28) } else { return None };
        let whole_pages = (len / crate::PAGE_SIZE as u64) as u32;
        (whole_pages < header_pages).then_some(SealError::DatabaseTruncated {
            path,
            len,
            first_missing: whole_pages + 1,
            pages: header_pages,
        })
    }

    /// The connection. Use it like any `rusqlite` connection; map its errors
    /// through [`Vault::explain`] to learn when the sealing layer caused them.
    pub fn conn(&self) -> &Connection {
        let conn = self.conn.as_ref().expect("a vault always has a connection between operations");
        self.after_snapshot(conn);
        conn
    }

    /// The connection, mutably (for `transaction()`).
    pub fn conn_mut(&mut self) -> &mut Connection {
        let conn = self.conn.take().expect("a vault always has a connection between operations");
        self.after_snapshot(&conn);
        self.conn.insert(conn)
    }

    /// Turns a SQLite error into the sealing-layer error behind it, if any
    /// (a tampered page, a truncated file, a refused write).
    pub fn explain(&self, err: rusqlite::Error) -> SealError {
        explain(&self.shared, err)
    }

    /// The vault's id, as 32 hexadecimal digits (also in clear at the
    /// start of its database and in its backups).
    pub fn vault_id_hex(&self) -> String {
        crate::backup::hex(&self.keys.vault_id())
    }

    /// The vault directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Pages sealed under the current data key, counted ahead durably.
    pub fn seals_used(&self) -> u64 {
        self.shared.keys.seals_used()
    }

    /// The generation of the data key: 1 at creation, one more per rekey.
    pub fn data_key_epoch(&self) -> u32 {
        self.keys.lock().file.current.epoch
    }

    /// Whether a rotation of the vault key was interrupted and has not been
    /// completed yet (it is retried at every open; [`Vault::rotate_keys`]
    /// completes it now).
    pub fn rotation_owed(&self) -> bool {
        use subtle::ConstantTimeEq;
        let book = self.keys.lock();
        match (&book.file.pending, &book.pending_key) {
            (Some(_), Some(k)) => !bool::from(k.expose_secret().ct_eq(book.current_key.expose_secret())),
            _ => false,
        }
    }

    /// After a failed rekey or rotation whose reconnection failed too: one
    /// more try, or an error (never a vault without a connection).
    fn reconnect_if_needed(&mut self) -> Result<()> {
        if self.conn.is_none() {
            self.restart(None)?;
        }
        Ok(())
    }

    /// Whether the data key has sealed enough pages that a rekey is due.
    pub fn rekey_due(&self) -> bool {
        self.seals_used() >= crate::REKEY_DUE_AFTER
    }

    /// The journal mode recorded in the key-slot file is the vault's: a
    /// database found in another (an old vault, a crash in an old rekey) is
    /// put back; a file from a version that did not record it records the
    /// database's.
    fn apply_journal_mode(&mut self) -> Result<()> {
        let recorded = self.keys.lock().file.journal_mode;
        let found: String =
            self.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).map_err(|e| self.explain(e))?;
        let found = if found.eq_ignore_ascii_case("wal") { JournalMode::Wal } else { JournalMode::Delete };
        match recorded {
            Some(mode) if mode != found => {
                self.conn()
                    .execute_batch(&format!("PRAGMA journal_mode={};", mode.pragma()))
                    .map_err(|e| self.explain(e))?;
                let sync = if mode == JournalMode::Wal { "FULL" } else { "EXTRA" };
                self.conn().execute_batch(&format!("PRAGMA synchronous={sync};")).map_err(|e| self.explain(e))
            }
            Some(_) => Ok(()),
            None => self.keys.update(None, |f| {
                f.journal_mode = Some(found);
                Ok(())
            }),
        }
    }

    /// Records `n` seals as used under the current data key, as if they had
    /// been made. For tests of what happens when a rekey falls due.
    #[doc(hidden)]
    pub fn pretend_seals_used(&self, n: u64) -> Result<()> {
        self.keys.update(None, |f| {
            f.seals_reserved = n;
            Ok(())
        })?;
        self.shared.keys.pretend_seals_used(n);
        Ok(())
    }

    /// Page seals and opens since this vault was opened (or last rekeyed).
    pub fn crypto_stats(&self) -> CryptoStats {
        self.shared.keys.stats()
    }

    /// Closes the connection (checkpointing and removing the WAL) and
    /// records the seals actually made, so that the reservation taken ahead
    /// of them is not lost.
    pub fn close(mut self) -> Result<()> {
        self.shut()
    }

    pub(crate) fn shut(&mut self) -> Result<()> {
        // A backup reading the database stops first: closing checkpoints
        // into the file it reads, and the keys go with the session.
        self.end_snapshot();
        if let Some(conn) = self.conn.take() {
            conn.close().map_err(|(_, e)| explain(&self.shared, e))?;
            // Nothing seals under this key any more: give back what the
            // reservation holds beyond the seals made. A crash before this
            // point loses at most one reservation.
            let used = self.shared.keys.seals_used();
            if used < self.keys.seals_reserved() {
                self.keys.update(None, |f| {
                    f.seals_reserved = used;
                    Ok(())
                })?;
            }
        }
        Ok(())
    }
}

impl Drop for Vault {
    fn drop(&mut self) {
        // Errors cannot be reported here; `close` reports them.
        let _ = self.shut();
    }
}

/// `application_id` in the database header: "CVLT".
const APPLICATION_ID: i32 = 0x4356_4c54;

pub(crate) fn explain(shared: &Shared, err: rusqlite::Error) -> SealError {
    // The detail explains this error only if SQLite passed on the very code
    // the shim returned; an error SQLite recovered from must not be pinned
    // on a later, unrelated one.
    let detail = shared.last_error.lock().unwrap_or_else(|e| e.into_inner()).take();
    match (detail, &err) {
        (Some((code, d)), rusqlite::Error::SqliteFailure(e, _)) if e.extended_code == code => d,
        _ => SealError::Sqlite(err),
    }
}

/// The keys of a new vault (or of one restored with new keys): a vault key
/// and a vault secret, one password slot named `slot` and a recovery-code
/// slot, and generation `epoch` wrapping `data_key`.
pub(crate) fn first_keys(
    vault_id: [u8; VAULT_ID_LEN],
    epoch: u32,
    mode: JournalMode,
    slot: &str,
    password: &SecretString,
    kdf: KdfParams,
    data_key: &Key256,
) -> Result<(KeyFile, Key256, VaultSecret, RecoveryCode)> {
    let vault_key = Key256::random()?;
    let secret = VaultSecret::random()?;
    let code = RecoveryCode::generate()?;
    let canon = normalize(code.expose_secret()).expect("a generated code is canonical");
    let slots = vec![
        Slot::new(&vault_id, slot, SlotKind::Password, kdf, password.expose_secret().as_bytes(), &secret)?,
        Slot::new(&vault_id, RECOVERY_SLOT, SlotKind::RecoveryCode, kdf, &canon, &secret)?,
    ];
    let current = Generation::new(&vault_id, epoch, &vault_key, data_key, &secret, &slots)?;
    Ok((KeyFile::new(vault_id, mode, current, slots), vault_key, secret, code))
}

/// Builds the page keys for `data_key`, counting seals into the slot file.
pub(crate) fn page_keys(keys: &Arc<KeyState>, data_key: &Key256) -> Arc<PageKeys> {
    let persisted = keys.seals_reserved();
    let k = keys.clone();
    let counter = SealCounter::new(persisted, Box::new(move |n| k.reserve_seals(n)));
    Arc::new(PageKeys::new(data_key, keys.vault_id(), counter))
}

/// Unlocks the slot `name` of `file` with `secret`: the vault keys of the
/// generations it reaches, the file's MAC, and (for a slot from a version-1
/// file) the slot's upgrade to a key pair, written at once.
fn unlock_book(dir: &Path, file: KeyFile, name: &str, secret: &[u8], store: Store) -> Result<KeyState> {
    let path = keys_path(dir);
    let slot = file.slot(name).ok_or_else(|| SealError::NoSuchSlot(name.to_owned()))?;
    let unlocked = slot.unlock(&file.vault_id, secret)?;
    let Some(current_key) = file.current.vault_key(&file.vault_id, slot, &unlocked) else {
        return Err(SealError::SlotFileCorrupt {
            path,
            reason: "the slot opens, but holds no key to the vault's current key generation",
        });
    };
    file.verify_mac(&current_key, &path)?;
    let pending_key = file.pending.as_ref().and_then(|p| p.vault_key(&file.vault_id, slot, &unlocked));
    let legacy = slot.is_legacy();
    let old_format = file.read_version() == Some(1);
    let secret_of_vault = unlocked.into_vault_secret();
    let mut book = Book { file, current_key, pending_key, secret: secret_of_vault };
    if legacy {
        // A slot of a version-1 file: give it a key pair now that its
        // password is at hand, so that later rotations can reach it.
        let Book { file, current_key, pending_key, secret: vault_secret } = &mut book;
        file.upgrade_slot(name, secret, current_key, pending_key.as_ref(), vault_secret)?;
    }
    let mut keys = KeyState::new(dir, book, store);
    keys.converted_from_v1 = old_format;
    if legacy || old_format {
        keys.save(None)?;
    }
    Ok(keys)
}

/// One Argon2id run at the cost of this vault's slots, result discarded.
pub(crate) fn spend_one_unlock(file: &KeyFile, secret: &[u8]) {
    let _ = crate::kdf::derive_kek(secret, &[0u8; 16], &file.strongest_kdf());
}

/// Checks that the database in `dir` is a sealed database of `vault_id`,
/// reading its first bytes through the vault's lower layer. `false` when it
/// carries another id: another vault's, or a damaged first page, which only
/// the keys can tell apart.
fn check_db_matches(dir: &Path, vault_id: &[u8; VAULT_ID_LEN], store: &Store) -> Result<bool> {
    let path = db_path(dir);
    let Some(head) = store.read_head(&path, VAULT_ID_LEN)? else {
        return Err(SealError::NotAVault { path: dir.to_owned(), reason: "it has no database file" });
    };
    if head.len() < VAULT_ID_LEN {
        return Err(SealError::NotAVault { path, reason: "the database file is empty or cut short" });
    }
    if head == crate::cipher::SQLITE_MAGIC {
        return Err(SealError::NotAVault { path, reason: "it is a plain, unencrypted SQLite database" });
    }
    Ok(head == vault_id)
}

/// Slot names a password may take: valid, and not the recovery code's.
pub(crate) fn check_password_slot_name(name: &str) -> Result<()> {
    crate::slots::check_name(name)?;
    if name == RECOVERY_SLOT {
        return Err(SealError::ReservedSlotName(name.to_owned()));
    }
    Ok(())
}

/// Policy lives in the layer above; the seal refuses only what can never
/// be a secret.
pub(crate) fn check_secret(secret: &SecretString) -> Result<()> {
    if secret.expose_secret().is_empty() {
        return Err(SealError::EmptySecret);
    }
    Ok(())
}

/// Makes the vault directory, readable by its owner only where the
/// platform has such modes (Windows folders inherit their ACLs).
fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            SealError::ReadOnly { path: dir.to_owned(), what: "cannot create the vault folder" }
        }
        _ => SealError::io("cannot create", dir, e),
    })
}
