//! A clinic-shaped SQLite workload, timed phase by phase.
//!
//! One source file, included with `#[path]` by every benchmark binary (plain
//! SQLite and the sealed vault in `crates/seal/examples/bench_workload.rs`,
//! SQLCipher in `bench/sqlcipher`), so every engine runs exactly the same
//! statements on exactly the same data. It is plain `rusqlite` code over a
//! connection the binary has already opened and configured; see [`Engine`].
//!
//! Phases, each timed on its own:
//! - `insert`: N patients in transactions of [`BATCH`] rows, with an FTS5
//!   index (external content, kept by triggers) over names, identifiers and
//!   notes, then a `wal_checkpoint(TRUNCATE)`;
//! - `point_reads`: the connection is closed and reopened (not timed) so the
//!   page cache is cold, then [`POINT_READS`] random primary-key lookups;
//! - `fts`: [`FTS_QUERIES`] full-text queries (name prefixes, identifiers,
//!   and ranked two-word searches in the notes);
//! - `updates`: [`UPDATES`] single-row `UPDATE` transactions (new phone and
//!   a new note, so the FTS index changes too), each its own commit;
//! - `scan`: `SELECT count(*), sum(length(notes)) FROM patient`.
//!
//! The page cache is [`CACHE_KIB`] KiB for every engine in every phase.
//! The binary prints one JSON line: per-phase seconds, SQLite cache misses
//! and writes, page seals and opens where the engine counts them, the total,
//! and check values that must agree across engines.

use std::io::Write;
use std::time::Instant;

use rusqlite::{Connection, OptionalExtension, params};

/// Page cache size in KiB (`PRAGMA cache_size=-2000`, SQLite's default),
/// the same for every engine and phase.
pub const CACHE_KIB: u32 = 2000;
/// Page size of every database.
pub const PAGE_SIZE: u32 = 4096;
/// Rows per insert transaction.
pub const BATCH: usize = 1000;
/// Random primary-key lookups in the cold-cache phase.
pub const POINT_READS: usize = 20_000;
/// Full-text queries.
pub const FTS_QUERIES: usize = 300;
/// Single-row update transactions.
pub const UPDATES: usize = 2000;

/// What the workload needs from a benchmark binary: the open, configured
/// connection, a way to close and reopen it, and crypto counters if any.
pub trait Engine {
    /// The open connection.
    fn conn(&mut self) -> &mut Connection;
    /// Closes the connection and opens it again, configured as before.
    fn reopen(&mut self) -> Result<(), String>;
    /// Page seals and opens since the connection was (re)opened, if counted.
    fn crypto_counts(&self) -> Option<(u64, u64)> {
        None
    }
    /// What lies behind the last SQLite error, if the engine knows more.
    fn error_detail(&self) -> Option<String> {
        None
    }
    /// The FTS5 leaf size (`pgsz`) that fits this engine's usable page, if
    /// not FTS5's default (which suits a page with no reserved bytes).
    fn fts5_pgsz(&self) -> Option<u32> {
        None
    }
    /// Extra `"name":value` JSON fields describing the engine, if any.
    fn describe(&mut self) -> Result<String, String> {
        Ok(String::new())
    }
}

/// The pragmas that make plain SQLite and SQLCipher run as the sealed vault
/// does (the vault sets the same ones itself): exclusive locking before the
/// WAL is touched (so the WAL index lives in heap memory), `synchronous=FULL`
/// in WAL mode, temp tables in memory, freed pages zeroed, and the shared
/// page cache size. With `create`, also the page size and WAL mode.
pub fn configure(conn: &Connection, create: bool) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "PRAGMA locking_mode=EXCLUSIVE; PRAGMA synchronous=FULL; PRAGMA cache_size=-{CACHE_KIB}; \
         PRAGMA temp_store=MEMORY; PRAGMA secure_delete=ON;"
    ))?;
    if create {
        conn.execute_batch(&format!("PRAGMA page_size={PAGE_SIZE};"))?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(rusqlite::Error::InvalidQuery);
        }
    }
    // Read the schema, as the vault does, so the file is really open.
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0))?;
    Ok(())
}

