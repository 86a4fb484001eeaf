-- X6: who holds a mail's lease (a worker's ID); a delivery result counts only from it.
ALTER TABLE outbox ADD COLUMN leased_by TEXT;
