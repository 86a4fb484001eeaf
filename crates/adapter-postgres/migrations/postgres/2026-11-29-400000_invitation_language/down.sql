ALTER TABLE invitations DROP COLUMN reviewed_password_link;
ALTER TABLE invitations DROP COLUMN reviewed_password_hash;
ALTER TABLE invitations DROP COLUMN locale;
