-- Inspection, part 8: patrols (巡查). A team walks a route in a region and
-- records what it found: fixed on the spot (before and after photos,
-- closed at once) or not, in which case the finding is a work order of kind
-- rectification to the responsible unit, like an inspection's.
CREATE TABLE inspection_patrols (
    id           INTEGER PRIMARY KEY,
    team_id      BIGINT NOT NULL REFERENCES units(id),
    patroller_id BIGINT NOT NULL REFERENCES users(id),
    region_id    BIGINT NOT NULL REFERENCES regions(id),
    route        TEXT   NOT NULL,
    note         TEXT   NOT NULL DEFAULT '',
    started_at   BIGINT NOT NULL,
    ended_at     BIGINT
);
CREATE INDEX inspection_patrols_started ON inspection_patrols(started_at);
CREATE INDEX inspection_patrols_team ON inspection_patrols(team_id, started_at);

CREATE TABLE inspection_patrol_findings (
    id              INTEGER PRIMARY KEY,
    patrol_id       BIGINT  NOT NULL REFERENCES inspection_patrols(id),
    kind            TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    unit_id         BIGINT  NOT NULL REFERENCES units(id),
    lat             DOUBLE PRECISION,
    lng             DOUBLE PRECISION,
    fixed           BOOLEAN NOT NULL,
    before_photo_id BIGINT  NOT NULL REFERENCES photos(id),
    after_photo_id  BIGINT  REFERENCES photos(id),
    order_id        BIGINT  UNIQUE REFERENCES workorders(id),
    created_at      BIGINT  NOT NULL
);
CREATE INDEX inspection_patrol_findings_patrol ON inspection_patrol_findings(patrol_id);
CREATE INDEX inspection_patrol_findings_unit ON inspection_patrol_findings(unit_id, created_at);
