-- The satisfaction figures count each order's FIRST reached callback (the
-- first whose rating is not unreachable; internal/workorder/stats.go,
-- cohort): a civilisation office judges the handling by the citizen's
-- first verdict, so an order rated dissatisfied and satisfied after the
-- redo counts as dissatisfied. They counted the latest callback
-- (satisfaction). first_rating keeps that first rating on the order, ''
-- before one; it is filled here from the timeline: the earliest callback
-- event of each order (by time, then id) whose rating in its data is
-- reached. Only orders with a callback (satisfaction <> '') can have one.
ALTER TABLE workorders ADD COLUMN first_rating TEXT NOT NULL DEFAULT '';
UPDATE workorders SET first_rating = COALESCE((
        SELECT json_extract(e.data, '$.rating') FROM workorder_events e
        WHERE e.order_id = workorders.id AND e.action = 'callback' AND json_valid(e.data)
          AND json_extract(e.data, '$.rating') IN ('satisfied', 'basically_satisfied', 'dissatisfied')
        ORDER BY e.at, e.id LIMIT 1), '')
    WHERE satisfaction <> '';
-- The rollups' satisfaction counters change with it: empty them and have
-- them recounted from the orders at the next start
-- (workorder.Service.RebuildStats), as migration 0019 did.
INSERT INTO stats_rebuild (name) SELECT 'workorder' WHERE EXISTS (SELECT 1 FROM workorders)
    ON CONFLICT (name) DO NOTHING;
DELETE FROM workorder_stats_daily;
DELETE FROM workorder_stats_dim;
