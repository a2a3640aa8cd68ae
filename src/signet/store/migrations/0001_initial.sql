-- Accounts, users, access keys and signing certificates.
CREATE TABLE accounts (
    account_id   TEXT PRIMARY KEY,
    created_at   TEXT NOT NULL
);

CREATE TABLE users (
    user_id       TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (account_id),
    user_name     TEXT NOT NULL,
    user_name_key TEXT NOT NULL,
    path          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    permissions_boundary TEXT,
    tags          TEXT NOT NULL DEFAULT '[]',
    CONSTRAINT users_name_unique UNIQUE (account_id, user_name_key)
);

CREATE TABLE access_keys (
    access_key_id     TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts (account_id),
    owner_id          TEXT NOT NULL,
    secret            TEXT NOT NULL,
    status            TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    last_used_at      TEXT,
    last_used_service TEXT,
    last_used_region  TEXT
);
CREATE INDEX access_keys_owner ON access_keys (owner_id, created_at, access_key_id);

CREATE TABLE signing_certificates (
    account_id     TEXT NOT NULL REFERENCES accounts (account_id),
    certificate_id TEXT NOT NULL,
    owner_id       TEXT NOT NULL,
    body           TEXT NOT NULL,
    status         TEXT NOT NULL,
    uploaded_at    TEXT NOT NULL,
    not_after      TEXT NOT NULL,
    CONSTRAINT signing_certificates_unique PRIMARY KEY (account_id, certificate_id)
);
CREATE INDEX signing_certificates_owner
    ON signing_certificates (owner_id, uploaded_at, certificate_id);
