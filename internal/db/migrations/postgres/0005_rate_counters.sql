-- Fixed-window counters that throttle anonymous requests (citizens' reports
-- per address) across every instance sharing the database. A row is one key
-- (e.g. 'report:203.0.113.7') with the start of its current window (unix ms)
-- and how many requests were accepted in it; stale rows are swept by the
-- writer that opens a new window.
CREATE TABLE rate_counters (
    key          TEXT    PRIMARY KEY,
    window_start BIGINT  NOT NULL,
    count        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rate_counters_window ON rate_counters(window_start);
