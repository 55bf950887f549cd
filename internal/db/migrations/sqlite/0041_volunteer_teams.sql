-- The practice tree (新时代文明实践中心 → 所 → 站), attached to regions
-- (district → street → community), with its places; volunteer teams with
-- their leaders and members (internal/volunteer).
CREATE TABLE stations (
    id            INTEGER PRIMARY KEY,
    parent_id     BIGINT REFERENCES stations(id),
    level         TEXT    NOT NULL CHECK (level IN ('centre','institute','station')),
    name          TEXT    NOT NULL,
    region_id     BIGINT  NOT NULL UNIQUE REFERENCES regions(id),
    address       TEXT    NOT NULL DEFAULT '',
    contact_name  TEXT    NOT NULL DEFAULT '',
    contact_phone TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX stations_parent ON stations(parent_id);

CREATE TABLE places (
    id         INTEGER PRIMARY KEY,
    station_id BIGINT NOT NULL REFERENCES stations(id),
    name       TEXT   NOT NULL,
    address    TEXT   NOT NULL DEFAULT '',
    lat        DOUBLE PRECISION,
    lng        DOUBLE PRECISION,
    created_at BIGINT NOT NULL,
    UNIQUE (station_id, name)
);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    name       TEXT   NOT NULL UNIQUE,
    region_id  BIGINT NOT NULL REFERENCES regions(id),
    station_id BIGINT REFERENCES stations(id),
    intro      TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX teams_region ON teams(region_id);

CREATE TABLE team_members (
    team_id      BIGINT  NOT NULL REFERENCES teams(id),
    volunteer_id BIGINT  NOT NULL REFERENCES volunteers(id),
    leader       BOOLEAN NOT NULL DEFAULT FALSE,
    joined_at    BIGINT  NOT NULL,
    PRIMARY KEY (team_id, volunteer_id)
);
CREATE INDEX team_members_volunteer ON team_members(volunteer_id);
