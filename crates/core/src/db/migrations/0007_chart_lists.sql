-- The chart's lists: problems, allergies, medications. Entries are never
-- deleted: one entered by mistake is marked so. Every change to an entry
-- is kept in chart_history (field, previous and new value), which the
-- chart shows; the audit trail records the same.

CREATE TABLE problems (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    description TEXT NOT NULL CHECK (length(trim(description)) > 0),
    status TEXT NOT NULL CHECK (status IN ('active', 'resolved', 'inactive', 'entered_in_error')),
    onset TEXT CHECK (onset IS NULL OR date(onset) = onset),
    resolved TEXT CHECK (resolved IS NULL OR date(resolved) = resolved),
    note TEXT,
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX problems_by_patient ON problems (patient_id);

CREATE TABLE allergies (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    substance TEXT NOT NULL CHECK (length(trim(substance)) > 0),
    reaction TEXT,
    severity TEXT NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe', 'unknown')),
    status TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'entered_in_error')),
    note TEXT,
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX allergies_by_patient ON allergies (patient_id);

CREATE TABLE medications (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    dose TEXT,
    route TEXT CHECK (route IS NULL OR route IN
        ('oral', 'sublingual', 'topical', 'inhaled', 'nasal', 'eye', 'ear', 'rectal', 'vaginal',
         'subcutaneous', 'intramuscular', 'intravenous', 'transdermal', 'other')),
    frequency TEXT,
    start_date TEXT CHECK (start_date IS NULL OR date(start_date) = start_date),
    stop_date TEXT CHECK (stop_date IS NULL OR date(stop_date) = stop_date),
    status TEXT NOT NULL CHECK (status IN ('active', 'stopped', 'entered_in_error')),
    note TEXT,
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (stop_date IS NULL OR start_date IS NULL OR stop_date >= start_date)
);
CREATE INDEX medications_by_patient ON medications (patient_id);

CREATE TABLE chart_history (
    id INTEGER PRIMARY KEY,
    list TEXT NOT NULL CHECK (list IN ('problems', 'allergies', 'medications')),
    entry_id INTEGER NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    changed_by INTEGER NOT NULL REFERENCES users(id),
    changed_at TEXT NOT NULL
);
CREATE INDEX chart_history_by_entry ON chart_history (list, entry_id, id);

CREATE TRIGGER problems_no_delete BEFORE DELETE ON problems
BEGIN SELECT RAISE(ABORT, 'chart entries are marked entered in error, not deleted'); END;
CREATE TRIGGER allergies_no_delete BEFORE DELETE ON allergies
BEGIN SELECT RAISE(ABORT, 'chart entries are marked entered in error, not deleted'); END;
CREATE TRIGGER medications_no_delete BEFORE DELETE ON medications
BEGIN SELECT RAISE(ABORT, 'chart entries are marked entered in error, not deleted'); END;
CREATE TRIGGER chart_history_append_only BEFORE UPDATE ON chart_history
BEGIN SELECT RAISE(ABORT, 'chart history is only ever added to'); END;
CREATE TRIGGER chart_history_no_delete BEFORE DELETE ON chart_history
BEGIN SELECT RAISE(ABORT, 'chart history is only ever added to'); END;
