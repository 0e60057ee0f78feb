//! Medical record numbers: the clinic's format (`policy.mrn_format`) with
//! its run of `#` replaced by the next number of a sequence that never goes
//! back, so a number is never given twice.

use chartvault_seal::rusqlite::Transaction;

use crate::Result;

/// `format` with its run of `#` replaced by `n`, zero-padded to the run's
/// width (a longer number is written whole).
pub fn render(format: &str, n: u64) -> String {
    let start = format.find('#').unwrap_or(format.len());
    let width = format[start..].chars().take_while(|&c| c == '#').count();
    format!("{}{:0width$}{}", &format[..start], n, &format[start + width..])
}

/// The next number for `format`, taken from the sequence in `tx`; a number
/// already used by a record (made under an earlier format) is skipped.
pub(crate) fn next(tx: &Transaction<'_>, format: &str) -> Result<String> {
    loop {
        let n: i64 =
            tx.query_row("UPDATE mrn_sequence SET last = last + 1 WHERE id = 1 RETURNING last", [], |r| r.get(0))?;
        let mrn = render(format, n.unsigned_abs());
        let taken: bool = tx.query_row("SELECT EXISTS(SELECT 1 FROM patients WHERE mrn = ?1)", [&mrn], |r| r.get(0))?;
        if !taken {
            return Ok(mrn);
        }
    }
}
