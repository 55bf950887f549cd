-- KPI rollups by one dimension. workorder_stats_daily keeps every event
-- under day × unit × region × category × channel, which any filter or
-- scope can be applied to, but at a million orders a quarter of it is
-- close to a million rows. workorder_stats_dim holds the same counters
-- summed per day and ONE of unit, region or category (dim), written in the
-- same transaction as the daily rows, so the KPI table of a quarter grouped
-- by one of them reads a few thousand rows. Stats uses it whenever the
-- caller's data scope can be applied to that dimension alone (see
-- internal/workorder/stats.go); otherwise it reads workorder_stats_daily.
CREATE TABLE workorder_stats_dim (
    dim                  TEXT    NOT NULL CHECK (dim IN ('unit','region','category')),
    day                  TEXT    NOT NULL,
    id                   BIGINT  NOT NULL,
    received             BIGINT  NOT NULL DEFAULT 0,
    dispatched           BIGINT  NOT NULL DEFAULT 0,
    acknowledged_on_time BIGINT  NOT NULL DEFAULT 0,
    resolved             BIGINT  NOT NULL DEFAULT 0,
    resolved_on_time     BIGINT  NOT NULL DEFAULT 0,
    returned             BIGINT  NOT NULL DEFAULT 0,
    reopened             BIGINT  NOT NULL DEFAULT 0,
    callbacks_reached    BIGINT  NOT NULL DEFAULT 0,
    satisfied            BIGINT  NOT NULL DEFAULT 0,
    basically_satisfied  BIGINT  NOT NULL DEFAULT 0,
    dissatisfied         BIGINT  NOT NULL DEFAULT 0,
    handling_ms_sum      BIGINT  NOT NULL DEFAULT 0,
    handling_count       BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (dim, day, id)
);

-- The rows already summed, once per dimension.
INSERT INTO workorder_stats_dim (dim, day, id, received, dispatched, acknowledged_on_time, resolved,
    resolved_on_time, returned, reopened, callbacks_reached, satisfied, basically_satisfied, dissatisfied,
    handling_ms_sum, handling_count)
SELECT d.dim, s.day,
    CASE d.dim WHEN 'unit' THEN s.unit_id WHEN 'region' THEN s.region_id ELSE s.category_id END,
    SUM(s.received), SUM(s.dispatched), SUM(s.acknowledged_on_time), SUM(s.resolved),
    SUM(s.resolved_on_time), SUM(s.returned), SUM(s.reopened), SUM(s.callbacks_reached), SUM(s.satisfied),
    SUM(s.basically_satisfied), SUM(s.dissatisfied), SUM(s.handling_ms_sum), SUM(s.handling_count)
FROM workorder_stats_daily s
CROSS JOIN (SELECT 'unit' AS dim UNION ALL SELECT 'region' UNION ALL SELECT 'category') d
GROUP BY d.dim, s.day, CASE d.dim WHEN 'unit' THEN s.unit_id WHEN 'region' THEN s.region_id ELSE s.category_id END;

-- The overdue-now counts and the escalation timer ask for orders in some
-- states past a deadline: led by state, these indexes read only those. An
-- order that has no deadline, unit or parent yet (every new report) is left
-- out of the indexes on them, so taking in a report writes four index
-- entries fewer; a query on one of those columns with =, < or IN implies
-- IS NOT NULL, so both engines still use them.
DROP INDEX workorders_ack_due;
DROP INDEX workorders_resolve_due;
DROP INDEX workorders_parent;
DROP INDEX workorders_unit;
CREATE INDEX workorders_state_ack_due ON workorders(state, ack_due_at) WHERE ack_due_at IS NOT NULL;
CREATE INDEX workorders_state_resolve_due ON workorders(state, resolve_due_at) WHERE resolve_due_at IS NOT NULL;
CREATE INDEX workorders_parent ON workorders(parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX workorders_unit ON workorders(unit_id, id) WHERE unit_id IS NOT NULL;
