-- Working Party members registered with their home community (在职党员到
-- 社区报到, 一单一表一卡): the registration (party_members, with the service
-- card's number from a per-year counter), the service form (party_services,
-- what the community records of each member's service), and the quarterly
-- report the community sends each member's employer unit, which the unit
-- signs for (party_reports with a snapshot of every member's line).
CREATE TABLE party_members (
    id            INTEGER PRIMARY KEY,
    card_no       TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    phone         TEXT    NOT NULL UNIQUE,
    unit_id       BIGINT  NOT NULL REFERENCES units(id),
    region_id     BIGINT  NOT NULL REFERENCES regions(id),
    grid          TEXT    NOT NULL DEFAULT '',
    building      TEXT    NOT NULL DEFAULT '',
    roles         TEXT    NOT NULL DEFAULT '',
    posts         TEXT    NOT NULL DEFAULT '',
    volunteer_id  BIGINT REFERENCES volunteers(id),
    registered_by BIGINT REFERENCES users(id),
    registered_at BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX party_members_region ON party_members(region_id);
CREATE INDEX party_members_unit ON party_members(unit_id, region_id);

CREATE TABLE party_card_counters (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE party_services (
    id          INTEGER PRIMARY KEY,
    member_id   BIGINT  NOT NULL REFERENCES party_members(id),
    day         TEXT    NOT NULL,
    content     TEXT    NOT NULL,
    minutes     INTEGER NOT NULL CHECK (minutes > 0),
    recorded_by BIGINT REFERENCES users(id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX party_services_member ON party_services(member_id, day);

CREATE TABLE party_reports (
    id          INTEGER PRIMARY KEY,
    region_id   BIGINT  NOT NULL REFERENCES regions(id),
    unit_id     BIGINT  NOT NULL REFERENCES units(id),
    year        INTEGER NOT NULL,
    quarter     INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    members     INTEGER NOT NULL,
    services    INTEGER NOT NULL,
    minutes     BIGINT  NOT NULL,
    created_by  BIGINT REFERENCES users(id),
    created_at  BIGINT  NOT NULL,
    signed_by   BIGINT REFERENCES users(id),
    signed_name TEXT    NOT NULL DEFAULT '',
    signed_at   BIGINT,
    UNIQUE (region_id, unit_id, year, quarter)
);
CREATE INDEX party_reports_unit ON party_reports(unit_id, signed_at);

CREATE TABLE party_report_lines (
    report_id BIGINT  NOT NULL REFERENCES party_reports(id),
    member_id BIGINT  NOT NULL REFERENCES party_members(id),
    services  INTEGER NOT NULL,
    minutes   BIGINT  NOT NULL,
    PRIMARY KEY (report_id, member_id)
);
