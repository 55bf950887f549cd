-- What a work order is: a citizen's request (every order before this
-- migration, and the default) or the rectification of an inspection's
-- finding (督查整改, filed by the inspection capability through
-- workorder.Service.SubmitInternalTx). Rectifications go through the same
-- life as requests but are not citizens' requests: Open311, the public
-- board, the tracking page and the work-order KPI rollups leave them out.
ALTER TABLE workorders ADD COLUMN kind TEXT NOT NULL DEFAULT 'request';
CREATE INDEX workorders_kind ON workorders(kind, id);
