-- A key per patient for what audit entries about them say of them (their
-- detail and changed values, sealed under it; see audit/subject.rs). Erasure
-- deletes the patient's key: the entries stay, chained, and their personal
-- values can no longer be read.
CREATE TABLE audit_subject_keys (
    patient_id INTEGER PRIMARY KEY,
    key BLOB NOT NULL CHECK (length(key) = 32)
);

-- A patient's key goes only with an erasure of their record; it is never
-- replaced (values sealed under the old one would read as altered).
CREATE TRIGGER audit_subject_keys_no_update BEFORE UPDATE ON audit_subject_keys
BEGIN SELECT RAISE(ABORT, 'a patient''s audit key is never changed'); END;
CREATE TRIGGER audit_subject_keys_no_delete BEFORE DELETE ON audit_subject_keys
WHEN NOT EXISTS (SELECT 1 FROM erasure_in_progress WHERE patient_id = OLD.patient_id)
BEGIN SELECT RAISE(ABORT, 'a patient''s audit key goes only with the erasure of their record'); END;
