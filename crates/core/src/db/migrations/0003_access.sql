-- Access: per-user exceptions to the role's permissions, and emergency
-- access ("break the glass"). The permission matrix itself lives in code
-- (crates/core/src/access/matrix.rs), not here. Permission names are the
-- snake_case names of `access::Permission`; a name this build does not know
-- is refused when read. Times are UTC, RFC 3339 text.

-- One row per (user, permission) that differs from the user's role: a
-- 'deny' wins over the role and a 'grant' adds to it. Clearing an override
-- deletes its row.
CREATE TABLE user_permission_overrides (
    user_id INTEGER NOT NULL REFERENCES users(id),
    permission TEXT NOT NULL,
    effect TEXT NOT NULL CHECK (effect IN ('grant', 'deny')),
    set_by INTEGER REFERENCES users(id),
    set_at TEXT NOT NULL,
    PRIMARY KEY (user_id, permission)
) WITHOUT ROWID;

-- Emergency access: one row per invocation, kept for good. A grant lets its
-- user use one permission on one patient from started_at until expires_at;
-- someone else reviews it afterwards (reviewed_* are set once, together).
CREATE TABLE emergency_access (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    patient_id INTEGER NOT NULL,
    permission TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (length(trim(reason)) >= 10),
    started_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    reviewed_by INTEGER REFERENCES users(id),
    reviewed_at TEXT,
    review_note TEXT,
    CHECK ((reviewed_by IS NULL) = (reviewed_at IS NULL)),
    CHECK (reviewed_at IS NOT NULL OR review_note IS NULL)
);

-- The lookup of every permission check on a patient.
CREATE INDEX emergency_access_by_user_patient ON emergency_access (user_id, patient_id, permission);

-- The administrator's review list.
CREATE INDEX emergency_access_pending ON emergency_access (started_at) WHERE reviewed_at IS NULL;

-- A grant is never deleted, and only its review is ever written, once.
CREATE TRIGGER emergency_access_no_delete BEFORE DELETE ON emergency_access
BEGIN
    SELECT RAISE(ABORT, 'emergency access grants are kept');
END;

CREATE TRIGGER emergency_access_review_only BEFORE UPDATE ON emergency_access
WHEN OLD.reviewed_at IS NOT NULL
    OR NEW.id IS NOT OLD.id
    OR NEW.user_id IS NOT OLD.user_id
    OR NEW.patient_id IS NOT OLD.patient_id
    OR NEW.permission IS NOT OLD.permission
    OR NEW.reason IS NOT OLD.reason
    OR NEW.started_at IS NOT OLD.started_at
    OR NEW.expires_at IS NOT OLD.expires_at
BEGIN
    SELECT RAISE(ABORT, 'only the review of an emergency access grant is written, once');
END;
