-- Grassroots governance (基层治理), part 1: households per grid, their
-- members (ID numbers encrypted at rest with internal/pii, a blind index
-- beside them), tags as data with start and end dates, and the
-- ten-household and building heads each responsible for households.
CREATE TABLE gr_tag_kinds (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sort    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO gr_tag_kinds (code, name, name_en, sort) VALUES
    ('lifted', '脱贫户', 'Lifted out of poverty', 10),
    ('monitored', '监测户', 'Monitored', 20),
    ('minimum_living', '低保户', 'Minimum living allowance', 30),
    ('extreme_hardship', '特困供养', 'Extreme-hardship support', 40),
    ('elderly_alone', '独居老人', 'Elderly living alone', 50),
    ('disabled', '残疾人', 'Person with a disability', 60),
    ('key_person', '重点人员', 'Key person', 70),
    ('absent', '空挂户', 'Registered but absent', 80);

CREATE TABLE gr_heads (
    id          INTEGER PRIMARY KEY,
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    region_path TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('ten_household', 'building')),
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX gr_heads_path ON gr_heads(region_path);

CREATE TABLE gr_households (
    id               INTEGER PRIMARY KEY,
    region_id        BIGINT NOT NULL REFERENCES regions(id),
    region_path      TEXT NOT NULL,
    address          TEXT NOT NULL,
    building         TEXT NOT NULL DEFAULT '',
    door             TEXT NOT NULL DEFAULT '',
    head_name        TEXT NOT NULL,
    phone            TEXT NOT NULL DEFAULT '',
    ten_head_id      BIGINT REFERENCES gr_heads(id),
    building_head_id BIGINT REFERENCES gr_heads(id),
    note             TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX gr_households_path ON gr_households(region_path, id);
CREATE INDEX gr_households_ten ON gr_households(ten_head_id);
CREATE INDEX gr_households_building ON gr_households(building_head_id);

CREATE TABLE gr_people (
    id           INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES gr_households(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    relation     TEXT NOT NULL,
    gender       TEXT NOT NULL DEFAULT '',
    id_enc       TEXT NOT NULL DEFAULT '',
    id_index     TEXT,
    id_mask      TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX gr_people_household ON gr_people(household_id);
CREATE UNIQUE INDEX gr_people_id_index ON gr_people(id_index);

CREATE TABLE gr_tags (
    id           INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES gr_households(id) ON DELETE CASCADE,
    person_id    BIGINT REFERENCES gr_people(id) ON DELETE CASCADE,
    tag          TEXT NOT NULL REFERENCES gr_tag_kinds(code),
    started_on   TEXT NOT NULL,
    ended_on     TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX gr_tags_household ON gr_tags(household_id);
CREATE INDEX gr_tags_tag ON gr_tags(tag, household_id);
