-- Contract details (S1, C2) beyond the contract's name (which is the company name).
CREATE TABLE contract_details (
    contract_id    TEXT NOT NULL PRIMARY KEY REFERENCES contracts (id) ON DELETE CASCADE,
    department     TEXT NOT NULL,
    contact_person TEXT NOT NULL,
    phone          TEXT NOT NULL,
    postal_code    TEXT NOT NULL,
    address        TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
