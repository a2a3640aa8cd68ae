-- The audit trail: every mutating call and every denied call.
CREATE TABLE audit_events (
    event_id       TEXT PRIMARY KEY,
    event_time     TEXT NOT NULL,
    account_id     TEXT,
    principal_arn  TEXT,
    principal_id   TEXT,
    principal_type TEXT,
    access_key_id  TEXT,
    service        TEXT NOT NULL,
    action         TEXT NOT NULL,
    target         TEXT,
    source_ip      TEXT,
    user_agent     TEXT,
    region         TEXT,
    request_id     TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    error_code     TEXT,
    error_message  TEXT,
    read_only      INTEGER NOT NULL
);
CREATE INDEX audit_events_account_time ON audit_events (account_id, event_time);
CREATE INDEX audit_events_time ON audit_events (event_time);
