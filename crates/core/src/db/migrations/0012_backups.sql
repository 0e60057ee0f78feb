-- Backups: the history of every run with its verification result, every
-- later check of a backup file, and every file retention removed. A run
-- is recorded after the fact: the snapshot cannot contain its own result.

CREATE TABLE backup_runs (
    id INTEGER PRIMARY KEY,
    backup_id TEXT UNIQUE CHECK (backup_id IS NULL OR length(backup_id) = 32),
    reason TEXT NOT NULL CHECK (reason IN ('manual', 'scheduled', 'catch_up')),
    folder TEXT NOT NULL,
    file_name TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    bytes INTEGER,
    head_seq INTEGER,
    head_hash TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('verified', 'failed', 'cancelled')),
    error TEXT
);
CREATE INDEX backup_runs_by_time ON backup_runs(finished_at);
CREATE INDEX backup_runs_by_user ON backup_runs(user_id);

CREATE TABLE backup_checks (
    id INTEGER PRIMARY KEY,
    backup_id TEXT,
    file TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    outcome TEXT NOT NULL CHECK (outcome IN ('good', 'wrong_password', 'damaged', 'not_a_backup', 'other_vault', 'newer_format', 'failed')),
    detail TEXT
);
CREATE INDEX backup_checks_by_backup ON backup_checks(backup_id);
CREATE INDEX backup_checks_by_user ON backup_checks(user_id);

CREATE TABLE backup_prunes (
    id INTEGER PRIMARY KEY,
    backup_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    pruned_at TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id)
);
CREATE INDEX backup_prunes_by_user ON backup_prunes(user_id);
