//! The summary as a paginated A4 PDF (`pdf-writer`), with the content of
//! the HTML page and the clinic's name, the patient's name and the page
//! number on every page.
//!
//! Text is set in the standard Helvetica fonts, which every PDF reader
//! has, with the WinAnsi encoding: Latin-1 and the Windows-1252 extras
//! (dashes, quotes, €, Œ, Š, Ž), so names such as Zoë, Müller, José or
//! Núñez print as written. A character outside that set (Greek, Cyrillic,
//! CJK, and Latin letters such as ł or ő) cannot be drawn with these fonts
//! and prints as `?`; the HTML summary and the FHIR export keep it. Nothing
//! is embedded and nothing is fetched.

use std::io::Write;

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::summary::{Block, Summary};
use super::writing::put;
use crate::Result;

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const TOP: f32 = PAGE_H - 80.0;
const BOTTOM: f32 = 60.0;
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }
}

/// The WinAnsi byte of `c`, or `?` for a character the encoding lacks.
fn win_ansi(c: char) -> u8 {
    const EXTRAS: [(char, u8); 27] = [
        ('€', 0x80),
        ('‚', 0x82),
        ('ƒ', 0x83),
        ('„', 0x84),
        ('…', 0x85),
        ('†', 0x86),
        ('‡', 0x87),
        ('ˆ', 0x88),
        ('‰', 0x89),
        ('Š', 0x8a),
        ('‹', 0x8b),
        ('Œ', 0x8c),
        ('Ž', 0x8e),
        ('\u{2018}', 0x91),
        ('\u{2019}', 0x92),
        ('\u{201c}', 0x93),
        ('\u{201d}', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('˜', 0x98),
        ('™', 0x99),
        ('š', 0x9a),
        ('›', 0x9b),
        ('œ', 0x9c),
        ('ž', 0x9e),
        ('Ÿ', 0x9f),
    ];
    match u32::from(c) {
        0x20..=0x7e | 0xa0..=0xff => u8::try_from(u32::from(c)).unwrap_or(b'?'),
        0x09 => b' ',
        _ => EXTRAS.iter().find(|(x, _)| *x == c).map_or(b'?', |(_, b)| *b),
    }
}

/// The text in WinAnsi bytes.
fn encode(text: &str) -> Vec<u8> {
    text.chars().map(win_ansi).collect()
}

/// Helvetica's advance widths (thousandths of the size) of ASCII 32..=126.
#[rustfmt::skip]
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// The width of `text` at `size` points. Bytes above ASCII are counted at
/// the width of a wide letter of their kind; bold is counted a tenth wider
/// than regular (it is at most that): wrapping errs towards shorter lines.
fn width(text: &str, font: Font, size: f32) -> f32 {
    let units: u32 = encode(text)
        .into_iter()
        .map(|b| match b {
            0x20..=0x7e => u32::from(HELVETICA[usize::from(b - 0x20)]),
            0x85 | 0x89 | 0x8c | 0x97 | 0x99 | 0x9c => 1000,
            0xc0..=0xde => 778,
            _ => 611,
        })
        .sum();
    let scale = if font == Font::Bold { 1.1 } else { 1.0 };
    units as f32 * size / 1000.0 * scale
}

/// `text` broken into lines no wider than `first` (the first line) and
/// `rest` (the others); its own line breaks kept; a word longer than a line
/// is cut.
fn wrap(text: &str, font: Font, size: f32, first: f32, rest: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let limit = |lines: &Vec<String>| if lines.is_empty() { first } else { rest };
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if width(&candidate, font, size) <= limit(&lines) {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                line.push(c);
                if width(&line, font, size) > limit(&lines) && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::replace(&mut line, c.to_string()));
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// One line of the body: pieces of text side by side.
#[derive(Debug, Clone)]
struct Line {
    x: f32,
    size: f32,
    /// Space before it, beyond the line height.
    gap: f32,
    red: bool,
    spans: Vec<(Font, f32, String)>,
}

impl Line {
    fn plain(x: f32, size: f32, font: Font, text: String) -> Line {
        Line { x, size, gap: 0.0, red: false, spans: vec![(font, 0.0, text)] }
    }
}

/// A label in bold, then its value wrapped beside it.
fn labelled(lines: &mut Vec<Line>, label: &str, value: &str, x: f32, size: f32) {
    let label = format!("{label}: ");
    let offset = width(&label, Font::Bold, size);
    let wrapped = wrap(value, Font::Regular, size, WIDTH - (x - MARGIN) - offset, WIDTH - (x - MARGIN) - 12.0);
    for (i, text) in wrapped.into_iter().enumerate() {
        if i == 0 {
            let spans = vec![(Font::Bold, 0.0, label.clone()), (Font::Regular, offset, text)];
            lines.push(Line { x, size, gap: 0.0, red: false, spans });
        } else {
            lines.push(Line::plain(x + 12.0, size, Font::Regular, text));
        }
    }
}

/// The body's lines, in order.
fn lay_out(s: &Summary) -> Vec<Line> {
    let mut lines = Vec::new();
    lines.push(Line::plain(MARGIN, 16.0, Font::Bold, format!("Patient summary: {}", s.patient)));
    for section in &s.sections {
        let mut heading = Line::plain(MARGIN, 13.0, Font::Bold, section.heading.to_uppercase());
        heading.gap = 10.0;
        heading.red = section.prominent;
        lines.push(heading);
        for b in &section.blocks {
            match b {
                Block::Field(label, value) => labelled(&mut lines, label, value, MARGIN, 10.0),
                Block::Item(text) => {
                    for (i, t) in wrap(text, Font::Regular, 10.0, WIDTH - 12.0, WIDTH - 12.0).into_iter().enumerate() {
                        let t = if i == 0 { format!("• {t}") } else { t };
                        let mut line = Line::plain(MARGIN + if i == 0 { 0.0 } else { 9.0 }, 10.0, Font::Regular, t);
                        line.red = section.prominent;
                        lines.push(line);
                    }
                }
                Block::Subheading(text) => {
                    for (i, t) in wrap(text, Font::Bold, 11.0, WIDTH, WIDTH).into_iter().enumerate() {
                        let mut line = Line::plain(MARGIN, 11.0, Font::Bold, t);
                        line.gap = if i == 0 { 6.0 } else { 0.0 };
                        lines.push(line);
                    }
                }
                Block::Text(label, text) => {
                    lines.push(Line::plain(MARGIN + 12.0, 10.0, Font::Bold, format!("{label}:")));
                    for t in wrap(text, Font::Regular, 10.0, WIDTH - 24.0, WIDTH - 24.0) {
                        lines.push(Line::plain(MARGIN + 24.0, 10.0, Font::Regular, t));
                    }
                }
                Block::Nothing(text) => lines.push(Line::plain(MARGIN, 10.0, Font::Regular, text.clone())),
            }
        }
    }
    lines
}

/// The lines of each page.
fn paginate(lines: Vec<Line>) -> Vec<Vec<(f32, Line)>> {
    let mut pages = vec![Vec::new()];
    let mut y = TOP;
    for line in lines {
        let advance = line.gap + line.size * 1.35;
        if y - advance < BOTTOM {
            pages.push(Vec::new());
            y = TOP;
        }
        y -= advance;
        if let Some(page) = pages.last_mut() {
            page.push((y, line));
        }
    }
    pages
}

fn show(content: &mut Content, font: Font, size: f32, x: f32, y: f32, text: &str) {
    content.begin_text();
    content.set_font(font.name(), size);
    content.next_line(x, y);
    content.show(Str(&encode(text)));
    content.end_text();
}

/// The PDF's bytes.
pub(crate) fn render(s: &Summary) -> Vec<u8> {
    let pages = paginate(lay_out(s));
    let (catalog, tree, regular, bold, info) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5));
    let page_ids: Vec<(Ref, Ref)> =
        (0..pages.len()).map(|i| (Ref::new(6 + 2 * i as i32), Ref::new(7 + 2 * i as i32))).collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().map(|(p, _)| *p)).count(pages.len() as i32);
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    let title = format!("Patient summary: {} ({})", s.patient, s.clinic);
    pdf.document_info(info).title(TextStr(&title)).creator(TextStr("Chartvault")).producer(TextStr("Chartvault"));
    let count = pages.len();
    for (n, (lines, (page_id, content_id))) in pages.into_iter().zip(&page_ids).enumerate() {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).parent(tree).contents(*content_id);
        page.resources().fonts().pair(Font::Regular.name(), regular).pair(Font::Bold.name(), bold);
        page.finish();
        let mut content = Content::new();
        // On every page: the clinic, the patient, the page; a rule under them.
        show(&mut content, Font::Bold, 10.0, MARGIN, PAGE_H - 40.0, &s.clinic);
        let right = format!("{} — page {} of {count}", s.patient, n + 1);
        let w = width(&right, Font::Regular, 9.0);
        show(&mut content, Font::Regular, 9.0, PAGE_W - MARGIN - w, PAGE_H - 40.0, &right);
        content.set_line_width(0.5).move_to(MARGIN, PAGE_H - 48.0).line_to(PAGE_W - MARGIN, PAGE_H - 48.0).stroke();
        let footer = format!("Made {} — confidential: personal health information", s.made);
        show(&mut content, Font::Regular, 8.0, MARGIN, 35.0, &footer);
        for (y, line) in lines {
            if line.red {
                content.set_fill_rgb(0.69, 0.0, 0.13);
            }
            for (font, dx, text) in &line.spans {
                show(&mut content, *font, line.size, line.x + dx, y, text);
            }
            if line.red {
                content.set_fill_rgb(0.0, 0.0, 0.0);
            }
        }
        pdf.stream(*content_id, &content.finish());
    }
    pdf.finish()
}

