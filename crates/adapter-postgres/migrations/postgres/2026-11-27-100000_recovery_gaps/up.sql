-- I1: removing an account withdraws the open invitations it issued.
CREATE INDEX invitations_invited_by ON invitations (invited_by);
