-- X5: rate-limit counters shared by every instance on this database. One fixed window per
-- key, timed by the database's clock (microseconds since the Unix epoch).
CREATE TABLE rate_limits (
    key             text    PRIMARY KEY,
    window_start_us bigint  NOT NULL,
    hits            integer NOT NULL CHECK (hits > 0)
);
