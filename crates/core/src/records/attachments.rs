//! Attachments: files kept inside the sealed database. Their kind is read
//! from the content (magic numbers, or text that is valid UTF-8 without
//! binary control characters), never from the name; the bytes go in and out
//! through SQLite's incremental blob I/O a chunk at a time, so a file is
//! never held whole in memory by core.

use std::io::{Read, Write};

use chartvault_seal::rusqlite::{Connection, MAIN_DB, OptionalExtension, Row, Transaction};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::access::{parse_time, time_text};
use crate::{CoreError, Result};

/// The kinds of file a chart keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    /// A PDF document.
    Pdf,
    /// A PNG image.
    Png,
    /// A JPEG image.
    Jpeg,
    /// UTF-8 plain text.
    Text,
}

impl ContentType {
    /// The media type, as stored and exported.
    pub const fn mime(self) -> &'static str {
        match self {
            ContentType::Pdf => "application/pdf",
            ContentType::Png => "image/png",
            ContentType::Jpeg => "image/jpeg",
            ContentType::Text => "text/plain",
        }
    }

    /// In words, for messages.
    pub const fn label(self) -> &'static str {
        match self {
            ContentType::Pdf => "a PDF document",
            ContentType::Png => "a PNG image",
            ContentType::Jpeg => "a JPEG image",
            ContentType::Text => "plain text",
        }
    }

    fn parse(mime: &str) -> Option<ContentType> {
        [ContentType::Pdf, ContentType::Png, ContentType::Jpeg, ContentType::Text]
            .into_iter()
            .find(|t| t.mime() == mime)
    }

    /// The extensions a file of this kind may carry.
    pub const fn extensions(self) -> &'static [&'static str] {
        match self {
            ContentType::Pdf => &["pdf"],
            ContentType::Png => &["png"],
            ContentType::Jpeg => &["jpg", "jpeg"],
            ContentType::Text => &["txt", "text", "csv", "log"],
        }
    }

    /// The kind a file name's extension claims, if it names one of ours.
    fn claimed_by(file_name: &str) -> Option<ContentType> {
        let ext = extension(file_name)?;
        [ContentType::Pdf, ContentType::Png, ContentType::Jpeg, ContentType::Text]
            .into_iter()
            .find(|t| t.extensions().contains(&ext.as_str()))
    }
}

/// An attachment's description (its bytes are read with
/// [`crate::session::Session::open_attachment`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Row id.
    pub id: i64,
    /// The patient whose chart holds it.
    pub patient_id: i64,
    /// The file's name as given.
    pub file_name: String,
    /// What the content is.
    pub content_type: ContentType,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// What it is, in words.
    pub description: Option<String>,
    /// Who added it.
    pub added_by: i64,
    /// When.
    pub added_at: DateTime<Utc>,
    /// When it was marked as added by mistake, if it was.
    pub entered_in_error_at: Option<DateTime<Utc>>,
}

/// How much of the start of a file decides its kind.
const HEAD: usize = 8 * 1024;
/// Chunk size of the blob copy in and out.
const CHUNK: usize = 64 * 1024;

