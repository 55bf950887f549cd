-- Work orders: categories and deadlines, the holiday calendar, orders with
-- their timeline, attachments, assisting units, in-app notifications and the
-- daily KPI rollup. Times are unix milliseconds; dates are 'YYYY-MM-DD' text.

-- Urgency classes (DB11/T 2021—2022): the default limits a category copies.
CREATE TABLE workorder_urgencies (
    code          TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    name_en       TEXT    NOT NULL DEFAULT '',
    ack_hours     INTEGER NOT NULL CHECK (ack_hours > 0),
    resolve_value INTEGER NOT NULL CHECK (resolve_value > 0),
    resolve_unit  TEXT    NOT NULL CHECK (resolve_unit IN ('hours','calendar_days','working_days')),
    sort          INTEGER NOT NULL DEFAULT 0
);

-- Categories: a group is a row without a parent; orders use categories below a group.
CREATE TABLE workorder_categories (
    id            INTEGER PRIMARY KEY,
    parent_id     BIGINT REFERENCES workorder_categories(id),
    code          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    name_en       TEXT    NOT NULL DEFAULT '',
    unit_id       BIGINT REFERENCES units(id),
    urgency       TEXT    NOT NULL REFERENCES workorder_urgencies(code),
    ack_hours     INTEGER NOT NULL CHECK (ack_hours > 0),
    resolve_value INTEGER NOT NULL CHECK (resolve_value > 0),
    resolve_unit  TEXT    NOT NULL CHECK (resolve_unit IN ('hours','calendar_days','working_days')),
    public        BOOLEAN NOT NULL DEFAULT TRUE,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    sort          INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX workorder_categories_parent ON workorder_categories(parent_id);

-- Holiday calendar: public holidays and make-up working days (调休).
CREATE TABLE holidays (
    day  TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday','workday')),
    name TEXT NOT NULL DEFAULT ''
);

CREATE TABLE workorders (
    id               INTEGER PRIMARY KEY,
    code             TEXT    NOT NULL UNIQUE,
    channel          TEXT    NOT NULL CHECK (channel IN ('hotline','snap','board','web','api')),
    category_id      BIGINT  NOT NULL REFERENCES workorder_categories(id),
    title            TEXT    NOT NULL DEFAULT '',
    description      TEXT    NOT NULL,
    address          TEXT    NOT NULL DEFAULT '',
    lat              DOUBLE PRECISION,
    lng              DOUBLE PRECISION,
    region_id        BIGINT REFERENCES regions(id),
    region_path      TEXT    NOT NULL DEFAULT '',
    unit_id          BIGINT REFERENCES units(id),
    unit_path        TEXT    NOT NULL DEFAULT '',
    reporter_name    TEXT    NOT NULL DEFAULT '',
    reporter_phone   TEXT    NOT NULL DEFAULT '',
    state            TEXT    NOT NULL,
    urgency          TEXT    NOT NULL,
    dispatched_at    BIGINT,
    ack_due_at       BIGINT,
    resolve_due_at   BIGINT,
    acknowledged_at  BIGINT,
    resolved_at      BIGINT,
    closed_at        BIGINT,
    extension_until  BIGINT,
    ack_overdue      BOOLEAN NOT NULL DEFAULT FALSE,
    resolve_overdue  BOOLEAN NOT NULL DEFAULT FALSE,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    escalated_at     BIGINT,
    parent_id        BIGINT REFERENCES workorders(id),
    satisfaction     TEXT    NOT NULL DEFAULT '',
    reopen_count     INTEGER NOT NULL DEFAULT 0,
    resolution       TEXT    NOT NULL DEFAULT '',
    created_by       BIGINT REFERENCES users(id),
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
-- Lists show the newest first: each filter column leads an index ending in id.
CREATE INDEX workorders_state ON workorders(state, id);
CREATE INDEX workorders_category ON workorders(category_id, id);
CREATE INDEX workorders_unit ON workorders(unit_id, id);
CREATE INDEX workorders_channel ON workorders(channel, id);
CREATE INDEX workorders_created ON workorders(created_at);
CREATE INDEX workorders_region_path ON workorders(region_path);
CREATE INDEX workorders_unit_path ON workorders(unit_path);
CREATE INDEX workorders_parent ON workorders(parent_id);
CREATE INDEX workorders_ack_due ON workorders(ack_due_at);
CREATE INDEX workorders_resolve_due ON workorders(resolve_due_at);
CREATE INDEX workorders_escalated ON workorders(escalation_level, escalated_at);

-- Assisting units beside the lead unit (workorders.unit_id).
CREATE TABLE workorder_units (
    order_id BIGINT NOT NULL REFERENCES workorders(id),
    unit_id  BIGINT NOT NULL REFERENCES units(id),
    PRIMARY KEY (order_id, unit_id)
);
CREATE INDEX workorder_units_unit ON workorder_units(unit_id);

-- The timeline: every step with who, when, what and the deadline in force.
CREATE TABLE workorder_events (
    id          INTEGER PRIMARY KEY,
    order_id    BIGINT  NOT NULL REFERENCES workorders(id),
    at          BIGINT  NOT NULL,
    actor_id    BIGINT,
    actor_name  TEXT    NOT NULL DEFAULT '',
    actor_role  TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    from_state  TEXT    NOT NULL DEFAULT '',
    to_state    TEXT    NOT NULL DEFAULT '',
    note        TEXT    NOT NULL DEFAULT '',
    public_note BOOLEAN NOT NULL DEFAULT FALSE,
    deadline_at BIGINT,
    unit_id     BIGINT,
    data        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX workorder_events_order ON workorder_events(order_id, id);

-- Evidence photos per event; photo ids belong to the photo capability.
CREATE TABLE workorder_attachments (
    event_id   BIGINT NOT NULL REFERENCES workorder_events(id),
    order_id   BIGINT NOT NULL REFERENCES workorders(id),
    photo_id   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, photo_id)
);
CREATE INDEX workorder_attachments_order ON workorder_attachments(order_id);

-- In-app notifications for a user or a whole unit; delivery is elsewhere.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT REFERENCES users(id),
    unit_id    BIGINT REFERENCES units(id),
    order_id   BIGINT REFERENCES workorders(id),
    kind       TEXT   NOT NULL,
    text_key   TEXT   NOT NULL,
    args       TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unit ON notifications(unit_id, id);

-- Daily KPI rollup, kept in the transaction of each change. unit_id and
-- region_id are 0 for "none" so the key is never NULL.
CREATE TABLE workorder_stats_daily (
    day                  TEXT    NOT NULL,
    unit_id              BIGINT  NOT NULL DEFAULT 0,
    region_id            BIGINT  NOT NULL DEFAULT 0,
    category_id          BIGINT  NOT NULL DEFAULT 0,
    channel              TEXT    NOT NULL DEFAULT '',
    received             BIGINT  NOT NULL DEFAULT 0,
    dispatched           BIGINT  NOT NULL DEFAULT 0,
    acknowledged_on_time BIGINT  NOT NULL DEFAULT 0,
    resolved             BIGINT  NOT NULL DEFAULT 0,
    resolved_on_time     BIGINT  NOT NULL DEFAULT 0,
    returned             BIGINT  NOT NULL DEFAULT 0,
    reopened             BIGINT  NOT NULL DEFAULT 0,
    callbacks_reached    BIGINT  NOT NULL DEFAULT 0,
    satisfied            BIGINT  NOT NULL DEFAULT 0,
    basically_satisfied  BIGINT  NOT NULL DEFAULT 0,
    dissatisfied         BIGINT  NOT NULL DEFAULT 0,
    handling_ms_sum      BIGINT  NOT NULL DEFAULT 0,
    handling_count       BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (day, unit_id, region_id, category_id, channel)
);
CREATE INDEX workorder_stats_daily_unit ON workorder_stats_daily(unit_id, day);
