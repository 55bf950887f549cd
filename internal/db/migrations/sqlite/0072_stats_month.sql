-- The cockpit's figures kept per month: per region (pair 'region', id 0),
-- and per unit and per category within a region (pairs 'unit' and
-- 'category'), so a district's or a street's subtree is summed from its
-- regions' rows. workorder_stats_daily has them too, but a district's
-- quarter there is tens of thousands of rows (day × unit × region ×
-- category × channel) and a city's year of workorder_stats_dim's region
-- rows a hundred thousand; per month, region and unit (or category) it is a
-- few thousand, per month and region a few hundred. Written in the same transaction as
-- the daily rows (internal/workorder/stats.go, writeStats); a period that
-- does not start or end on a month's edge reads its edge days from the
-- daily rollup (StatsIn).
CREATE TABLE workorder_stats_month (
    pair                 TEXT    NOT NULL CHECK (pair IN ('region','unit','category')),
    region_id            BIGINT  NOT NULL,
    month                TEXT    NOT NULL, -- 'YYYY-MM' of the day received
    id                   BIGINT  NOT NULL, -- the unit (0: none yet) or category; 0 for 'region'
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
    PRIMARY KEY (pair, region_id, month, id)
);

INSERT INTO workorder_stats_month (pair, region_id, month, id, received, dispatched, acknowledged_on_time, resolved,
    resolved_on_time, returned, reopened, callbacks_reached, satisfied, basically_satisfied, dissatisfied,
    handling_ms_sum, handling_count)
SELECT d.pair, s.region_id, SUBSTR(s.day, 1, 7),
    CASE d.pair WHEN 'unit' THEN s.unit_id WHEN 'category' THEN s.category_id ELSE 0 END,
    SUM(s.received), SUM(s.dispatched), SUM(s.acknowledged_on_time), SUM(s.resolved),
    SUM(s.resolved_on_time), SUM(s.returned), SUM(s.reopened), SUM(s.callbacks_reached), SUM(s.satisfied),
    SUM(s.basically_satisfied), SUM(s.dissatisfied), SUM(s.handling_ms_sum), SUM(s.handling_count)
FROM workorder_stats_daily s
CROSS JOIN (SELECT 'region' AS pair UNION ALL SELECT 'unit' UNION ALL SELECT 'category') d
GROUP BY d.pair, s.region_id, SUBSTR(s.day, 1, 7), CASE d.pair WHEN 'unit' THEN s.unit_id WHEN 'category' THEN s.category_id ELSE 0 END;
