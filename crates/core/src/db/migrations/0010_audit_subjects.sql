-- A key per patient for what audit entries about them say of them (their
-- detail and changed values, sealed under it; see audit/subject.rs). Erasure
-- deletes the patient's key: the entries stay, chained, and their personal
-- values can no longer be read.
CREATE TABLE audit_subject_keys (
    patient_id INTEGER PRIMARY KEY,
    key BLOB NOT NULL CHECK (length(key) = 32)
);
