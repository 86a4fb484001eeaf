DROP TABLE contract_details;
