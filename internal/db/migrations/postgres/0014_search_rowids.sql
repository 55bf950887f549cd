-- Kinds whose records must be indexed again after an upgrade (see the
-- SQLite migration of the same number, which changed how its index is
-- keyed). PostgreSQL's search_index is unchanged, so nothing is listed.
CREATE TABLE search_rebuild (
    kind TEXT PRIMARY KEY
);
