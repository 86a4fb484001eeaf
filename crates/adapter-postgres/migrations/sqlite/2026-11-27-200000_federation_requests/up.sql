-- L7: provider sign-ins in progress, keyed by the hash of their `state`; single use.
CREATE TABLE federation_requests (
    state_hash   BLOB NOT NULL PRIMARY KEY CHECK (length(state_hash) = 32),
    browser_hash BLOB NOT NULL CHECK (length(browser_hash) = 32),
    provider     TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX federation_requests_expiry ON federation_requests (expires_at);
