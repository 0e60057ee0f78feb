//! Telling a crash-torn WAL tail from tampering, over the log's raw bytes
//! (shared by recovery in the VFS and by `Vault::verify`).
//!
//! Recovery walks the frames in order; at the first frame `k` it cannot
//! accept (tag, salts or checksum), SQLite ends the log. After a crash that
//! is right: with `synchronous=FULL` only the unfinished last transaction can
//! be incomplete. It is wrong when `k` was durable, which we can prove when
//! later frames build on it: every frame after a commit frame was written
//! after that commit (and every frame before it) was synced.
//!
//! So we follow the checksum chain past `k`, seeded with the value `k`'s
//! header records, the value it should have (when `k`'s page opens), or
//! nothing (the later frames' chain among themselves), and call it tampering
//! when the chained frames show that:
//!
//! 1. a commit frame is followed by a further chained frame;
//! 2. `k` itself is a commit frame and a frame chained from `k`'s own value
//!    follows it; or
//! 3. only `k`'s checksum or commit field is off (its page opens, its salts
//!    match) and the frames chained from its recorded value reach a commit.
//!
//! Leftover frames of a rolled-back transaction never chain from the frames
//! that overwrote them, so they cannot trigger these rules by accident.
//! What stays undetectable is damage confined to the last transaction, or to
//! the nonce of the frame that commits the one before it: like truncating the
//! log, it rolls the vault back to an earlier committed state, the limit
//! stated in SECURITY.md.

use std::collections::HashMap;

use zeroize::Zeroizing;

use super::u32_at;
use super::wal::{Chain, FRAME, MAGIC_BE, MAGIC_LE, WAL_FRAME_HDR, WalFormat, wal_checksum};
use crate::cipher::{NONCE_LEN, PAGE_SIZE, PageKeys, RESERVE};

const WAL_HDR: usize = 32;

/// The raw log, read on demand (never whole: a huge or sparse file must not
/// exhaust memory): fills the buffer from the offset, or `false` if the log
/// does not hold all of it.
pub(crate) type ReadAt<'a> = dyn FnMut(u64, &mut [u8]) -> bool + 'a;

/// One frame of the raw log, opened: header with its checksum unmasked,
/// whether the page authenticated, and the opened page.
pub(super) struct Frame {
    hdr: [u8; WAL_FRAME_HDR],
    opened: bool,
    page: Zeroizing<Vec<u8>>,
}

impl Frame {
    fn pgno(&self) -> u32 {
        u32_at(&self.hdr, 0)
    }
    fn is_commit(&self) -> bool {
        u32_at(&self.hdr, 4) != 0
    }
    fn recorded(&self) -> (u32, u32) {
        (u32_at(&self.hdr, 16), u32_at(&self.hdr, 20))
    }
}

/// Frame `n` (1-based) of the log, if it holds all of it.
pub(super) fn frame(keys: &PageKeys, wal: &mut ReadAt<'_>, n: u64, format: WalFormat) -> Option<Frame> {
    let at = WAL_HDR as u64 + (n - 1) * FRAME;
    let mut raw = Zeroizing::new(vec![0u8; FRAME as usize]);
    if !wal(at, &mut raw) {
        return None;
    }
    let mut hdr = [0u8; WAL_FRAME_HDR];
    hdr.copy_from_slice(&raw[..WAL_FRAME_HDR]);
    let mut page = Zeroizing::new(raw[WAL_FRAME_HDR..].to_vec());
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&page[PAGE_SIZE - RESERVE..][..NONCE_LEN]);
    let recorded = format.recorded(keys, &nonce, &hdr);
    hdr[16..].copy_from_slice(&recorded);
    let pgno = u32_at(&hdr, 0);
    let opened = pgno != 0 && keys.open_page(pgno, &mut page).is_ok();
    Some(Frame { hdr, opened, page })
}

/// The chain value after `f`, given the one before it.
pub(super) fn chain_through(chain: &Chain, before: (u32, u32), f: &Frame) -> (u32, u32) {
    wal_checksum(chain.big_endian, &f.page, wal_checksum(chain.big_endian, &f.hdr[..8], before))
}

/// Whether `f` is a frame recovery accepts after chain value `before`.
pub(super) fn accepted(chain: &Chain, before: (u32, u32), f: &Frame) -> bool {
    f.opened && f.hdr[8..16] == chain.salts && f.recorded() == chain_through(chain, before, f)
}

/// What the frames chained after a failed frame show.
#[derive(Default)]
struct Continuation {
    frames: u64,
    commit: bool,
    commit_then_more: bool,
}

