-- The queue's filters at a million orders (issue 13). Every filter reads
-- an index in id order: the overdue filter reads this partial index, which
-- holds only the orders marked overdue (none of the new reports, so taking
-- in a report writes no entry). The query's predicate is this index's
-- WHERE term word for word, which is how SQLite knows it may use it.
-- (On SQLite the index on region_path already ends in the rowid, so a
-- place's orders are in id order; PostgreSQL's gets the id column.)
CREATE INDEX workorders_overdue ON workorders(id) WHERE (ack_overdue = TRUE OR resolve_overdue = TRUE);
