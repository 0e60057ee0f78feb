//! Attachments and consents, end to end in WebKit: a provider adds a PNG
//! and a PDF to a chart and previews both (the image decoded, the PDF's
//! page drawn), a program named `.pdf` is refused with the reason, a copy
//! is saved to a file; a data-sharing consent is recorded and withdrawn;
//! the record is exported as a FHIR bundle for the patient (sharing refused
//! without the consent), and an auditor exports the de-identified extract,
//! which names no one.
//! Each screen photographed and checked with axe.

use chartvault_e2e::{App, AppHome, add_users, make_vault};
use serde_json::json;

const ADMIN_PW: &str = "Violet kettle 47 marching north";
const PAT_FIRST: &str = "Granite owls count the tides";
const PAT_PW: &str = "Saffron kites drift past Lyon";
const AUD_FIRST: &str = "Amber lanterns guard the quay";
const AUD_PW: &str = "Quiet ferns outgrow the ledger";

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0xd, 0xa, 0x1a, 0xa, 0x0, 0x0, 0x0, 0xd, 0x49, 0x48, 0x44, 0x52, 0x0, 0x0, 0x0, 0x1, 0x0,
    0x0, 0x0, 0x1, 0x8, 0x6, 0x0, 0x0, 0x0, 0x1f, 0x15, 0xc4, 0x89, 0x0, 0x0, 0x0, 0xd, 0x49, 0x44, 0x41, 0x54, 0x78,
    0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f, 0xf, 0x0, 0x2, 0x87, 0x1, 0x80, 0xeb, 0x47, 0xba, 0x92, 0x0, 0x0, 0x0, 0x0,
    0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A one-page PDF with a line of text, its cross-reference table exact.
fn pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        {
            let stream = "BT /F1 24 Tf 20 100 Td (Referral letter) Tj ET";
            format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len())
        },
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for off in offsets {
        out.extend(format!("{off:010} 00000 n \n").bytes());
    }
    out.extend(format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).bytes());
    out
}

