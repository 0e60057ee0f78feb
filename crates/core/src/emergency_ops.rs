//! Emergency access ("break the glass") and one's second factor's recovery
//! codes, as session operations.

use crate::access::{Permission, emergency};
use crate::audit::{Action, Event};
use crate::auth::recovery_codes::{self, RecoveryCodeShown};
use crate::session::Session;
use crate::{CoreError, Result};

impl Session {
    /// Opens `permission` on one patient for the policy's time, with a
    /// written reason, to a user whose role lacks it. Flagged in the audit
    /// trail and listed for an administrator's review.
    pub fn break_glass(&mut self, patient_id: i64, permission: Permission, reason: &str) -> Result<emergency::Grant> {
        self.ready()?;
        // Only a registered record: a grant taken in advance on the next
        // id would open whoever is registered under it.
        self.existing_patient(patient_id)?;
        let (user, now, lasts) = (self.user().id, self.now(), self.policy().emergency_for);
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        let grant = emergency::invoke(&tx, user, patient_id, permission, reason, now, lasts)?;
        tx.commit()?;
        let event = Event::new(Action::EmergencyAccess)
            .patient(patient_id)
            .target("permission", permission.name())
            .detail(grant.reason.clone())
            .emergency();
        self.audit(&event)?;
        Ok(grant)
    }

    /// Emergency access to a whole chart, as the app and the command offer
    /// it: the record, the clinical record and, for a restricted record,
    /// past the restriction — a grant of each, with the one reason.
    pub fn emergency_chart_access(&mut self, patient_id: i64, reason: &str) -> Result<Vec<emergency::Grant>> {
        [Permission::PatientRead, Permission::ClinicalRead, Permission::RestrictedRecordRead]
            .into_iter()
            .map(|p| self.break_glass(patient_id, p, reason))
            .collect()
    }

    /// Emergency grants not yet reviewed (administrators).
    pub fn emergency_review_list(&mut self) -> Result<Vec<emergency::Grant>> {
        self.require(Permission::EmergencyReview, None)?;
        emergency::pending_review(self.vault()?.conn())
    }

    /// Records the review of an emergency grant.
    pub fn review_emergency(&mut self, grant_id: i64, note: Option<&str>) -> Result<()> {
        self.require(Permission::EmergencyReview, None)?;
        let (me, now) = (self.user().id, self.now());
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        let g = emergency::mark_reviewed(&tx, grant_id, me, now, note)?;
        tx.commit()?;
        let event =
            Event::new(Action::EmergencyReviewed).target("emergency_grant", g.id.to_string()).patient(g.patient_id);
        self.audit(&event)
    }

    /// Ten new single-use codes that stand in for the authenticator; any
    /// earlier set stops working. Show them once.
    pub fn issue_totp_recovery_codes(&mut self) -> Result<Vec<RecoveryCodeShown>> {
        self.ready()?;
        self.require_recent_password()?;
        if !self.user().totp_enrolled {
            return Err(CoreError::TotpNotEnrolled);
        }
        let id = self.user().id;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        let codes = recovery_codes::issue(&tx, id)?;
        tx.commit()?;
        self.audit(&Event::new(Action::TotpEnrolled).detail("new recovery codes issued"))?;
        Ok(codes)
    }
}
