//! The summary as one self-contained HTML page for the app's print: inline
//! CSS (print-friendly under `@media print`), no script, no remote content,
//! every value escaped.

use std::io::Write;

use super::summary::{Block, Summary};
use super::writing::put;
use crate::Result;

/// `text` safe in HTML content and in quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body{font:11pt/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#111;margin:2rem auto;max-width:48rem;padding:0 1rem}
header{border-bottom:2px solid #1f5f8b;margin-bottom:1rem}
header .clinic{font-size:10pt;text-transform:uppercase;letter-spacing:.05em;color:#1f5f8b}
h1{font-size:18pt;margin:.2rem 0}
h2{font-size:13pt;border-bottom:1px solid #bbb;margin:1.2rem 0 .4rem}
h3{font-size:11pt;margin:.8rem 0 .2rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.2rem 0}
dt{font-weight:600}dd{margin:0}
ul{margin:.2rem 0;padding-left:1.2rem}
.text{white-space:pre-wrap;margin:.2rem 0 .4rem}
.label{font-weight:600}
.nothing{color:#555;font-style:italic}
.prominent{border:2px solid #b00020;padding:.2rem .8rem .6rem;border-radius:4px}
.prominent h2{color:#b00020;border:none}
footer{margin-top:2rem;font-size:9pt;color:#555;border-top:1px solid #bbb}
@media print{body{margin:0;max-width:none;font-size:10pt}section{break-inside:auto}h2,h3{break-after:avoid}\
.prominent{border-color:#000}.prominent h2{color:#000}header,footer{color:#000}@page{margin:15mm}}
";

/// Closes an open list (`ul`) unless `keep_list`, and open fields (`dl`)
/// unless `keep_fields`.
fn close(html: &mut String, in_list: &mut bool, in_fields: &mut bool, keep_list: bool, keep_fields: bool) {
    if *in_list && !keep_list {
        html.push_str("</ul>\n");
        *in_list = false;
    }
    if *in_fields && !keep_fields {
        html.push_str("</dl>\n");
        *in_fields = false;
    }
}

fn block(html: &mut String, b: &Block, in_list: &mut bool, in_fields: &mut bool) {
    close(html, in_list, in_fields, matches!(b, Block::Item(_)), matches!(b, Block::Field(..)));
    match b {
        Block::Field(label, value) => {
            if !*in_fields {
                html.push_str("<dl>\n");
                *in_fields = true;
            }
            html.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", escape(label), escape(value)));
        }
        Block::Item(text) => {
            if !*in_list {
                html.push_str("<ul>\n");
                *in_list = true;
            }
            html.push_str(&format!("<li>{}</li>\n", escape(text)));
        }
        Block::Subheading(text) => html.push_str(&format!("<h3>{}</h3>\n", escape(text))),
        Block::Text(label, text) => html.push_str(&format!(
            "<p class=\"text\"><span class=\"label\">{}:</span>\n{}</p>\n",
            escape(label),
            escape(text)
        )),
        Block::Nothing(text) => html.push_str(&format!("<p class=\"nothing\">{}</p>\n", escape(text))),
    }
}

/// The page's HTML.
pub(crate) fn render(s: &Summary) -> String {
    let mut html = String::new();
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    html.push_str(&format!(
        "<title>{} — {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        escape(&s.patient),
        escape(&s.clinic)
    ));
    html.push_str(&format!(
        "<header><div class=\"clinic\">{}</div><h1>Patient summary: {}</h1></header>\n",
        escape(&s.clinic),
        escape(&s.patient)
    ));
    for section in &s.sections {
        let class = if section.prominent { " class=\"prominent\"" } else { "" };
        html.push_str(&format!("<section{class}>\n<h2>{}</h2>\n", escape(section.heading)));
        let (mut in_list, mut in_fields) = (false, false);
        for b in &section.blocks {
            block(&mut html, b, &mut in_list, &mut in_fields);
        }
        close(&mut html, &mut in_list, &mut in_fields, false, false);
        html.push_str("</section>\n");
    }
    html.push_str(&format!(
        "<footer>{} — made {} from the clinic's records. Confidential: it holds personal health information.</footer>\n",
        escape(&s.clinic),
        escape(&s.made)
    ));
    html.push_str("</body>\n</html>\n");
    html
}

/// Writes the page.
pub(crate) fn write(s: &Summary, out: &mut dyn Write) -> Result<()> {
    put(out, render(s).as_bytes())
}
