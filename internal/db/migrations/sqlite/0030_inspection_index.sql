-- Inspection (督查测评), part 1: the evaluation index (测评体系) as
-- versioned data, site types (点位类型) with their checklists (检查项)
-- and the sites (点位) that are inspected. Points are stored in
-- hundredths (centi-points) so that sums and deductions are exact.

-- One version of an index: a code shared by its versions, a version number
-- and a state (draft: editable; active: the one in force, at most one per
-- code; retired: kept for history).
CREATE TABLE inspection_indexes (
    id         INTEGER PRIMARY KEY,
    code       TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'draft',
    note       TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    UNIQUE (code, version)
);
-- At most one version of an index is in force.
CREATE UNIQUE INDEX inspection_indexes_active ON inspection_indexes(code) WHERE state = 'active';

-- The tree of a version: part (基本指标 / 特色指标) → section (政务环境 …)
-- → indicator → content, each with its points and, for indicators and
-- contents, how it is collected (field, questionnaire, document, report).
CREATE TABLE inspection_nodes (
    id        INTEGER PRIMARY KEY,
    index_id  BIGINT  NOT NULL REFERENCES inspection_indexes(id) ON DELETE CASCADE,
    parent_id BIGINT  REFERENCES inspection_nodes(id) ON DELETE CASCADE,
    level     TEXT    NOT NULL,
    code      TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    points    BIGINT  NOT NULL DEFAULT 0,
    method    TEXT    NOT NULL DEFAULT '',
    sort      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (index_id, code)
);
CREATE INDEX inspection_nodes_parent ON inspection_nodes(parent_id);

CREATE TABLE inspection_site_types (
    id         INTEGER PRIMARY KEY,
    code       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    name_en    TEXT    NOT NULL DEFAULT '',
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    sort       INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);

-- A line of a site type's checklist, tied to an indicator or content of
-- the index by its code (so the checklist survives a new index version),
-- with its measurable rule, its points, the deduction per finding, the
-- cap of the deductions and its severity (which sets the rectification's
-- deadline).
CREATE TABLE inspection_check_items (
    id             INTEGER PRIMARY KEY,
    site_type_id   BIGINT  NOT NULL REFERENCES inspection_site_types(id) ON DELETE CASCADE,
    indicator_code TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    rule           TEXT    NOT NULL,
    points         BIGINT  NOT NULL,
    deduct         BIGINT  NOT NULL,
    cap            BIGINT  NOT NULL,
    severity       TEXT    NOT NULL DEFAULT 'normal',
    allow_na       BOOLEAN NOT NULL DEFAULT FALSE,
    sort           INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);
CREATE INDEX inspection_check_items_type ON inspection_check_items(site_type_id, sort);

-- A site: a point (lat, lng) or a line (a road: "lat,lng;lat,lng;…"), in
-- a region, the responsibility of a unit. Who sees it follows the
-- region's and the unit's paths (and the supervision group covering it).
CREATE TABLE inspection_sites (
    id           INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    site_type_id BIGINT  NOT NULL REFERENCES inspection_site_types(id),
    shape        TEXT    NOT NULL DEFAULT 'point',
    lat          DOUBLE PRECISION,
    lng          DOUBLE PRECISION,
    line         TEXT    NOT NULL DEFAULT '',
    address      TEXT    NOT NULL DEFAULT '',
    region_id    BIGINT  NOT NULL REFERENCES regions(id),
    unit_id      BIGINT  NOT NULL REFERENCES units(id),
    photo_id     BIGINT,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX inspection_sites_region ON inspection_sites(region_id);
CREATE INDEX inspection_sites_unit ON inspection_sites(unit_id);
CREATE INDEX inspection_sites_type ON inspection_sites(site_type_id);
