-- X6: who holds a mail's lease (a worker's ID); a delivery result counts only from it.
-- Adding a nullable column without a default is safe while older instances serve.
ALTER TABLE outbox ADD COLUMN leased_by text;
