-- tobira store, SQLite. Same tables as on PostgreSQL. Times are TEXT in one fixed-width UTC
-- form ('2026-04-01T09:00:00.000000Z'), so text order is time order and comparisons in SQL are
-- correct; UUIDs are lower-case hyphenated TEXT; token hashes are 32-byte BLOBs.

CREATE TABLE contracts (
    id               TEXT NOT NULL PRIMARY KEY,
    name             TEXT NOT NULL,
    plan             TEXT NOT NULL CHECK (plan IN ('basic', 'free-trial')),
    trial_started_at TEXT,
    two_factor       TEXT NOT NULL CHECK (two_factor IN ('enabled', 'disabled')),
    access_route     TEXT NOT NULL CHECK (access_route IN ('line-and-internet', 'line-only')),
    created_at       TEXT NOT NULL,
    CHECK ((plan = 'free-trial') = (trial_started_at IS NOT NULL))
);

CREATE TABLE accounts (
    id            TEXT    NOT NULL PRIMARY KEY,
    contract_id   TEXT    NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    email         TEXT    NOT NULL,
    email_key     TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'user')),
    locale        TEXT    NOT NULL CHECK (locale IN ('ja', 'en')),
    login_method  TEXT    NOT NULL CHECK (login_method IN ('password', 'federated', 'active-directory')),
    provider      TEXT,
    connection_id TEXT,
    subject       TEXT,
    password_hash TEXT,
    failures      INTEGER NOT NULL DEFAULT 0 CHECK (failures BETWEEN 0 AND 10),
    locked_at     TEXT,
    created_at    TEXT    NOT NULL,
    CHECK (locked_at IS NOT NULL OR failures < 10)
);
CREATE UNIQUE INDEX accounts_email_key_unique ON accounts (email_key);
CREATE INDEX accounts_contract ON accounts (contract_id);

CREATE TABLE tickets (
    hash       BLOB NOT NULL PRIMARY KEY CHECK (length(hash) = 32),
    purpose    TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    new_email  TEXT,
    issued_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    voided_at  TEXT
);
CREATE INDEX tickets_unused ON tickets (account_id, purpose)
    WHERE used_at IS NULL AND voided_at IS NULL;

CREATE TABLE sessions (
    token_hash     BLOB NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),
    id             TEXT NOT NULL UNIQUE,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contract_id    TEXT NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    scope          TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    last_seen_at   TEXT NOT NULL,
    channel        TEXT NOT NULL,
    client_address TEXT,
    user_agent     TEXT
);
CREATE INDEX sessions_account ON sessions (account_id, created_at);

CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    recipient       TEXT    NOT NULL,
    locale          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    link_token      TEXT,
    created_at      TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'sent', 'abandoned')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TEXT,
    sent_at         TEXT,
    last_error      TEXT,
    leased_until    TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_unsent ON outbox (created_at, seq) WHERE state <> 'sent';