/// Follows the chain from `seed` over the frames after `k`; with no seed,
/// the first frame after `k` is taken on its tag and salts alone.
fn chained_after(
    keys: &PageKeys,
    wal: &mut ReadAt<'_>,
    k: u64,
    chain: &Chain,
    seed: Option<(u32, u32)>,
) -> Continuation {
    let mut out = Continuation::default();
    let mut sums = seed;
    let mut n = k + 1;
    while let Some(f) = frame(keys, wal, n, chain.format) {
        let ok = match sums {
            Some(before) => accepted(chain, before, &f),
            None => f.opened && f.hdr[8..16] == chain.salts,
        };
        if !ok {
            break;
        }
        out.commit_then_more |= out.commit;
        out.commit |= f.is_commit();
        out.frames += 1;
        sums = Some(f.recorded());
        n += 1;
    }
    out
}

/// Whether the failure of frame `k` (after chain value `before`) is
/// tampering rather than a torn tail.
pub(super) fn tampered_at(keys: &PageKeys, wal: &mut ReadAt<'_>, k: u64, chain: &Chain, before: (u32, u32)) -> bool {
    let Some(fk) = frame(keys, wal, k, chain.format) else {
        return false;
    };
    let computed = (fk.opened && fk.hdr[8..16] == chain.salts).then(|| chain_through(chain, before, &fk));
    let from_recorded = chained_after(keys, wal, k, chain, Some(fk.recorded()));
    let from_computed = computed.map(|c| chained_after(keys, wal, k, chain, Some(c))).unwrap_or_default();
    // When `k`'s nonce is damaged its recorded value cannot be unmasked;
    // then only the chain the later frames form among themselves counts.
    let among_themselves = chained_after(keys, wal, k, chain, None);
    let rule1 = from_recorded.commit_then_more || from_computed.commit_then_more || among_themselves.commit_then_more;
    let rule2 = fk.is_commit() && (from_recorded.frames > 0 || from_computed.frames > 0);
    let rule3 = computed.is_some() && from_recorded.commit;
    rule1 || rule2 || rule3
}

/// Whether a WAL header without a valid signature authenticates with one
/// put back: the rest of the header is genuine, so the signature was
/// altered.
pub(super) fn signature_altered(keys: &PageKeys, hdr: &[u8]) -> bool {
    [MAGIC_LE, MAGIC_BE].iter().any(|m| {
        let mut h = [0u8; 24];
        h.copy_from_slice(&hdr[..24]);
        h[..4].copy_from_slice(&m.to_be_bytes());
        WalFormat::of_header(keys, &[&h[..], &hdr[24..32]].concat()).is_some()
    })
}

/// Whether the log holds an authentic commit frame. SQLite syncs a new
/// WAL header before writing any frame after it, so a log whose header is
/// unreadable yet holds committed frames was damaged after the fact.
pub(super) fn holds_authentic_commit(keys: &PageKeys, wal: &mut ReadAt<'_>) -> bool {
    // The page's tag and the commit field (stored in clear) tell; the
    // checksum's format does not matter here.
    (1..).map_while(|n| frame(keys, wal, n, WalFormat::Current)).any(|f| f.opened && f.is_commit())
}

/// What recovery makes of a whole log.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Replay {
    /// Page numbers of the frames recovery applies (up to the last commit),
    /// with each page's newest applied frame.
    pub(crate) applied: HashMap<u32, u64>,
    /// Frames recovery accepts (including any after the last commit).
    pub(crate) accepted: u64,
    /// Why the log, or a frame in it, counts as tampered.
    pub(crate) tampered: Option<(u64, &'static str)>,
}

/// Recovery of the log as the VFS performs it, without SQLite: for verify.
pub(crate) fn replay(keys: &PageKeys, wal: &mut ReadAt<'_>) -> Replay {
    let mut out = Replay::default();
    let mut header = [0u8; WAL_HDR];
    if !wal(0, &mut header) {
        return out;
    }
    let hdr = &header[..];
    let magic = u32_at(hdr, 0);
    if magic != MAGIC_LE && magic != MAGIC_BE {
        if signature_altered(keys, hdr) || holds_authentic_commit(keys, wal) {
            out.tampered = Some((0, "the WAL header's signature was altered"));
        }
        return out;
    }
    let Some(format) = WalFormat::of_header(keys, hdr) else {
        out.tampered = Some((0, "WAL header failed authentication"));
        return out;
    };
    let big_endian = magic == MAGIC_BE;
    let mut salts = [0u8; 8];
    salts.copy_from_slice(&hdr[16..24]);
    let start = wal_checksum(big_endian, &hdr[..24], (0, 0));
    let chain = Chain { salts, big_endian, sums: start, next_frame: 1, format };
    let (mut sums, mut pending) = (start, Vec::new());
    let mut n = 1;
    while let Some(f) = frame(keys, wal, n, format) {
        if !accepted(&chain, sums, &f) {
            if tampered_at(keys, wal, n, &chain, sums) {
                out.tampered = Some((n, "a WAL frame that later transactions build on failed authentication"));
            }
            break;
        }
        sums = chain_through(&chain, sums, &f);
        pending.push((f.pgno(), n));
        if f.is_commit() {
            out.applied.extend(pending.drain(..));
        }
        out.accepted += 1;
        n += 1;
    }
    out
}
