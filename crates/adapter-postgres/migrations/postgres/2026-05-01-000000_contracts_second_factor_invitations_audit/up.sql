-- Contracts' AD connection and status, unique identity bindings, second factors, lines,
-- invitations and the audit trail. Same conventions as the first migration.

-- D1: a contract's Active Directory connection (all three columns or none).
ALTER TABLE contracts
    ADD COLUMN ad_connection_id text,
    ADD COLUMN ad_metadata_url  text,
    ADD COLUMN ad_enabled_at    timestamptz,
    ADD COLUMN status           text NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'cancelled')),
    ADD COLUMN cancelled_at     timestamptz,
    ADD CONSTRAINT contracts_ad_complete CHECK (
        (ad_connection_id IS NULL) = (ad_metadata_url IS NULL)
        AND (ad_connection_id IS NULL) = (ad_enabled_at IS NULL)),
    ADD CONSTRAINT contracts_status_complete CHECK (
        (status = 'cancelled') = (cancelled_at IS NOT NULL));
CREATE UNIQUE INDEX contracts_ad_connection_unique ON contracts (ad_connection_id)
    WHERE ad_connection_id IS NOT NULL;

-- L7, L8: a federated or AD identity is bound to at most one account.
CREATE UNIQUE INDEX accounts_federated_identity_unique ON accounts (provider, subject)
    WHERE login_method = 'federated';
CREATE UNIQUE INDEX accounts_ad_identity_unique ON accounts (connection_id, subject)
    WHERE login_method = 'active-directory';

-- An invitation ticket names the account it will create (I1), which does not exist yet: tickets
-- no longer reference accounts. Removing an account deletes its tickets explicitly.
ALTER TABLE tickets DROP CONSTRAINT IF EXISTS tickets_account_id_fkey;

-- T2, T3, T7: one enrolment per account. The TOTP secret is kept (codes are verified against
-- it); the recovery code only as its Argon2id hash.
CREATE TABLE enrolments (
    account_id     uuid        PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    method         text        NOT NULL CHECK (method IN ('sms', 'totp')),
    totp_secret    bytea,
    phone          text,
    recovery_hash  text        NOT NULL,
    last_totp_step bigint      CHECK (last_totp_step >= 0),
    enrolled_at    timestamptz NOT NULL,
    CHECK ((method = 'totp') = (totp_secret IS NOT NULL)),
    CHECK ((method = 'sms') = (phone IS NOT NULL))
);

-- X8: sign-ins waiting for their second factor. `stage` is the adapter's JSON document (with
-- the SMS challenge, if any, and an offered TOTP secret); the SMS code's wrong tries live in
-- `sms_wrong_tries` (NULL when no code was sent) so that one UPDATE counts them.
CREATE TABLE pending_sign_ins (
    token_hash       bytea       PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    account_id       uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contract_id      uuid        NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    scope            text        NOT NULL,
    channel          text        NOT NULL CHECK (channel IN ('internet', 'line')),
    line_number      text,
    client_address   text,
    user_agent       text,
    created_at       timestamptz NOT NULL,
    stage            text        NOT NULL,
    sms_wrong_tries  integer     CHECK (sms_wrong_tries BETWEEN 0 AND 255),
    remember_browser boolean     NOT NULL,
    CHECK ((channel = 'line') = (line_number IS NOT NULL))
);
CREATE INDEX pending_sign_ins_account ON pending_sign_ins (account_id);

-- L6: remembered browsers, by the hash of their device token.
CREATE TABLE remembered_browsers (
    token_hash   bytea       PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    account_id   uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    last_used_at timestamptz NOT NULL
);
CREATE INDEX remembered_browsers_account ON remembered_browsers (account_id);

-- X5: SMS sends of the last 24 hours, per account and per number. No reference to accounts:
-- removing an account does not reset its number's count.
CREATE TABLE sms_sends (
    seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id uuid        NOT NULL,
    phone      text        NOT NULL,
    sent_at    timestamptz NOT NULL
);
CREATE INDEX sms_sends_account ON sms_sends (account_id, sent_at);
CREATE INDEX sms_sends_phone ON sms_sends (phone, sent_at);

-- N1, N2: a line belongs to at most one contract (the primary key decides).
CREATE TABLE lines (
    line_number text PRIMARY KEY,
    contract_id uuid NOT NULL REFERENCES contracts (id) ON DELETE CASCADE
);
CREATE INDEX lines_contract ON lines (contract_id);

-- N5: consents to receive a West Japan line's details, per contract and line.
CREATE TABLE line_consents (
    contract_id  uuid        NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    line_number  text        NOT NULL,
    consented_at timestamptz NOT NULL,
    PRIMARY KEY (contract_id, line_number)
);

-- I1-I3: pending invitations, by the account ID they reserve.
CREATE TABLE invitations (
    account_id   uuid        PRIMARY KEY,
    contract_id  uuid        NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    email        text        NOT NULL,
    email_key    text        NOT NULL,
    display_name text        NOT NULL,
    role         text        NOT NULL CHECK (role IN ('owner', 'admin', 'user')),
    invited_by   uuid,
    sent_at      timestamptz NOT NULL
);
CREATE INDEX invitations_contract ON invitations (contract_id, sent_at);

-- X1: the audit trail. `kind` is the adapter's JSON document; no secrets are ever recorded.
-- No references: events outlive the accounts they name.
CREATE TABLE audit_events (
    seq            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL,
    contract_id    uuid,
    account_id     uuid,
    kind           text        NOT NULL,
    channel        text        NOT NULL CHECK (channel IN ('internet', 'line')),
    client_address text
);
CREATE INDEX audit_events_contract ON audit_events (contract_id, at DESC, seq DESC);
