-- Patients: demographics, contacts and identifiers. A record is archived,
-- never deleted (erasure on request, where law allows, is its own audited
-- operation). Times are UTC, RFC 3339 text; dates of birth ISO 8601 dates.

CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    -- The medical record number, made from the clinic's format when the
    -- patient is registered; never reused.
    mrn TEXT NOT NULL UNIQUE,
    given_name TEXT NOT NULL CHECK (length(trim(given_name)) > 0),
    family_name TEXT NOT NULL CHECK (length(trim(family_name)) > 0),
    date_of_birth TEXT NOT NULL CHECK (date(date_of_birth) = date_of_birth),
    sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    phone TEXT,
    email TEXT,
    address TEXT,
    notes TEXT,
    -- Staff, VIPs: readable only with the restricted-record permission or
    -- emergency access.
    restricted INTEGER NOT NULL DEFAULT 0 CHECK (restricted IN (0, 1)),
    archived_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX patients_by_name ON patients (family_name COLLATE NOCASE, given_name COLLATE NOCASE);

-- Identifiers from elsewhere (national health number, insurer's member id).
CREATE TABLE patient_identifiers (
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    system TEXT NOT NULL CHECK (length(trim(system)) > 0),
    value TEXT NOT NULL CHECK (length(trim(value)) > 0),
    PRIMARY KEY (patient_id, system)
) WITHOUT ROWID;

-- The last medical record number handed out (one row).
CREATE TABLE mrn_sequence (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last INTEGER NOT NULL
);
INSERT INTO mrn_sequence (id, last) VALUES (1, 0);

-- No silent deletion.
CREATE TRIGGER patients_no_delete BEFORE DELETE ON patients
BEGIN
    SELECT RAISE(ABORT, 'patients are archived, not deleted');
END;
