-- Inspection, part 3: rectifications (整改) and their rechecks (复查).
-- Each failed item of an inspection is a work order of kind rectification
-- (filed through the work-order service in the inspection's transaction);
-- this row ties it to the finding. rechecks and failed_rechecks count the
-- inspector's rechecks; a failed one counts against the unit.
CREATE TABLE inspection_rectifications (
    id              INTEGER PRIMARY KEY,
    inspection_id   BIGINT  NOT NULL REFERENCES inspections(id),
    result_id       BIGINT  NOT NULL UNIQUE REFERENCES inspection_results(id),
    site_id         BIGINT  NOT NULL REFERENCES inspection_sites(id),
    unit_id         BIGINT  NOT NULL REFERENCES units(id),
    group_id        BIGINT  REFERENCES units(id),
    order_id        BIGINT  NOT NULL UNIQUE REFERENCES workorders(id),
    severity        TEXT    NOT NULL,
    due_at          BIGINT  NOT NULL,
    rechecks        INTEGER NOT NULL DEFAULT 0,
    failed_rechecks INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX inspection_rectifications_inspection ON inspection_rectifications(inspection_id);
CREATE INDEX inspection_rectifications_unit ON inspection_rectifications(unit_id, created_at);
CREATE INDEX inspection_rectifications_site ON inspection_rectifications(site_id);

-- An inspector's recheck on the spot, with the phone's idempotency key
-- (unique per inspector: a re-send never rechecks twice), the photo and
-- the position (far from the site is flagged).
CREATE TABLE inspection_rechecks (
    id               INTEGER PRIMARY KEY,
    rectification_id BIGINT  NOT NULL REFERENCES inspection_rectifications(id),
    inspector_id     BIGINT  NOT NULL REFERENCES users(id),
    client_key       TEXT    NOT NULL,
    at               BIGINT  NOT NULL,
    passed           BOOLEAN NOT NULL,
    note             TEXT    NOT NULL DEFAULT '',
    photo_id         BIGINT  REFERENCES photos(id),
    lat              DOUBLE PRECISION,
    lng              DOUBLE PRECISION,
    distance_m       INTEGER,
    far              BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (inspector_id, client_key)
);
CREATE INDEX inspection_rechecks_rectification ON inspection_rechecks(rectification_id);
