//! The whole chart in one read: what the chart screen shows when a
//! patient is opened — demographics, identifiers, consents, and where the
//! user's permissions reach, visits with notes and vitals, the three lists
//! and the attachments — with one audit entry naming the parts read.
//!
//! Why one entry: every audited read is its own committed transaction, and
//! each commit waits for the disk (`synchronous=FULL`). Opening a chart
//! through the eight single readers costs seven such waits, about 4 ms
//! each on the benchmark machine, which alone misses the 30 ms target
//! (docs/BENCHMARKS.md, "Records at 100,000 patients"). The trail still
//! says who opened which chart, when, what of it they saw, and whether
//! emergency access allowed it.

use crate::Result;
use crate::access::{self, Decision, Permission};
use crate::audit::{Action, Event};
use crate::records::attachments::{self, Attachment};
use crate::records::consents::{self, Consent};
use crate::records::lists::{self, ChartEntry, ChartList};
use crate::records::patients::{self, Patient};
use crate::records::visits::{self, VisitRecord};
use crate::session::Session;

/// A patient's chart; a part is `None` where the user may not read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Demographics and contacts.
    pub patient: Patient,
    /// Identifiers as (system, value).
    pub identifiers: Vec<(String, String)>,
    /// Consents, newest first.
    pub consents: Vec<Consent>,
    /// Visits with notes, addenda and vitals, newest first (clinical read).
    pub visits: Option<Vec<VisitRecord>>,
    /// Problems, allergies and medications, in [`ChartList::ALL`] order (clinical read).
    pub lists: Option<Vec<(ChartList, Vec<ChartEntry>)>>,
    /// Attachments, newest first (attachment read).
    pub attachments: Option<Vec<Attachment>>,
}

impl Session {
    /// Opens patient `id`'s chart: everything the chart screen shows, in
    /// one read and one audit entry. Needs `patient_read` (and, for a
    /// restricted record, the restricted-record permission or emergency
    /// access); the clinical parts and attachments are left out, not
    /// refused, where the user's permissions do not reach them.
    pub fn open_chart(&mut self, id: i64) -> Result<Chart> {
        let mut emergency = self.patient_access(id, Permission::PatientRead)?;
        let patient = self.existing_patient(id)?;
        let (me, role, now) = (self.user().id, self.role(), self.now());
        let conn = self.vault()?.conn();
        let mut parts = vec!["demographics", "identifiers", "consents"];
        let mut may = |p: Permission, part: &'static str| -> Result<bool> {
            let d = access::allowed(conn, me, role, p, Some(id), now)?;
            emergency |= matches!(d, Decision::AllowedByEmergency(_));
            if d.is_allowed() {
                parts.push(part);
            }
            Ok(d.is_allowed())
        };
        let clinical = may(Permission::ClinicalRead, "visits and lists")?;
        let files = may(Permission::AttachmentRead, "attachments")?;
        let chart = Chart {
            identifiers: patients::identifiers(conn, id)?,
            consents: consents::of_patient(conn, id)?,
            visits: clinical.then(|| visits::visit_records(conn, id)).transpose()?,
            lists: clinical
                .then(|| {
                    ChartList::ALL.into_iter().map(|l| Ok((l, lists::entries(conn, l, id)?))).collect::<Result<_>>()
                })
                .transpose()?,
            attachments: files.then(|| attachments::of_patient(conn, id)).transpose()?,
            patient,
        };
        let mut event = Event::new(Action::PatientRead)
            .target("chart", id.to_string())
            .patient(id)
            .detail(format!("chart opened: {}", parts.join(", ")));
        if emergency {
            event = event.emergency();
        }
        self.audit(&event)?;
        Ok(chart)
    }
}
