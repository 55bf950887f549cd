-- The in-app notices become a shared inbox (internal/inbox): each is keyed
-- by the kind of record it is about and its id (kind, ref), with the
-- record's label (a work order's code); what happened moves to event.
-- Every existing row was written by the work orders, so it becomes kind
-- 'workorder' with ref = order_id. order_id is no longer written; it stays
-- because SQLite cannot drop a column that has a foreign key.
ALTER TABLE notifications ADD COLUMN event TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN ref BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN label TEXT NOT NULL DEFAULT '';
UPDATE notifications SET event = kind, kind = 'workorder', ref = COALESCE(order_id, 0),
    label = COALESCE((SELECT w.code FROM workorders w WHERE w.id = notifications.order_id), '');