/// A name's extension, lower-case (none for `notes` or `.profile`).
fn extension(file_name: &str) -> Option<String> {
    let (stem, ext) = file_name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

fn refused(file: &str, why: impl Into<String>) -> CoreError {
    CoreError::AttachmentRefused { file: file.to_owned(), why: why.into() }
}

/// A file name as kept: its last path component, trimmed, no control
/// characters, at most 255 characters.
pub(crate) fn file_name(given: &str) -> Result<String> {
    let base = given.rsplit(['/', '\\']).next().unwrap_or(given).trim();
    if base.is_empty() || base == "." || base == ".." {
        return Err(refused(given, "the file has no name"));
    }
    if base.chars().any(char::is_control) || base.chars().count() > 255 {
        return Err(refused(given, "the file name holds control characters or is longer than 255 characters"));
    }
    Ok(base.to_owned())
}

/// The kind of content starting with `head`, or why it is refused.
fn sniff(file: &str, head: &[u8]) -> Result<ContentType> {
    let found = match infer::get(head) {
        Some(t) => match ContentType::parse(t.mime_type()) {
            Some(ours) => ours,
            None => {
                let what = match t.matcher_type() {
                    infer::MatcherType::App => "a program",
                    infer::MatcherType::Archive => "an archive",
                    infer::MatcherType::Audio => "audio",
                    infer::MatcherType::Video => "video",
                    infer::MatcherType::Image => "an image of another format",
                    infer::MatcherType::Doc | infer::MatcherType::Book => "an office document",
                    infer::MatcherType::Font => "a font",
                    infer::MatcherType::Text => "markup or a script",
                    infer::MatcherType::Custom => "an unsupported format",
                };
                return Err(refused(file, format!("its content is {what} ({})", t.mime_type())));
            }
        },
        None => ContentType::Text,
    };
    if let Some(claimed) = ContentType::claimed_by(file)
        && claimed != found
    {
        let is = if found == ContentType::Text { "not one (it starts with no such signature)" } else { found.label() };
        return Err(refused(file, format!("its name says {} but its content is {is}", claimed.label())));
    }
    // Any other extension is refused too: a copy saved under its own name
    // must not be opened by the system as a web page or a program.
    if let Some(ext) = extension(file)
        && !found.extensions().contains(&ext.as_str())
    {
        return Err(refused(
            file,
            format!("its name ends in .{ext}, not a name for {} (.{})", found.label(), found.extensions().join(", .")),
        ));
    }
    Ok(found)
}

/// Checks that a stream is plain text: valid UTF-8 with no control
/// characters but tab, line feed, carriage return and form feed.
#[derive(Debug, Default)]
struct TextCheck {
    /// The bytes of a character cut by a chunk boundary.
    carry: Vec<u8>,
    offset: u64,
}

impl TextCheck {
    fn feed(&mut self, file: &str, chunk: &[u8]) -> Result<()> {
        let mut buf = std::mem::take(&mut self.carry);
        let start = self.offset - buf.len() as u64;
        buf.extend_from_slice(chunk);
        let (valid, rest) = match std::str::from_utf8(&buf) {
            Ok(s) => (s, &buf[buf.len()..]),
            Err(e) if e.error_len().is_none() => {
                let (ok, rest) = buf.split_at(e.valid_up_to());
                (std::str::from_utf8(ok).unwrap_or_default(), rest)
            }
            Err(e) => {
                let at = start + e.valid_up_to() as u64;
                return Err(refused(
                    file,
                    format!("its content is binary, not PDF, PNG, JPEG or UTF-8 text (at byte {at})"),
                ));
            }
        };
        if let Some((i, c)) =
            valid.char_indices().find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
        {
            let at = start + i as u64;
            return Err(refused(
                file,
                format!(
                    "its content is binary, not PDF, PNG, JPEG or UTF-8 text (control character U+{:04X} at byte {at})",
                    c as u32
                ),
            ));
        }
        self.carry = rest.to_vec();
        self.offset += chunk.len() as u64;
        Ok(())
    }

    fn finish(&self, file: &str) -> Result<()> {
        if self.carry.is_empty() {
            Ok(())
        } else {
            Err(refused(file, "its text ends inside a character (not valid UTF-8)"))
        }
    }
}

/// What is known of a file before it is stored.
#[derive(Debug, Clone)]
pub(crate) struct Incoming<'a> {
    pub file_name: &'a str,
    pub description: Option<String>,
    pub size: u64,
}

