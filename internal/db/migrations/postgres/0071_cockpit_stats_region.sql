-- The cockpit's figures per unit or category within a region: the daily
-- rollup rows of the region's subtree, read by region id and day.
CREATE INDEX workorder_stats_daily_region ON workorder_stats_daily(region_id, day);
