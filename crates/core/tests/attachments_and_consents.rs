//! Attachments and consents on a sealed vault: the kind read from the
//! content, the size limit applied before a byte is read, streams that lie
//! about their length refused, bytes out as they went in; consents in force,
//! expired and withdrawn; the roles that may not; the audit entries.

mod common;

use std::io::{Cursor, Read};

use chartvault_core::CoreError;
use chartvault_core::access::Permission;
use chartvault_core::audit::{Action, Filter};
use chartvault_core::records::{ConsentScope, ConsentStatus, ContentType, NewAttachment, NewConsent};
use chrono::NaiveDate;
use common::*;
use sha2::{Digest, Sha256};

fn png(len: usize) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    v.extend((0..len.saturating_sub(v.len())).map(|i| (i * 7 % 251) as u8));
    v
}

fn attach(
    s: &mut chartvault_core::session::Session,
    patient: i64,
    name: &str,
    bytes: &[u8],
) -> Result<chartvault_core::records::Attachment, CoreError> {
    let new = NewAttachment { file_name: name, description: Some("scan"), size: bytes.len() as u64 };
    s.add_attachment(patient, &new, &mut Cursor::new(bytes))
}

#[test]
fn files_of_each_kind_go_in_and_come_out_byte_for_byte_and_are_audited() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&person("Grace", "Hopper")).unwrap();
    let big = png(3 * 1024 * 1024 + 17);
    let text = "Überweisung: Röntgen Thorax, bitte.\r\n\tDr. Müller\n".repeat(2000);
    let cases: [(&str, Vec<u8>, ContentType); 4] = [
        ("xray.png", big, ContentType::Png),
        ("letter.PDF", b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n".to_vec(), ContentType::Pdf),
        ("/tmp/scans/photo.jpeg", b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01rest".to_vec(), ContentType::Jpeg),
        ("referral", text.into_bytes(), ContentType::Text),
    ];
    for (name, bytes, kind) in &cases {
        let a = attach(&mut pat, p.id, name, bytes).unwrap();
        assert_eq!(a.content_type, *kind, "{name}");
        assert_eq!(a.size, bytes.len() as u64);
        assert_eq!(a.sha256, Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect::<String>());
        assert!(!a.file_name.contains('/'), "only the last component is kept");
        let mut out = Vec::new();
        let back = pat.open_attachment(a.id, &mut out).unwrap();
        assert_eq!(&out, bytes, "{name} comes out as it went in");
        assert_eq!(back, a);
    }
    let listed = pat.attachments(p.id).unwrap();
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[0].file_name, "referral", "newest first");

    pat.mark_attachment_in_error(listed[0].id).unwrap();
    assert!(pat.attachments(p.id).unwrap()[0].entered_in_error_at.is_some());

    let entries = pat.audit_list(&Filter { patient_id: Some(p.id), ..Filter::default() });
    // A provider cannot read the trail; the administrator checks it below.
    assert!(matches!(entries, Err(CoreError::Denied(Permission::AuditRead))));
    pat.logout().unwrap();
    let mut ada = w.admin();
    let trail = ada.audit_list(&Filter { patient_id: Some(p.id), ..Filter::default() }).unwrap();
    let added: Vec<_> = trail.iter().filter(|e| e.event.detail.as_deref() == Some("attachment added")).collect();
    assert_eq!(added.len(), 4);
    assert!(
        added.iter().any(|e| e
            .event
            .changes
            .iter()
            .any(|c| c.field == "content_type" && c.new.as_deref() == Some("image/png")))
    );
    let opened = trail
        .iter()
        .filter(|e| e.event.action == Action::PatientRead && e.event.target_kind.as_deref() == Some("attachment"))
        .count();
    assert_eq!(opened, 4, "each opening is a read of the record");
    assert!(trail.iter().any(|e| e.event.detail.as_deref() == Some("attachment marked entered in error: referral")));
}