/// Writes the PDF (a summary is small: made whole, then written).
pub(crate) fn write(s: &Summary, out: &mut dyn Write) -> Result<()> {
    put(out, &render(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_1_and_windows_1252_letters_encode_and_others_become_question_marks() {
        assert_eq!(encode("Zoë Müller, José Núñez"), b"Zo\xeb M\xfcller, Jos\xe9 N\xfa\xf1ez");
        assert_eq!(encode("— “Œuvre” 37 °C €"), b"\x97 \x93\x8cuvre\x94 37 \xb0C \x80");
        assert_eq!(encode("Łódź Ωμέγα 東京"), b"?\xf3d? ????? ??");
    }

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let text =
            "Wide words WWWWWWWWWW MMMMMMMM and a very long word Donaudampfschifffahrtsgesellschaftskapitän.\nNext.";
        let lines = wrap(text, Font::Regular, 10.0, 120.0, 100.0);
        for (i, l) in lines.iter().enumerate() {
            assert!(width(l, Font::Regular, 10.0) <= if i == 0 { 120.0 } else { 100.0 }, "{l:?}");
        }
        assert_eq!(lines.concat().replace(' ', ""), text.replace([' ', '\n'], ""));
        assert_eq!(lines.last().map(String::as_str), Some("Next."));
    }
}
