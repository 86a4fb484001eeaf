DROP TABLE outbox;
DROP TABLE sessions;
DROP TABLE tickets;
DROP TABLE accounts;
DROP TABLE contracts;
