-- I1: removing an account withdraws the open invitations it issued.
CREATE INDEX invitations_invited_by ON invitations (invited_by);

-- P3, L5: "forgot password" requests, queued by the request (one insert, whatever the address)
-- and resolved by the outbox worker. A row lives from the request to its resolution.
CREATE TABLE reset_requests (
    id             uuid NOT NULL PRIMARY KEY,
    email          TEXT NOT NULL,
    channel        TEXT NOT NULL CHECK (channel IN ('internet', 'line')),
    line_number    TEXT CHECK ((channel = 'line') = (line_number IS NOT NULL)),
    client_address TEXT,
    user_agent     TEXT,
    requested_at   timestamptz NOT NULL,
    leased_until   timestamptz
);
CREATE INDEX reset_requests_order ON reset_requests (requested_at);
