-- The queue's "my done" tab: the orders on whose timeline a user acted.
CREATE INDEX workorder_events_actor ON workorder_events(actor_id, order_id);
