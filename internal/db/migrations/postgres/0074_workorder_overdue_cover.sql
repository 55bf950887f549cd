-- The overdue-now count (the KPI table's and the cockpit's) asks, per unit,
-- for the requests in some states past a deadline. Led by state and
-- deadline as before, these indexes now also hold the kind and the unit, so
-- the count is answered from the index alone: at a million orders 0.5 ms
-- instead of 13–40 ms of table reads, which under 16 concurrent clients was
-- most of the KPI table's time. Still partial: an order without the
-- deadline (every new report) has no entry.
DROP INDEX IF EXISTS workorders_state_ack_due;
DROP INDEX IF EXISTS workorders_state_resolve_due;
CREATE INDEX workorders_state_ack_due ON workorders(state, ack_due_at, kind, unit_id) WHERE ack_due_at IS NOT NULL;
CREATE INDEX workorders_state_resolve_due ON workorders(state, resolve_due_at, kind, unit_id) WHERE resolve_due_at IS NOT NULL;
