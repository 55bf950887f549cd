-- The work-order rollups count each order once, in the row of the day it
-- was received and the unit that holds it, by where it stands now
-- (internal/workorder/stats.go, cohort), instead of each step on the day it
-- happened. The counts written before cannot be converted row by row, so
-- the rollups are emptied here when there are orders and recomputed from
-- the orders at the next start (workorder.Service.RebuildStats), which then
-- removes the row below.
CREATE TABLE stats_rebuild (
    name TEXT PRIMARY KEY
);
INSERT INTO stats_rebuild (name) SELECT 'workorder' WHERE EXISTS (SELECT 1 FROM workorders);
DELETE FROM workorder_stats_daily;
DELETE FROM workorder_stats_dim;
