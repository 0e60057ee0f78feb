//! The CSV patient import's parser, over any bytes a person might pick as
//! "the file": it must never panic, and what it says must fit the file —
//! every line it names exists, good rows come in line order, no row is
//! both good and bad, and a good row is one registration would accept.
#![no_main]

use chartvault_core::records::import::{Limits, parse};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let limits = Limits { max_bytes: 64 * 1024, max_rows: 500 };
    let Ok(parsed) = parse(&mut &data[..], today, &limits) else { return };
    let lines = 1 + data.iter().filter(|&&b| b == b'\n').count() as u64;
    assert!(parsed.rows <= limits.max_rows);
    assert!(parsed.good.len() as u64 <= parsed.rows);
    for p in &parsed.problems {
        assert!(p.line >= 1 && p.line <= lines, "line {} of {lines}", p.line);
        assert!(!p.field.is_empty() && !p.why.is_empty());
    }
    for pair in parsed.good.windows(2) {
        assert!(pair[0].line < pair[1].line, "good rows in line order");
    }
    for row in &parsed.good {
        assert!(row.line >= 1 && row.line <= lines);
        assert!(!parsed.problems.iter().any(|p| p.line == row.line), "row {} both good and bad", row.line);
        assert_eq!(row.fields.checked(today).as_ref().ok(), Some(&row.fields), "a good row is already tidy");
    }
    if parsed.header_refused {
        assert!(parsed.good.is_empty());
    }
});
