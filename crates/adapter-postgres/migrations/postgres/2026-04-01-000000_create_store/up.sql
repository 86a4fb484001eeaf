-- tobira store, PostgreSQL. Times are timestamptz (UTC instants); enums are lower-case text
-- with CHECK constraints; token hashes are 32-byte bytea.

CREATE TABLE contracts (
    id               uuid        PRIMARY KEY,
    name             text        NOT NULL,
    plan             text        NOT NULL CHECK (plan IN ('basic', 'free-trial')),
    trial_started_at timestamptz,
    two_factor       text        NOT NULL CHECK (two_factor IN ('enabled', 'disabled')),
    access_route     text        NOT NULL CHECK (access_route IN ('line-and-internet', 'line-only')),
    created_at       timestamptz NOT NULL,
    CHECK ((plan = 'free-trial') = (trial_started_at IS NOT NULL))
);

CREATE TABLE accounts (
    id            uuid        PRIMARY KEY,
    contract_id   uuid        NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    email         text        NOT NULL,
    email_key     text        NOT NULL,
    display_name  text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('owner', 'admin', 'user')),
    locale        text        NOT NULL CHECK (locale IN ('ja', 'en')),
    login_method  text        NOT NULL CHECK (login_method IN ('password', 'federated', 'active-directory')),
    provider      text,
    connection_id text,
    subject       text,
    password_hash text,
    failures      integer     NOT NULL DEFAULT 0 CHECK (failures BETWEEN 0 AND 10),
    locked_at     timestamptz,
    created_at    timestamptz NOT NULL,
    -- A count at the threshold is always a lock (L2).
    CHECK (locked_at IS NOT NULL OR failures < 10)
);
-- E3: one address, one account, across all contracts.
CREATE UNIQUE INDEX accounts_email_key_unique ON accounts (email_key);
CREATE INDEX accounts_contract ON accounts (contract_id);

CREATE TABLE tickets (
    hash        bytea       PRIMARY KEY CHECK (octet_length(hash) = 32),
    purpose     text        NOT NULL,
    account_id  uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    new_email   text,
    issued_at   timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    voided_at   timestamptz
);
CREATE INDEX tickets_unused ON tickets (account_id, purpose)
    WHERE used_at IS NULL AND voided_at IS NULL;

CREATE TABLE sessions (
    token_hash     bytea       PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    id             uuid        NOT NULL UNIQUE,
    account_id     uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contract_id    uuid        NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    scope          text        NOT NULL,
    created_at     timestamptz NOT NULL,
    last_seen_at   timestamptz NOT NULL,
    channel        text        NOT NULL,
    client_address text,
    user_agent     text
);
CREATE INDEX sessions_account ON sessions (account_id, created_at);

-- The mail outbox (X6). `seq` orders mails queued in the same instant. `link_token` is the
-- ticket token a mail carries; it is erased once the mail is sent.
CREATE TABLE outbox (
    seq             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              uuid        NOT NULL UNIQUE,
    recipient       text        NOT NULL,
    locale          text        NOT NULL,
    kind            text        NOT NULL,
    link_token      text,
    created_at      timestamptz NOT NULL,
    state           text        NOT NULL CHECK (state IN ('pending', 'sent', 'abandoned')),
    attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz,
    sent_at         timestamptz,
    last_error      text,
    leased_until    timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_unsent ON outbox (created_at, seq) WHERE state <> 'sent';
