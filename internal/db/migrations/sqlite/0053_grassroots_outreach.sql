-- Grassroots governance, part 4: campaigns (like 一学三促) with their
-- topics and the dispatch rule as data (each village at least N
-- county-level and between M and K section-level cadres), outreach
-- meetings at venues with a capacity, cadres with their rank and their
-- dispatch to villages for a period.
CREATE TABLE gr_campaigns (
    id          INTEGER PRIMARY KEY,
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    region_path TEXT NOT NULL,
    name        TEXT NOT NULL,
    topics      TEXT NOT NULL DEFAULT '',
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    min_county  INTEGER NOT NULL DEFAULT 1,
    min_section INTEGER NOT NULL DEFAULT 2,
    max_section INTEGER NOT NULL DEFAULT 3,
    created_at  BIGINT NOT NULL
);
CREATE INDEX gr_campaigns_path ON gr_campaigns(region_path);

CREATE TABLE gr_venues (
    id          INTEGER PRIMARY KEY,
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    region_path TEXT NOT NULL,
    name        TEXT NOT NULL,
    capacity    INTEGER NOT NULL CHECK (capacity > 0),
    created_at  BIGINT NOT NULL
);
CREATE INDEX gr_venues_path ON gr_venues(region_path);

CREATE TABLE gr_meetings (
    id          INTEGER PRIMARY KEY,
    campaign_id BIGINT REFERENCES gr_campaigns(id),
    venue_id    BIGINT NOT NULL REFERENCES gr_venues(id),
    region_path TEXT NOT NULL,
    topic       TEXT NOT NULL,
    speakers    TEXT NOT NULL,
    held_on     TEXT NOT NULL,
    audience    INTEGER NOT NULL CHECK (audience >= 0),
    photo_id    BIGINT REFERENCES photos(id),
    created_by  BIGINT REFERENCES users(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX gr_meetings_path_day ON gr_meetings(region_path, held_on);
CREATE INDEX gr_meetings_campaign ON gr_meetings(campaign_id);

CREATE TABLE gr_cadres (
    id          INTEGER PRIMARY KEY,
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    region_path TEXT NOT NULL,
    name        TEXT NOT NULL,
    rank        TEXT NOT NULL CHECK (rank IN ('county', 'section', 'staff')),
    unit_name   TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX gr_cadres_path ON gr_cadres(region_path);

CREATE TABLE gr_dispatches (
    id          INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES gr_campaigns(id) ON DELETE CASCADE,
    cadre_id    BIGINT NOT NULL REFERENCES gr_cadres(id),
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    region_path TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (campaign_id, cadre_id, region_id)
);
CREATE INDEX gr_dispatches_campaign ON gr_dispatches(campaign_id, region_id);
