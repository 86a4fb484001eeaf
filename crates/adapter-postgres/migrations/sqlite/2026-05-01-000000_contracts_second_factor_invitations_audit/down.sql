DROP TABLE audit_events;
DROP TABLE invitations;
DROP TABLE line_consents;
DROP TABLE lines;
DROP TABLE sms_sends;
DROP TABLE remembered_browsers;
DROP TABLE pending_sign_ins;
DROP TABLE enrolments;
-- Tickets reference accounts again; invitation tickets name no account and go.
CREATE TABLE tickets_old (
    hash       BLOB NOT NULL PRIMARY KEY CHECK (length(hash) = 32),
    purpose    TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    new_email  TEXT,
    issued_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    voided_at  TEXT
);
INSERT INTO tickets_old SELECT hash, purpose, account_id, new_email, issued_at, expires_at,
    used_at, voided_at FROM tickets WHERE account_id IN (SELECT id FROM accounts);
DROP TABLE tickets;
ALTER TABLE tickets_old RENAME TO tickets;
CREATE INDEX tickets_unused ON tickets (account_id, purpose)
    WHERE used_at IS NULL AND voided_at IS NULL;
DROP INDEX accounts_ad_identity_unique;
DROP INDEX accounts_federated_identity_unique;
DROP INDEX contracts_ad_connection_unique;
ALTER TABLE contracts DROP COLUMN cancelled_at;
ALTER TABLE contracts DROP COLUMN status;
ALTER TABLE contracts DROP COLUMN ad_enabled_at;
ALTER TABLE contracts DROP COLUMN ad_metadata_url;
ALTER TABLE contracts DROP COLUMN ad_connection_id;