/// SQLite's own counters for this connection: page cache misses and pages
/// written from the cache (`sqlite3_db_status` CACHE_MISS and CACHE_WRITE).
#[allow(unsafe_code)]
pub fn cache_counts(conn: &Connection) -> (i64, i64) {
    let get = |op| {
        let (mut cur, mut hi) = (0, 0);
        // SAFETY: a live connection handle and valid out-pointers; the call
        // only reads counters.
        unsafe { rusqlite::ffi::sqlite3_db_status(conn.handle(), op, &mut cur, &mut hi, 0) };
        i64::from(cur)
    };
    (get(rusqlite::ffi::SQLITE_DBSTATUS_CACHE_MISS), get(rusqlite::ffi::SQLITE_DBSTATUS_CACHE_WRITE))
}

/// A small deterministic generator (SplitMix64): the same data everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Skewed towards small indices, so a few words are common and most rare.
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u * u) * n as f64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const FAMILY: &str = "\
    smith jones taylor brown williams wilson johnson davies robinson wright thompson evans walker white \
    roberts green hall wood jackson clarke patel khan lewis james phillips mason mitchell rose davis \
    rodriguez cox alexander garcia martin nguyen kowalski novak schmidt muller rossi russo ferrari \
    esposito bianchi romano dubois lefebvre moreau laurent fournier girard bonnet dupont lambert \
    fontaine rousseau vincent muller okafor adeyemi mensah haddad nakamura tanaka suzuki watanabe kim \
    lee park chen wang li zhang liu singh kumar sharma gupta silva santos oliveira pereira costa \
    hernandez lopez gonzalez perez sanchez ramirez torres flores rivera gomez diaz reyes morales ortiz";

const GIVEN: &str = "\
    oliver amelia george isla harry ava noah mia jack ivy leo lily arthur grace muhammad sophia oscar \
    freya charlie florence jacob willow thomas emily henry ella william poppy james evie lucas elsie \
    alfie rosie theo olivia joshua isabella freddie daisy archie sienna finley phoebe isaac harper \
    joseph matilda edward luna samuel alice daniel emma maria ana jose juan fatima aisha omar yusuf wei \
    hui min jun priya arjun ravi anika sven ingrid lars astrid pierre claire luc chloe marco giulia \
    paolo chiara";

const STREETS: &str = "\
    high street, station road, main street, park road, church road, church street, london road, victoria \
    road, green lane, manor road, church lane, park avenue, the avenue, queens road, new road, grange \
    road, kings road, kingsway, windsor road, highfield road, mill lane, alexander road, york road, st \
    johns road, main road, broadway, king street, the green, springfield road, george street, park lane, \
    victoria street, albert road, queensway";

const CITIES: &str = "\
    springfield riverton lakeside hillcrest fairview greenville bristol franklin clinton salem madison \
    georgetown arlington ashland oxford milton newport dover burlington manchester chester kingston \
    marion jackson clayton";

