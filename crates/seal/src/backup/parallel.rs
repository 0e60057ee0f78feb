//! Opening and sealing the pages of one run on two threads: with the
//! reading and the writing on threads of their own, the AEAD work is what
//! bounds a backup's speed, and a clinic's workstation has more than one
//! core.

use rand::rngs::StdRng;

use super::BackupError;
use super::io::{Opened, page_runs, read_ahead, write_behind};
use super::read::RUN;
use crate::cipher::{PAGE_SIZE, nonce_rng};

/// Where a run of pages goes and what happens around each run.
pub(crate) struct Reseal<'a> {
    /// The pages, `1..=pages`, start at this offset of the source.
    pub(crate) src_offset: u64,
    /// And go to this offset of the output.
    pub(crate) out_offset: u64,
    pub(crate) pages: u32,
    /// The error when the source ends before page `p`.
    pub(crate) short: &'a dyn Fn(u32) -> BackupError,
    /// Called with each run's sealed pages before they are written.
    pub(crate) sealed_run: &'a mut dyn FnMut(&[u8]),
    /// Called after each run with the pages done: progress, cancellation.
    pub(crate) after_run: &'a mut dyn FnMut(u64) -> Result<(), BackupError>,
}

/// What [`reseal`] does to one page: its number, its plain bytes (opened in
/// place), where its sealed bytes go, and the thread's nonce generator.
pub(crate) type PageSeal<'w> = dyn Fn(u32, &mut [u8], &mut [u8], &mut StdRng) -> Result<(), BackupError> + Sync + 'w;

/// The backup's copy and the restore's staging: every page of `src` read
/// ahead on one thread, opened and sealed again by `work(pgno, plain,
/// sealed, rng)` on two, and written behind on another. `out` is free for
/// more writes when it returns.
pub(crate) fn reseal(
    src: &mut Opened,
    out: &mut Opened,
    job: Reseal<'_>,
    work: &PageSeal<'_>,
) -> Result<(), BackupError> {
    let Reseal { src_offset, out_offset, pages: n, short, sealed_run, after_run } = job;
    let mut rngs = [nonce_rng()?, nonce_rng()?];
    read_ahead(src, page_runs(n, RUN, src_offset), |next| {
        write_behind(out, |sink| {
            let mut pgno = 1u32;
            while pgno <= n {
                let Some(read) = next()? else { return Err(short(pgno)) };
                // Opened pages are plaintext: wiped when dropped.
                let mut plain = zeroize::Zeroizing::new(read);
                let mut sealed = vec![0u8; plain.len()];
                let first = pgno;
                each_page(&mut plain, &mut sealed, &mut rngs, &|i, p, s, rng| work(first + i as u32, p, s, rng))?;
                sealed_run(&sealed);
                let count = (sealed.len() / PAGE_SIZE) as u32;
                sink(sealed, out_offset + u64::from(pgno - 1) * PAGE_SIZE as u64)?;
                pgno += count;
                after_run(u64::from(pgno - 1))?;
            }
            Ok(())
        })
    })
}

/// What is done to one page: its index in the run, its plain bytes (opened
/// in place), where its sealed bytes go, and the thread's nonce generator.
pub(crate) type PageWork<'w, E> = dyn Fn(usize, &mut [u8], &mut [u8], &mut StdRng) -> Result<(), E> + Sync + 'w;

/// Runs `work(index, plain_page, sealed_page, rng)` for every page of a run
/// (`plain` and `sealed` are whole pages, the same count), splitting the
/// pages between this thread and one other, each with its own nonce
/// generator. The first error in page order is returned.
pub(crate) fn each_page<E: Send>(
    plain: &mut [u8],
    sealed: &mut [u8],
    rngs: &mut [StdRng; 2],
    work: &PageWork<'_, E>,
) -> Result<(), E> {
    let pages = plain.len() / PAGE_SIZE;
    let half = pages.div_ceil(2);
    let (plain_a, plain_b) = plain.split_at_mut(half * PAGE_SIZE);
    let (sealed_a, sealed_b) = sealed.split_at_mut(half * PAGE_SIZE);
    let [rng_a, rng_b] = rngs;
    let run = |first: usize, plain: &mut [u8], sealed: &mut [u8], rng: &mut StdRng| -> Result<(), E> {
        for (i, (p, s)) in plain.chunks_exact_mut(PAGE_SIZE).zip(sealed.chunks_exact_mut(PAGE_SIZE)).enumerate() {
            work(first + i, p, s, rng)?;
        }
        Ok(())
    };
    if pages < 8 {
        run(0, plain_a, sealed_a, rng_a)?;
        return run(half, plain_b, sealed_b, rng_b);
    }
    std::thread::scope(|s| {
        let other = s.spawn(|| run(half, plain_b, sealed_b, rng_b));
        let first = run(0, plain_a, sealed_a, rng_a);
        let second = other.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        first.and(second)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_is_visited_once_with_its_index_and_the_first_error_wins() {
        for pages in [1usize, 7, 8, 9, 256] {
            let mut plain: Vec<u8> = (0..pages * PAGE_SIZE).map(|i| (i / PAGE_SIZE) as u8).collect();
            let mut sealed = vec![0u8; pages * PAGE_SIZE];
            let mut rngs = [crate::cipher::nonce_rng().unwrap(), crate::cipher::nonce_rng().unwrap()];
            each_page::<()>(&mut plain, &mut sealed, &mut rngs, &|i, p, s, _| {
                assert_eq!(p[0], i as u8);
                s.copy_from_slice(p);
                s[1] = 0xAA;
                Ok(())
            })
            .unwrap();
            for (i, s) in sealed.chunks(PAGE_SIZE).enumerate() {
                assert_eq!((s[0], s[1]), (i as u8, 0xAA), "{pages} pages, page {i}");
            }
            if pages >= 9 {
                let r = each_page(&mut plain, &mut sealed, &mut rngs, &|i, _, _, _| {
                    if i == 2 || i == pages - 1 { Err(i) } else { Ok(()) }
                });
                assert_eq!(r, Err(2), "the first failing page in order");
            }
        }
    }
}
