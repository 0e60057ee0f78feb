//! Attachments as session operations: add (kind checked from the content,
//! size capped before a byte is read), list, open (streamed out), mark as
//! added in error. Each audited.

use std::io::{Read, Write};

use crate::access::Permission;
use crate::audit::{Action, Event};
use crate::records::attachments::{self, Attachment, Incoming};
use crate::session::Session;
use crate::{CoreError, Result};

/// A file to attach: its name (only the last path component is kept), a
/// description, and its size, which must be known first so that a file over
/// the limit is refused before any of it is read.
#[derive(Debug, Clone, Copy)]
pub struct NewAttachment<'a> {
    /// The file's name.
    pub file_name: &'a str,
    /// What it is, in words.
    pub description: Option<&'a str>,
    /// Its size in bytes.
    pub size: u64,
}

impl Session {
    fn attachment_of(&self, id: i64) -> Result<Attachment> {
        attachments::by_id(self.vault()?.conn(), id)?.ok_or(CoreError::NoSuchAttachment(id))
    }

    /// Adds a file to patient `patient_id`'s chart, read from `reader`.
    /// Refused with the reason: over the clinic's size limit (nothing read),
    /// empty, a kind other than PDF, PNG, JPEG or plain text (decided by the
    /// content), a name that claims another kind, or a reader that gives
    /// more or fewer bytes than announced. Nothing is kept when refused.
    pub fn add_attachment(
        &mut self,
        patient_id: i64,
        new: &NewAttachment<'_>,
        reader: &mut dyn Read,
    ) -> Result<Attachment> {
        let emergency = self.patient_access(patient_id, Permission::AttachmentWrite)?;
        if self.existing_patient(patient_id)?.archived_at.is_some() {
            return Err(CoreError::PatientArchived(patient_id));
        }
        let file_name = attachments::file_name(new.file_name)?;
        let limit = self.policy().attachment_max_bytes;
        if new.size > limit {
            return Err(CoreError::AttachmentTooLarge { file: file_name, size: new.size, limit });
        }
        if new.size == 0 {
            return Err(CoreError::AttachmentRefused { file: file_name, why: "the file is empty".into() });
        }
        let description = new.description.map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned);
        if description.as_ref().is_some_and(|d| d.chars().count() > 500 || d.chars().any(char::is_control)) {
            return Err(CoreError::InvalidClinicalField {
                field: "attachment description",
                why: "is longer than 500 characters or holds control characters".into(),
            });
        }
        let stamp = self.stamp()?;
        let me = self.user().id;
        let incoming = Incoming { file_name: &file_name, description, size: new.size };
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        let a = attachments::store(&tx, patient_id, &incoming, reader, me, stamp.at)?;
        let size = a.size.to_string();
        let mut event = Event::new(Action::PatientWrite)
            .target("attachment", a.id.to_string())
            .patient(patient_id)
            .change("file_name", None, Some(&a.file_name))
            .change("content_type", None, Some(a.content_type.mime()))
            .change("size", None, Some(&size))
            .change("sha256", None, Some(&a.sha256))
            .detail("attachment added");
        if emergency {
            event = event.emergency();
        }
        stamp.append(&tx, &event)?;
        tx.commit()?;
        Ok(a)
    }

    /// The largest attachment the clinic accepts, in bytes (for a page to
    /// refuse a bigger file before reading it; `add_attachment` checks it).
    pub fn attachment_limit(&self) -> u64 {
        self.policy().attachment_max_bytes
    }

    /// The attachments of a patient's chart, newest first (descriptions
    /// only; the listing is audited as a read of the record).
    pub fn attachments(&mut self, patient_id: i64) -> Result<Vec<Attachment>> {
        let emergency = self.patient_access(patient_id, Permission::AttachmentRead)?;
        self.existing_patient(patient_id)?;
        let list = attachments::of_patient(self.vault()?.conn(), patient_id)?;
        let mut event =
            Event::new(Action::PatientRead).target("attachments", patient_id.to_string()).patient(patient_id);
        if emergency {
            event = event.emergency();
        }
        self.audit(&event)?;
        Ok(list)
    }

    /// Attachment `id`'s description (its bytes are read, and audited, by
    /// [`Session::open_attachment`]).
    pub fn attachment(&mut self, id: i64) -> Result<Attachment> {
        let a = self.attachment_of(id)?;
        self.patient_access(a.patient_id, Permission::AttachmentRead)?;
        Ok(a)
    }

    /// Writes attachment `id`'s bytes to `out` a chunk at a time (audited
    /// before the first byte leaves); returns its description.
    pub fn open_attachment(&mut self, id: i64, out: &mut dyn Write) -> Result<Attachment> {
        let a = self.attachment_of(id)?;
        let emergency = self.patient_access(a.patient_id, Permission::AttachmentRead)?;
        let mut event = Event::new(Action::PatientRead)
            .target("attachment", id.to_string())
            .patient(a.patient_id)
            .detail(format!("attachment opened: {}", a.file_name));
        if emergency {
            event = event.emergency();
        }
        self.audit(&event)?;
        let written = attachments::copy_out(self.vault()?.conn(), id, out)?;
        if written != a.size {
            return Err(CoreError::Damaged { path: self.dir().to_path_buf(), what: "an attachment's stored size" });
        }
        Ok(a)
    }

    /// Marks an attachment as added to this chart by mistake: it stays,
    /// struck out, and is left out of exports.
    pub fn mark_attachment_in_error(&mut self, id: i64) -> Result<()> {
        let a = self.attachment_of(id)?;
        let emergency = self.patient_access(a.patient_id, Permission::AttachmentWrite)?;
        if a.entered_in_error_at.is_some() {
            return Ok(());
        }
        let stamp = self.stamp()?;
        let at = crate::access::time_text(stamp.at);
        let mut event = Event::new(Action::PatientWrite)
            .target("attachment", id.to_string())
            .patient(a.patient_id)
            .change("entered_in_error_at", None, Some(&at))
            .detail(format!("attachment marked entered in error: {}", a.file_name));
        if emergency {
            event = event.emergency();
        }
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        attachments::mark_in_error(&tx, id, stamp.at)?;
        stamp.append(&tx, &event)?;
        tx.commit()?;
        Ok(())
    }
}
