-- L7: provider sign-ins in progress, keyed by the hash of their `state`; single use.
CREATE TABLE federation_requests (
    state_hash   bytea       PRIMARY KEY CHECK (octet_length(state_hash) = 32),
    browser_hash bytea       NOT NULL CHECK (octet_length(browser_hash) = 32),
    provider     text        NOT NULL,
    purpose      text        NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX federation_requests_expiry ON federation_requests (expires_at);