/// Words of the clinical notes, most common first.
const NOTE_WORDS: &str = "\
    patient reports the and with of no pain history review follow up in weeks advised to continue \
    current medication blood pressure normal stable mild left right daily examination unremarkable \
    referred for test results discussed plan increase reduce dose symptoms improved since last visit \
    chronic acute headache fatigue cough fever nausea dizziness rash swelling knee shoulder back chest \
    abdominal throat ear eye skin sleep diet exercise smoking alcohol weight loss gain asthma diabetes \
    hypertension arthritis migraine eczema anxiety depression allergy infection fracture sprain insulin \
    metformin amlodipine ramipril atorvastatin salbutamol ibuprofen paracetamol amoxicillin omeprazole \
    sertraline levothyroxine warfarin prednisolone cholesterol thyroid kidney liver function ecg xray \
    ultrasound mri scan biopsy vaccination influenza tetanus booster pregnancy antenatal postnatal \
    physiotherapy dietitian cardiology dermatology neurology orthopaedics psychiatry ophthalmology \
    urology gastroenterology oncology rheumatology endocrinology haemoglobin ferritin vitamin deficiency \
    supplement tinnitus vertigo palpitations angina bronchitis pneumonia sinusitis tonsillitis gastritis \
    reflux constipation diarrhoea cystitis gout psoriasis acne osteoporosis sciatica tendinitis bursitis \
    carpal tunnel glaucoma cataract conjunctivitis otitis dermatitis urticaria anaemia hyperlipidaemia \
    hypothyroidism neuropathy retinopathy nephropathy dyspepsia insomnia apnoea obesity malnutrition \
    dehydration syncope seizure tremor";

/// The word lists, split.
struct Words {
    family: Vec<&'static str>,
    given: Vec<&'static str>,
    streets: Vec<&'static str>,
    cities: Vec<&'static str>,
    notes: Vec<&'static str>,
}

impl Words {
    fn new() -> Words {
        let split = |s: &'static str| s.split_whitespace().collect();
        Words {
            family: split(FAMILY),
            given: split(GIVEN),
            streets: STREETS.split(',').map(str::trim).collect(),
            cities: split(CITIES),
            notes: split(NOTE_WORDS),
        }
    }
}

/// One generated patient.
struct Patient {
    family: &'static str,
    given: &'static str,
    birth: String,
    mrn: String,
    national_id: String,
    phone: String,
    address: String,
    notes: String,
}

fn note(rng: &mut Rng, words: &Words, min_len: usize) -> String {
    let mut s = String::with_capacity(min_len + 40);
    let target = min_len + rng.below(min_len);
    while s.len() < target {
        if !s.is_empty() {
            s.push_str(if rng.below(9) == 0 { ". " } else { " " });
        }
        s.push_str(words.notes[rng.skewed(words.notes.len())]);
    }
    s.push('.');
    s
}

fn phone(rng: &mut Rng) -> String {
    format!("07{:03} {:06}", rng.below(1000), rng.below(1_000_000))
}

fn mrn(id: usize) -> String {
    // A bijection of the id, so the MRN is unique but not in id order.
    format!("m{:08}", (id as u64 * 48_271) % 99_999_989)
}

fn patient(rng: &mut Rng, words: &Words, id: usize) -> Patient {
    Patient {
        family: words.family[rng.skewed(words.family.len())],
        given: rng.pick(&words.given),
        birth: format!("{}-{:02}-{:02}", 1930 + rng.below(94), 1 + rng.below(12), 1 + rng.below(28)),
        mrn: mrn(id),
        national_id: format!("{:010}", rng.next() % 10_000_000_000),
        phone: phone(rng),
        address: format!(
            "{} {}, {}, {}{} {}{}",
            1 + rng.below(300),
            rng.pick(&words.streets),
            rng.pick(&words.cities),
            (b'a' + rng.below(26) as u8) as char,
            1 + rng.below(30),
            rng.below(10),
            (b'a' + rng.below(26) as u8) as char
        ),
        notes: note(rng, words, 250),
    }
}