/// Reads as much of `reader` as fills `buf` (less only at its end).
fn fill(reader: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn read_error(file: &str, e: &std::io::Error) -> CoreError {
    refused(file, format!("it could not be read ({e})"))
}

/// Stores a file of `incoming.size` bytes from `reader` in the chart of
/// `patient_id`. The size was checked against the limit before this is
/// called; a reader that gives more or fewer bytes than declared (a file
/// changed while it was read) is refused, and the transaction rolls back.
pub(crate) fn store(
    tx: &Transaction<'_>,
    patient_id: i64,
    incoming: &Incoming<'_>,
    reader: &mut dyn Read,
    added_by: i64,
    now: DateTime<Utc>,
) -> Result<Attachment> {
    let file = incoming.file_name;
    let size = incoming.size;
    let mut chunk = vec![0u8; CHUNK];
    let head_len = HEAD.min(usize::try_from(size).unwrap_or(HEAD));
    let n = fill(reader, &mut chunk[..head_len]).map_err(|e| read_error(file, &e))?;
    if n < head_len {
        return Err(refused(file, format!("it ended after {n} of the {size} bytes announced")));
    }
    let kind = sniff(file, &chunk[..n])?;
    let blob_len = i32::try_from(size).map_err(|_| refused(file, "it is larger than a database value may be"))?;
    tx.execute(
        "INSERT INTO attachments (patient_id, file_name, content_type, size, sha256, description, added_by, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        (patient_id, file, kind.mime(), blob_len, "0".repeat(64), &incoming.description, added_by, time_text(now)),
    )?;
    let id = tx.last_insert_rowid();
    tx.execute("INSERT INTO attachment_content (attachment_id, body) VALUES (?1, zeroblob(?2))", (id, blob_len))?;
    let mut blob = tx.blob_open(MAIN_DB, c"attachment_content", c"body", id, false)?;
    let mut hash = Sha256::new();
    let mut text = (kind == ContentType::Text).then(TextCheck::default);
    let mut written: u64 = 0;
    let mut len = n;
    loop {
        let part = &chunk[..len];
        if let Some(t) = text.as_mut() {
            t.feed(file, part)?;
        }
        hash.update(part);
        blob.write_all(part).map_err(|e| CoreError::Io {
            what: "writing an attachment into",
            path: std::path::PathBuf::from("the vault"),
            source: e,
        })?;
        written += len as u64;
        if written == size {
            break;
        }
        let want = CHUNK.min(usize::try_from(size - written).unwrap_or(CHUNK));
        len = fill(reader, &mut chunk[..want]).map_err(|e| read_error(file, &e))?;
        if len < want {
            return Err(refused(
                file,
                format!("it ended after {} of the {size} bytes announced", written + len as u64),
            ));
        }
    }
    let mut extra = [0u8; 1];
    if fill(reader, &mut extra).map_err(|e| read_error(file, &e))? != 0 {
        return Err(refused(
            file,
            format!("it is longer than the {size} bytes announced (was it changed while read?)"),
        ));
    }
    if let Some(t) = &text {
        t.finish(file)?;
    }
    drop(blob);
    let sha256 = hex(&hash.finalize());
    tx.execute("UPDATE attachments SET sha256 = ?2 WHERE id = ?1", (id, &sha256))?;
    by_id(tx, id)?.ok_or(CoreError::NoSuchAttachment(id))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Copies an attachment's bytes to `out`, a chunk at a time; returns the
/// number of bytes written.
pub(crate) fn copy_out(conn: &Connection, id: i64, out: &mut dyn Write) -> Result<u64> {
    let mut blob = conn.blob_open(MAIN_DB, c"attachment_content", c"body", id, true)?;
    let mut chunk = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = blob.read(&mut chunk).map_err(|e| CoreError::Io {
            what: "reading an attachment from",
            path: std::path::PathBuf::from("the vault"),
            source: e,
        })?;
        if n == 0 {
            return Ok(total);
        }
        out.write_all(&chunk[..n]).map_err(|e| CoreError::Io {
            what: "writing an attachment out to",
            path: std::path::PathBuf::from("its destination"),
            source: e,
        })?;
        total += n as u64;
    }
}

const COLUMNS: &str =
    "id, patient_id, file_name, content_type, size, sha256, description, added_by, added_at, entered_in_error_at";

fn from_row(r: &Row<'_>) -> chartvault_seal::rusqlite::Result<(Attachment, String, Option<String>)> {
    let mime: String = r.get(3)?;
    let content_type = ContentType::parse(&mime).ok_or_else(|| {
        chartvault_seal::rusqlite::Error::FromSqlConversionFailure(
            3,
            chartvault_seal::rusqlite::types::Type::Text,
            "an unknown stored content type".into(),
        )
    })?;
    Ok((
        Attachment {
            id: r.get(0)?,
            patient_id: r.get(1)?,
            file_name: r.get(2)?,
            content_type,
            size: r.get::<_, i64>(4)?.unsigned_abs(),
            sha256: r.get(5)?,
            description: r.get(6)?,
            added_by: r.get(7)?,
            added_at: DateTime::<Utc>::MIN_UTC,
            entered_in_error_at: None,
        },
        r.get(8)?,
        r.get(9)?,
    ))
}

fn finish_row((mut a, added, in_error): (Attachment, String, Option<String>)) -> Result<Attachment> {
    a.added_at = parse_time(&added)?;
    a.entered_in_error_at = in_error.as_deref().map(parse_time).transpose()?;
    Ok(a)
}

/// The attachment of `id`, if there is one.
pub(crate) fn by_id(conn: &Connection, id: i64) -> Result<Option<Attachment>> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM attachments WHERE id = ?1"), [id], from_row)
        .optional()?
        .map(finish_row)
        .transpose()
}

