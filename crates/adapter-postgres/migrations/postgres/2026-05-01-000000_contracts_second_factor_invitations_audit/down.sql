DROP TABLE audit_events;
DROP TABLE invitations;
DROP TABLE line_consents;
DROP TABLE lines;
DROP TABLE sms_sends;
DROP TABLE remembered_browsers;
DROP TABLE pending_sign_ins;
DROP TABLE enrolments;
-- Invitation tickets name no account: they go before the reference comes back.
DELETE FROM tickets WHERE account_id NOT IN (SELECT id FROM accounts);
ALTER TABLE tickets ADD CONSTRAINT tickets_account_id_fkey
    FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE;
DROP INDEX accounts_ad_identity_unique;
DROP INDEX accounts_federated_identity_unique;
DROP INDEX contracts_ad_connection_unique;
ALTER TABLE contracts
    DROP CONSTRAINT contracts_status_complete,
    DROP CONSTRAINT contracts_ad_complete,
    DROP COLUMN cancelled_at,
    DROP COLUMN status,
    DROP COLUMN ad_enabled_at,
    DROP COLUMN ad_metadata_url,
    DROP COLUMN ad_connection_id;
