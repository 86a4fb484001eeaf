-- I1: the invitee's language, chosen by the inviter; the mail, the registration pages and the
-- account created follow it. Existing invitations were all sent in Japanese.
ALTER TABLE invitations ADD COLUMN locale text NOT NULL DEFAULT 'ja' CHECK (locale IN ('ja', 'en'));
-- I2: the Argon2 hash of the password chosen at the review step, kept with the pending
-- invitation so that the review page carries no password; the account takes it on acceptance.
-- With it, the hash of the link it was reviewed under: it is used with that link only.
ALTER TABLE invitations ADD COLUMN reviewed_password_hash text;
ALTER TABLE invitations ADD COLUMN reviewed_password_link bytea
    CHECK (reviewed_password_link IS NULL OR octet_length(reviewed_password_link) = 32);
