-- The audit trail: an append-only, keyed hash chain (see crates/core/src/audit/).
-- Times are UTC, RFC 3339 text with nine fractional digits, so that text order
-- is time order. STRICT: a value of another type is refused, not converted.
-- No CHECK on `action`: new actions must not need a table rebuild, which the
-- append-only triggers forbid.

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    username TEXT NOT NULL,
    workstation_host TEXT NOT NULL,
    workstation_id TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT,
    target_id TEXT,
    patient_id INTEGER,
    result TEXT NOT NULL CHECK (result IN ('success', 'denied', 'failed')),
    detail TEXT,
    emergency INTEGER NOT NULL DEFAULT 0 CHECK (emergency IN (0, 1)),
    prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
    hash BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

-- Field-level changes of an entry: the previous and new value of each field.
CREATE TABLE audit_changes (
    seq INTEGER NOT NULL REFERENCES audit_log(seq),
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    PRIMARY KEY (seq, field)
) WITHOUT ROWID, STRICT;

CREATE INDEX audit_log_by_user ON audit_log(user_id, seq);
CREATE INDEX audit_log_by_username ON audit_log(username, seq);
CREATE INDEX audit_log_by_patient ON audit_log(patient_id, seq) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_log_by_action ON audit_log(action, seq);
CREATE INDEX audit_log_by_time ON audit_log(at);

-- Append-only. UPDATE (including an upsert's DO UPDATE) and DELETE are refused.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: an entry cannot be updated');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: an entry cannot be deleted');
END;

-- INSERT OR REPLACE deletes the row it replaces without firing DELETE
-- triggers (recursive_triggers is off), so inserts are held to the end of
-- the log: the next seq only.
CREATE TRIGGER audit_log_append_at_end BEFORE INSERT ON audit_log
WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM audit_log)
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: an entry can only be added after the last one');
END;

CREATE TRIGGER audit_changes_no_update BEFORE UPDATE ON audit_changes
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: a change cannot be updated');
END;

CREATE TRIGGER audit_changes_no_delete BEFORE DELETE ON audit_changes
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: a change cannot be deleted');
END;

-- Changes belong to the entry just appended, and are never replaced.
CREATE TRIGGER audit_changes_to_last_entry BEFORE INSERT ON audit_changes
WHEN NEW.seq IS NOT (SELECT max(seq) FROM audit_log)
    OR EXISTS (SELECT 1 FROM audit_changes WHERE seq = NEW.seq AND field = NEW.field)
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: a change can only be added to the last entry');
END;
