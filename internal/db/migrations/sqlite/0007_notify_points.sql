-- Notification delivery (internal/notify) and citizens' points for valid
-- snap reports (internal/workorder/points.go). Times are unix milliseconds.

-- Where a unit's (or a user's) notifications are also sent: a webhook URL
-- or an e-mail address. Several rows per unit are allowed.
CREATE TABLE notify_channels (
    id         INTEGER PRIMARY KEY,
    unit_id    BIGINT REFERENCES units(id),
    user_id    BIGINT REFERENCES users(id),
    kind       TEXT    NOT NULL CHECK (kind IN ('webhook','email')),
    target     TEXT    NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT  NOT NULL,
    CHECK ((unit_id IS NULL) <> (user_id IS NULL))
);
CREATE INDEX notify_channels_unit ON notify_channels(unit_id);
CREATE INDEX notify_channels_user ON notify_channels(user_id);

-- Messages waiting to be delivered, written in the transaction of the event
-- that causes them and delivered by the notify.deliver job: an instance
-- claims a row (claimed_by, claimed_until) with one conditional UPDATE,
-- sends it, then marks it sent or schedules the next attempt (next_at).
CREATE TABLE notify_outbox (
    id            INTEGER PRIMARY KEY,
    channel       TEXT    NOT NULL CHECK (channel IN ('webhook','email')),
    target        TEXT    NOT NULL,
    unit_id       BIGINT,
    user_id       BIGINT,
    kind          TEXT    NOT NULL DEFAULT '',
    order_code    TEXT    NOT NULL DEFAULT '',
    subject       TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sent','failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       BIGINT  NOT NULL,
    claimed_by    TEXT    NOT NULL DEFAULT '',
    claimed_until BIGINT  NOT NULL DEFAULT 0,
    last_error    TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL,
    sent_at       BIGINT
);
CREATE INDEX notify_outbox_due ON notify_outbox(state, next_at);

-- Citizens' points: one balance row per phone (the row every change locks)
-- and the ledger of every change. An order earns once and is reversed once
-- (UNIQUE (order_id, reason); redemptions have no order).
CREATE TABLE points_balances (
    phone      TEXT    PRIMARY KEY,
    balance    BIGINT  NOT NULL DEFAULT 0 CHECK (balance >= 0),
    updated_at BIGINT  NOT NULL
);
CREATE TABLE points_ledger (
    id            INTEGER PRIMARY KEY,
    phone         TEXT    NOT NULL,
    order_id      BIGINT REFERENCES workorders(id),
    delta         BIGINT  NOT NULL,
    reason        TEXT    NOT NULL CHECK (reason IN ('report','reversal','redeem')),
    balance_after BIGINT  NOT NULL CHECK (balance_after >= 0),
    day           TEXT    NOT NULL,
    note          TEXT    NOT NULL DEFAULT '',
    actor_id      BIGINT,
    actor_name    TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL,
    UNIQUE (order_id, reason)
);
CREATE INDEX points_ledger_phone ON points_ledger(phone, id);
CREATE INDEX points_ledger_day ON points_ledger(phone, day);
