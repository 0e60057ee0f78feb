//! The printable summary of a patient's record: one self-contained HTML
//! page (inline CSS, print styles, no script or remote content, every value
//! escaped) and the same content as a paginated PDF, read back with an
//! independent parser: the clinic's and the patient's names on every page,
//! names with diacritics as written.

mod common;
mod export_common;

use chartvault_core::clock::Clock;
use chartvault_core::export::{ExportPurpose, PatientExportFormat};
use chartvault_core::records::{NewVisit, Soap, VisitKind};
use chartvault_core::session::Session;
use chrono::Duration;
use common::*;
use export_common::*;

const CLINIC: &str = "Riverside Family Clinic";

fn summary(s: &mut Session, id: i64, format: PatientExportFormat) -> Vec<u8> {
    let mut out = Vec::new();
    let done = s.export_patient(id, format, ExportPurpose::PatientAccess, &mut out).unwrap();
    assert_eq!(done.bytes, out.len() as u64);
    out
}

/// The text of each page of a PDF, as an independent parser reads it.
fn pdf_pages(bytes: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF lopdf reads");
    doc.get_pages().keys().map(|n| doc.extract_text(&[*n]).expect("its text")).collect()
}

#[test]
fn the_html_summary_is_one_self_contained_escaped_page_with_the_whole_record() {
    let w = world();
    let mut pat = provider(&w);
    let fields = tagged_person("Taghtml5150", "Zoë", "Müller", "1961-04-12", Some("02139"));
    let chart = full_chart(&w, &mut pat, &fields, "Taghtml5150");
    let html = String::from_utf8(summary(&mut pat, chart.patient, PatientExportFormat::Html)).unwrap();

    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>") && html.contains("@media print"), "inline, print-friendly CSS");
    for absent in ["<script", "<link", "<img", "src=", "href=", "http://", "https://", "url("] {
        assert!(!html.to_lowercase().contains(absent), "{absent} in a self-contained page");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"), "values are escaped");
    assert!(html.contains(CLINIC));
    assert!(html.contains("Zoë Müller") && html.contains(&chart.mrn) && html.contains("1961-04-12"));
    for text in [
        "Taghtml5150 reason",
        "Taghtml5150 subjective",
        "Taghtml5150 objective",
        "Taghtml5150 assessment",
        "Taghtml5150 plan",
        "Taghtml5150 addendum",
        "Taghtml5150 draft",
        "Taghtml5150ID",
        "blood pressure 128/84 mmHg",
        "temperature 37.9 °C",
        "SpO2 97 %",
        "Penicillin, severe reaction, Taghtml5150 hives (active)",
        "Hypertension, since 2015-02-03 (active)",
        "Lisinopril, 10 mg, oral",
        "data sharing: from",
        "(in force)",
        "(expired)",
        "withdrawn",
        "Pat Provider",
    ] {
        assert!(html.contains(text), "{text:?} missing");
    }
    for (name, _) in &chart.files {
        assert!(html.contains(name.as_str()), "{name} is listed");
    }
    for mistake in ["Asthma", "Latex", "Warfarin", chart.in_error_file.as_str()] {
        assert!(!html.contains(mistake), "{mistake}: entered in error, left out of the summary");
    }
    let allergies = html.find("<h2>Allergies</h2>").expect("an allergies section");
    let problems = html.find("<h2>Problems</h2>").expect("a problems section");
    assert!(allergies < problems, "allergies come first");
    assert!(html[..allergies].ends_with("<section class=\"prominent\">\n"), "allergies stand out");
}

#[test]
fn the_pdf_summary_is_paginated_with_the_clinic_and_patient_on_every_page_and_diacritics_as_written() {
    let w = world();
    let mut pat = provider(&w);
    let fields = tagged_person("Tagpdf8080", "Zoë", "Müller", "1961-04-12", Some("02139"));
    let chart = full_chart(&w, &mut pat, &fields, "Tagpdf8080");
    // Enough visits with notes to fill several pages.
    let now = w.clock.now();
    for i in 0..25 {
        let v = pat
            .record_visit(
                chart.patient,
                &NewVisit {
                    started_at: now - Duration::days(100 + i),
                    kind: VisitKind::Office,
                    provider: Some("pat"),
                    reason: Some("José Núñez referred her"),
                },
            )
            .unwrap();
        let long = "Blutdruck kontrolliert, Gewicht stabil, Beschwerden rückläufig. ".repeat(6);
        pat.save_note(v.id, &Soap { subjective: long, plan: format!("Review {i}"), ..Soap::default() }).unwrap();
    }
    let pdf = summary(&mut pat, chart.patient, PatientExportFormat::Pdf);
    assert!(pdf.starts_with(b"%PDF-"));
    let pages = pdf_pages(&pdf);
    assert!(pages.len() >= 3, "{} pages", pages.len());
    for (i, text) in pages.iter().enumerate() {
        assert!(text.contains(CLINIC), "page {} lacks the clinic's name: {text}", i + 1);
        assert!(text.contains(&format!("Zoë Müller — page {} of {}", i + 1, pages.len())), "page {}: {text}", i + 1);
    }
    let all = pages.concat();
    for text in [
        "Patient summary: Zoë Müller",
        "José Núñez referred her",
        "rückläufig",
        "ALLERGIES",
        "Penicillin, severe reaction, Tagpdf8080 hives (active)",
        "Tagpdf8080 addendum",
        "blood pressure 128/84 mmHg",
        "temperature 37.9 °C",
    ] {
        assert!(all.contains(text), "{text:?} missing from the PDF's text");
    }
    for mistake in ["Asthma", "Latex", "Warfarin"] {
        assert!(!all.contains(mistake), "{mistake}: entered in error, left out of the summary");
    }
}

#[test]
fn letters_outside_win_ansi_print_as_question_marks_in_the_pdf_and_stay_in_the_html() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&person("Łukasz", "Wójcik")).unwrap();
    let pages = pdf_pages(&summary(&mut pat, p.id, PatientExportFormat::Pdf));
    assert_eq!(pages.len(), 1);
    assert!(pages[0].contains("Patient summary: ?ukasz Wójcik"), "{}", pages[0]);
    let html = String::from_utf8(summary(&mut pat, p.id, PatientExportFormat::Html)).unwrap();
    assert!(html.contains("Łukasz Wójcik"));
}
