DROP TABLE reset_requests;
DROP INDEX invitations_invited_by;