async fn look(app: &App, name: &str) {
    app.screenshot(name).await;
    app.axe(name).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_attaches_and_previews_files_and_records_consents() {
    let home = AppHome::new();
    let secret = make_vault(&home.default_vault(), "Harbour Clinic", ADMIN_PW);
    add_users(
        &home.default_vault(),
        ADMIN_PW,
        &secret,
        &[("pat", "provider", PAT_FIRST), ("aud", "auditor", AUD_FIRST)],
    );
    let files = tempfile::tempdir().unwrap();
    let png = files.path().join("insurance card.png");
    std::fs::write(&png, PNG).unwrap();
    let letter = files.path().join("referral.pdf");
    std::fs::write(&letter, pdf()).unwrap();
    let fake = files.path().join("results.pdf");
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
    elf.resize(4096, 0x90);
    std::fs::write(&fake, elf).unwrap();
    let Some(app) = App::launch_in(home).await else { return };

    app.first_sign_in("pat", PAT_FIRST, PAT_PW).await;
    app.wait_for(r#"main[data-view="patients"]"#).await;
    app.click_button("New patient").await;
    app.fill("new-patient-given", "Zoë").await;
    app.fill("new-patient-family", "Müller").await;
    app.choose("new-patient-dob", "1984-02-29").await;
    app.choose("new-patient-sex", "female").await;
    app.click_button("Register").await;
    app.wait_text(r#"[data-testid="chart-header"]"#, "Müller, Zoë").await;

    app.click_button("Attachments").await;
    app.wait_text("main", "No attachments.").await;
    app.upload("attachment-file", &fake).await;
    app.click_button("Add file").await;
    let refused = app.text(r#"[role="alert"]"#).await;
    assert!(refused.contains("results.pdf") && refused.contains("a program"), "{refused}");
    look(&app, "40-attachment-refused").await;

    app.upload("attachment-file", &png).await;
    app.fill("attachment-description", "Insurance card, front").await;
    app.click_button("Add file").await;
    app.wait_text(r#"[data-testid="attachments"]"#, "insurance card.png").await;
    app.upload("attachment-file", &letter).await;
    app.click_button("Add file").await;
    app.wait_text(r#"[data-testid="attachments"]"#, "referral.pdf").await;
    let table = app.text(r#"[data-testid="attachments"]"#).await;
    assert!(table.contains("image/png") && table.contains("application/pdf") && table.contains("by pat"), "{table}");

    app.click_button("Preview insurance card.png").await;
    app.wait_for(r#"[data-testid="attachment-preview"] img"#).await;
    let decoded = app
        .client()
        .execute(
            "const i = document.querySelector('[data-testid=attachment-preview] img');
             return new Promise((ok) => { const done = () => ok(i.naturalWidth); if (i.complete) done(); else i.onload = done; });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(decoded, json!(1), "the image was decoded from the vault's bytes");
    look(&app, "41-attachment-image").await;

    app.click_button("Preview referral.pdf").await;
    app.wait_for(r#"[data-testid="pdf-page"]"#).await;
    let mut inked = json!(0);
    for _ in 0..100 {
        inked = app
            .client()
            .execute(
                "const c = document.querySelector('[data-testid=pdf-page]');
                 if (!c || !c.width) return 0;
                 const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                 let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] < 128) n++;
                 return n;",
                vec![],
            )
            .await
            .unwrap();
        if inked.as_u64().unwrap_or(0) > 50 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(inked.as_u64().unwrap_or(0) > 50, "the PDF's text was drawn on the page: {inked} dark pixels");
    look(&app, "42-attachment-pdf").await;

    // A copy saved to a file of our choosing holds the same bytes.
    let id = app.invoke("attachments", json!({ "args": { "id": 1 } })).await.unwrap()[0]["id"].as_i64().unwrap();
    let copy = files.path().join("copy.pdf");
    app.invoke("save_attachment", json!({ "args": { "id": id, "path": copy.display().to_string() } })).await.unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), pdf());

    app.click_button("Consents").await;
    app.choose("consent-scope", "data_sharing").await;
    app.fill("consent-note", "Form DS-1, signed at the desk").await;
    app.click_button("Record consent").await;
    app.wait_text(r#"[data-testid="consents"]"#, "In force").await;
    look(&app, "43-consents").await;
    app.click_button("Record withdrawal of Data sharing consent").await;
    app.wait_text(r#"[data-testid="consents"]"#, "Withdrawn").await;

    // Exported for sharing: refused, the consent was withdrawn. For the
    // patient's own request: a FHIR bundle with the record in it.
    app.click_button("Details").await;
    let bundle = files.path().join("zoe.fhir.json");
    app.fill("export-file", &bundle.display().to_string()).await;
    app.choose("export-purpose", "sharing").await;
    app.click_button("Export").await;
    let refused = app.wait_text(r#"[role="alert"]"#, "consent").await;
    assert!(refused.contains("data sharing"), "{refused}");
    assert!(!bundle.exists(), "no file is made when the export is refused");
    app.choose("export-purpose", "access").await;
    app.click_button("Export").await;
    app.wait_text(r#"[data-testid="export-done"]"#, "zoe.fhir.json").await;
    look(&app, "44-chart-export").await;
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    assert_eq!(json["resourceType"], "Bundle");
    let kinds: Vec<&str> =
        json["entry"].as_array().unwrap().iter().map(|e| e["resource"]["resourceType"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"Patient") && kinds.contains(&"Consent"), "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| **k == "DocumentReference").count(), 2, "both attachments: {kinds:?}");
    assert!(json.to_string().contains("Müller"), "the patient's name as written");
    app.click_button("Sign out").await;

    // The auditor's de-identified extract names no one.
    app.first_sign_in("aud", AUD_FIRST, AUD_PW).await;
    app.go("research").await;
    let extract = files.path().join("research.csv");
    app.fill("deid-path", &extract.display().to_string()).await;
    app.click_button("Export").await;
    app.wait_text(r#"[data-testid="deid-done"]"#, ": 1 patient.").await;
    look(&app, "45-deidentified-export").await;
    let csv = std::fs::read_to_string(&extract).unwrap();
    for identifying in ["Müller", "Zoë", "MRN-000001", "1984-02-29", "insurance card"] {
        assert!(!csv.contains(identifying), "{identifying} left the vault:\n{csv}");
    }
    assert!(csv.contains("1984"), "the birth year stays");
    app.close().await;
}
