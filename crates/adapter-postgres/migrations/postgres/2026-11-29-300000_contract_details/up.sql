-- Contract details (S1, C2) beyond the contract's name (which is the company name).
CREATE TABLE contract_details (
    contract_id    uuid        PRIMARY KEY REFERENCES contracts (id) ON DELETE CASCADE,
    department     text        NOT NULL,
    contact_person text        NOT NULL,
    phone          text        NOT NULL,
    postal_code    text        NOT NULL,
    address        text        NOT NULL,
    updated_at     timestamptz NOT NULL
);
