-- The SQLite search index keys each record by its rowid in search_fts,
-- kind number << 40 | ref (internal/search), instead of through the
-- search_docs table: a kind's records are then one rowid range in ref
-- order, so a search reads its newest matches straight from the index and
-- stops at the page's end. A contentless FTS5 table cannot give its tokens
-- back, so the index is emptied here and the kinds it held are listed in
-- search_rebuild; each capability indexes its records again at the next
-- start (workorder.Service.RebuildSearch) and removes its kind from the
-- list.
CREATE TABLE search_rebuild (
    kind TEXT PRIMARY KEY
);
INSERT INTO search_rebuild (kind) SELECT DISTINCT kind FROM search_docs;

DROP TRIGGER search_docs_ad;
DROP TABLE search_docs;
DROP TABLE search_fts;

CREATE VIRTUAL TABLE search_fts USING fts5(
    tokens,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii',
    detail = 'none'
);
