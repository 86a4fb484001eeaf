-- X5: links mailed per account (password resets, invitations), for their daily caps.
CREATE TABLE link_sends (
    seq        INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    sent_at    TEXT NOT NULL
);
CREATE INDEX link_sends_account ON link_sends (account_id, purpose, sent_at);
