-- Almost every order is a citizen's request, and most reads say
-- kind = 'request'. With an index on kind, SQLite took that term as its way
-- in and read every request: the KPI table's overdue-now count at a million
-- orders took a second through workorders_kind instead of milliseconds
-- through the state-and-deadline indexes. The rectifications, the few of
-- another kind, keep an index of their own.
DROP INDEX IF EXISTS workorders_kind;
CREATE INDEX IF NOT EXISTS workorders_rectifications ON workorders(id) WHERE kind = 'rectification';