#[test]
fn an_executable_named_pdf_and_other_kinds_are_refused_with_the_reason_and_nothing_is_kept() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&person("Grace", "Hopper")).unwrap();
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
    elf.resize(4096, 0x90);
    let mut pe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
    pe.resize(4096, 0);
    let cases: [(&str, Vec<u8>, &str); 7] = [
        ("lab-results.pdf", elf, "a program"),
        ("invoice.pdf", pe, "a program"),
        ("scan.pdf", png(100), "its name says a PDF document but its content is a PNG image"),
        ("notes.txt", b"PK\x03\x04\x14\0\0\0\x08\0more".to_vec(), "an archive"),
        ("notes.txt", b"plain until \x01 here".to_vec(), "control character U+0001"),
        ("latin1.txt", b"Gr\xfc\xdfe aus M\xfcnchen".to_vec(), "not PDF, PNG, JPEG or UTF-8 text"),
        ("page.html", b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec(), "markup or a script"),
    ];
    for (name, bytes, why) in cases {
        let e = attach(&mut pat, p.id, name, &bytes).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, CoreError::AttachmentRefused { .. }), "{name}: {msg}");
        assert!(msg.contains(why) && msg.contains("Nothing was added"), "{name}: {msg}");
    }
    let empty = attach(&mut pat, p.id, "empty.txt", b"").unwrap_err();
    assert!(empty.to_string().contains("empty"), "{empty}");
    assert!(pat.attachments(p.id).unwrap().is_empty(), "nothing refused was kept");
}

/// A reader that fails the test if it is read at all.
struct MustNotRead;
impl Read for MustNotRead {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        panic!("an oversized file was read");
    }
}

#[test]
fn an_oversized_file_is_refused_before_any_of_it_is_read_and_the_limit_is_the_clinics() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&person("Grace", "Hopper")).unwrap();
    let new = NewAttachment { file_name: "huge.pdf", description: None, size: 25_000_001 };
    let e = pat.add_attachment(p.id, &new, &mut MustNotRead).unwrap_err();
    assert!(
        matches!(e, CoreError::AttachmentTooLarge { size: 25_000_001, limit: 25_000_000, .. }),
        "the default limit is 25 MB: {e}"
    );
    let exactly = NewAttachment { size: 25_000_000, ..new };
    let mut zeros = std::io::repeat(b'a').take(25_000_000);
    let e = pat.add_attachment(p.id, &exactly, &mut zeros).unwrap_err().to_string();
    assert!(e.contains("its name says a PDF document but its content is not one"), "{e}");
    let txt = NewAttachment { file_name: "long.txt", ..exactly };
    let mut zeros = std::io::repeat(b'a').take(25_000_000);
    assert_eq!(pat.add_attachment(p.id, &txt, &mut zeros).unwrap().size, 25_000_000, "the limit itself is allowed");
    pat.logout().unwrap();

    let mut ada = w.admin();
    ada.set_policy("attachment_max_mb", "1").unwrap();
    assert!(ada.set_policy("attachment_max_mb", "0").is_err());
    assert!(ada.set_policy("attachment_max_mb", "501").is_err());
    ada.logout().unwrap();
    let mut pat = w.try_login("pat", PROVIDER_NEW_PW, None).unwrap();
    let over = NewAttachment { file_name: "scan.png", description: None, size: 1_000_001 };
    assert!(matches!(
        pat.add_attachment(p.id, &over, &mut MustNotRead),
        Err(CoreError::AttachmentTooLarge { limit: 1_000_000, .. })
    ));
}

#[test]
fn a_stream_shorter_or_longer_than_announced_is_refused_and_nothing_is_kept() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&person("Grace", "Hopper")).unwrap();
    let bytes = png(200_000);
    for (announced, why) in [(bytes.len() as u64 + 1, "ended after 200000"), (bytes.len() as u64 - 1, "longer than")] {
        let new = NewAttachment { file_name: "scan.png", description: None, size: announced };
        let e = pat.add_attachment(p.id, &new, &mut Cursor::new(&bytes)).unwrap_err().to_string();
        assert!(e.contains(why), "{e}");
    }
    assert!(pat.attachments(p.id).unwrap().is_empty());
}

