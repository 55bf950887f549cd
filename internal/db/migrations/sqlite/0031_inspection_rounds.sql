-- Inspection, part 2: weekly plans (每周一督查) and inspections with their
-- check results.

-- A supervision group's round for one week (week: the Monday, China
-- Standard Time, 'YYYY-MM-DD'); one per group and week, whichever instance
-- generates it.
CREATE TABLE inspection_plans (
    id           INTEGER PRIMARY KEY,
    group_id     BIGINT NOT NULL REFERENCES units(id),
    week         TEXT   NOT NULL,
    generated_at BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (group_id, week)
);

-- The sites of a round and why each is in it (monthly: the month's
-- coverage; recheck: it failed last time; missed: planned earlier this
-- month and not inspected; manual: the group leader added it).
CREATE TABLE inspection_plan_sites (
    plan_id  BIGINT NOT NULL REFERENCES inspection_plans(id) ON DELETE CASCADE,
    site_id  BIGINT NOT NULL REFERENCES inspection_sites(id),
    reason   TEXT   NOT NULL,
    added_by BIGINT,
    PRIMARY KEY (plan_id, site_id)
);
CREATE INDEX inspection_plan_sites_site ON inspection_plan_sites(site_id);

-- One inspection of a site: who, when (the phone's time stamp and the
-- server's), where (GPS, its distance from the site; far ones flagged),
-- the score (points in hundredths; rate in hundredths of a percent) and
-- the phone's idempotency key, unique per inspector, so a re-send never
-- makes a second inspection.
CREATE TABLE inspections (
    id            INTEGER PRIMARY KEY,
    site_id       BIGINT  NOT NULL REFERENCES inspection_sites(id),
    group_id      BIGINT  REFERENCES units(id),
    unit_id       BIGINT  NOT NULL REFERENCES units(id),
    inspector_id  BIGINT  NOT NULL REFERENCES users(id),
    plan_id       BIGINT  REFERENCES inspection_plans(id),
    week          TEXT    NOT NULL,
    client_key    TEXT    NOT NULL,
    inspected_at  BIGINT  NOT NULL,
    submitted_at  BIGINT  NOT NULL,
    lat           DOUBLE PRECISION,
    lng           DOUBLE PRECISION,
    accuracy_m    INTEGER,
    distance_m    INTEGER,
    far           BOOLEAN NOT NULL DEFAULT FALSE,
    earned        BIGINT  NOT NULL,
    possible      BIGINT  NOT NULL,
    rate          INTEGER NOT NULL,
    rated         BOOLEAN NOT NULL,
    findings      INTEGER NOT NULL,
    passed        BOOLEAN NOT NULL,
    note          TEXT    NOT NULL DEFAULT '',
    UNIQUE (inspector_id, client_key)
);
CREATE INDEX inspections_site ON inspections(site_id, inspected_at);
CREATE INDEX inspections_group_week ON inspections(group_id, week);

-- Each check item's result, with the item as it stood (title, rule,
-- points, deduction, cap) so later checklist edits do not rewrite history.
CREATE TABLE inspection_results (
    id             INTEGER PRIMARY KEY,
    inspection_id  BIGINT  NOT NULL REFERENCES inspections(id) ON DELETE CASCADE,
    item_id        BIGINT  NOT NULL,
    indicator_code TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    rule           TEXT    NOT NULL,
    points         BIGINT  NOT NULL,
    deduct         BIGINT  NOT NULL,
    cap            BIGINT  NOT NULL,
    severity       TEXT    NOT NULL,
    outcome        TEXT    NOT NULL,
    count          INTEGER NOT NULL DEFAULT 0,
    deduction      BIGINT  NOT NULL DEFAULT 0,
    note           TEXT    NOT NULL DEFAULT '',
    photo_id       BIGINT  REFERENCES photos(id),
    sort           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inspection_results_inspection ON inspection_results(inspection_id);
