-- The queue's filters at a million orders (issue 13). Every filter reads
-- an index in id order: the overdue filter reads this partial index, which
-- holds only the orders marked overdue (none of the new reports, so taking
-- in a report writes no entry), and a place's orders are read newest first
-- from (region_path, id) (SQLite's index on region_path ends in the rowid
-- already).
CREATE INDEX workorders_overdue ON workorders(id) WHERE (ack_overdue = TRUE OR resolve_overdue = TRUE);
DROP INDEX workorders_region_path;
CREATE INDEX workorders_region_path ON workorders(region_path, id);
