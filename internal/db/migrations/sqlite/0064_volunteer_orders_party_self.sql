-- Waiting-list tickets: a sign-up that finds an activity full draws its
-- place in line from this table's ascending ids instead of a counter on the
-- activity's row, so the many who wait never queue on that row's lock (only
-- the few who take a place do, for one UPDATE). The row is deleted in the
-- same transaction; AUTOINCREMENT never gives an id twice.
CREATE TABLE signup_tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL
);

-- Residents' service orders: the resident may withdraw an order before a
-- team takes it (state withdrawn); an order left unassigned past the
-- station's limit is escalated once to the station above (escalated_at,
-- set by a conditional UPDATE of the timer job). SQLite cannot change a
-- CHECK, so the table is rebuilt with the same rows.
CREATE TABLE service_orders_new (
    id           INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL UNIQUE,
    station_id   BIGINT  NOT NULL REFERENCES stations(id),
    kind         TEXT    NOT NULL,
    detail       TEXT    NOT NULL,
    name         TEXT    NOT NULL DEFAULT '',
    phone        TEXT    NOT NULL,
    address      TEXT    NOT NULL DEFAULT '',
    wanted_day   TEXT    NOT NULL DEFAULT '',
    state        TEXT    NOT NULL CHECK (state IN ('ordered','assigned','accepted','served','rated','refused','withdrawn')),
    team_id      BIGINT REFERENCES teams(id),
    reason       TEXT    NOT NULL DEFAULT '',
    note         TEXT    NOT NULL DEFAULT '',
    volunteers   INTEGER NOT NULL DEFAULT 0,
    minutes      INTEGER NOT NULL DEFAULT 0,
    rating       INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
    comment      TEXT    NOT NULL DEFAULT '',
    assigned_at  BIGINT,
    accepted_at  BIGINT,
    served_at    BIGINT,
    rated_at     BIGINT,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    withdrawn_at BIGINT,
    escalated_at BIGINT
);
INSERT INTO service_orders_new (id, code, station_id, kind, detail, name, phone, address, wanted_day, state, team_id, reason, note,
    volunteers, minutes, rating, comment, assigned_at, accepted_at, served_at, rated_at, created_at, updated_at)
SELECT id, code, station_id, kind, detail, name, phone, address, wanted_day, state, team_id, reason, note,
    volunteers, minutes, rating, comment, assigned_at, accepted_at, served_at, rated_at, created_at, updated_at FROM service_orders;
DROP TABLE service_orders;
ALTER TABLE service_orders_new RENAME TO service_orders;
CREATE INDEX service_orders_station ON service_orders(station_id, state);
CREATE INDEX service_orders_team ON service_orders(team_id, state);
-- The timer's scan: orders still waiting for the station, oldest first.
CREATE INDEX service_orders_waiting ON service_orders(state, escalated_at, created_at);

-- The text messages (短信) a resident's phone is sent about their order, one
-- per order and event (UNIQUE: a retried or doubled step never texts twice),
-- written in the step's transaction. No SMS gateway is called from here:
-- state 'queued' until a gateway configured by the city takes them; the
-- resident's order page shows them either way.
CREATE TABLE service_order_texts (
    id         INTEGER PRIMARY KEY,
    order_id   BIGINT NOT NULL REFERENCES service_orders(id),
    event      TEXT   NOT NULL,
    phone      TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    state      TEXT   NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','sent')),
    created_at BIGINT NOT NULL,
    UNIQUE (order_id, event)
);

-- Working Party members registering themselves on a phone (the community
-- approves; the approval makes the party_members row with its card number).
CREATE TABLE party_applications (
    id          INTEGER PRIMARY KEY,
    name        TEXT   NOT NULL,
    phone       TEXT   NOT NULL,
    unit_id     BIGINT NOT NULL REFERENCES units(id),
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    grid        TEXT   NOT NULL DEFAULT '',
    building    TEXT   NOT NULL DEFAULT '',
    roles       TEXT   NOT NULL DEFAULT '',
    posts       TEXT   NOT NULL DEFAULT '',
    status      TEXT   NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected')),
    reason      TEXT   NOT NULL DEFAULT '',
    member_id   BIGINT REFERENCES party_members(id),
    reviewed_by BIGINT REFERENCES users(id),
    reviewed_at BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX party_applications_region ON party_applications(region_id, status);
-- One pending application per phone.
CREATE UNIQUE INDEX party_applications_pending ON party_applications(phone) WHERE status = 'pending';
