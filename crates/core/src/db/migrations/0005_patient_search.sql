-- Full-text search over patients: names, record number, identifiers,
-- phone (also as bare digits) and notes. Diacritics are folded ("José"
-- finds "Jose"), every query term is a prefix. The index lives in the
-- sealed database like everything else; its leaves are sized to fit one
-- sealed page (pgsz = chartvault_seal::FTS5_PGSZ, checked by a test), so a
-- search never reads overflow pages. Kept in step by triggers; rowid is
-- the patient's id.

CREATE VIRTUAL TABLE patient_search USING fts5(
    name, mrn, identifiers, phone, notes,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
INSERT INTO patient_search (patient_search, rank) VALUES ('pgsz', 4022);

-- What is indexed for each patient.
CREATE VIEW patient_search_source AS
SELECT
    p.id AS id,
    p.given_name || ' ' || p.family_name AS name,
    p.mrn AS mrn,
    coalesce((SELECT group_concat(i.system || ' ' || i.value, ' ') FROM patient_identifiers i WHERE i.patient_id = p.id), '')
        AS identifiers,
    coalesce(p.phone || ' ' || replace(replace(replace(replace(replace(replace(p.phone, ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), '')
        AS phone,
    coalesce(p.notes, '') AS notes
FROM patients p;

CREATE TRIGGER patient_search_insert AFTER INSERT ON patients
BEGIN
    INSERT INTO patient_search (rowid, name, mrn, identifiers, phone, notes)
    SELECT id, name, mrn, identifiers, phone, notes FROM patient_search_source WHERE id = NEW.id;
END;

CREATE TRIGGER patient_search_update AFTER UPDATE ON patients
BEGIN
    DELETE FROM patient_search WHERE rowid = OLD.id;
    INSERT INTO patient_search (rowid, name, mrn, identifiers, phone, notes)
    SELECT id, name, mrn, identifiers, phone, notes FROM patient_search_source WHERE id = NEW.id;
END;

-- An identifier added, changed or removed rewrites the patient's row, which
-- refreshes its search entry through the trigger above.
CREATE TRIGGER patient_search_identifier_insert AFTER INSERT ON patient_identifiers
BEGIN
    UPDATE patients SET id = id WHERE id = NEW.patient_id;
END;
CREATE TRIGGER patient_search_identifier_update AFTER UPDATE ON patient_identifiers
BEGIN
    UPDATE patients SET id = id WHERE id IN (OLD.patient_id, NEW.patient_id);
END;
CREATE TRIGGER patient_search_identifier_delete AFTER DELETE ON patient_identifiers
BEGIN
    UPDATE patients SET id = id WHERE id = OLD.patient_id;
END;

-- Patients registered before this migration.
INSERT INTO patient_search (rowid, name, mrn, identifiers, phone, notes)
SELECT id, name, mrn, identifiers, phone, notes FROM patient_search_source;