#[test]
fn who_may_attach_and_open_follows_the_matrix() {
    let w = world();
    add_staff(&w);
    let mut pat = provider(&w);
    let p = pat.register_patient(&person("Grace", "Hopper")).unwrap();
    let a = attach(&mut pat, p.id, "card.png", &png(64)).unwrap();
    pat.logout().unwrap();

    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    assert_eq!(attach(&mut sam, p.id, "referral.txt", b"Please see.").unwrap().content_type, ContentType::Text);
    assert_eq!(sam.attachments(p.id).unwrap().len(), 2, "front desk scans and reads attachments");
    sam.logout().unwrap();

    let mut ada = w.admin();
    assert!(matches!(ada.attachments(p.id), Err(CoreError::Denied(Permission::AttachmentRead))));
    assert!(matches!(ada.open_attachment(a.id, &mut Vec::new()), Err(CoreError::Denied(Permission::AttachmentRead))));
    assert!(matches!(attach(&mut ada, p.id, "x.txt", b"x"), Err(CoreError::Denied(Permission::AttachmentWrite))));
    let denied = ada.audit_list(&Filter { action: Some(Action::PermissionDenied), ..Filter::default() }).unwrap();
    assert!(denied.len() >= 3, "each refusal is in the trail");
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn consents_are_in_force_until_they_expire_or_are_withdrawn_and_a_sharing_export_needs_one() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&person("Grace", "Hopper")).unwrap();
    let today = w.clock_today();
    assert!(matches!(
        pat.require_consent(p.id, ConsentScope::DataSharing),
        Err(CoreError::ConsentRequired { scope: "data sharing" })
    ));
    let old = pat
        .record_consent(
            p.id,
            &NewConsent {
                scope: ConsentScope::DataSharing,
                granted_on: day("2020-01-01"),
                expires_on: Some(day("2021-01-01")),
                note: Some("form DS-1"),
            },
        )
        .unwrap();
    assert_eq!(old.status(today), ConsentStatus::Expired);
    assert!(pat.require_consent(p.id, ConsentScope::DataSharing).is_err(), "an expired consent is not in force");
    let now = pat
        .record_consent(
            p.id,
            &NewConsent { scope: ConsentScope::DataSharing, granted_on: today, expires_on: None, note: None },
        )
        .unwrap();
    pat.require_consent(p.id, ConsentScope::DataSharing).unwrap();
    assert!(pat.require_consent(p.id, ConsentScope::Research).is_err(), "one scope does not stand for another");
    let withdrawn = pat.withdraw_consent(now.id).unwrap();
    assert_eq!(withdrawn.status(today), ConsentStatus::Withdrawn);
    assert!(withdrawn.withdrawn_by.is_some());
    assert!(pat.require_consent(p.id, ConsentScope::DataSharing).is_err());
    let listed = pat.consents(p.id).unwrap();
    assert_eq!(listed.len(), 2, "a withdrawn consent stays on the record");

    let future = NewConsent {
        scope: ConsentScope::Research,
        granted_on: today.succ_opt().unwrap(),
        expires_on: None,
        note: None,
    };
    assert!(matches!(pat.record_consent(p.id, &future), Err(CoreError::InvalidClinicalField { .. })));
    let backwards = NewConsent { granted_on: day("2022-01-01"), expires_on: Some(day("2021-01-01")), ..future };
    assert!(matches!(pat.record_consent(p.id, &backwards), Err(CoreError::InvalidClinicalField { .. })));
    pat.logout().unwrap();

    let mut ada = w.admin();
    assert!(matches!(ada.withdraw_consent(old.id), Err(CoreError::Denied(Permission::ConsentWrite))));
    let trail = ada.audit_list(&Filter { patient_id: Some(p.id), ..Filter::default() }).unwrap();
    assert!(trail.iter().any(|e| e.event.detail.as_deref() == Some("data sharing consent withdrawn")));
    assert_eq!(trail.iter().filter(|e| e.event.detail.as_deref() == Some("consent recorded")).count(), 2);
}