const SCHEMA: &str = "
CREATE TABLE patient(
    id INTEGER PRIMARY KEY,
    family_name TEXT NOT NULL,
    given_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    mrn TEXT NOT NULL UNIQUE,
    national_id TEXT NOT NULL,
    phone TEXT NOT NULL,
    address TEXT NOT NULL,
    notes TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX patient_name ON patient(family_name, given_name);
CREATE VIRTUAL TABLE patient_fts USING fts5(
    family_name, given_name, mrn, national_id, notes,
    content='patient', content_rowid='id'
);
CREATE TRIGGER patient_ai AFTER INSERT ON patient BEGIN
    INSERT INTO patient_fts(rowid, family_name, given_name, mrn, national_id, notes)
    VALUES (new.id, new.family_name, new.given_name, new.mrn, new.national_id, new.notes);
END;
CREATE TRIGGER patient_ad AFTER DELETE ON patient BEGIN
    INSERT INTO patient_fts(patient_fts, rowid, family_name, given_name, mrn, national_id, notes)
    VALUES ('delete', old.id, old.family_name, old.given_name, old.mrn, old.national_id, old.notes);
END;
CREATE TRIGGER patient_au AFTER UPDATE OF family_name, given_name, mrn, national_id, notes ON patient BEGIN
    INSERT INTO patient_fts(patient_fts, rowid, family_name, given_name, mrn, national_id, notes)
    VALUES ('delete', old.id, old.family_name, old.given_name, old.mrn, old.national_id, old.notes);
    INSERT INTO patient_fts(rowid, family_name, given_name, mrn, national_id, notes)
    VALUES (new.id, new.family_name, new.given_name, new.mrn, new.national_id, new.notes);
END;
";

/// Counters at one moment, to take per-phase differences.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    miss: i64,
    write: i64,
    seals: u64,
    opens: u64,
}

fn counts(engine: &mut dyn Engine) -> Counts {
    let crypto = engine.crypto_counts();
    let (miss, write) = cache_counts(engine.conn());
    let (seals, opens) = crypto.unwrap_or((0, 0));
    Counts { miss, write, seals, opens }
}

/// The JSON of one finished phase.
fn phase_json(secs: f64, before: Counts, after: Counts, crypto: bool) -> String {
    let mut s = format!(
        "{{\"s\":{secs:.6},\"cache_miss\":{},\"cache_write\":{}",
        after.miss - before.miss,
        after.write - before.write
    );
    if crypto {
        s.push_str(&format!(",\"seals\":{},\"opens\":{}", after.seals - before.seals, after.opens - before.opens));
    }
    s.push('}');
    s
}

