-- X5: rate-limit counters (the same contract as on PostgreSQL). One fixed window per key,
-- timed by the database's clock (microseconds since the Unix epoch).
CREATE TABLE rate_limits (
    key             TEXT    PRIMARY KEY NOT NULL,
    window_start_us BIGINT  NOT NULL,
    hits            INTEGER NOT NULL CHECK (hits > 0)
);
