//! Sealing one 4 KiB page as the VFS does, against raw AES-256-GCM.
//!
//! - `raw_encrypt`: `Aes256Gcm::encrypt_inout_detached` of a 4096-byte
//!   buffer into another, with a fresh random nonce from the same generator
//!   the VFS uses (`StdRng` seeded from the OS) and no associated data.
//! - `raw_encrypt_body`: raw AES-256-GCM of exactly what a page seal
//!   encrypts: 4068 bytes (the page less its 28 reserved bytes) with 24
//!   bytes of associated data. It separates the cost of the page layout
//!   (a length that is not a multiple of the cipher's parallel batch) from
//!   the sealer's own bookkeeping.
//! - `page_seal`: `PageSealer::seal` (nonce, associated data, seal counter,
//!   4068 bytes encrypted, nonce and tag written into the page).
//! - `raw_decrypt`, `raw_decrypt_body`, `page_open`: the reverse, in place,
//!   on a copy of a sealed buffer made outside the timed part.
//!
//! Every buffer is 64-byte aligned.
//!
//! On a shared virtual machine the speed of the same code drifts by up to
//! 40% over seconds, which criterion's one-benchmark-after-another runs
//! turn into ratio noise. So after the criterion groups, an interleaved
//! comparison runs every variant in turn, [`ROUNDS`] times, on batches of
//! [`BATCH`] pages, and prints the median time per page of each and the
//! median of the per-round ratios as one line starting `INTERLEAVED `
//! (JSON). The ratios in docs/BENCHMARKS.md are those.
//!
//! Run: `cargo bench -p chartvault-seal --bench page_seal`.

use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::{AeadInOut, Aes256Gcm, KeyInit, Nonce, Tag};
use chartvault_seal::bench_support::PageSealer;
use criterion::{BatchSize, Criterion, Throughput, criterion_group};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

const PAGE: usize = 4096;
/// What a page seal encrypts: the page less nonce (12) and tag (16).
const BODY: usize = PAGE - 28;
/// Associated data of a page seal: "CVPG", vault id, page number.
const AD: [u8; 24] = [7u8; 24];

/// One page buffer, cache-line aligned.
#[repr(C, align(64))]
#[derive(Clone)]
struct Page([u8; PAGE]);

fn page() -> Box<Page> {
    Box::new(Page([0u8; PAGE]))
}

fn plain_page() -> Box<Page> {
    let mut p = page();
    for (i, b) in p.0.iter_mut().enumerate() {
        *b = (i * 31 % 251) as u8;
    }
    p
}

fn rng() -> StdRng {
    StdRng::try_from_rng(&mut rand::rngs::SysRng).expect("OS randomness")
}

fn bench_raw_encrypt(c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, name: &str, len: usize) {
    let mut key = [0u8; 32];
    rng().fill_bytes(&mut key);
    let aead = Aes256Gcm::new(&key.into());
    let ad: &[u8] = if len == PAGE { b"" } else { &AD };
    let plain = plain_page();
    let mut out = page();
    let mut r = rng();
    c.bench_function(name, |b| {
        b.iter(|| {
            let mut nonce = [0u8; 12];
            r.fill_bytes(&mut nonce);
            let buf = InOutBuf::new(black_box(&plain.0[..len]), &mut out.0[..len]).expect("same length");
            let tag = aead.encrypt_inout_detached(&Nonce::from(nonce), ad, buf).expect("encrypt");
            black_box((&out, tag, nonce));
        });
    });
}

fn bench_raw_decrypt(c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, name: &str, len: usize) {
    let mut key = [0u8; 32];
    rng().fill_bytes(&mut key);
    let aead = Aes256Gcm::new(&key.into());
    let ad: &[u8] = if len == PAGE { b"" } else { &AD };
    let mut nonce = [0u8; 12];
    rng().fill_bytes(&mut nonce);
    let nonce = Nonce::from(nonce);
    let mut sealed = plain_page();
    let tag: Tag = aead.encrypt_inout_detached(&nonce, ad, sealed.0[..len].as_mut().into()).expect("encrypt");
    c.bench_function(name, |b| {
        b.iter_batched(
            || sealed.clone(),
            |mut buf| {
                let ok = aead.decrypt_inout_detached(&nonce, ad, buf.0[..len].as_mut().into(), &tag).is_ok();
                assert!(ok);
                buf
            },
            BatchSize::SmallInput,
        );
    });
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("seal_4k");
    g.throughput(Throughput::Bytes(PAGE as u64));
    bench_raw_encrypt(&mut g, "raw_encrypt", PAGE);
    bench_raw_encrypt(&mut g, "raw_encrypt_body", BODY);
    {
        let mut sealer = PageSealer::new().expect("sealer");
        let plain = plain_page();
        let mut out = page();
        g.bench_function("page_seal", |b| {
            b.iter(|| {
                sealer.seal(black_box(7), black_box(&plain.0), &mut out.0).expect("seal");
                black_box(&out);
            });
        });
    }
    g.finish();

    let mut g = c.benchmark_group("open_4k");
    g.throughput(Throughput::Bytes(PAGE as u64));
    bench_raw_decrypt(&mut g, "raw_decrypt", PAGE);
    bench_raw_decrypt(&mut g, "raw_decrypt_body", BODY);
    {
        let mut sealer = PageSealer::new().expect("sealer");
        let mut sealed = page();
        sealer.seal(7, &plain_page().0, &mut sealed.0).expect("seal");
        g.bench_function("page_open", |b| {
            b.iter_batched(
                || sealed.clone(),
                |mut buf| {
                    assert!(sealer.open(black_box(7), &mut buf.0));
                    buf
                },
                BatchSize::SmallInput,
            );
        });
    }
    g.finish();
}

