-- Services citizens order (群众点单 → 中心派单 → 志愿者接单 → 群众评单):
-- a resident asks their station for a service, the station assigns a team,
-- the team accepts, serves and marks it done, the resident rates it with the
-- order's code. The states and who moves them are data in
-- internal/volunteer/order.go; every move is a conditional UPDATE on the
-- state it starts from, so two people acting at once never both succeed.
-- Pairings (结对共建): activities and teams may belong to a pairing, whose
-- unit runs them in its community (internal/volunteer/pairing.go).
CREATE TABLE service_orders (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    station_id  BIGINT  NOT NULL REFERENCES stations(id),
    kind        TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    phone       TEXT    NOT NULL,
    address     TEXT    NOT NULL DEFAULT '',
    wanted_day  TEXT    NOT NULL DEFAULT '',
    state       TEXT    NOT NULL CHECK (state IN ('ordered','assigned','accepted','served','rated','refused')),
    team_id     BIGINT REFERENCES teams(id),
    reason      TEXT    NOT NULL DEFAULT '',
    note        TEXT    NOT NULL DEFAULT '',
    volunteers  INTEGER NOT NULL DEFAULT 0,
    minutes     INTEGER NOT NULL DEFAULT 0,
    rating      INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
    comment     TEXT    NOT NULL DEFAULT '',
    assigned_at BIGINT,
    accepted_at BIGINT,
    served_at   BIGINT,
    rated_at    BIGINT,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX service_orders_station ON service_orders(station_id, state);
CREATE INDEX service_orders_team ON service_orders(team_id, state);

ALTER TABLE activities ADD COLUMN pairing_id BIGINT REFERENCES pairings(id);
ALTER TABLE teams ADD COLUMN pairing_id BIGINT REFERENCES pairings(id);
CREATE INDEX activities_pairing ON activities(pairing_id);
CREATE INDEX teams_pairing ON teams(pairing_id);

-- English names of stations and teams, for the English pages (empty: the
-- page makes one from the region's English name).
ALTER TABLE stations ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
ALTER TABLE teams ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN name_en TEXT NOT NULL DEFAULT '';

-- What a pairing's activity solved for the community (为群众办实事, counted
-- by the organiser after it).
ALTER TABLE activities ADD COLUMN problems INTEGER NOT NULL DEFAULT 0 CHECK (problems >= 0);
