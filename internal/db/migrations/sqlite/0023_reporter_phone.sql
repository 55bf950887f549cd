-- An operator taking a call sees the caller's earlier orders (来电弹屏):
-- orders are found by the reporter's phone (digits only, internal/pii),
-- newest first. Orders without a phone are left out of the index.
CREATE INDEX workorders_reporter_phone ON workorders(reporter_phone, id) WHERE reporter_phone <> '';