/// Rounds of the interleaved comparison.
const ROUNDS: usize = 2000;
/// Pages per timed batch.
const BATCH: usize = 64;

/// Nanoseconds per page of each variant in each round.
fn interleaved() -> Vec<(&'static str, Vec<f64>)> {
    let mut key = [0u8; 32];
    rng().fill_bytes(&mut key);
    let aead = Aes256Gcm::new(&key.into());
    let mut r = rng();
    let mut sealer = PageSealer::new().expect("sealer");
    let plain = plain_page();
    let mut out = page();

    // Ciphertexts to open: raw (whole page, no AD), raw body (with AD), sealed.
    let nonce = Nonce::from([3u8; 12]);
    let mut raw_ct = plain.clone();
    let raw_tag: Tag = aead.encrypt_inout_detached(&nonce, b"", raw_ct.0[..].as_mut().into()).expect("encrypt");
    let mut body_ct = plain.clone();
    let body_tag: Tag = aead.encrypt_inout_detached(&nonce, &AD, body_ct.0[..BODY].as_mut().into()).expect("encrypt");
    let mut sealed_ct = page();
    sealer.seal(7, &plain.0, &mut sealed_ct.0).expect("seal");
    let mut work: Vec<Page> = vec![Page([0u8; PAGE]); BATCH];

    let names = ["raw_encrypt", "raw_encrypt_body", "page_seal", "raw_decrypt", "raw_decrypt_body", "page_open"];
    let mut times: Vec<(&'static str, Vec<f64>)> = names.iter().map(|n| (*n, Vec::with_capacity(ROUNDS))).collect();
    for _ in 0..ROUNDS {
        for (i, (_, t)) in times.iter_mut().enumerate() {
            // Fill the batch of ciphertexts to open, untimed.
            let src = match i {
                3 => Some(&raw_ct),
                4 => Some(&body_ct),
                5 => Some(&sealed_ct),
                _ => None,
            };
            if let Some(src) = src {
                for w in work.iter_mut() {
                    w.0.copy_from_slice(&src.0);
                }
            }
            let start = Instant::now();
            for w in work.iter_mut() {
                match i {
                    0 | 1 => {
                        let (len, ad): (usize, &[u8]) = if i == 0 { (PAGE, b"") } else { (BODY, &AD) };
                        let mut n = [0u8; 12];
                        r.fill_bytes(&mut n);
                        let buf = InOutBuf::new(black_box(&plain.0[..len]), &mut out.0[..len]).expect("same length");
                        black_box(aead.encrypt_inout_detached(&Nonce::from(n), ad, buf).expect("encrypt"));
                    }
                    2 => sealer.seal(black_box(7), black_box(&plain.0), &mut out.0).expect("seal"),
                    3 => assert!(aead.decrypt_inout_detached(&nonce, b"", w.0[..].as_mut().into(), &raw_tag).is_ok()),
                    4 => {
                        let buf = w.0[..BODY].as_mut().into();
                        assert!(aead.decrypt_inout_detached(&nonce, &AD, buf, &body_tag).is_ok());
                    }
                    _ => assert!(sealer.open(black_box(7), &mut w.0)),
                }
                black_box(&out);
            }
            t.push(start.elapsed().as_nanos() as f64 / BATCH as f64);
        }
    }
    times
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 }
}

fn report_interleaved() {
    let times = interleaved();
    let get = |name: &str| &times.iter().find(|(n, _)| *n == name).expect("variant").1;
    let ratio = |a: &str, b: &str| median(get(a).iter().zip(get(b)).map(|(x, y)| x / y).collect());
    let mut fields: Vec<String> = times.iter().map(|(n, t)| format!("\"{n}_ns\":{:.1}", median(t.clone()))).collect();
    for (a, b) in [
        ("page_seal", "raw_encrypt"),
        ("page_seal", "raw_encrypt_body"),
        ("raw_encrypt_body", "raw_encrypt"),
        ("page_open", "raw_decrypt"),
        ("page_open", "raw_decrypt_body"),
        ("raw_decrypt_body", "raw_decrypt"),
    ] {
        fields.push(format!("\"{a}/{b}\":{:.4}", ratio(a, b)));
    }
    let line = format!("INTERLEAVED {{\"rounds\":{ROUNDS},\"batch\":{BATCH},{}}}", fields.join(","));
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}").expect("stdout");
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Only under `cargo bench` (which passes --bench), not as a test.
    if std::env::args().any(|a| a == "--bench") {
        report_interleaved();
    }
}
