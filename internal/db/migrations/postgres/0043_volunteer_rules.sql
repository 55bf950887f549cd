-- A project's repeat rule (volunteer.Rule as JSON; '' for none), kept with
-- the project when its activities are generated from it.
ALTER TABLE projects ADD COLUMN rule TEXT NOT NULL DEFAULT '';