/// A patient's attachments, newest first.
pub(crate) fn of_patient(conn: &Connection, patient_id: i64) -> Result<Vec<Attachment>> {
    let mut stmt = conn
        .prepare(&format!("SELECT {COLUMNS} FROM attachments WHERE patient_id = ?1 ORDER BY added_at DESC, id DESC"))?;
    let rows = stmt.query_map([patient_id], from_row)?;
    rows.map(|r| finish_row(r?)).collect()
}

/// Marks an attachment as added by mistake (kept, shown struck out).
pub(crate) fn mark_in_error(tx: &Transaction<'_>, id: i64, now: DateTime<Utc>) -> Result<()> {
    tx.execute("UPDATE attachments SET entered_in_error_at = ?2 WHERE id = ?1", (id, time_text(now)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_comes_from_the_content_and_a_lying_name_is_refused() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(sniff("scan.png", png).unwrap(), ContentType::Png);
        assert_eq!(sniff("scan", png).unwrap(), ContentType::Png, "no extension: the content decides");
        assert_eq!(sniff("letter.pdf", b"%PDF-1.7\n").unwrap(), ContentType::Pdf);
        assert_eq!(sniff("photo.JPG", b"\xff\xd8\xff\xe0\0\x10JFIF\0").unwrap(), ContentType::Jpeg);
        let e = sniff("scan.pdf", png).unwrap_err().to_string();
        assert!(e.contains("its name says a PDF document but its content is a PNG image"), "{e}");
        let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
        elf.resize(64, 0);
        let e = sniff("results.pdf", &elf).unwrap_err().to_string();
        assert!(e.contains("a program") && e.contains("Nothing was added"), "{e}");
        let zip = b"PK\x03\x04\x14\0\0\0\x08\0";
        assert!(sniff("notes.txt", zip).unwrap_err().to_string().contains("an archive"));
        for name in ["letter.html", "results.js", "x.bat", "scan.svg", "lab.hta"] {
            let e = sniff(name, b"plain words").unwrap_err().to_string();
            assert!(e.contains("not a name for plain text"), "{name}: {e}");
        }
        assert!(sniff("letter.html", b"%PDF-1.4\n<script>").unwrap_err().to_string().contains("not a name for a PDF"));
        assert_eq!(sniff("lab results.CSV", b"a,b\n1,2\n").unwrap(), ContentType::Text);
        assert_eq!(sniff(".profile", b"text").unwrap(), ContentType::Text, "a leading dot is no extension");
        let gif = b"GIF89a\x01\0\x01\0";
        assert!(sniff("x.gif", gif).unwrap_err().to_string().contains("another format"));
    }

    #[test]
    fn text_is_checked_across_chunk_boundaries() {
        let mut t = TextCheck::default();
        let s = "Blutdruck gemessen: 120/80 — «gut»".as_bytes();
        let cut = s.iter().position(|&b| b == 0xe2).unwrap() + 1;
        t.feed("a.txt", &s[..cut]).unwrap();
        t.feed("a.txt", &s[cut..]).unwrap();
        t.finish("a.txt").unwrap();

        let mut t = TextCheck::default();
        t.feed("a.txt", b"line one\r\n\tindented\x0c").unwrap();
        let e = t.feed("a.txt", b"ok then \x00 binary").unwrap_err().to_string();
        assert!(e.contains("U+0000 at byte 28"), "{e}");

        let mut t = TextCheck::default();
        let e = t.feed("a.txt", b"caf\xc3\x28").unwrap_err().to_string();
        assert!(e.contains("at byte 3"), "{e}");

        let mut t = TextCheck::default();
        t.feed("a.txt", b"caf\xc3").unwrap();
        assert!(t.finish("a.txt").is_err(), "a text cut inside a character is refused");
    }

    #[test]
    fn a_file_name_is_its_last_component_without_control_characters() {
        assert_eq!(file_name("C:\\scans\\referral.pdf").unwrap(), "referral.pdf");
        assert_eq!(file_name("/home/x/ lab.png ").unwrap(), "lab.png");
        assert!(file_name("../").is_err());
        assert!(file_name("a\u{7}.txt").is_err());
    }
}
