-- Identity: the clinic, its users and their second factor, the policies an
-- administrator sets, and secrets that live only inside the sealed vault.
-- Times are UTC, RFC 3339 text.

CREATE TABLE clinic (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at TEXT NOT NULL
);

-- One row per user; the user's key slot in the seal is named by username.
-- Failed logins and lockouts are counted outside the sealed database (they
-- happen before it can be opened): see throttle.rs.
-- Users are never deleted (the audit trail names them): removal is a status.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('administrator', 'provider', 'staff', 'auditor')),
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'removed')),
    must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    -- RFC 6238 secret once enrolment is confirmed; NULL before.
    totp_secret BLOB,
    -- A secret shown for enrolment, not yet confirmed by a code.
    totp_pending BLOB,
    -- The last time step accepted: a code is never accepted twice.
    totp_last_step INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Single-use TOTP recovery codes, stored as HMAC-SHA-256 under a vault secret.
CREATE TABLE totp_recovery_codes (
    user_id INTEGER NOT NULL REFERENCES users(id),
    code_hash BLOB NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
) WITHOUT ROWID;

-- Administrator-set policies (idle timeout, TOTP for roles, lockout), one
-- value per key; absent keys take the built-in defaults.
CREATE TABLE policy (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Keys that must survive rekey and revocation with the data they protect
-- (the audit chain key, the failure queue's private key).
CREATE TABLE vault_secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