fn err(what: &str) -> impl Fn(rusqlite::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Runs every phase on a fresh, empty, configured database and returns the
/// JSON line to print.
pub fn run(engine: &mut dyn Engine, engine_name: &str, patients: usize) -> Result<String, String> {
    run_phases(engine, engine_name, patients).map_err(|e| match engine.error_detail() {
        Some(d) => format!("{e} ({d})"),
        None => e,
    })
}

fn run_phases(engine: &mut dyn Engine, engine_name: &str, patients: usize) -> Result<String, String> {
    let crypto = engine.crypto_counts().is_some();
    let mut rng = Rng(0x00c1_1c00_5eed_0001);
    let mut phases: Vec<(&str, String)> = Vec::new();
    let mut total = 0.0f64;
    let mut checks: Vec<(&str, i64)> = Vec::new();

    // Inputs are generated before each phase's clock starts.
    let words = Words::new();
    let rows: Vec<Patient> = (1..=patients).map(|id| patient(&mut rng, &words, id)).collect();
    engine.conn().execute_batch(&format!("PRAGMA cache_size=-{CACHE_KIB};")).map_err(err("cache_size"))?;

    // (a) bulk insert in batches, then a checkpoint so its cost lands here.
    {
        let pgsz = engine.fts5_pgsz();
        let before = counts(engine);
        let start = Instant::now();
        let conn = engine.conn();
        conn.execute_batch(SCHEMA).map_err(err("schema"))?;
        if let Some(pgsz) = pgsz {
            conn.execute("INSERT INTO patient_fts(patient_fts, rank) VALUES ('pgsz', ?1)", [pgsz])
                .map_err(err("fts5 pgsz"))?;
        }
        for (b, batch) in rows.chunks(BATCH).enumerate() {
            let tx = conn.transaction().map_err(err("begin"))?;
            {
                let mut ins = tx
                    .prepare(
                        "INSERT INTO patient(id, family_name, given_name, birth_date, mrn, national_id, phone, address, notes, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    )
                    .map_err(err("prepare insert"))?;
                for (i, p) in batch.iter().enumerate() {
                    let id = (b * BATCH + i + 1) as i64;
                    ins.execute(params![
                        id,
                        p.family,
                        p.given,
                        p.birth,
                        p.mrn,
                        p.national_id,
                        p.phone,
                        p.address,
                        p.notes,
                        1_700_000_000 + id
                    ])
                    .map_err(err("insert"))?;
                }
            }
            tx.commit().map_err(err("commit"))?;
        }
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0)).map_err(err("checkpoint"))?;
        let secs = start.elapsed().as_secs_f64();
        total += secs;
        phases.push(("insert", phase_json(secs, before, counts(engine), crypto)));
    }
    drop(rows);

    // (b) cold cache: reopen (not timed), then random primary-key lookups.
    let reopen_start = Instant::now();
    engine.reopen()?;
    engine.conn().execute_batch(&format!("PRAGMA cache_size=-{CACHE_KIB};")).map_err(err("cache_size"))?;
    let reopen_secs = reopen_start.elapsed().as_secs_f64();
    {
        let ids: Vec<i64> = (0..POINT_READS).map(|_| 1 + rng.below(patients) as i64).collect();
        let before = counts(engine);
        let start = Instant::now();
        let conn = engine.conn();
        let mut q = conn
            .prepare(
                "SELECT family_name, given_name, birth_date, mrn, national_id, phone, address, notes
                 FROM patient WHERE id = ?1",
            )
            .map_err(err("prepare lookup"))?;
        let mut bytes = 0i64;
        for id in &ids {
            let got = q
                .query_row([id], |r| {
                    let mut n = 0usize;
                    for c in 0..8 {
                        n += r.get_ref(c)?.as_str().map_or(0, str::len);
                    }
                    Ok(n)
                })
                .optional()
                .map_err(err("lookup"))?;
            bytes += got.ok_or_else(|| format!("patient {id} missing"))? as i64;
        }
        drop(q);
        let secs = start.elapsed().as_secs_f64();
        total += secs;
        checks.push(("point_read_bytes", bytes));
        phases.push(("point_reads", phase_json(secs, before, counts(engine), crypto)));
    }

    // (c) full-text queries: names by prefix, identifiers, ranked notes.
    {
        let mut queries: Vec<(bool, String)> = Vec::with_capacity(FTS_QUERIES);
        for i in 0..FTS_QUERIES {
            queries.push(match i % 3 {
                0 => {
                    let fam = rng.pick(&words.family);
                    let given = rng.pick(&words.given);
                    (false, format!("family_name:{}* AND given_name:{given}", &fam[..3.min(fam.len())]))
                }
                1 => (false, format!("mrn:{}", mrn(1 + rng.below(patients)))),
                _ => {
                    // Two of the rarer words: a few hundred hits to rank.
                    let n = words.notes.len();
                    let a = words.notes[n / 3 + rng.below(n - n / 3)];
                    let b = words.notes[n / 3 + rng.below(n - n / 3)];
                    (true, format!("notes:{a} AND notes:{b}"))
                }
            });
        }
        let before = counts(engine);
        let start = Instant::now();
        let conn = engine.conn();
        let mut plain = conn
            .prepare(
                "SELECT p.id, p.family_name, p.given_name, p.birth_date FROM patient_fts
                 JOIN patient p ON p.id = patient_fts.rowid
                 WHERE patient_fts MATCH ?1 LIMIT 50",
            )
            .map_err(err("prepare fts"))?;
        let mut ranked = conn
            .prepare(
                "SELECT p.id, p.family_name, p.given_name, p.birth_date FROM patient_fts
                 JOIN patient p ON p.id = patient_fts.rowid
                 WHERE patient_fts MATCH ?1 ORDER BY rank LIMIT 20",
            )
            .map_err(err("prepare ranked fts"))?;
        let (mut hits, mut idsum) = (0i64, 0i64);
        for (rank, q) in &queries {
            let stmt = if *rank { &mut ranked } else { &mut plain };
            let mut rows = stmt.query([q]).map_err(err("fts"))?;
            while let Some(row) = rows.next().map_err(err("fts row"))? {
                hits += 1;
                idsum += row.get::<_, i64>(0).map_err(err("fts id"))?;
            }
        }
        drop((plain, ranked));
        let secs = start.elapsed().as_secs_f64();
        total += secs;
        checks.push(("fts_hits", hits));
        checks.push(("fts_idsum", idsum));
        phases.push(("fts", phase_json(secs, before, counts(engine), crypto)));
    }

    // (d) many small commits: one row each, notes (and so the FTS index) too.
    {
        let updates: Vec<(i64, String, String)> = (0..UPDATES)
            .map(|_| (1 + rng.below(patients) as i64, phone(&mut rng), note(&mut rng, &words, 250)))
            .collect();
        let before = counts(engine);
        let start = Instant::now();
        let conn = engine.conn();
        let mut begin = conn.prepare("BEGIN IMMEDIATE").map_err(err("prepare begin"))?;
        let mut upd = conn
            .prepare("UPDATE patient SET phone = ?2, notes = ?3, updated_at = updated_at + 1 WHERE id = ?1")
            .map_err(err("prepare update"))?;
        let mut commit = conn.prepare("COMMIT").map_err(err("prepare commit"))?;
        let mut changed = 0i64;
        for (id, ph, notes) in &updates {
            begin.execute([]).map_err(err("begin"))?;
            changed += upd.execute(params![id, ph, notes]).map_err(err("update"))? as i64;
            commit.execute([]).map_err(err("commit"))?;
        }
        drop((begin, upd, commit));
        let secs = start.elapsed().as_secs_f64();
        total += secs;
        checks.push(("updated", changed));
        phases.push(("updates", phase_json(secs, before, counts(engine), crypto)));
    }

    // (e) a full scan of the table.
    {
        let before = counts(engine);
        let start = Instant::now();
        let (n, len): (i64, i64) = engine
            .conn()
            .query_row("SELECT count(*), sum(length(notes)) FROM patient", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(err("scan"))?;
        let secs = start.elapsed().as_secs_f64();
        total += secs;
        checks.push(("scan_rows", n));
        checks.push(("scan_notes_len", len));
        phases.push(("scan", phase_json(secs, before, counts(engine), crypto)));
    }

    let extra = engine.describe()?;
    let conn = engine.conn();
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0)).map_err(err("page_count"))?;
    let version: String = conn.query_row("SELECT sqlite_version()", [], |r| r.get(0)).map_err(err("version"))?;

    let mut out = format!("{{\"engine\":\"{engine_name}\",\"patients\":{patients},\"cache_kib\":{CACHE_KIB},");
    if !extra.is_empty() {
        out.push_str(&extra);
        out.push(',');
    }
    out.push_str(&format!("\"sqlite_version\":\"{version}\",\"page_count\":{pages},\"phases\":{{"));
    let body: Vec<String> = phases.iter().map(|(name, json)| format!("\"{name}\":{json}")).collect();
    out.push_str(&body.join(","));
    out.push_str(&format!("}},\"total_s\":{total:.6},\"reopen_s\":{reopen_secs:.6},\"checks\":{{"));
    let body: Vec<String> = checks.iter().map(|(name, v)| format!("\"{name}\":{v}")).collect();
    out.push_str(&body.join(","));
    out.push_str("}}");
    Ok(out)
}

/// Writes one line to standard output.
pub fn emit(line: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).map_err(|e| format!("cannot write output: {e}"))
}

/// The value after `flag` in `args`, if present.
pub fn arg_value(args: &[String], flag: &str) -> Option<String> {
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned()
}
