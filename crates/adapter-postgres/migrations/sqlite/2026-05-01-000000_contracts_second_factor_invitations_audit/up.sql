-- Contracts' AD connection and status, unique identity bindings, second factors, lines,
-- invitations and the audit trail. Same tables as on PostgreSQL; SQLite adds one column per
-- ALTER TABLE, so a check over several columns sits on the last one.

-- D1: a contract's Active Directory connection (all three columns or none).
ALTER TABLE contracts ADD COLUMN ad_connection_id TEXT;
ALTER TABLE contracts ADD COLUMN ad_metadata_url TEXT;
ALTER TABLE contracts ADD COLUMN ad_enabled_at TEXT CHECK (
    (ad_connection_id IS NULL) = (ad_metadata_url IS NULL)
    AND (ad_connection_id IS NULL) = (ad_enabled_at IS NULL));
ALTER TABLE contracts ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'cancelled'));
ALTER TABLE contracts ADD COLUMN cancelled_at TEXT
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL));
CREATE UNIQUE INDEX contracts_ad_connection_unique ON contracts (ad_connection_id)
    WHERE ad_connection_id IS NOT NULL;

-- L7, L8: a federated or AD identity is bound to at most one account.
CREATE UNIQUE INDEX accounts_federated_identity_unique ON accounts (provider, subject)
    WHERE login_method = 'federated';
CREATE UNIQUE INDEX accounts_ad_identity_unique ON accounts (connection_id, subject)
    WHERE login_method = 'active-directory';

-- An invitation ticket names the account it will create (I1), which does not exist yet: tickets
-- no longer reference accounts. SQLite cannot drop a reference, so the table is rebuilt
-- (nothing references it).
CREATE TABLE tickets_new (
    hash       BLOB NOT NULL PRIMARY KEY CHECK (length(hash) = 32),
    purpose    TEXT NOT NULL,
    account_id TEXT NOT NULL,
    new_email  TEXT,
    issued_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    voided_at  TEXT
);
INSERT INTO tickets_new SELECT hash, purpose, account_id, new_email, issued_at, expires_at,
    used_at, voided_at FROM tickets;
DROP TABLE tickets;
ALTER TABLE tickets_new RENAME TO tickets;
CREATE INDEX tickets_unused ON tickets (account_id, purpose)
    WHERE used_at IS NULL AND voided_at IS NULL;

CREATE TABLE enrolments (
    account_id     TEXT    NOT NULL PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    method         TEXT    NOT NULL CHECK (method IN ('sms', 'totp')),
    totp_secret    BLOB,
    phone          TEXT,
    recovery_hash  TEXT    NOT NULL,
    last_totp_step INTEGER CHECK (last_totp_step >= 0),
    enrolled_at    TEXT    NOT NULL,
    CHECK ((method = 'totp') = (totp_secret IS NOT NULL)),
    CHECK ((method = 'sms') = (phone IS NOT NULL))
);

CREATE TABLE pending_sign_ins (
    token_hash       BLOB    NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id       TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contract_id      TEXT    NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    scope            TEXT    NOT NULL,
    channel          TEXT    NOT NULL CHECK (channel IN ('internet', 'line')),
    line_number      TEXT,
    client_address   TEXT,
    user_agent       TEXT,
    created_at       TEXT    NOT NULL,
    stage            TEXT    NOT NULL,
    sms_wrong_tries  INTEGER CHECK (sms_wrong_tries BETWEEN 0 AND 255),
    remember_browser INTEGER NOT NULL CHECK (remember_browser IN (0, 1)),
    CHECK ((channel = 'line') = (line_number IS NOT NULL))
);
CREATE INDEX pending_sign_ins_account ON pending_sign_ins (account_id);

CREATE TABLE remembered_browsers (
    token_hash   BLOB NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    last_used_at TEXT NOT NULL
);
CREATE INDEX remembered_browsers_account ON remembered_browsers (account_id);

CREATE TABLE sms_sends (
    seq        INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL,
    phone      TEXT NOT NULL,
    sent_at    TEXT NOT NULL
);
CREATE INDEX sms_sends_account ON sms_sends (account_id, sent_at);
CREATE INDEX sms_sends_phone ON sms_sends (phone, sent_at);

CREATE TABLE lines (
    line_number TEXT NOT NULL PRIMARY KEY,
    contract_id TEXT NOT NULL REFERENCES contracts (id) ON DELETE CASCADE
);
CREATE INDEX lines_contract ON lines (contract_id);

CREATE TABLE line_consents (
    contract_id  TEXT NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    line_number  TEXT NOT NULL,
    consented_at TEXT NOT NULL,
    PRIMARY KEY (contract_id, line_number)
);

CREATE TABLE invitations (
    account_id   TEXT NOT NULL PRIMARY KEY,
    contract_id  TEXT NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    email_key    TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'user')),
    invited_by   TEXT,
    sent_at      TEXT NOT NULL
);
CREATE INDEX invitations_contract ON invitations (contract_id, sent_at);

CREATE TABLE audit_events (
    seq            INTEGER PRIMARY KEY,
    at             TEXT NOT NULL,
    contract_id    TEXT,
    account_id     TEXT,
    kind           TEXT NOT NULL,
    channel        TEXT NOT NULL CHECK (channel IN ('internet', 'line')),
    client_address TEXT
);
CREATE INDEX audit_events_contract ON audit_events (contract_id, at DESC, seq DESC);
