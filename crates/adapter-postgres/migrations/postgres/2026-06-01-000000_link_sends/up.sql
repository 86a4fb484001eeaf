-- X5: links mailed per account (password resets, invitations), for their daily caps.
CREATE TABLE link_sends (
    seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id uuid        NOT NULL,
    purpose    text        NOT NULL,
    sent_at    timestamptz NOT NULL
);
CREATE INDEX link_sends_account ON link_sends (account_id, purpose, sent_at);
