-- D1, L8: an AD connection's protocol (SAML 2.0 or OpenID Connect), the claim that names the
-- person, the OpenID Connect client, the SAML metadata document last read (shared by every
-- instance), and whether it is turned off; one row per contract with a connection (the ID,
-- metadata URL and start stay on `contracts`; the URL is '' for pasted metadata).
CREATE TABLE ad_connection_details (
    contract_id      uuid        PRIMARY KEY REFERENCES contracts (id) ON DELETE CASCADE,
    protocol         text        NOT NULL CHECK (protocol IN ('saml', 'oidc')),
    subject          text        NOT NULL,
    client_id        text,
    client_secret    text,
    metadata_xml     text,
    metadata_read_at timestamptz,
    turned_off_at    timestamptz,
    CHECK ((protocol = 'oidc') = (client_id IS NOT NULL AND client_secret IS NOT NULL)),
    CHECK ((metadata_xml IS NULL) = (metadata_read_at IS NULL))
);
INSERT INTO ad_connection_details (contract_id, protocol, subject)
    SELECT id, 'saml', 'persistent' FROM contracts WHERE ad_connection_id IS NOT NULL;

-- Connection IDs are kept in lower case (typed in any case).
UPDATE contracts SET ad_connection_id = lower(ad_connection_id)
    WHERE ad_connection_id IS NOT NULL;
UPDATE accounts SET connection_id = lower(connection_id) WHERE connection_id IS NOT NULL;

-- L8: SAML assertions already used, per connection, until they expire (replay refusal).
CREATE TABLE saml_assertions (
    connection_id  text        NOT NULL,
    assertion_hash bytea       NOT NULL CHECK (octet_length(assertion_hash) = 32),
    expires_at     timestamptz NOT NULL,
    PRIMARY KEY (connection_id, assertion_hash)
);
CREATE INDEX saml_assertions_expiry ON saml_assertions (expires_at);
