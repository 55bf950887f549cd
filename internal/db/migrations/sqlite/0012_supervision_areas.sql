-- Supervision groups' areas (督导组责任片区): a supervision group (a unit of
-- kind supervision_group) is responsible for one or more region subtrees.
-- The group covering a region is the one assigned to its nearest ancestor
-- (or itself) that has an assignment (internal/org/supervision.go); overdue
-- work orders escalate to it as well as to their unit.
CREATE TABLE supervision_areas (
    id         INTEGER PRIMARY KEY,
    unit_id    BIGINT NOT NULL REFERENCES units(id),
    region_id  BIGINT NOT NULL REFERENCES regions(id),
    created_at BIGINT NOT NULL,
    UNIQUE (unit_id, region_id)
);
CREATE INDEX supervision_areas_region ON supervision_areas(region_id);

-- The outbox admin page lists messages by state, newest first.
CREATE INDEX notify_outbox_state_id ON notify_outbox(state, id);
