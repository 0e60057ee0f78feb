-- Postal code apart from the free address: the Safe Harbor export keeps at
-- most its first three digits, which a free text could not be trusted to give.
ALTER TABLE patients ADD COLUMN postal_code TEXT;

-- Attachments: the description row apart from the bytes, so that listing a
-- chart's attachments never reads a file's pages. The type is what the
-- content is (checked when added), not what the name says.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    file_name TEXT NOT NULL CHECK (length(trim(file_name)) > 0),
    content_type TEXT NOT NULL
        CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg', 'text/plain')),
    size INTEGER NOT NULL CHECK (size > 0),
    -- Hex SHA-256 of the content, shown with the file and exported with it.
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    description TEXT,
    added_by INTEGER NOT NULL REFERENCES users(id),
    added_at TEXT NOT NULL,
    -- An attachment added to the wrong chart is marked so, not deleted.
    entered_in_error_at TEXT
);
CREATE INDEX attachments_by_patient ON attachments (patient_id, added_at);

CREATE TABLE attachment_content (
    attachment_id INTEGER PRIMARY KEY REFERENCES attachments(id),
    body BLOB NOT NULL
);

CREATE TRIGGER attachments_no_delete BEFORE DELETE ON attachments
BEGIN SELECT RAISE(ABORT, 'attachments are marked entered in error, not deleted'); END;

-- Consents: what the patient agreed to, from when, until when, and whether
-- withdrawn. A withdrawn consent stays, with when and by whom.
CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    scope TEXT NOT NULL CHECK (scope IN ('treatment', 'data_sharing', 'research')),
    granted_on TEXT NOT NULL CHECK (date(granted_on) = granted_on),
    expires_on TEXT CHECK (expires_on IS NULL OR (date(expires_on) = expires_on AND expires_on >= granted_on)),
    note TEXT,
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    withdrawn_at TEXT,
    withdrawn_by INTEGER REFERENCES users(id),
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);
CREATE INDEX consents_by_patient ON consents (patient_id, scope);

CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents
BEGIN SELECT RAISE(ABORT, 'consents are withdrawn, not deleted'); END;
CREATE TRIGGER consents_withdrawn_stay BEFORE UPDATE ON consents
WHEN OLD.withdrawn_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a withdrawn consent is not changed; record a new one'); END;
