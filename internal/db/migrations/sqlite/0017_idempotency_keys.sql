-- Idempotency keys of citizens' reports: a retry with the same key (per
-- scope: the public API, one Open311 client) gets the first answer. The
-- row is written in the order's transaction; keys expire after 24 hours.
CREATE TABLE idempotency_keys (
    scope       TEXT   NOT NULL,
    key_hash    TEXT   NOT NULL,
    fingerprint TEXT   NOT NULL,
    order_id    BIGINT NOT NULL REFERENCES workorders(id),
    status      INTEGER NOT NULL,
    body        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (scope, key_hash)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
