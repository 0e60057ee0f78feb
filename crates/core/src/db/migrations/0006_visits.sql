-- Visits (encounters), their SOAP note, addenda and vitals. A note is a
-- draft until signed; a signed note never changes (later words are
-- addenda, which are only ever added). Vitals are stored in metric units.
-- Times are UTC, RFC 3339 text.

CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    -- When the visit took place.
    started_at TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('office', 'telephone', 'video', 'home', 'emergency', 'other')),
    provider_id INTEGER REFERENCES users(id),
    reason TEXT,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX visits_by_patient ON visits (patient_id, started_at);

CREATE TABLE visit_notes (
    visit_id INTEGER PRIMARY KEY REFERENCES visits(id),
    subjective TEXT NOT NULL DEFAULT '',
    objective TEXT NOT NULL DEFAULT '',
    assessment TEXT NOT NULL DEFAULT '',
    plan TEXT NOT NULL DEFAULT '',
    signed_by INTEGER REFERENCES users(id),
    signed_at TEXT,
    updated_by INTEGER NOT NULL REFERENCES users(id),
    updated_at TEXT NOT NULL,
    CHECK ((signed_by IS NULL) = (signed_at IS NULL))
);

CREATE TRIGGER visit_notes_signed_stay BEFORE UPDATE ON visit_notes
WHEN OLD.signed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a signed note is amended, never edited');
END;

CREATE TRIGGER visit_notes_no_delete BEFORE DELETE ON visit_notes
BEGIN
    SELECT RAISE(ABORT, 'notes are kept');
END;

CREATE TABLE note_addenda (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    text TEXT NOT NULL CHECK (length(trim(text)) > 0),
    author_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);

CREATE TRIGGER note_addenda_append_only BEFORE UPDATE ON note_addenda
BEGIN
    SELECT RAISE(ABORT, 'addenda are only ever added');
END;

CREATE TRIGGER note_addenda_no_delete BEFORE DELETE ON note_addenda
BEGIN
    SELECT RAISE(ABORT, 'addenda are only ever added');
END;

CREATE TABLE vitals (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    taken_at TEXT NOT NULL,
    systolic INTEGER CHECK (systolic BETWEEN 40 AND 300),
    diastolic INTEGER CHECK (diastolic BETWEEN 20 AND 200),
    pulse INTEGER CHECK (pulse BETWEEN 20 AND 300),
    temperature_c REAL CHECK (temperature_c BETWEEN 25 AND 45),
    weight_kg REAL CHECK (weight_kg BETWEEN 0.2 AND 500),
    height_cm REAL CHECK (height_cm BETWEEN 20 AND 280),
    spo2 INTEGER CHECK (spo2 BETWEEN 50 AND 100),
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    CHECK ((systolic IS NULL) = (diastolic IS NULL)),
    CHECK (systolic IS NULL OR diastolic < systolic)
);
CREATE INDEX vitals_by_visit ON vitals (visit_id, taken_at);

-- Note text joins what the patient search finds.
DROP VIEW patient_search_source;
CREATE VIEW patient_search_source AS
SELECT
    p.id AS id,
    p.given_name || ' ' || p.family_name AS name,
    p.mrn AS mrn,
    coalesce((SELECT group_concat(i.system || ' ' || i.value, ' ') FROM patient_identifiers i WHERE i.patient_id = p.id), '')
        AS identifiers,
    coalesce(p.phone || ' ' || replace(replace(replace(replace(replace(replace(p.phone, ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), '')
        AS phone,
    coalesce(p.notes, '') || ' ' || coalesce((
        SELECT group_concat(n.subjective || ' ' || n.objective || ' ' || n.assessment || ' ' || n.plan, ' ')
        FROM visits v JOIN visit_notes n ON n.visit_id = v.id WHERE v.patient_id = p.id
    ), '') || ' ' || coalesce((
        SELECT group_concat(a.text, ' ') FROM visits v JOIN note_addenda a ON a.visit_id = v.id WHERE v.patient_id = p.id
    ), '') AS notes
FROM patients p;

CREATE TRIGGER patient_search_note_insert AFTER INSERT ON visit_notes
BEGIN
    UPDATE patients SET id = id WHERE id = (SELECT patient_id FROM visits WHERE id = NEW.visit_id);
END;
CREATE TRIGGER patient_search_note_update AFTER UPDATE ON visit_notes
BEGIN
    UPDATE patients SET id = id WHERE id = (SELECT patient_id FROM visits WHERE id = NEW.visit_id);
END;
CREATE TRIGGER patient_search_addendum_insert AFTER INSERT ON note_addenda
BEGIN
    UPDATE patients SET id = id WHERE id = (SELECT patient_id FROM visits WHERE id = NEW.visit_id);
END;
