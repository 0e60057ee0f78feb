-- Merging duplicate records, undoably; erasing a record on request.

-- A duplicate merged into another record keeps its row (archived), with
-- the record it was merged into.
ALTER TABLE patients ADD COLUMN merged_into INTEGER REFERENCES patients(id);
-- A foreign key's child column needs an index: every change of a patient's
-- id (the search triggers' `SET id = id`) and every erasure looks for
-- records merged into it, which without one reads the whole table.
CREATE INDEX patients_by_merged_into ON patients (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE patient_merges (
    id INTEGER PRIMARY KEY,
    kept_id INTEGER NOT NULL REFERENCES patients(id),
    duplicate_id INTEGER NOT NULL REFERENCES patients(id),
    merged_by INTEGER NOT NULL REFERENCES users(id),
    merged_at TEXT NOT NULL,
    -- Whether the duplicate was archived before the merge (an undo restores it).
    duplicate_was_archived INTEGER NOT NULL CHECK (duplicate_was_archived IN (0, 1)),
    undone_by INTEGER REFERENCES users(id),
    undone_at TEXT,
    CHECK (kept_id <> duplicate_id),
    CHECK ((undone_by IS NULL) = (undone_at IS NULL))
);
CREATE INDEX patient_merges_by_kept ON patient_merges (kept_id);
CREATE INDEX patient_merges_by_duplicate ON patient_merges (duplicate_id);

-- Exactly which rows a merge moved, so that an undo moves back those and
-- no others (entries added to the kept record afterwards stay with it).
CREATE TABLE patient_merge_moves (
    merge_id INTEGER NOT NULL REFERENCES patient_merges(id),
    kind TEXT NOT NULL CHECK (kind IN
        ('visits', 'problems', 'allergies', 'medications', 'attachments', 'consents', 'identifiers')),
    -- The row id, or for an identifier its system and value (joined by U+001F).
    row_key TEXT NOT NULL,
    PRIMARY KEY (merge_id, kind, row_key)
) WITHOUT ROWID;

-- A visit moved between records moves its note text in the search index.
CREATE TRIGGER patient_search_visit_moved AFTER UPDATE OF patient_id ON visits
BEGIN
    UPDATE patients SET id = id WHERE id IN (OLD.patient_id, NEW.patient_id);
END;

-- Erasure on request is the one deletion of a record's rows: it marks its
-- transaction here first, and the no-delete triggers stand aside only while
-- such a mark exists (inserted and removed inside that one transaction, so
-- the table is empty at every commit).
CREATE TABLE erasure_in_progress (
    patient_id INTEGER PRIMARY KEY
);

DROP TRIGGER patients_no_delete;
CREATE TRIGGER patients_no_delete BEFORE DELETE ON patients
WHEN NOT EXISTS (SELECT 1 FROM erasure_in_progress WHERE patient_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'patients are archived, not deleted'); END;

DROP TRIGGER visit_notes_no_delete;
CREATE TRIGGER visit_notes_no_delete BEFORE DELETE ON visit_notes
WHEN NOT EXISTS (SELECT 1 FROM erasure_in_progress e JOIN visits v ON v.patient_id = e.patient_id WHERE v.id = OLD.visit_id)
BEGIN SELECT RAISE(ABORT, 'notes are kept'); END;

DROP TRIGGER note_addenda_no_delete;
CREATE TRIGGER note_addenda_no_delete BEFORE DELETE ON note_addenda
WHEN NOT EXISTS (SELECT 1 FROM erasure_in_progress e JOIN visits v ON v.patient_id = e.patient_id WHERE v.id = OLD.visit_id)
BEGIN SELECT RAISE(ABORT, 'addenda are only ever added'); END;

DROP TRIGGER problems_no_delete;
CREATE TRIGGER problems_no_delete BEFORE DELETE ON problems
WHEN NOT EXISTS (SELECT 1 FROM erasure_in_progress WHERE patient_id = OLD.patient_id)
BEGIN SELECT RAISE(ABORT, 'chart entries are marked entered in error, not deleted'); END;

DROP TRIGGER allergies_no_delete;
CREATE TRIGGER allergies_no_delete BEFORE DELETE ON allergies
WHEN NOT EXISTS (SELECT 1 FROM erasure_in_progress WHERE patient_id = OLD.patient_id)
BEGIN SELECT RAISE(ABORT, 'chart entries are marked entered in error, not deleted'); END;

DROP TRIGGER medications_no_delete;
CREATE TRIGGER medications_no_delete BEFORE DELETE ON medications
WHEN NOT EXISTS (SELECT 1 FROM erasure_in_progress WHERE patient_id = OLD.patient_id)
BEGIN SELECT RAISE(ABORT, 'chart entries are marked entered in error, not deleted'); END;

-- chart_history rows name their entry, not the patient: any erasure in
-- progress lets them go (the erasure deletes only its patient's entries' rows).
DROP TRIGGER chart_history_no_delete;
CREATE TRIGGER chart_history_no_delete BEFORE DELETE ON chart_history
WHEN NOT EXISTS (SELECT 1 FROM erasure_in_progress)
BEGIN SELECT RAISE(ABORT, 'chart history is only ever added to'); END;

DROP TRIGGER attachments_no_delete;
CREATE TRIGGER attachments_no_delete BEFORE DELETE ON attachments
WHEN NOT EXISTS (SELECT 1 FROM erasure_in_progress WHERE patient_id = OLD.patient_id)
BEGIN SELECT RAISE(ABORT, 'attachments are marked entered in error, not deleted'); END;

DROP TRIGGER consents_no_delete;
CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents
WHEN NOT EXISTS (SELECT 1 FROM erasure_in_progress WHERE patient_id = OLD.patient_id)
BEGIN SELECT RAISE(ABORT, 'consents are withdrawn, not deleted'); END;

-- A merge moves a withdrawn consent to the kept record, and its undo moves
-- it back: the record a consent belongs to may change; what it says may not.
DROP TRIGGER consents_withdrawn_stay;
CREATE TRIGGER consents_withdrawn_stay BEFORE UPDATE ON consents
WHEN OLD.withdrawn_at IS NOT NULL AND (
    NEW.id IS NOT OLD.id OR NEW.scope IS NOT OLD.scope OR NEW.granted_on IS NOT OLD.granted_on
    OR NEW.expires_on IS NOT OLD.expires_on OR NEW.note IS NOT OLD.note
    OR NEW.recorded_by IS NOT OLD.recorded_by OR NEW.recorded_at IS NOT OLD.recorded_at
    OR NEW.withdrawn_at IS NOT OLD.withdrawn_at OR NEW.withdrawn_by IS NOT OLD.withdrawn_by)
BEGIN SELECT RAISE(ABORT, 'a withdrawn consent is not changed; record a new one'); END;

-- The ids of erased records, never given to another patient: emergency
-- grants, audit entries and keys that name an id keep meaning that person.
CREATE TABLE erased_patients (
    id INTEGER PRIMARY KEY
);

-- An attachment's bytes change only by erasure (its blob is written once,
-- when added, through incremental I/O, which fires no trigger).
CREATE TRIGGER attachment_content_no_update BEFORE UPDATE ON attachment_content
BEGIN SELECT RAISE(ABORT, 'an attachment''s content is never changed'); END;
CREATE TRIGGER attachment_content_no_delete BEFORE DELETE ON attachment_content
WHEN NOT EXISTS (SELECT 1 FROM erasure_in_progress e JOIN attachments a ON a.patient_id = e.patient_id
                 WHERE a.id = OLD.attachment_id)
BEGIN SELECT RAISE(ABORT, 'attachments are marked entered in error, not deleted'); END;
